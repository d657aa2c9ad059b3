/**
 * The one backend of a PGlite instance, driven the way `pg` drives a server
 * connection, so that the memory twin sends what the real adapter sends:
 *
 * - a statement with a name or with parameters is one extended-protocol
 *   exchange: Parse (for a named statement only the first time: it stays
 *   prepared on the backend, as `pg` keeps it per connection), Bind with the
 *   parameters as `pg`'s own `prepareValue` writes them (untyped text, the
 *   server infers the types), Describe, Execute and Sync in one message;
 * - a statement without either is a simple Query, as `pg` sends it.
 *
 * PGlite's own `query()` instead parses every statement anew, asks for its
 * parameter types to serialise the values itself, and sends each of the six
 * protocol messages as a call of its own into Postgres.
 */
import { createRequire } from "node:module";
import type { ExecProtocolResult, PGlite, Results } from "@electric-sql/pglite";
import type { PostgresArrayQuery, PostgresArrayResult, PostgresObjectResult } from "@polyxena/adapters/postgres/in-process";

/** What the connection uses of the `@electric-sql/pglite` module: its protocol serializer and result parser. */
export type PgliteModule = Pick<typeof import("@electric-sql/pglite"), "protocol" | "parse">;

/** `pg`'s conversion of a JavaScript value to a parameter (text, bytes or NULL). */
const { prepareValue } = createRequire(import.meta.url)("pg/lib/utils.js") as {
  prepareValue(value: unknown): string | Uint8Array | null;
};

const DML = new Set(["INSERT", "UPDATE", "DELETE", "MERGE", "COPY"]);

/** Rows changed (DML) or returned (anything else), as `pg` counts them. */
function rowCount(result: Results<unknown>): number {
  const command = (result as { command?: string }).command;
  return command !== undefined && DML.has(command) ? (result.affectedRows ?? 0) : result.rows.length;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A result as `pg` gives it: one statement's, or (simple Query of several statements) one per statement. */
type PgResult = PostgresArrayResult & PostgresObjectResult<never>;

/** Statements worth keeping prepared: they run again and again with other values. */
const PREPARABLE = new Set(["SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "VALUES", "MERGE"]);
/**
 * Statements after which every prepared statement still returns rows of the
 * shape it was prepared with. After any other (ALTER, DROP, SET, ...) the
 * connection's own cached statements are dropped, so none fails with
 * "cached plan must not change result type" where `pg` would not have cached it.
 */
const SHAPE_KEEPING = new Set([...PREPARABLE, "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "TRUNCATE", "LOCK", "SHOW", "CREATE"]);
/** Most statements the connection keeps prepared of its own accord; beyond that they are parsed each time. */
const MAX_CACHED = 2_000;

/** The first word of a statement, upper-cased (`CREATE OR REPLACE` counts as `REPLACE`). */
function leadingKeyword(text: string): string | undefined {
  const match = /^\s*([A-Za-z]+)(\s+OR\s+REPLACE\b)?/i.exec(text);
  return match?.[2] ? "REPLACE" : match?.[1]?.toUpperCase();
}

/** Whether `error` is Postgres's refusal to run a statement whose plan's result type changed (SQLSTATE 0A000 on a cached plan). */
function isStalePlan(error: unknown): boolean {
  return (error as { code?: unknown }).code === "0A000" && /cached plan/.test(String((error as { message?: unknown }).message));
}

/**
 * The backend of one PGlite instance; callers take turns on it (see the
 * port's session queue).
 *
 * Besides the statements named by the caller, the connection keeps the
 * DML it runs prepared under names of its own (as JDBC and postgres.js do),
 * because Postgres compiled to WebAssembly spends most of a point query
 * parsing and planning it.
 */
export class PgliteConnection {
  /** Texts of the statements prepared under the caller's names (`pg`'s `parsedStatements`). */
  private readonly named = new Map<string, string>();
  /** Names of the statements the connection prepared of its own accord, by text. */
  private readonly cached = new Map<string, string>();
  /** Texts that cannot be prepared (several statements in one). */
  private readonly unpreparable = new Set<string>();
  private cachedNames = 0;

  constructor(
    readonly db: PGlite,
    private readonly pglite: PgliteModule,
  ) {}

  /** Runs a statement of either shape of `PostgresPort.query`. */
  async query(query: PostgresArrayQuery | string, values?: unknown[]): Promise<PgResult | PgResult[]> {
    const [text, name, params, rowMode] = typeof query === "string" ? [query, undefined, values, undefined] : [query.text, query.name, query.values, "array" as const];
    if (name) {
      const previous = this.named.get(name);
      if (previous !== undefined && previous !== text) throw new Error(`Prepared statements must be unique - '${name}' was used for a different statement`);
      return this.runPrepared(text, name, previous === undefined, params, rowMode, this.named);
    }
    const keyword = leadingKeyword(text);
    if (keyword === undefined || !SHAPE_KEEPING.has(keyword)) await this.dropCached();
    if (keyword !== undefined && PREPARABLE.has(keyword) && !this.unpreparable.has(text)) {
      const cached = this.cached.get(text);
      if (cached !== undefined || this.cached.size < MAX_CACHED) {
        try {
          return await this.runPrepared(text, cached ?? `pglite_cached_${++this.cachedNames}`, cached === undefined, params, rowMode, this.cached);
        } catch (error) {
          // A table changed under the statement behind the connection's back: outside a transaction, run it afresh.
          if (isStalePlan(error) && !this.db.isInTransaction()) this.cached.delete(text);
          else if ((error as { code?: unknown }).code === "42601" && /multiple commands/.test(String(error))) this.unpreparable.add(text);
          else throw error;
        }
      }
    }
    return this.runUnnamed(text, params, rowMode);
  }

  /**
   * Runs a prepared statement: Parse first when `parse`, recording it in `registry` once Postgres parsed it,
   * then Bind, Describe, Execute and Sync in the same message.
   */
  private async runPrepared(
    text: string,
    name: string,
    parse: boolean,
    values: unknown[] | undefined,
    rowMode: "array" | undefined,
    registry: Map<string, string>,
  ): Promise<PgResult | PgResult[]> {
    const { serialize } = this.pglite.protocol;
    const message = concat([...(parse ? [serialize.parse({ name, text })] : []), ...this.execution(name, values)]);
    const messages = await this.exchange(message);
    if (parse && messages.some((m) => m.name === "parseComplete")) {
      if (registry === this.named) registry.set(name, text);
      else registry.set(text, name);
    }
    return this.results(messages, rowMode);
  }

  /** Runs a statement as `pg` sends an unnamed one: extended protocol with parameters, a simple Query without. */
  private async runUnnamed(text: string, values: unknown[] | undefined, rowMode: "array" | undefined): Promise<PgResult | PgResult[]> {
    const { serialize } = this.pglite.protocol;
    const message = values?.length ? concat([serialize.parse({ text }), ...this.execution(undefined, values)]) : serialize.query(text);
    return this.results(await this.exchange(message), rowMode);
  }

  /** Bind (parameters as `pg` writes them), Describe, Execute and Sync of a parsed statement. */
  private execution(name: string | undefined, values: unknown[] | undefined): Uint8Array[] {
    const { serialize } = this.pglite.protocol;
    // The values are any JavaScript values: `valueMapper` turns each into a parameter.
    return [serialize.bind({ statement: name ?? "", values: (values ?? []) as string[], valueMapper: prepareValue }), serialize.describe({ type: "P" }), serialize.execute(), serialize.sync()];
  }

  /** Closes the statements the connection prepared of its own accord. */
  private async dropCached(): Promise<void> {
    if (this.cached.size === 0) return;
    const { serialize } = this.pglite.protocol;
    const closes = [...this.cached.values()].map((name) => serialize.close({ type: "S", name }));
    this.cached.clear();
    // Unclosed statements (an aborted transaction refuses Close) only take memory: their names are never used again.
    await this.exchange(concat([...closes, serialize.sync()]));
  }

  private async exchange(message: Uint8Array): Promise<ExecProtocolResult["messages"]> {
    const { messages } = await this.db.runExclusive(() => this.db.execProtocol(message, { throwOnError: false }));
    return messages;
  }

  private results(messages: ExecProtocolResult["messages"], rowMode: "array" | undefined): PgResult | PgResult[] {
    const error = messages.find((m) => m.name === "error");
    if (error) throw error;
    const results = this.pglite.parse.parseResults(messages, this.db.parsers, rowMode ? { rowMode } : undefined).map(
      (result): PgResult => ({ rows: result.rows as never[], rowCount: rowCount(result), command: (result as { command?: string }).command ?? "" }),
    );
    return results.length === 1 ? results[0]! : results;
  }
}
