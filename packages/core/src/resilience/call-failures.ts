import { isPolyxenaError, PolyxenaError } from "../errors.js";
import { errorClassOfCode, type ErrorClass, type OperationDescriptor, type StoreAdapter } from "../store-adapter.js";

/** How the policy sees a failed call. `client` errors (validation, unsupported, ...) say nothing about the store's health. */
export type FailureClass = ErrorClass | "client";

/** Errors the policy raised itself without reaching the store: breaker open, bulkhead full, caller abort. */
const fastFailures = new WeakSet<object>();

/** Classifies an error thrown by a store call, using the adapter's own classifier for driver errors. */
export function classifyFailure(error: unknown, adapter: StoreAdapter): FailureClass {
  if (isPolyxenaError(error)) {
    const kind = errorClassOfCode(error.code);
    // Codes without a class of their own (validation, unsupported, ...) are the caller's, not the store's.
    return kind === "store" && error.code !== "E_STORE" ? "client" : kind;
  }
  try {
    return adapter.classifyError?.(error) ?? "store";
  } catch {
    return "store";
  }
}

/** True for transient failures worth another attempt of an idempotent operation. */
export function isRetryable(error: unknown, adapter: StoreAdapter): boolean {
  if (typeof error === "object" && error !== null && fastFailures.has(error)) return false;
  const kind = classifyFailure(error, adapter);
  return kind === "timeout" || kind === "unavailable";
}

/** True for failures that count against the store's circuit breaker. */
export function isStoreFailure(error: unknown, adapter: StoreAdapter): boolean {
  if (typeof error === "object" && error !== null && fastFailures.has(error)) return false;
  const kind = classifyFailure(error, adapter);
  return kind === "timeout" || kind === "unavailable" || kind === "store";
}

/** Builds an error the policy raises itself, with the call's context. */
export function policyError(
  code: "E_TIMEOUT" | "E_UNAVAILABLE",
  message: string,
  op: OperationDescriptor,
  adapter: StoreAdapter,
  options: { fastFail: boolean; reachedStore: boolean; cause?: unknown },
): PolyxenaError {
  const error = new PolyxenaError(code, message, {
    entity: op.entity.name,
    operation: op.id,
    store: adapter.name,
    // A write that never reached the store was not applied; one that may have reached it has an unknown outcome.
    outcome: !isWrite(op) ? undefined : options.reachedStore ? "unknown" : "not-applied",
    cause: options.cause,
  });
  if (options.fastFail) fastFailures.add(error);
  return error;
}

/** True for operations that change stored data. */
export function isWrite(op: OperationDescriptor): boolean {
  return op.kind === "put" || op.kind === "update" || op.kind === "delete";
}
