/**
 * @polyxena/adapters/postgres: the Postgres store adapter over a driver port
 * (`pg` here; PGlite in the memory twin), with a Kysely instance on the same
 * port for ad-hoc typed queries.
 *
 * @example
 * const postgres = createPostgresAdapter({ connectionString: process.env.DATABASE_URL! }, { schema: "billing" });
 * await postgres.applySchema([Invoice.model]);
 * const repos = createRepositories({ stores: { postgres } });
 */
export { createPostgresAdapter, polyxenaTypeParsers, type PostgresClientConfig, type PostgresConnection } from "./create-postgres-adapter.js";
export { PostgresAdapter, type PostgresAdapterOptions } from "./postgres-adapter.js";
export type {
  PostgresArrayQuery,
  PostgresArrayResult,
  PostgresNotification,
  PostgresNotificationClient,
  PostgresObjectResult,
  PostgresPort,
  PostgresQueryable,
  PostgresSession,
} from "./postgres-port.js";
export { POSTGRES_CAPABILITIES } from "./postgres-capabilities.js";
export { POSTGRES_LIMITS } from "./postgres-limits.js";
export { classifyPostgresError } from "./postgres-errors.js";
export { MIGRATIONS_TABLE } from "./postgres-schema-apply.js";
export { POSTGRES_ISOLATION_LEVELS, type PostgresIsolationLevel } from "./postgres-isolation.js";
