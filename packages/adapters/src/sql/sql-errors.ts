/**
 * The error mapping every SQL store shares: a driver error becomes a
 * {@link PolyxenaError} carrying the statement text (never the values), the
 * driver error as `cause`, the code of its class, `E_ALREADY_EXISTS` naming
 * a declared unique constraint, and the outcome of a write whose connection
 * broke. Each store brings how its driver's errors are told apart.
 */
import { errorCodeOfClass, isPolyxenaError, PolyxenaError, uniqueViolationError, type EntityModel, type ErrorClass } from "@polyxena/core";

/** How one SQL store's driver errors are read. */
export interface SqlErrorDialect {
  classify(error: unknown): ErrorClass;
  /** The unique constraint (or index) a duplicate-key error names, when it is one. */
  duplicateKeyName(error: unknown): string | undefined;
  /** Whether the error means the statement never reached the server (connection refused, host unknown). */
  notSent(error: unknown): boolean;
  /** The constraint (or conflict kind, such as `deadlock`) the error is about. */
  constraint(error: unknown): string | undefined;
  /** What the caller should do, where the server's error says it. */
  fix(error: unknown): string | undefined;
}

/**
 * Turns a driver error into a {@link PolyxenaError} carrying `statement`.
 * `idempotent` decides whether a lost connection leaves the outcome unknown.
 * With `model`, a duplicate in one of its declared unique constraints is
 * `E_ALREADY_EXISTS` naming the constraint and its fields.
 */
export function sqlError(dialect: SqlErrorDialect, error: unknown, statement: string, idempotent = true, model?: EntityModel): PolyxenaError {
  if (isPolyxenaError(error)) return error.statement ? error : error.withContext({ statement });
  if (model) {
    const name = dialect.duplicateKeyName(error);
    const constraint = name === undefined ? undefined : model.unique.find((c) => c.name === name);
    if (constraint) return uniqueViolationError(model, constraint, { statement, cause: error });
  }
  // Data exceptions (value too long, numeric overflow, bad encoding) classify as `invalid`: bad input, not store failures.
  const code = errorCodeOfClass(dialect.classify(error));
  const driverMessage = typeof error === "object" && error !== null ? (error as { message?: unknown }).message : undefined;
  const message = typeof driverMessage === "string" ? driverMessage : String(error);
  let outcome: "not-applied" | "unknown" | undefined;
  if (code === "E_UNAVAILABLE" || code === "E_TIMEOUT") outcome = dialect.notSent(error) ? "not-applied" : idempotent ? undefined : "unknown";
  return new PolyxenaError(code, message, {
    statement,
    constraint: dialect.constraint(error),
    outcome,
    fix: dialect.fix(error),
    issues: code === "E_VALIDATION" ? [{ path: [], message }] : undefined,
    cause: error,
  });
}
