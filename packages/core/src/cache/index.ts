/**
 * The EVCache-style cache-aside protocol (driver-free): L1 in process, L2
 * zones behind a {@link CacheDriver}, single-flight, leases, tombstones,
 * `add`-only fills and query generations. See README.md for the protocol.
 */
export * from "./cache-driver.js";
export * from "./safe-cache-key.js";
export * from "./zoned-cache-driver.js";
export * from "./cache-key-builder.js";
export * from "./cache-envelope.js";
export * from "./cache-value-codec.js";
export * from "./cache-stats.js";
export * from "./invalidation-bus.js";
export * from "./invalidation-retrier.js";
export * from "./cache-tier.js";
export { ReadThrough } from "./read-through.js";
export type { L1Cache, L1Entry, ReadPlan, ReadThroughTiming } from "./read-through.js";
export { EntityCacheAside } from "./entity-cache-aside.js";
export type { CacheContext } from "./entity-cache-aside.js";
export { createCacheAside } from "./cache-aside.js";
export type { CacheAside, CacheAsideOptions, DerivedCachePolicy } from "./cache-aside.js";
export { CACHE_POLICY_DEFAULTS, createCachePolicy, isSkippedCacheCall } from "./cache-policy.js";
export type { CacheBreakerConfig, CacheCallContext, CachePolicy, CachePolicyOptions } from "./cache-policy.js";
