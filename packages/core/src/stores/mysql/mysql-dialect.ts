/**
 * The MySQL dialect (MySQL 8, MariaDB 10.6+): relational primary keys, an
 * index per query, strong reads and writes with InnoDB's isolation levels,
 * SQL DDL sized to InnoDB's key limit, UNIQUE constraints.
 */
import type { StoreDialect } from "../store-dialect.js";
import { mysqlConsistency, type MysqlIsolation } from "./mysql-consistency.js";
import { mysqlKeys } from "./mysql-keys.js";
import { MYSQL_DB_SYSTEM, mysqlOptions, type MysqlOptions } from "./mysql-options.js";
import { planMysqlQuery } from "./mysql-query-plan.js";
import { buildMysqlSchema } from "./mysql-schema.js";
import { mysqlStatements } from "./mysql-statements.js";

/** MySQL's rules behind the {@link StoreDialect} interface. */
export const mysqlDialect: StoreDialect<MysqlOptions, MysqlIsolation> = {
  kind: "mysql",
  dbSystem: MYSQL_DB_SYSTEM,
  keys: mysqlKeys,
  planQuery: planMysqlQuery,
  consistency: mysqlConsistency,
  features: {
    rowTtl: false,
    fullTextSearch: false,
    uniqueConstraints: true,
    changeEvents: {
      message: "the MySQL adapter has no outbox yet, so it cannot record a change event atomically with the write that caused it",
      fix: (capable) => `keep entities with events or projections in ${capable}`,
    },
  },
  options: mysqlOptions,
  physicalSchema: { file: "mysql.sql", format: "statements", build: (models, options) => buildMysqlSchema(models, options.textCollation) },
  listStatements: (model) => mysqlStatements(model),
  statementLanguage: "sql",
  adapterHint:
    "create it with createMysqlAdapter({ uri }) from @polyxena/adapters/mysql. MySQL has no memory twin (no in-process MySQL engine runs without downloading server binaries), " +
    "so a test of a MySQL entity needs a server: the one POLYXENA_TEST_MYSQL_URL names, or the local MariaDB at mysql://root@127.0.0.1:3306/test " +
    "(start it with start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd); a Postgres memory twin is not a stand-in, its SQL and types differ",
};
