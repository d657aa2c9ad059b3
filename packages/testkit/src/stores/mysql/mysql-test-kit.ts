import { createMysqlAdapter } from "@polyxena/adapters/mysql";
import type { StoreTestKit } from "../store-test-kit.js";
import { mysqlConformance } from "./mysql-conformance.js";
import { mysqlKilledConnections } from "./mysql-killed-connections.js";
import { createMysqlTestDatabase, START_MARIADB_COMMAND } from "./mysql-test-database.js";

/**
 * MySQL in tests: a database of its own per label on the local MariaDB (or
 * the server `POLYXENA_TEST_MYSQL_URL` names). No memory twin: npm has no
 * in-process MySQL, so every case runs on the server.
 */
export const mysqlTestKit: StoreTestKit = {
  kind: "mysql",
  endpoint: { env: "POLYXENA_TEST_MYSQL_URL", start: START_MARIADB_COMMAND },
  async real(label) {
    const db = await createMysqlTestDatabase(label);
    return { adapter: () => createMysqlAdapter({ uri: db.uri }), close: () => db.drop() };
  },
  extras: (name, target) => mysqlConformance(name, target.setup),
  faults: mysqlKilledConnections,
};
