import { createPostgresAdapter } from "@polyxena/adapters/postgres";
import { createMemoryDynamoDbAdapter, createMemoryElasticsearchAdapter } from "@polyxena/memory";
import { createPostgresTestDatabase } from "../../src/index.js";
import { outboxSuite } from "./outbox-suite.js";

// The outbox in real Postgres (the local server, or POLYXENA_TEST_POSTGRES_URL): events are
// recorded in the write's transaction, leases and fencing run on the database clock.
outboxSuite("postgres", async () => {
  const db = await createPostgresTestDatabase("outbox");
  const postgres = createPostgresAdapter({ connectionString: db.connectionString, max: 12 }, { schema: db.schema });
  return {
    postgres,
    elasticsearch: createMemoryElasticsearchAdapter(),
    dynamodb: createMemoryDynamoDbAdapter(),
    close: async () => {
      await postgres.close();
      await db.drop();
    },
  };
});
