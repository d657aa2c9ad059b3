import { PolyxenaError } from "../errors.js";
import type { OperationKind } from "../store-adapter.js";

/** The timeout classes of operations: `get`/`getMany` read, `put`/`update`/`delete` write. */
export type TimeoutClass = "read" | "write" | "query" | "search";

/** Per-attempt timeouts in milliseconds, by operation class. */
export interface TimeoutConfig {
  read?: number;
  write?: number;
  query?: number;
  search?: number;
}

/** Retries of idempotent operations, with decorrelated-jitter backoff. */
export interface RetryConfig {
  /** Attempts after the first (default 2). */
  retries?: number;
  /** Median first delay in ms (default 25). */
  initialDelayMs?: number;
  /** Largest delay in ms (default 1000). */
  maxDelayMs?: number;
}

/** Sampling circuit breaker; the defaults follow Hystrix. */
export interface BreakerConfig {
  /** Rolling window the failure ratio is computed over (default 10 000 ms). */
  windowMs?: number;
  /** Calls in the window below which the breaker never opens (default 20). */
  minimumCalls?: number;
  /** Failure ratio at or above which it opens, in (0, 1] (default 0.5). */
  failureRatio?: number;
  /** Time an open breaker fails fast before it lets one probe through (default 5 000 ms). */
  halfOpenAfterMs?: number;
}

/** Concurrency limit per store instance. */
export interface BulkheadConfig {
  /** Calls running at once (default 128). */
  maxConcurrent?: number;
  /** Calls waiting for a slot; more fail fast with `E_UNAVAILABLE` (default 512). */
  maxQueued?: number;
}

/** Settings that may differ per entity. */
export interface CallPolicyConfig {
  timeouts?: TimeoutConfig;
  /** `false` disables retries. */
  retry?: RetryConfig | false;
}

/** Settings of one store instance (breaker and bulkhead are shared by all its entities). */
export interface StorePolicyConfig extends CallPolicyConfig {
  /** `false` disables the breaker. */
  breaker?: BreakerConfig | false;
  /** `false` disables the bulkhead. */
  bulkhead?: BulkheadConfig | false;
}

/**
 * Configuration of {@link createResiliencePolicy}. Top-level settings are
 * the defaults; `stores` overrides them per store instance (`postgres`,
 * `cassandra:viewing`), `entities` per entity name. The most specific wins,
 * field by field.
 */
export interface ResilienceConfig extends StorePolicyConfig {
  stores?: Readonly<Record<string, StorePolicyConfig>>;
  entities?: Readonly<Record<string, CallPolicyConfig>>;
}

/** Fully resolved settings of one store instance. */
export interface ResolvedStoreConfig {
  breaker: Required<BreakerConfig> | undefined;
  bulkhead: Required<BulkheadConfig> | undefined;
}

/** Fully resolved settings of one entity's calls. */
export interface ResolvedCallConfig {
  timeouts: Required<TimeoutConfig>;
  retry: Required<RetryConfig> | undefined;
}

/** Defaults used when nothing is configured. */
export const RESILIENCE_DEFAULTS = {
  timeouts: { read: 1_000, write: 2_000, query: 2_000, search: 3_000 },
  retry: { retries: 2, initialDelayMs: 25, maxDelayMs: 1_000 },
  breaker: { windowMs: 10_000, minimumCalls: 20, failureRatio: 0.5, halfOpenAfterMs: 5_000 },
  bulkhead: { maxConcurrent: 128, maxQueued: 512 },
} as const;

/** Maps an operation kind to its timeout class. */
export function timeoutClassOf(kind: OperationKind): TimeoutClass {
  switch (kind) {
    case "get":
    case "getMany":
      return "read";
    case "put":
    case "update":
    case "delete":
    case "publish":
      return "write";
    case "query":
      return "query";
    case "search":
      return "search";
  }
}

/** Resolves breaker and bulkhead settings for a store instance. */
export function resolveStoreConfig(config: ResilienceConfig, store: string): ResolvedStoreConfig {
  const own = config.stores?.[store];
  const breaker = pickSection(own?.breaker, config.breaker);
  const bulkhead = pickSection(own?.bulkhead, config.bulkhead);
  return {
    breaker: breaker === false ? undefined : { ...RESILIENCE_DEFAULTS.breaker, ...config.breaker, ...(own?.breaker || {}) },
    bulkhead: bulkhead === false ? undefined : { ...RESILIENCE_DEFAULTS.bulkhead, ...config.bulkhead, ...(own?.bulkhead || {}) },
  };
}

/** Resolves timeouts and retries for one entity in one store instance. */
export function resolveCallConfig(config: ResilienceConfig, store: string, entity: string): ResolvedCallConfig {
  const own = config.stores?.[store];
  const ent = config.entities?.[entity];
  const retry = pickSection(ent?.retry, pickSection(own?.retry, config.retry));
  return {
    timeouts: { ...RESILIENCE_DEFAULTS.timeouts, ...config.timeouts, ...own?.timeouts, ...ent?.timeouts },
    retry:
      retry === false
        ? undefined
        : { ...RESILIENCE_DEFAULTS.retry, ...(config.retry || {}), ...(own?.retry || {}), ...(ent?.retry || {}) },
  };
}

/** The most specific section setting: `false` disables, an object enables. */
function pickSection<T extends object>(specific: T | false | undefined, general: T | false | undefined): T | false | undefined {
  return specific !== undefined ? specific : general;
}

/**
 * Checks every number in the configuration; a bad value fails with
 * `E_DEFINITION` naming its path, never later in a data call.
 */
export function validateResilienceConfig(config: ResilienceConfig): void {
  if (typeof config !== "object" || config === null) fail("resilience", "expected an object");
  checkStore(config, "resilience");
  for (const [name, store] of Object.entries(config.stores ?? {})) checkStore(store, `resilience.stores.${name}`);
  for (const [name, entity] of Object.entries(config.entities ?? {})) checkCall(entity, `resilience.entities.${name}`);
}

function checkStore(c: StorePolicyConfig, path: string): void {
  checkCall(c, path);
  if (c.breaker) {
    positive(c.breaker.windowMs, `${path}.breaker.windowMs`, 1);
    positive(c.breaker.minimumCalls, `${path}.breaker.minimumCalls`, 1);
    positive(c.breaker.halfOpenAfterMs, `${path}.breaker.halfOpenAfterMs`, 1);
    const r = c.breaker.failureRatio;
    if (r !== undefined && !(typeof r === "number" && r > 0 && r <= 1)) fail(`${path}.breaker.failureRatio`, "must be a number in (0, 1]");
  }
  if (c.bulkhead) {
    positive(c.bulkhead.maxConcurrent, `${path}.bulkhead.maxConcurrent`, 1);
    positive(c.bulkhead.maxQueued, `${path}.bulkhead.maxQueued`, 0);
  }
}

function checkCall(c: CallPolicyConfig, path: string): void {
  for (const [k, v] of Object.entries(c.timeouts ?? {})) {
    if (!["read", "write", "query", "search"].includes(k)) fail(`${path}.timeouts.${k}`, "unknown timeout class (use read, write, query, search)");
    positive(v as number, `${path}.timeouts.${k}`, 1);
  }
  if (c.retry) {
    positive(c.retry.retries, `${path}.retry.retries`, 0);
    positive(c.retry.initialDelayMs, `${path}.retry.initialDelayMs`, 0);
    positive(c.retry.maxDelayMs, `${path}.retry.maxDelayMs`, 0);
  }
}

/** Longest delay a Node timer supports (about 24.8 days); longer ones would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

function positive(value: number | undefined, path: string, min: number): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > MAX_TIMER_MS) {
    fail(path, `must be a number from ${min} to ${MAX_TIMER_MS}`);
  }
}

function fail(path: string, message: string): never {
  throw new PolyxenaError("E_DEFINITION", `invalid resilience setting: ${message}`, { path, fix: "correct the value in the resilience configuration" });
}
