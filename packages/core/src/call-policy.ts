import type { OperationDescriptor, StoreAdapter } from "./store-adapter.js";

/** What a policy knows about the call it wraps. */
export interface CallContext {
  readonly op: OperationDescriptor;
  readonly adapter: StoreAdapter;
  /** The caller's signal, if any; a policy may combine it with its own timeout. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * The resilience seam: every store call goes through `run`. Timeouts,
 * retries, breakers and bulkheads are applied here, once, for every adapter.
 */
export interface CallPolicy {
  run<T>(context: CallContext, call: (signal: AbortSignal | undefined) => Promise<T>): Promise<T>;
}

/** A policy that calls straight through. */
export const directCallPolicy: CallPolicy = {
  run: (context, call) => call(context.signal),
};
