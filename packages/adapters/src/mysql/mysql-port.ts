/**
 * The calls the MySQL adapter makes on its driver, as a structural
 * interface: `mysql2/promise`'s pool and pooled connections satisfy it, and
 * the factory (`index.ts`) is the only file that imports `mysql2`. The
 * adapter is the same code whatever sits behind the port.
 */
import type { MysqlPool } from "kysely";

/** One statement and its parameters, as `mysql2` takes them. */
export interface MysqlStatementOptions {
  readonly sql: string;
  readonly values?: unknown[];
  /** Rows as arrays in select-list order instead of objects keyed by column name. */
  readonly rowsAsArray?: boolean;
}

/** What a write statement reports (`affectedRows` counts matched rows: the driver connects with FOUND_ROWS). */
export interface MysqlWriteResult {
  readonly affectedRows: number;
}

/** A statement's result: rows for reads, a write result for writes. The second element (field packets) is not used. */
export type MysqlResult = readonly [rows: unknown, fields?: unknown];

/** The statement calls shared by the pool and a held connection. */
export interface MysqlQueryablePort {
  /** Runs a server-side prepared statement (binary protocol), prepared once per connection and reused. */
  execute(options: MysqlStatementOptions): Promise<MysqlResult>;
  /** Runs a statement as text (transaction control and DDL, which the prepared protocol does not take). */
  query(options: MysqlStatementOptions): Promise<MysqlResult>;
}

/** A connection held for a transaction or a schema change. */
export interface MysqlConnectionPort extends MysqlQueryablePort {
  /** Returns the connection to the pool. */
  release(): void;
  /** Closes the connection instead of returning it (its session state is unknown). */
  destroy(): void;
  /** The connection's `error` event: fired when the server closes it (KILL, failover, wait_timeout). */
  on(event: "error", listener: (error: Error) => void): unknown;
  off(event: "error", listener: (error: Error) => void): unknown;
}

/** A connection pool: statements on any connection, connections held for transactions. */
export interface MysqlPoolPort extends MysqlQueryablePort {
  getConnection(): Promise<MysqlConnectionPort>;
  end(): Promise<void>;
  /** The callback pool underneath, for Kysely's `MysqlDialect`. */
  readonly pool: MysqlPool;
}
