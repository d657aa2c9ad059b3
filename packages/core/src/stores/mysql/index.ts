/**
 * The MySQL store rules: `@polyxena/core/stores/mysql`, for its adapter and tools.
 */
export { mysqlDialect } from "./mysql-dialect.js";
export type { MysqlIsolation } from "./mysql-consistency.js";
export type { MysqlOptions } from "./mysql-options.js";
export {
  buildMysqlSchema,
  DEFAULT_TEXT_COLLATION,
  indexedStringLengths,
  INNODB_MAX_KEY_BYTES,
  MYSQL_TEXT_COLLATIONS,
  mysqlColumnDefinition,
  mysqlColumnType,
  mysqlIdent,
  mysqlIndexes,
  mysqlIndexStatements,
  mysqlPrimaryKey,
  mysqlTableStatement,
  mysqlUniqueConstraint,
  UTF8MB4_MAX_BYTES,
} from "./mysql-schema.js";
export type { MysqlIndex, MysqlTextCollation } from "./mysql-schema.js";
export { mysqlStatements } from "./mysql-statements.js";
