/**
 * Guards for cockatiel's errors. Cockatiel 3.2's own `isTaskCancelledError`
 * and `isIsolatedCircuitError` test the bulkhead flag by mistake, so these
 * check each error's own marker property.
 */
function flagged(error: unknown, flag: string): boolean {
  return error instanceof Error && flag in error;
}

/** A timeout (or cancellation) raised by a cockatiel timeout policy. */
export function isTaskCancelledError(error: unknown): boolean {
  return flagged(error, "isTaskCancelledError");
}

/** An open (or isolated) circuit rejected the call. */
export function isBrokenCircuitError(error: unknown): boolean {
  return flagged(error, "isBrokenCircuitError") || flagged(error, "isIsolatedCircuitError");
}

/** The bulkhead had no slot and no queue room. */
export function isBulkheadRejectedError(error: unknown): boolean {
  return flagged(error, "isBulkheadRejectedError");
}
