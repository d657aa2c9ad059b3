import {
  BulkheadPolicy,
  CircuitBreakerPolicy,
  CircuitState,
  ExponentialBackoff,
  RetryPolicy,
  TimeoutPolicy,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  decorrelatedJitterGenerator,
  handleWhen,
  retry,
  timeout,
} from "cockatiel";
import type { CallContext, CallPolicy } from "../call-policy.js";
import type { EntityModel } from "../entity-model.js";
import type { OperationDescriptor, OperationKind, StoreAdapter } from "../store-adapter.js";
import { isRetryable, isStoreFailure, policyError } from "./call-failures.js";
import { isBrokenCircuitError, isBulkheadRejectedError, isTaskCancelledError } from "./cockatiel-errors.js";
import { RollingSamplingBreaker } from "./rolling-sampling-breaker.js";
import {
  resolveCallConfig,
  resolveStoreConfig,
  timeoutClassOf,
  validateResilienceConfig,
  type BreakerConfig,
  type ResilienceConfig,
} from "./resilience-config.js";

/** State of a store instance's circuit breaker. */
export type BreakerState = "closed" | "open" | "half-open" | "isolated" | "disabled";

/** A {@link CallPolicy} with a view of its per-store state. */
export interface ResiliencePolicy extends CallPolicy {
  /** The breaker state of a store instance (by adapter or instance name); `closed` before its first call. */
  breakerState(store: StoreAdapter | string): BreakerState;
}

type StoreCall<T> = (signal: AbortSignal | undefined) => Promise<T>;

/** Timeout and retry of one entity's operations of one kind. */
interface CallPlan {
  readonly timeoutMs: number;
  readonly timeout: TimeoutPolicy;
  readonly retry: RetryPolicy | undefined;
}

/**
 * Creates the resilience policy: per-attempt timeouts by operation class
 * (aggressive, so a store that ignores the abort signal still cannot hang a
 * call), retries with decorrelated jitter for idempotent operations only,
 * and per store instance a sampling circuit breaker and a bulkhead. Pass it
 * to `createRepositories({ policy })`.
 *
 * Layering of one attempt: bulkhead -> breaker -> timeout -> store call.
 * While the bulkhead queues a call, the same timeout also bounds the wait.
 *
 * @example
 * const policy = createResiliencePolicy({
 *   timeouts: { read: 300, write: 1_000 },
 *   stores: { "cassandra:viewing": { bulkhead: { maxConcurrent: 64, maxQueued: 256 } } },
 *   entities: { Invoice: { retry: false } },
 * });
 */
export function createResiliencePolicy(config: ResilienceConfig = {}): ResiliencePolicy {
  validateResilienceConfig(config);
  const guards = new WeakMap<StoreAdapter, StoreGuard>();
  const byName = new Map<string, StoreGuard>();
  const guardFor = (adapter: StoreAdapter): StoreGuard => {
    let guard = guards.get(adapter);
    if (!guard) {
      guard = new StoreGuard(adapter, config);
      guards.set(adapter, guard);
      byName.set(adapter.name, guard);
    }
    return guard;
  };
  return {
    run: (context, call) => guardFor(context.adapter).run(context, call),
    breakerState: (store) => {
      const guard = typeof store === "string" ? byName.get(store) : guards.get(store);
      if (!guard) {
        const name = typeof store === "string" ? store : store.name;
        return resolveStoreConfig(config, name).breaker ? "closed" : "disabled";
      }
      return guard.breakerState();
    },
  };
}

/** The breaker, bulkhead and call plans of one store instance. */
class StoreGuard {
  private readonly breaker: CircuitBreakerPolicy | undefined;
  private readonly bulkhead: BulkheadPolicy | undefined;
  private readonly plans = new WeakMap<EntityModel, Map<OperationKind, CallPlan>>();
  private readonly timeouts = new Map<number, TimeoutPolicy>();

  constructor(
    private readonly adapter: StoreAdapter,
    private readonly config: ResilienceConfig,
  ) {
    const resolved = resolveStoreConfig(config, adapter.name);
    this.breaker = resolved.breaker && createBreaker(resolved.breaker, adapter);
    this.bulkhead = resolved.bulkhead && bulkhead(resolved.bulkhead.maxConcurrent, resolved.bulkhead.maxQueued);
  }

  breakerState(): BreakerState {
    if (!this.breaker) return "disabled";
    switch (this.breaker.state) {
      case CircuitState.Closed:
        return "closed";
      case CircuitState.Open:
        return "open";
      case CircuitState.HalfOpen:
        return "half-open";
      case CircuitState.Isolated:
        return "isolated";
    }
  }

  run<T>(context: CallContext, call: StoreCall<T>): Promise<T> {
    const plan = this.plan(context.op);
    const first = this.attempt(plan, context, call);
    if (!plan.retry || !context.op.idempotent) return first;
    return first.catch((error: unknown) => {
      if (!isRetryable(error, this.adapter) || context.signal?.aborted) throw error;
      // Cockatiel's retry runs attempt 0 at once; here attempt 0 replays the failure that
      // already happened, so the backoff comes before the second store call.
      return plan.retry!.execute(({ attempt }) => {
        if (attempt === 0) return Promise.reject(error);
        if (context.trace) context.trace.retries++;
        return this.attempt(plan, context, call);
      }, context.signal);
    });
  }

  private plan(op: OperationDescriptor): CallPlan {
    let byKind = this.plans.get(op.entity);
    if (!byKind) {
      byKind = new Map();
      this.plans.set(op.entity, byKind);
    }
    let plan = byKind.get(op.kind);
    if (!plan) {
      const resolved = resolveCallConfig(this.config, this.adapter.name, op.entity.name);
      const timeoutMs = resolved.timeouts[timeoutClassOf(op.kind)];
      const r = resolved.retry;
      plan = {
        timeoutMs,
        timeout: this.timeoutPolicy(timeoutMs),
        retry:
          r && r.retries > 0
            ? retry(
                handleWhen((e) => isRetryable(e, this.adapter)),
                {
                  maxAttempts: r.retries,
                  backoff: new ExponentialBackoff({ generator: decorrelatedJitterGenerator, initialDelay: r.initialDelayMs, maxDelay: r.maxDelayMs }),
                },
              )
            : undefined,
      };
      byKind.set(op.kind, plan);
    }
    return plan;
  }

  private timeoutPolicy(ms: number): TimeoutPolicy {
    let policy = this.timeouts.get(ms);
    if (!policy) {
      policy = timeout(ms, TimeoutStrategy.Aggressive);
      this.timeouts.set(ms, policy);
    }
    return policy;
  }

  /** One attempt: bulkhead -> breaker -> timeout -> store call; errors leave as Polyxena errors or raw driver errors. */
  private async attempt<T>(plan: CallPlan, context: CallContext, call: StoreCall<T>): Promise<T> {
    const { op, signal } = context;
    if (signal?.aborted) throw this.callerAbort(op, false);
    const bh = this.bulkhead;
    try {
      if (!bh) return await this.guarded(plan, context, call, signal);
      if (bh.executionSlots > 0) return await bh.execute(() => this.guarded(plan, context, call, signal));
      // The call will wait for a slot: bound the wait by the same timeout.
      return await plan.timeout.execute(
        ({ signal: waitSignal }) => bh.execute(() => this.guarded(plan, context, call, waitSignal), waitSignal),
        signal,
      );
    } catch (error) {
      throw this.translate(error, plan, context, false);
    }
  }

  /** Breaker -> timeout -> store call. */
  private guarded<T>(plan: CallPlan, context: CallContext, call: StoreCall<T>, parent: AbortSignal | undefined): Promise<T> {
    const breaker = this.breaker;
    if (!breaker) return this.timed(plan, context, call, parent);
    const state = breaker.state;
    // Cockatiel parks calls behind a half-open probe; fail them fast instead, so exactly one probe reaches the store.
    if (state === CircuitState.HalfOpen || state === CircuitState.Isolated) {
      return Promise.reject(
        policyError("E_UNAVAILABLE", `the circuit breaker of ${this.adapter.name} is ${state === CircuitState.HalfOpen ? "half-open (probe in flight)" : "isolated"}`, context.op, this.adapter, {
          fastFail: true,
          reachedStore: false,
        }),
      );
    }
    return breaker.execute(() => this.timed(plan, context, call, parent));
  }

  /** Timeout -> store call, with timeouts translated before the breaker sees them. */
  private async timed<T>(plan: CallPlan, context: CallContext, call: StoreCall<T>, parent: AbortSignal | undefined): Promise<T> {
    const trace = context.trace;
    try {
      return await plan.timeout.execute((_ctx, signal) => {
        if (trace) trace.attempts++;
        return call(signal);
      }, parent);
    } catch (error) {
      throw this.translate(error, plan, context, true);
    }
  }

  private translate(error: unknown, plan: CallPlan, context: CallContext, reachedStore: boolean): unknown {
    const { op } = context;
    if (isTaskCancelledError(error)) {
      if (context.signal?.aborted) return this.callerAbort(op, reachedStore, error);
      return policyError("E_TIMEOUT", `no response from ${this.adapter.name} within ${plan.timeoutMs} ms`, op, this.adapter, {
        fastFail: false,
        reachedStore,
        cause: error,
      });
    }
    if (isBrokenCircuitError(error)) {
      return policyError("E_UNAVAILABLE", `the circuit breaker of ${this.adapter.name} is open`, op, this.adapter, {
        fastFail: true,
        reachedStore: false,
        cause: error,
      });
    }
    if (isBulkheadRejectedError(error)) {
      return policyError("E_UNAVAILABLE", `${this.adapter.name} is at its concurrency limit and its queue is full`, op, this.adapter, {
        fastFail: true,
        reachedStore: false,
        cause: error,
      });
    }
    return error;
  }

  private callerAbort(op: OperationDescriptor, reachedStore: boolean, cause?: unknown) {
    return policyError("E_TIMEOUT", "the caller's signal aborted the call", op, this.adapter, { fastFail: true, reachedStore, cause });
  }
}

function createBreaker(config: Required<BreakerConfig>, adapter: StoreAdapter): CircuitBreakerPolicy {
  return circuitBreaker(
    handleWhen((e) => isStoreFailure(e, adapter)),
    { halfOpenAfter: config.halfOpenAfterMs, breaker: new RollingSamplingBreaker(config) },
  );
}
