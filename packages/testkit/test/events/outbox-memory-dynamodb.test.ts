import { createMemoryDynamoDbAdapter, createMemoryElasticsearchAdapter, createMemoryPostgresAdapter } from "@polyxena/memory";
import { outboxSuite } from "./outbox-suite.js";

// The source in the memory DynamoDB: the real DynamoDB adapter over the in-process DynamoDB records each
// event in the write's TransactWriteItems (dynalite has no transactions, so this is where that path runs).
outboxSuite(
  "memory adapters",
  async () => ({
    postgres: createMemoryPostgresAdapter(),
    elasticsearch: createMemoryElasticsearchAdapter(),
    dynamodb: createMemoryDynamoDbAdapter(),
    close: async () => undefined,
  }),
  { source: "dynamodb" },
);
