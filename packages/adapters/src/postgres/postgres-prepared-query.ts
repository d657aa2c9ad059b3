/**
 * A named prepared statement sent the way a data layer that knows its
 * result columns sends it: Parse once per connection, then only Bind,
 * Execute and Sync, with no Describe, so the server sends no row
 * description and the client builds no per-query parsers. Rows come back as
 * the columns' text, which the codec decodes by the entity's field model.
 *
 * It is at once a plain {@link PostgresArrayQuery} (ports that run text,
 * such as PGlite's, read `text` and `values` and ignore the rest) and a
 * `pg` Submittable (`pg` hands a query object with a `submit` method the
 * connection instead of building its own `Query`), declared structurally
 * like the rest of the port, without importing `pg`.
 */
import type { PostgresArrayQuery, PostgresArrayResult } from "./postgres-port.js";

/** The calls of a `pg` connection a Submittable makes (those `pg-cursor` makes too). */
interface PgConnection {
  readonly parsedStatements: Record<string, string | undefined>;
  readonly submittedNamedStatements: Record<string, string | undefined>;
  readonly stream: { cork?: () => void; uncork?: () => void };
  parse(message: { text: string; name: string }): void;
  bind(message: { statement: string; values: readonly unknown[]; binary: boolean; valueMapper: (value: unknown) => unknown }): void;
  execute(message: object): void;
  sync(): void;
}

/** A `pg` protocol message with a row's columns (text, or null for NULL). */
interface DataRowMessage {
  readonly fields: (string | null)[];
}

/** A `pg` command-complete message, e.g. `SELECT 1`, `INSERT 0 1`, `UPDATE 3`. */
interface CommandCompleteMessage {
  readonly text: string;
}

/** The rows of a {@link PreparedQuery}: each column's text (`null` for NULL), in select-list order. */
export type TextRow = (string | null)[];

/** See the module comment. `await` it on a `pg` client, or hand it to any port's `query`. */
export class PreparedQuery implements PostgresArrayQuery, PromiseLike<PostgresArrayResult<TextRow>> {
  readonly rowMode = "array" as const;
  /** Set by `pg` (a pool's query) to hear the outcome; a client's query leaves it unset and returns this object. */
  callback: ((error: Error | null, result?: PostgresArrayResult<TextRow>) => void) | undefined;
  private readonly rows: TextRow[] = [];
  private rowCount: number | null = null;
  private settled = false;
  private resolve!: (result: PostgresArrayResult<TextRow>) => void;
  private reject!: (error: Error) => void;
  private readonly outcome: Promise<PostgresArrayResult<TextRow>>;

  constructor(
    readonly name: string,
    readonly text: string,
    readonly values: unknown[],
  ) {
    this.outcome = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Heard by whoever awaits; a pool's query reports through `callback` and leaves this promise unobserved.
    this.outcome.catch(() => undefined);
  }

  then<A = PostgresArrayResult<TextRow>, B = never>(
    onFulfilled?: ((value: PostgresArrayResult<TextRow>) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): PromiseLike<A | B> {
    return this.outcome.then(onFulfilled, onRejected);
  }

  /** Called by `pg` when the connection is free: writes Parse (first use on the connection), Bind, Execute and Sync at once. */
  submit(connection: PgConnection): Error | undefined {
    const prepared = connection.parsedStatements[this.name] ?? connection.submittedNamedStatements[this.name];
    if (prepared !== undefined && prepared !== this.text) return new Error(`Prepared statements must be unique - '${this.name}' was used for a different statement`);
    connection.stream.cork?.();
    try {
      if (prepared === undefined) {
        connection.parse({ text: this.text, name: this.name });
        connection.submittedNamedStatements[this.name] = this.text;
      }
      connection.bind({ statement: this.name, values: this.values, binary: false, valueMapper: parameterText });
      connection.execute({});
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    return undefined;
  }

  handleDataRow(message: DataRowMessage): void {
    this.rows.push(message.fields);
  }

  handleCommandComplete(message: CommandCompleteMessage): void {
    const count = Number(message.text.slice(message.text.lastIndexOf(" ") + 1));
    this.rowCount = Number.isInteger(count) ? count : null;
  }

  /** Called once the server is ready again after a statement that succeeded. */
  handleReadyForQuery(): void {
    this.settle(null);
  }

  /** Called for a server error, a connection that closed, or a timeout; `pg` sends nothing more for this query. */
  handleError(error: Error): void {
    this.settle(error);
  }

  // Messages a statement without Describe, cursor or COPY never gets.
  handleRowDescription(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(): void {}
  handleCopyData(): void {}

  private settle(error: Error | null): void {
    if (this.settled) return;
    this.settled = true;
    const result = error ? undefined : { rows: this.rows, rowCount: this.rowCount };
    this.callback?.(error, result);
    if (error) this.reject(error);
    else this.resolve(result!);
  }
}

/**
 * A parameter as the text Postgres reads (the values the codec makes:
 * strings, numbers, booleans, null, and arrays of them for `= ANY($1)`).
 */
function parameterText(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return arrayLiteral(value);
  return String(value);
}

/** A Postgres array literal: `{"a","b",NULL}` with `"` and `\` escaped. */
function arrayLiteral(values: readonly unknown[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ",";
    const value = values[i];
    if (value === null || value === undefined) out += "NULL";
    else if (Array.isArray(value)) out += arrayLiteral(value);
    else out += `"${String(value).replace(/[\\"]/g, "\\$&")}"`;
  }
  return `${out}}`;
}
