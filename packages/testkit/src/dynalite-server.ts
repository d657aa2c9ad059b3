/**
 * A DynamoDB endpoint for tests: `dynalite` (DynamoDB on an in-memory
 * LevelDB) started in this process on a free port, or the endpoint named by
 * `POLYXENA_TEST_DYNAMODB_ENDPOINT` (e.g. DynamoDB Local or a real region
 * endpoint) when that variable is set.
 */
import { createRequire } from "node:module";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A running test endpoint. */
export interface DynamoDbTestServer {
  /** `http://127.0.0.1:<port>` (or the configured endpoint). */
  readonly endpoint: string;
  /** Whether this process started the server (false for an external endpoint). */
  readonly embedded: boolean;
  /** Stops the embedded server; does nothing for an external endpoint. */
  close(): Promise<void>;
}

/** Options of {@link startDynamoDbTestServer}. */
export interface DynamoDbTestServerOptions {
  /** How long new tables stay CREATING (dynalite only; default 0 so tests do not wait). */
  createTableMs?: number;
}

type DynaliteFactory = (options: Record<string, unknown>) => Server;

const require = createRequire(import.meta.url);

/**
 * Starts dynalite on 127.0.0.1 and a free port, or returns the endpoint in
 * `POLYXENA_TEST_DYNAMODB_ENDPOINT`.
 *
 * @example
 * const server = await startDynamoDbTestServer();
 * const adapter = createDynamoDbAdapter({ client: { endpoint: server.endpoint, region: "local", credentials } });
 * ...
 * await server.close();
 */
export async function startDynamoDbTestServer(options: DynamoDbTestServerOptions = {}): Promise<DynamoDbTestServer> {
  const external = process.env.POLYXENA_TEST_DYNAMODB_ENDPOINT;
  if (external) return { endpoint: external, embedded: false, close: async () => {} };

  const dynalite = require("dynalite") as DynaliteFactory;
  const server = dynalite({ createTableMs: options.createTableMs ?? 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    embedded: true,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Clients keep sockets alive; without this, close() waits for them to time out.
        server.closeAllConnections();
      })),
  };
}
