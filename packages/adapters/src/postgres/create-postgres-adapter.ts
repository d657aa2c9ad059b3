/**
 * The `pg` side of the Postgres adapter: the only module that imports the
 * driver. It creates pools (a `pg.Pool` is a {@link PostgresPort} as it is),
 * their type parsers, and the LISTEN sessions of the invalidation bus.
 */
import pg from "pg";
import type { ClientConfig, Pool } from "pg";
import { PostgresAdapter, type PostgresAdapterOptions } from "./postgres-adapter.js";
import type { PostgresNotificationClient } from "./postgres-port.js";
import { POLYXENA_TEXT_PARSERS } from "./postgres-type-parsers.js";

/**
 * `pg` type parsers that make raw rows match the generated Kysely `Database`
 * type: `int8` columns (int fields wider than int32) come back as numbers,
 * `numeric(39,0)` columns (bigint fields) as bigints. The adapter installs
 * them on pools it creates; pass them to a pool you own:
 *
 * @example
 * const pool = new pg.Pool({ connectionString, types: polyxenaTypeParsers });
 */
export const polyxenaTypeParsers = {
  getTypeParser(oid: number, format?: "text" | "binary"): (value: string) => unknown {
    const parser = format === "binary" ? undefined : POLYXENA_TEXT_PARSERS[oid];
    return parser ?? (pg.types.getTypeParser as (oid: number, format?: string) => (value: string) => unknown)(oid, format);
  },
};

/** How the adapter reaches Postgres: a connection string (it creates and owns a pool) or your pool. */
export type PostgresConnection =
  | { connectionString: string; /** Pool size (default 10). */ max?: number | undefined }
  | { pool: Pool };

/** Connection settings of a `pg` client (for the invalidation bus's LISTEN session). */
export type PostgresClientConfig = ClientConfig;

/**
 * Creates the Postgres adapter. A pool passed in is never closed by the
 * adapter; a pool created from `connectionString` is closed by `close()`.
 *
 * @example
 * const postgres = createPostgresAdapter({ connectionString: process.env.DATABASE_URL! }, { schema: "billing" });
 */
export function createPostgresAdapter(connection: PostgresConnection, options: PostgresAdapterOptions = {}): PostgresAdapter {
  if ("pool" in connection) {
    // An idle client of a pool without an `error` listener crashes the process when its backend goes away
    // (pg_terminate_backend, failover). A pool that has its own listener is left as its owner set it up.
    if (connection.pool.listenerCount("error") === 0) connection.pool.on("error", () => undefined);
    // A pool in pipeline mode refuses Submittables: its statements go as plain queries.
    const pipelined = (connection.pool as { options?: { pipeline?: unknown } }).options?.pipeline === true;
    return new PostgresAdapter(connection.pool, false, options, pipelined);
  }
  const pool = new pg.Pool({ connectionString: connection.connectionString, max: connection.max ?? 10, types: polyxenaTypeParsers });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on("error", () => undefined);
  return new PostgresAdapter(pool, true, options);
}

/** A dedicated `pg` client for LISTEN/NOTIFY, not connected yet. */
export function createNotificationClient(connection: string | PostgresClientConfig): PostgresNotificationClient {
  return new pg.Client(typeof connection === "string" ? { connectionString: connection } : connection);
}
