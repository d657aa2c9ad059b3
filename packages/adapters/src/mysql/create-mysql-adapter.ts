/**
 * The `mysql2` side of the MySQL adapter: the only module that imports the
 * driver. It creates pools in strict mode and UTC (a `mysql2/promise` pool
 * is a {@link MysqlPoolPort} as it is).
 */
import { createPool, type Pool } from "mysql2/promise";
import { MysqlAdapter, type MysqlAdapterOptions } from "./mysql-adapter.js";
import type { MysqlPoolPort } from "./mysql-port.js";

/**
 * The session settings the adapter relies on: strict mode (a value that
 * does not fit is an error, never silently truncated), UTC for `datetime`
 * values, and the driver's row shapes (dates as text, big integers exact).
 */
export const MYSQL_POOL_OPTIONS = {
  dateStrings: true,
  timezone: "Z",
  supportBigNumbers: true,
  bigNumberStrings: false,
  decimalNumbers: false,
  charset: "utf8mb4",
} as const;

/** How the adapter reaches MySQL: a connection URI (it creates and owns a pool) or your `mysql2/promise` pool. */
export type MysqlConnection =
  | { uri: string; /** Pool size (default 10). */ connectionLimit?: number | undefined }
  | { pool: Pool };

const STRICT_SESSION = "SET SESSION sql_mode = CONCAT_WS(',', @@SESSION.sql_mode, 'STRICT_ALL_TABLES'), time_zone = '+00:00'";

/**
 * Creates the MySQL adapter. A pool passed in is never closed by the
 * adapter and should be created with {@link MYSQL_POOL_OPTIONS}; a pool
 * created from `uri` is closed by `close()`.
 */
export function createMysqlAdapter(connection: MysqlConnection, options: MysqlAdapterOptions = {}): MysqlAdapter {
  if ("pool" in connection) return new MysqlAdapter(connection.pool, false, options);
  const pool = createPool({ uri: connection.uri, connectionLimit: connection.connectionLimit ?? 10, ...MYSQL_POOL_OPTIONS });
  // Every new connection runs in strict mode and UTC, whatever the server's defaults; a connection
  // the server closes while idle must not crash the process (the pool drops it, the next query reports it).
  pool.pool.on("connection", (c) => {
    c.on("error", () => undefined);
    c.query(STRICT_SESSION);
  });
  return new MysqlAdapter(pool, true, options);
}
