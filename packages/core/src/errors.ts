/** Stable error codes. Codes never change meaning once released. */
export type PolyxenaErrorCode =
  | "E_DEFINITION"
  | "E_VALIDATION"
  | "E_NOT_FOUND"
  | "E_CONDITION_FAILED"
  | "E_ALREADY_EXISTS"
  | "E_TIMEOUT"
  | "E_UNAVAILABLE"
  | "E_UNSUPPORTED"
  | "E_STORE";

/** The list of every error code, for exhaustive checks and docs. */
export const ERROR_CODES: readonly PolyxenaErrorCode[] = [
  "E_DEFINITION",
  "E_VALIDATION",
  "E_NOT_FOUND",
  "E_CONDITION_FAILED",
  "E_ALREADY_EXISTS",
  "E_TIMEOUT",
  "E_UNAVAILABLE",
  "E_UNSUPPORTED",
  "E_STORE",
];

/** Context attached to every error: where it happened. */
export interface PolyxenaErrorContext {
  entity?: string | undefined;
  operation?: string | undefined;
  store?: string | undefined;
  /** The native statement or request that failed, without parameter values. */
  statement?: string | undefined;
  /** Definition path (for `E_DEFINITION`), e.g. `key.partition[0]`. */
  path?: string | undefined;
  /** How to fix it, in one sentence. */
  fix?: string | undefined;
  /** For `E_VALIDATION`: the zod issues (or equivalent). */
  issues?: readonly ValidationIssue[] | undefined;
  /** For `E_CONDITION_FAILED`: the current stored item when the store returned it. */
  current?: unknown;
  /** Name of the violated constraint or condition, when the store reports one. */
  constraint?: string | undefined;
  /** For `E_TIMEOUT`/`E_UNAVAILABLE` on writes: whether the write may have been applied. */
  outcome?: "not-applied" | "unknown" | undefined;
  cause?: unknown;
}

/** One validation problem, shaped like a zod issue. */
export interface ValidationIssue {
  path: readonly PropertyKey[];
  message: string;
  code?: string | undefined;
}

const BRAND = Symbol.for("polyxena.error");

/**
 * The only error type Polyxena throws. Use {@link isPolyxenaError} rather than
 * `instanceof`, so that two installed copies of the package still agree.
 *
 * @example
 * try { await repos.profile.put(p, { ifNotExists: true }); }
 * catch (e) { if (isPolyxenaError(e, "E_CONDITION_FAILED")) { ... } }
 */
export class PolyxenaError extends Error {
  readonly [BRAND] = true;
  readonly code: PolyxenaErrorCode;
  readonly entity: string | undefined;
  readonly operation: string | undefined;
  readonly store: string | undefined;
  readonly statement: string | undefined;
  readonly path: string | undefined;
  readonly fix: string | undefined;
  readonly issues: readonly ValidationIssue[] | undefined;
  readonly current: unknown;
  readonly constraint: string | undefined;
  readonly outcome: "not-applied" | "unknown" | undefined;
  /** The message without code, context and fix. */
  readonly summary: string;

  constructor(code: PolyxenaErrorCode, message: string, context: PolyxenaErrorContext = {}) {
    super(formatMessage(message, context), context.cause === undefined ? undefined : { cause: context.cause });
    this.name = "PolyxenaError";
    this.summary = message;
    this.code = code;
    this.entity = context.entity;
    this.operation = context.operation;
    this.store = context.store;
    this.statement = context.statement;
    this.path = context.path;
    this.fix = context.fix;
    this.issues = context.issues;
    this.current = context.current;
    this.constraint = context.constraint;
    this.outcome = context.outcome;
  }

  /** `PolyxenaError [E_CODE]: message`, as Node prints its own coded errors: the code once, then the message. */
  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}`;
  }

  /** A copy of this error with more context filled in (existing fields win). */
  withContext(context: PolyxenaErrorContext): PolyxenaError {
    const merged: PolyxenaErrorContext = {
      entity: this.entity ?? context.entity,
      operation: this.operation ?? context.operation,
      store: this.store ?? context.store,
      statement: this.statement ?? context.statement,
      path: this.path,
      fix: this.fix ?? context.fix,
      issues: this.issues,
      current: this.current,
      constraint: this.constraint ?? context.constraint,
      outcome: this.outcome ?? context.outcome,
      cause: this.cause,
    };
    const copy = new PolyxenaError(this.code, this.summary, merged);
    if (this.stack !== undefined) copy.stack = this.stack;
    return copy;
  }
}

/**
 * The message: summary, where, fix. It never starts with the code, which is
 * a field of its own, so `${error.code}: ${error.message}` says it once.
 */
function formatMessage(message: string, c: PolyxenaErrorContext): string {
  const where = [
    c.entity && `entity ${c.entity}`,
    c.operation && `operation ${c.operation}`,
    c.store && `store ${c.store}`,
    c.path && `at ${c.path}`,
  ].filter(Boolean);
  return `${message}${where.length ? ` [${where.join(", ")}]` : ""}${c.fix ? ` Fix: ${c.fix}` : ""}`;
}

/**
 * True when `error` is a Polyxena error, optionally with the given code.
 * Works across package copies (brand check, not `instanceof`).
 */
export function isPolyxenaError<C extends PolyxenaErrorCode>(
  error: unknown,
  code?: C,
): error is PolyxenaError & { code: C } {
  if (typeof error !== "object" || error === null || (error as Record<symbol, unknown>)[BRAND] !== true) return false;
  return code === undefined || (error as PolyxenaError).code === code;
}

/** Shorthand for an `E_DEFINITION` error naming entity, path and fix. */
export function definitionError(entity: string, path: string, message: string, fix: string): PolyxenaError {
  return new PolyxenaError("E_DEFINITION", message, { entity, path, fix });
}
