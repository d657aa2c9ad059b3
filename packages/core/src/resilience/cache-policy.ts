import { PolyxenaError } from "../errors.js";
import { DeadlineTimer } from "./deadline-timer.js";

/** What a cache policy knows about the cache call it wraps. */
export interface CacheCallContext {
  /** Cache command, e.g. `get`, `add`, `set`, `delete`. */
  readonly operation: string;
  /** Cache target for error messages, e.g. `memcached:zone-a`. */
  readonly target?: string | undefined;
  /** Entity the key belongs to, when known. */
  readonly entity?: string | undefined;
  /** The caller's signal; aborting it ends the call. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Wraps every call to the cache tier. It never retries (the store is the
 * source of truth; a slow cache is treated as a miss by the cache layer)
 * and reports every failure, synchronous throws included, through the
 * returned promise only.
 */
export interface CachePolicy {
  run<T>(context: CacheCallContext, call: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

/** Options of {@link createCachePolicy}. */
export interface CachePolicyOptions {
  /** Per-call timeout in milliseconds (default 100). */
  timeoutMs?: number;
}

/**
 * Creates the policy for cache calls: one aggressive timeout (`E_TIMEOUT`
 * naming the cache target and command), no retries, no breaker.
 *
 * @example
 * const cachePolicy = createCachePolicy({ timeoutMs: 50 });
 * const value = await cachePolicy.run({ operation: "get", target: "memcached" }, () => client.get(key));
 */
export function createCachePolicy(options: CachePolicyOptions = {}): CachePolicy {
  const timeoutMs = options.timeoutMs ?? 100;
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs < 1) {
    throw new PolyxenaError("E_DEFINITION", "invalid cache timeout: must be a finite number >= 1", { path: "cache.timeoutMs", fix: "pass timeoutMs in milliseconds" });
  }
  const timer = new DeadlineTimer(timeoutMs);
  return {
    run: (context, call) => {
      const target = context.target ?? "cache";
      const aborted = () => cacheError(`the caller's signal aborted cache ${context.operation}`, context, target);
      if (context.signal?.aborted) return Promise.reject(aborted());
      return timer.run(call, () => cacheError(`no response from ${target} within ${timeoutMs} ms`, context, target), undefined, context.signal, aborted);
    },
  };
}

function cacheError(message: string, context: CacheCallContext, target: string): PolyxenaError {
  return new PolyxenaError("E_TIMEOUT", message, { store: target, entity: context.entity, operation: `cache.${context.operation}` });
}
