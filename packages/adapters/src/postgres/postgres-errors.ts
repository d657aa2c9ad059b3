/**
 * Maps `pg` errors to Polyxena errors. Every mapped error carries the
 * statement text (never the values) and the driver error as `cause`.
 */
import { isPolyxenaError, errorClassOfCode, type EntityModel, type ErrorClass, type PolyxenaError } from "@polyxena/core";
import { sqlError, type SqlErrorDialect } from "../sql/sql-errors.js";

/** Socket-level error codes that mean the server cannot be reached. */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ECONNABORTED"]);
/** Messages `pg` uses for connections that broke or never came up. */
const CONNECTION_MESSAGES = [/Connection terminated/i, /Client has encountered a connection error/i, /connection timeout/i, /timeout exceeded when trying to connect/i, /Client was closed/i, /Cannot use a pool after calling end/i];

/** Missing tables, columns or schemas: the schema was not applied, not the request's fault. */
const SCHEMA_STATES = new Set(["42P01", "42703", "42501", "3F000"]);

/** SQLSTATE of a `pg` error, when it has one. */
export function sqlState(error: unknown): string | undefined {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * Whether Postgres refused to run a prepared statement because a table it
 * reads changed shape since it was prepared ("cached plan must not change
 * result type", for instance after a column's type changed). The statement
 * did not run; prepared again, it runs.
 */
export function isStalePreparedStatement(error: unknown): boolean {
  if (sqlState(error) !== "0A000") return false;
  const { routine, message } = error as { routine?: unknown; message?: unknown };
  return routine === "RevalidateCachedQuery" || (typeof message === "string" && message.includes("cached plan must not change result type"));
}

/** Classifies a `pg` error (or an already mapped Polyxena error). */
export function classifyPostgresError(error: unknown): ErrorClass {
  if (isPolyxenaError(error)) return errorClassOfCode(error.code);
  const state = sqlState(error);
  if (state) {
    if (state === "23505") return "already-exists";
    // The request's data broke a rule (bad value, constraint, type, a value too large for an index): the caller's mistake.
    if (state.startsWith("22") || state.startsWith("23") || state === "54000" || state === "54001") return "invalid";
    if (state.startsWith("42") && !SCHEMA_STATES.has(state)) return "invalid";
    if (state === "40001" || state === "40P01") return "condition";
    if (state === "57014") return "timeout";
    if (state.startsWith("08") || state === "57P01" || state === "57P02" || state === "57P03" || state === "53300") return "unavailable";
    return "store";
  }
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code === "string" && NETWORK_CODES.has(code)) return "unavailable";
  const message = error instanceof Error ? error.message : String(error);
  if (/Query read timeout/i.test(message)) return "timeout";
  if (CONNECTION_MESSAGES.some((m) => m.test(message))) return "unavailable";
  return "store";
}

/** How `pg` errors are read: SQLSTATE codes, the constraint the server names, socket codes. */
const POSTGRES_ERROR_DIALECT: SqlErrorDialect = {
  classify: classifyPostgresError,
  duplicateKeyName: (error) => (sqlState(error) === "23505" ? driverField(error, "constraint") : undefined),
  notSent: (error) => {
    const code = driverField(error, "code");
    return code === "ECONNREFUSED" || code === "ENOTFOUND";
  },
  constraint: (error) => {
    const state = sqlState(error);
    return driverField(error, "constraint") ?? (state === "40001" ? "serialization_failure" : state === "40P01" ? "deadlock" : undefined);
  },
  fix: (error) => {
    const state = sqlState(error);
    if (state === "40001" || state === "40P01") return "the transaction conflicted with a concurrent one; run it again";
    if (state === "42P01" || state === "3F000") return "create the tables first (adapter.applySchema(models) or the generated postgres.sql)";
    if (isStalePreparedStatement(error)) return "a table changed shape under a prepared statement of this transaction; run the transaction again (its statements are prepared afresh)";
    return undefined;
  },
};

function driverField(error: unknown, name: "constraint" | "code"): string | undefined {
  const value = typeof error === "object" && error !== null ? (error as Record<string, unknown>)[name] : undefined;
  return typeof value === "string" ? value : undefined;
}

/**
 * Turns a `pg` error into a {@link PolyxenaError} carrying `statement`.
 * `idempotent` decides whether a lost connection leaves the outcome unknown.
 * With `model`, a violation of one of its declared unique constraints is
 * `E_ALREADY_EXISTS` naming the constraint and its fields.
 */
export function postgresError(error: unknown, statement: string, idempotent = true, model?: EntityModel): PolyxenaError {
  return sqlError(POSTGRES_ERROR_DIALECT, error, statement, idempotent, model);
}
