import { randomBytes } from "node:crypto";
import { createDynamoDbAdapter } from "@polyxena/adapters/dynamodb";
import { createMemoryDynamoDbAdapter } from "@polyxena/memory";
import { dynamoDbConformance } from "../../conformance/dynamodb-conformance.js";
import { startDynamoDbTestServer } from "../../dynalite-server.js";
import type { StoreTestKit } from "../store-test-kit.js";

/** The variable naming an external DynamoDB endpoint (read by `startDynamoDbTestServer`). */
const DYNAMODB_TEST_ENV = "POLYXENA_TEST_DYNAMODB_ENDPOINT";

/** A clock that runs with the wall clock and that TTL cases move forward. */
function movableClock() {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: async (ms: number) => void (offset += ms) };
}

/** A table prefix of its own per label and endpoint. */
const tablePrefix = (label: string) => `${label.replace(/\W/g, "_")}_${randomBytes(3).toString("hex")}_`;

/**
 * DynamoDB in tests: the AWS SDK against dynalite in-process (or the endpoint
 * `POLYXENA_TEST_DYNAMODB_ENDPOINT` names), a table prefix per label; the
 * memory twin is the real adapter over the in-process tables. Both read time
 * from a clock the TTL cases move.
 */
export const dynamoDbTestKit: StoreTestKit = {
  kind: "dynamodb",
  endpoint: { env: DYNAMODB_TEST_ENV, start: "dynalite starts in-process; no command needed" },
  async real(label) {
    const server = await startDynamoDbTestServer();
    const clock = movableClock();
    const prefix = tablePrefix(label);
    return {
      adapter: () =>
        createDynamoDbAdapter({
          client: { endpoint: server.endpoint, region: "local", credentials: { accessKeyId: "test", secretAccessKey: "test" } },
          tablePrefix: prefix,
          now: clock.now,
        }),
      advanceClock: clock.advance,
      close: () => server.close(),
    };
  },
  async memory(label) {
    const clock = movableClock();
    const prefix = tablePrefix(label);
    return { adapter: () => createMemoryDynamoDbAdapter({ tablePrefix: prefix, now: clock.now }), advanceClock: clock.advance, close: async () => undefined };
  },
  // dynalite has no TransactWriteItems; the memory twin and a real DynamoDB endpoint do.
  traits: (variant) => ({ transactWriteItems: variant === "memory" || Boolean(process.env[DYNAMODB_TEST_ENV]) }),
  extras(name, target) {
    dynamoDbConformance(name, {
      setup: target.setup,
      advanceClock: (ms) => target.advanceClock!(ms),
      transactWriteItems: target.transactWriteItems ?? false,
    });
  },
};
