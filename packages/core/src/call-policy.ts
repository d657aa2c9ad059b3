import type { OperationDescriptor, StoreAdapter } from "./store-adapter.js";

/**
 * Per-operation record a policy fills in while it runs a call: how many
 * times it called the store. The runtime copies it into the operation event.
 */
export interface CallTrace {
  /** Store calls made (1 without retries). */
  attempts: number;
  /** Attempts after the first one. */
  retries: number;
}

/** What a policy knows about the call it wraps. */
export interface CallContext {
  readonly op: OperationDescriptor;
  readonly adapter: StoreAdapter;
  /** The caller's signal, if any; a policy may combine it with its own timeout. */
  readonly signal?: AbortSignal | undefined;
  /** Present when someone listens to operation events; the policy counts attempts into it. */
  readonly trace?: CallTrace | undefined;
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
  run: (context, call) => {
    if (context.trace) context.trace.attempts++;
    return call(context.signal);
  },
};
