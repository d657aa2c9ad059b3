import { CircuitState } from "cockatiel";
import { isCacheValueTooLargeError } from "./cache-driver.js";
import { PolyxenaError } from "../errors.js";
import { DeadlineTimer } from "../resilience/deadline-timer.js";
import type { BreakerState } from "../resilience/resilience-policy.js";
import { RollingSamplingBreaker } from "../resilience/rolling-sampling-breaker.js";

/** What a cache policy knows about the cache call it wraps. */
export interface CacheCallContext {
  /** Cache command, e.g. `get`, `add`, `set`, `delete`. */
  readonly operation: string;
  /** Cache target (zone or driver) for errors and for its breaker, e.g. `memcached:zone-a`. */
  readonly target?: string | undefined;
  /** Entity the key belongs to, when known. */
  readonly entity?: string | undefined;
  /** The caller's signal; aborting it ends the call. */
  readonly signal?: AbortSignal | undefined;
  /**
   * A call that must be attempted even while the target's breaker is open
   * (still under the timeout; it does not count as the probe): cache
   * invalidations, which a zone that is back must not miss.
   */
  readonly essential?: boolean | undefined;
}

/**
 * Wraps every call to the cache tier. It never retries (the store is the
 * source of truth; a slow cache is treated as a miss by the cache layer)
 * and reports every failure, synchronous throws included, through the
 * returned promise only.
 */
export interface CachePolicy {
  run<T>(context: CacheCallContext, call: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** The breaker state of a target (`closed` before its first call, `disabled` without breakers). */
  breakerState(target: string): BreakerState;
}

/** Circuit breaker of one cache target (zone or driver). */
export interface CacheBreakerConfig {
  /** Rolling window the failure ratio is computed over (default 5 000 ms). */
  windowMs?: number;
  /** Calls in the window below which the breaker never opens (default 10). */
  minimumCalls?: number;
  /** Failure ratio at or above which it opens, in (0, 1] (default 0.5). */
  failureRatio?: number;
  /** Time an open breaker skips the target before one probe call is let through (default 1 000 ms). */
  halfOpenAfterMs?: number;
}

/** Options of {@link createCachePolicy}. */
export interface CachePolicyOptions {
  /** Per-call timeout in milliseconds (default 100). */
  timeoutMs?: number | undefined;
  /** Breaker per target; `false` disables it. */
  breaker?: CacheBreakerConfig | false | undefined;
}

/** Defaults of {@link createCachePolicy}: tuned for a cache, whose misses cost one store read. */
export const CACHE_POLICY_DEFAULTS = {
  timeoutMs: 100,
  breaker: { windowMs: 5_000, minimumCalls: 10, failureRatio: 0.5, halfOpenAfterMs: 1_000 },
} as const;

/**
 * Creates the policy for cache calls: one aggressive timeout (`E_TIMEOUT`
 * naming the cache target and command), no retries, and a sampling circuit
 * breaker per target. An open breaker rejects at once with `E_UNAVAILABLE`
 * (`fastFail: true`) without calling the cache, so a dead server costs
 * nothing per read instead of a timeout per read; after `halfOpenAfterMs`
 * exactly one probe call goes through (the others keep failing fast), and
 * its success closes the breaker. Timeouts and driver errors count as
 * failures; a value over the item limit and the caller's abort do not.
 *
 * @example
 * const cachePolicy = createCachePolicy({ timeoutMs: 50, breaker: { minimumCalls: 20 } });
 * const value = await cachePolicy.run({ operation: "get", target: "memcached:a" }, () => client.get(key));
 */
export function createCachePolicy(options: CachePolicyOptions = {}): CachePolicy {
  const timeoutMs = options.timeoutMs ?? CACHE_POLICY_DEFAULTS.timeoutMs;
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs < 1) {
    throw definitionError("invalid cache timeout: must be a finite number >= 1", "cache.timeoutMs", "pass timeoutMs in milliseconds");
  }
  const breaker = options.breaker === false ? undefined : resolveBreaker(options.breaker ?? {});
  const timer = new DeadlineTimer(timeoutMs);
  const guards = new Map<string, CacheGuard>();
  let lastTarget: string | undefined;
  let lastGuard: CacheGuard | undefined;
  const guardFor = (target: string): CacheGuard => {
    if (target === lastTarget) return lastGuard!;
    let guard = guards.get(target);
    if (!guard) {
      guard = new CacheGuard(target, timer, breaker);
      guards.set(target, guard);
    }
    lastTarget = target;
    lastGuard = guard;
    return guard;
  };
  return {
    run: (context, call) => guardFor(context.target ?? "cache").run(context, call),
    breakerState: (target) => (breaker ? (guards.get(target)?.state() ?? "closed") : "disabled"),
  };
}

function resolveBreaker(config: CacheBreakerConfig): Required<CacheBreakerConfig> {
  const resolved = { ...CACHE_POLICY_DEFAULTS.breaker, ...config };
  const positive = (name: keyof CacheBreakerConfig, min: number) => {
    const value = resolved[name];
    if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
      throw definitionError(`invalid cache breaker ${name}: must be a finite number >= ${min}`, `cache.breaker.${name}`, `pass ${name} as a number`);
    }
  };
  positive("windowMs", 1);
  positive("minimumCalls", 1);
  positive("halfOpenAfterMs", 1);
  if (!(resolved.failureRatio > 0 && resolved.failureRatio <= 1)) {
    throw definitionError("invalid cache breaker failureRatio: must be in (0, 1]", "cache.breaker.failureRatio", "pass a ratio such as 0.5");
  }
  return resolved;
}

/**
 * One call under a guard: the breaker hears about it once, whichever of the
 * answer and the deadline comes first.
 */
class GuardedCall {
  done = false;
  constructor(
    readonly guard: CacheGuard,
    readonly context: CacheCallContext,
    readonly probe: boolean,
  ) {}
}

function onTimeout(call: GuardedCall): unknown {
  if (!call.done) {
    call.done = true;
    call.guard.record(false, call.probe);
  }
  const { context, guard } = call;
  return cacheError("E_TIMEOUT", `no response from ${guard.target} within ${guard.timer.ms} ms`, context, guard.target);
}

function onAbort(call: GuardedCall): unknown {
  if (!call.done) {
    call.done = true;
    call.guard.release(call.probe);
  }
  return cacheError("E_TIMEOUT", `the caller's signal aborted cache ${call.context.operation}`, call.context, call.guard.target);
}

/** Breaker and deadline of one target. */
class CacheGuard {
  private readonly sampler: RollingSamplingBreaker | undefined;
  private circuit = CircuitState.Closed;
  private openedAt = 0;
  private probing = false;

  constructor(
    readonly target: string,
    readonly timer: DeadlineTimer,
    private readonly breaker: Required<CacheBreakerConfig> | undefined,
  ) {
    this.sampler = breaker && new RollingSamplingBreaker(breaker);
  }

  state(): BreakerState {
    if (this.circuit === CircuitState.Open && !this.probing && Date.now() - this.openedAt >= this.breaker!.halfOpenAfterMs) return "half-open";
    return this.circuit === CircuitState.Closed ? "closed" : this.circuit === CircuitState.Open ? "open" : "half-open";
  }

  run<T>(context: CacheCallContext, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (context.signal?.aborted) return Promise.reject(cacheError("E_TIMEOUT", `the caller's signal aborted cache ${context.operation}`, context, this.target));
    if (!this.sampler) return this.timer.run(call, onTimeout, new GuardedCall(this, context, false), context.signal, onAbort);
    let probe = false;
    if (this.circuit !== CircuitState.Closed && !context.essential) {
      if (this.probing || Date.now() - this.openedAt < this.breaker!.halfOpenAfterMs) {
        return Promise.reject(
          cacheError("E_UNAVAILABLE", `the circuit breaker of ${this.target} is ${this.probing ? "half-open (probe in flight)" : "open"}; cache ${context.operation} skipped`, context, this.target, true),
        );
      }
      this.circuit = CircuitState.HalfOpen;
      this.probing = probe = true;
    }
    // The breaker hears the answer from the deadline timer itself: no extra promise or closure per call.
    return this.timer.run(call, onTimeout, new GuardedCall(this, context, probe), context.signal, onAbort, onAnswer);
  }

  /** Records the outcome of a call that reached the target. */
  record(success: boolean, probe: boolean): void {
    const sampler = this.sampler;
    if (!sampler) return;
    if (probe) {
      this.probing = false;
      if (success) {
        sampler.success(CircuitState.HalfOpen);
        this.circuit = CircuitState.Closed;
      } else {
        sampler.failure(CircuitState.HalfOpen);
        this.open();
      }
      return;
    }
    if (success) {
      sampler.success(this.circuit);
    } else if (sampler.failure(this.circuit) && this.circuit === CircuitState.Closed) {
      this.open();
    }
  }

  /** A call that ended without an outcome (caller abort): a probe lets the next call probe. */
  release(probe: boolean): void {
    if (probe) {
      this.probing = false;
      this.circuit = CircuitState.Open;
    }
  }

  private open(): void {
    this.circuit = CircuitState.Open;
    this.openedAt = Date.now();
  }
}

/** The call's own answer, before its deadline: a value over the item limit is no failure of the target. */
function onAnswer(call: GuardedCall, failed: boolean, error: unknown): void {
  settle(call, !failed || isCacheValueTooLargeError(error));
}

function settle(call: GuardedCall, success: boolean): void {
  if (call.done) return;
  call.done = true;
  call.guard.record(success, call.probe);
}

/** Calls an open breaker rejected without reaching the cache. */
const skipped = new WeakSet<object>();

/** True when a cache call was rejected by an open (or probing) breaker without reaching the cache. */
export function isSkippedCacheCall(error: unknown): boolean {
  return typeof error === "object" && error !== null && skipped.has(error);
}

function cacheError(code: "E_TIMEOUT" | "E_UNAVAILABLE", message: string, context: CacheCallContext, target: string, fastFail = false): PolyxenaError {
  const error = new PolyxenaError(code, message, { store: target, entity: context.entity, operation: `cache.${context.operation}` });
  if (fastFail) skipped.add(error);
  return error;
}

function definitionError(message: string, path: string, fix: string): PolyxenaError {
  return new PolyxenaError("E_DEFINITION", message, { path, fix });
}
