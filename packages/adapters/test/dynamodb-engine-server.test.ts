/**
 * The DynamoDB adapter through the real AWS SDK against the DynamoDB engine
 * server (the in-process DynamoDB behind DynamoDB's wire protocol): the store
 * and DynamoDB conformance suites with TransactWriteItems, which dynalite
 * lacks, so transactions and unique claims run through the SDK too.
 */
import { randomUUID } from "node:crypto";
import { afterAll } from "vitest";
import type { EntityDefinition } from "@polyxena/core";
import { createDynamoDbAdapter } from "../src/dynamodb/index.js";
import { dynamoDbConformance, startDynamoDbEngineServer, storeConformance, type DynamoDbEngineServer } from "@polyxena/testkit";

const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const FILE_PREFIX = `engine_server_${randomUUID().slice(0, 8)}_`;

let serverPromise: Promise<DynamoDbEngineServer> | undefined;
const server = () => (serverPromise ??= startDynamoDbEngineServer());
afterAll(async () => {
  await (await serverPromise)?.close();
});

function engineServerTarget(suite: string) {
  let now = Date.now();
  return {
    kind: "dynamodb" as const,
    transactWriteItems: true,
    async setup(definitions: readonly EntityDefinition[]) {
      const { endpoint } = await server();
      const adapter = createDynamoDbAdapter({ client: { endpoint, region: "local", credentials }, tablePrefix: `${FILE_PREFIX}${suite}_`, now: () => now });
      await adapter.applySchema(definitions.map((d) => d.model));
      return { adapter, cleanup: () => adapter.close() };
    },
    async advanceClock(ms: number) {
      now += ms;
    },
  };
}

storeConformance("dynamodb (engine server)", engineServerTarget("store"));
dynamoDbConformance("dynamodb (engine server)", engineServerTarget("specific"));
