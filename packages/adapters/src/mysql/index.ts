/**
 * @polyxena/adapters/mysql: the MySQL store adapter (MySQL 8, MariaDB
 * 10.6+) on `mysql2`, with a Kysely instance on the same pool for ad-hoc
 * typed queries. `create-mysql-adapter.ts` is the only file that imports the driver.
 *
 * @example
 * const mysql = createMysqlAdapter({ uri: process.env.MYSQL_URL! });
 * await mysql.applySchema([Invoice.model]);
 * const repos = createRepositories({ stores: { mysql } });
 */
export { createMysqlAdapter, MYSQL_POOL_OPTIONS, type MysqlConnection } from "./create-mysql-adapter.js";
export { MysqlAdapter, type MysqlAdapterOptions } from "./mysql-adapter.js";
export type { MysqlConnectionPort, MysqlPoolPort, MysqlQueryablePort, MysqlResult, MysqlStatementOptions, MysqlWriteResult } from "./mysql-port.js";
export { MYSQL_CAPABILITIES } from "./mysql-capabilities.js";
export { MYSQL_LIMITS } from "./mysql-limits.js";
export { classifyMysqlError } from "./mysql-errors.js";
export { MIGRATIONS_TABLE } from "./mysql-schema-apply.js";
export { MYSQL_ISOLATION_LEVELS, type MysqlIsolationLevel } from "./mysql-isolation.js";
