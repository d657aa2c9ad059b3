/**
 * dynalite in a child process (its CPU counts against no contender, as a
 * remote DynamoDB's would not) and the one DocumentClient that every
 * contender of a DynamoDB benchmark sends through (same HTTP agent,
 * keep-alive and marshalling options).
 */
import { Agent } from "node:http";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { startDynamoDbTestServer } from "@polyxena/testkit";

/** The shared client of a DynamoDB benchmark, and how to stop it and its server. */
export interface BenchDynamoDb {
  client: DynamoDBDocumentClient;
  /** The low-level client under `client`. */
  base: DynamoDBClient;
  /** The HTTP agent every request goes through (check that it was used). */
  agent: Agent;
  close(): Promise<void>;
}

/** Starts dynalite in a child process and builds the shared DocumentClient for it. */
export async function startBenchDynamoDb(): Promise<BenchDynamoDb> {
  const server = await startDynamoDbTestServer({ childProcess: true });
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const base = new DynamoDBClient({
    endpoint: server.endpoint,
    region: "local",
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
    requestHandler: { httpAgent: agent },
  });
  const client = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  return {
    client,
    base,
    agent,
    async close() {
      base.destroy();
      agent.destroy();
      await server.close();
    },
  };
}
