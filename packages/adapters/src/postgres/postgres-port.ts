/**
 * The Postgres driver port: the few driver calls the Postgres adapter makes,
 * declared as structural interfaces (the way Kysely's
 * `postgres-dialect-config.ts` declares what it needs from `pg`). A
 * `pg.Pool` satisfies {@link PostgresPort} as it is, with no wrapper on the
 * hot path; the memory twin implements it over PGlite in process. The
 * adapter is the same code whatever sits behind the port.
 */

/** One statement with rows as arrays; `name` makes it a named prepared statement where the driver keeps them. */
export interface PostgresArrayQuery {
  readonly name?: string | undefined;
  readonly text: string;
  readonly values?: unknown[] | undefined;
  readonly rowMode: "array";
}

/** The rows of an array-mode statement and how many rows it changed or returned. */
export interface PostgresArrayResult<R extends unknown[] = unknown[]> {
  readonly rows: R[];
  readonly rowCount: number | null;
}

/** The result of a text statement with rows as objects, as Kysely's Postgres dialect reads it. */
export interface PostgresObjectResult<R = Record<string, unknown>> {
  /** The command tag (`SELECT`, `INSERT`, `COMMIT`, ...). */
  readonly command: string;
  readonly rowCount: number | null;
  readonly rows: R[];
}

/** What a pool and one of its sessions both run. */
export interface PostgresQueryable {
  query<R extends unknown[] = unknown[]>(query: PostgresArrayQuery): Promise<PostgresArrayResult<R>>;
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<PostgresObjectResult<R>>;
}

/** One session held for a transaction (a pooled client), until {@link PostgresSession.release}. */
export interface PostgresSession extends PostgresQueryable {
  /** Hands the session back; with an error (or `true`) its connection is discarded instead of reused. */
  release(error?: Error | boolean): void;
  /** `error` is emitted when the session's connection closes while it is held. */
  on(event: "error", listener: (error: Error) => void): unknown;
  off(event: "error", listener: (error: Error) => void): unknown;
}

/**
 * The driver behind a Postgres adapter: statements on any free session,
 * sessions held for transactions, and the end of it all.
 */
export interface PostgresPort extends PostgresQueryable {
  connect(): Promise<PostgresSession>;
  end(): Promise<void>;
}

/** A notification delivered to a LISTEN session. */
export interface PostgresNotification {
  readonly channel: string;
  readonly payload?: string | undefined;
}

/** A dedicated session for LISTEN/NOTIFY (the invalidation bus). */
export interface PostgresNotificationClient {
  connect(): Promise<unknown>;
  query(text: string, values?: unknown[]): Promise<unknown>;
  on(event: "notification", listener: (notification: PostgresNotification) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  on(event: "end", listener: () => void): unknown;
  end(): Promise<void>;
}
