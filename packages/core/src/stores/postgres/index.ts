/**
 * The Postgres store rules: `@polyxena/core/stores/postgres`, for its adapter and tools.
 */
export { postgresDialect } from "./postgres-dialect.js";
export type { PostgresIsolation } from "./postgres-consistency.js";
export type { PostgresOptions } from "./postgres-options.js";
export {
  buildPostgresSchema,
  postgresColumnDefinition,
  postgresColumnType,
  postgresIndexStatements,
  postgresOutboxStatements,
  postgresTableStatement,
  postgresUniqueConstraint,
} from "./postgres-schema.js";
export type { PostgresSchemaOptions } from "./postgres-schema.js";
export { postgresQueryStatement, postgresStatements } from "./postgres-statements.js";
