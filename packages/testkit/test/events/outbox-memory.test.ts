import { createMemoryDynamoDbAdapter, createMemoryElasticsearchAdapter, createMemoryPostgresAdapter } from "@polyxena/memory";
import { outboxSuite } from "./outbox-suite.js";

// The in-memory Postgres adapter records events in its own transactions; the
// projections go to the in-memory Elasticsearch and DynamoDB adapters.
outboxSuite("memory adapters", async () => ({
  postgres: createMemoryPostgresAdapter(),
  elasticsearch: createMemoryElasticsearchAdapter(),
  dynamodb: createMemoryDynamoDbAdapter(),
  close: async () => undefined,
}));
