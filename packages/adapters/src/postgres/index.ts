/**
 * @polyxena/adapters/postgres: the Postgres store adapter on `pg`, with a
 * Kysely instance on the same pool for ad-hoc typed queries.
 *
 * @example
 * const postgres = createPostgresAdapter({ connectionString: process.env.DATABASE_URL! }, { schema: "billing" });
 * await postgres.applySchema([Invoice.model]);
 * const repos = createRepositories({ stores: { postgres } });
 */
import pg from "pg";
import type { Pool } from "pg";
import { PostgresAdapter, type PostgresAdapterOptions } from "./postgres-adapter.js";
import { polyxenaTypeParsers } from "./postgres-type-parsers.js";

export { PostgresAdapter, type PostgresAdapterOptions } from "./postgres-adapter.js";
export { polyxenaTypeParsers } from "./postgres-type-parsers.js";
export { POSTGRES_CAPABILITIES } from "./postgres-capabilities.js";
export { POSTGRES_LIMITS } from "./postgres-limits.js";
export { classifyPostgresError } from "./postgres-errors.js";
export { MIGRATIONS_TABLE } from "./postgres-schema-apply.js";
export { POSTGRES_ISOLATION_LEVELS, type PostgresIsolationLevel } from "./postgres-isolation.js";

/** How the adapter reaches Postgres: a connection string (it creates and owns a pool) or your pool. */
export type PostgresConnection =
  | { connectionString: string; /** Pool size (default 10). */ max?: number | undefined }
  | { pool: Pool };

/**
 * Creates the Postgres adapter. A pool passed in is never closed by the
 * adapter; a pool created from `connectionString` is closed by `close()`.
 */
export function createPostgresAdapter(connection: PostgresConnection, options: PostgresAdapterOptions = {}): PostgresAdapter {
  if ("pool" in connection) {
    // An idle client of a pool without an `error` listener crashes the process when its backend goes away
    // (pg_terminate_backend, failover). A pool that has its own listener is left as its owner set it up.
    if (connection.pool.listenerCount("error") === 0) connection.pool.on("error", () => undefined);
    return new PostgresAdapter(connection.pool, false, options);
  }
  const pool = new pg.Pool({ connectionString: connection.connectionString, max: connection.max ?? 10, types: polyxenaTypeParsers });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on("error", () => undefined);
  return new PostgresAdapter(pool, true, options);
}
