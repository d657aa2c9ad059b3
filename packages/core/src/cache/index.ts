/**
 * The EVCache-style cache-aside protocol (driver-free): L1 in process, L2
 * zones behind a {@link CacheDriver}, single-flight, leases, tombstones,
 * `add`-only fills and query generations. See README.md for the protocol.
 */
export { CacheValueTooLargeError, DEFAULT_MAX_VALUE_BYTES, isCacheValueTooLargeError, MAX_CACHE_KEY_BYTES, zonesOf } from "./cache-driver.js";
export type { CacheDriver, CacheEntry, CasToken, CasValue } from "./cache-driver.js";
export { toSafeCacheKey } from "./safe-cache-key.js";
export { ZonedCacheDriver } from "./zoned-cache-driver.js";
export { CacheKeyBuilder, encodeKeyValue, LEASE_SUFFIX, STALE_SUFFIX } from "./cache-key-builder.js";
export { decodeEnvelope, encodeEnvelope, ENVELOPE_FORMAT } from "./cache-envelope.js";
export type { Envelope, EnvelopeKind } from "./cache-envelope.js";
export { CacheValueCodec } from "./cache-value-codec.js";
export { emptyCacheStats } from "./cache-stats.js";
export type { CacheStats } from "./cache-stats.js";
export { InProcessInvalidationBus } from "./invalidation-bus.js";
export type { InvalidationBus, InvalidationMessage } from "./invalidation-bus.js";
export { InvalidationRetrier } from "./invalidation-retrier.js";
export type { RetryPolicy, ZoneWrite } from "./invalidation-retrier.js";
export { CacheTier, TierZone } from "./cache-tier.js";
export type { FillGuard, TierRead, ZoneVersion } from "./cache-tier.js";
export { ReadThrough } from "./read-through.js";
export type { L1Cache, L1Entry, ReadPlan, ReadThroughTiming } from "./read-through.js";
export { EntityCacheAside } from "./entity-cache-aside.js";
export type { CacheContext } from "./entity-cache-aside.js";
export { createCacheAside } from "./cache-aside.js";
export type { CacheAside, CacheAsideOptions, DerivedCachePolicy } from "./cache-aside.js";
export { CACHE_POLICY_DEFAULTS, createCachePolicy, isSkippedCacheCall } from "./cache-policy.js";
export type { CacheBreakerConfig, CacheCallContext, CachePolicy, CachePolicyOptions } from "./cache-policy.js";
