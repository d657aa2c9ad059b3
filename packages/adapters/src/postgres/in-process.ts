/**
 * @polyxena/adapters/postgres/in-process: the Postgres rules (error
 * classification, keyset ordering, isolation levels, index row
 * sizes, the schema diff) that an in-process Postgres shares with the real
 * adapter (`@polyxena/memory` uses them for its Postgres twin).
 */
export { POSTGRES_CAPABILITIES } from "./postgres-capabilities.js";
export { classifyPostgresError } from "./postgres-errors.js";
export { POSTGRES_ISOLATION_LEVELS, isolationLevel, type PostgresIsolationLevel } from "./postgres-isolation.js";
export { assertIndexRowSizes } from "./postgres-limits.js";
export { decodePosition, directed, encodePosition, queryOrdering, type OrderingColumn } from "./postgres-ordering.js";
export { catalogType, diffPostgresSchema, type LivePostgresSchema, type LiveTable } from "./postgres-schema-apply.js";
