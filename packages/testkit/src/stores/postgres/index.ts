/** The Postgres test kit, found by the testkit through the store registry. */
export { postgresTestKit as testKit } from "./postgres-test-kit.js";
