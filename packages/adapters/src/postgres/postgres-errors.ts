/**
 * Maps `pg` errors to Polyxena errors. Every mapped error carries the
 * statement text (never the values) and the driver error as `cause`.
 */
import { isPolyxenaError, PolyxenaError, errorClassOfCode, errorCodeOfClass, uniqueViolationError, type EntityModel, type ErrorClass } from "@polyxena/core";

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
  return sqlState(error) === "0A000" && (error as { routine?: unknown }).routine === "RevalidateCachedQuery";
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


/**
 * Turns a driver error into a {@link PolyxenaError} carrying `statement`.
 * `idempotent` decides whether a lost connection leaves the outcome unknown.
 * With `model`, a violation of one of its declared unique constraints is
 * `E_ALREADY_EXISTS` naming the constraint and its fields.
 */
export function postgresError(error: unknown, statement: string, idempotent = true, model?: EntityModel): PolyxenaError {
  if (isPolyxenaError(error)) return error.statement ? error : error.withContext({ statement });
  const state = sqlState(error);
  if (state === "23505" && model) {
    const name = (error as { constraint?: unknown }).constraint;
    const constraint = model.unique.find((c) => c.name === name);
    if (constraint) return uniqueViolationError(model, constraint, { statement, cause: error });
  }
  const kind = classifyPostgresError(error);
  // Data exceptions (value too long, numeric overflow, bad encoding) classify as `invalid`: bad input, not store failures.
  const code = errorCodeOfClass(kind);
  const pgError = error as { message?: string; constraint?: string; detail?: string; code?: string };
  const message = typeof pgError?.message === "string" ? pgError.message : String(error);
  let outcome: "not-applied" | "unknown" | undefined;
  if (code === "E_UNAVAILABLE" || code === "E_TIMEOUT") {
    outcome = pgError?.code === "ECONNREFUSED" || pgError?.code === "ENOTFOUND" ? "not-applied" : idempotent ? undefined : "unknown";
  }
  const fix =
    state === "40001" || state === "40P01"
      ? "the transaction conflicted with a concurrent one; run it again"
      : state === "42P01" || state === "3F000"
        ? "create the tables first (adapter.applySchema(models) or the generated postgres.sql)"
        : isStalePreparedStatement(error)
          ? "a table changed shape under a prepared statement of this transaction; run the transaction again (its statements are prepared afresh)"
          : undefined;
  return new PolyxenaError(code, message, {
    statement,
    constraint: pgError?.constraint ?? (state === "40001" ? "serialization_failure" : state === "40P01" ? "deadlock" : undefined),
    outcome,
    fix,
    issues: code === "E_VALIDATION" ? [{ path: [], message }] : undefined,
    cause: error,
  });
}
