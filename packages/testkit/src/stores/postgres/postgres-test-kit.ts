import { createPostgresAdapter } from "@polyxena/adapters/postgres";
import { createMemoryPostgresAdapter } from "@polyxena/memory";
import { postgresConformance } from "./postgres-conformance.js";
import { postgresKilledConnections } from "./postgres-killed-connections.js";
import { createPostgresTestDatabase, START_POSTGRES_COMMAND } from "../../postgres-test-database.js";
import type { StoreTestKit } from "../store-test-kit.js";

/**
 * Postgres in tests: a schema of its own per label on the local server (or
 * the one `POLYXENA_TEST_POSTGRES_URL` names); the memory twin is the real
 * adapter over PGlite, one session per adapter.
 */
export const postgresTestKit: StoreTestKit = {
  kind: "postgres",
  endpoint: { env: "POLYXENA_TEST_POSTGRES_URL", start: START_POSTGRES_COMMAND },
  async real(label) {
    const db = await createPostgresTestDatabase(label);
    return { adapter: () => createPostgresAdapter({ connectionString: db.connectionString }, { schema: db.schema }), close: () => db.drop() };
  },
  async memory() {
    return { adapter: () => createMemoryPostgresAdapter(), close: async () => undefined };
  },
  extras(name, target, variant) {
    postgresConformance(name, target.setup, variant === "memory" ? "one" : "many");
  },
  faults: postgresKilledConnections,
};
