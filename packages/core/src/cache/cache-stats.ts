/** Counters of one cache-aside provider, as returned by `stats()`. */
export interface CacheStats {
  /** Reads served from process memory. */
  l1Hits: number;
  /** Reads served from the L2 tier (including lease waiters that read the filled value). */
  l2Hits: number;
  /** Reads that found nothing usable in L1 or L2. */
  misses: number;
  /** Loader (store) calls made by the cache. */
  loads: number;
  /** Batched store loads (`getMany` through the cache, coalesced gets): one per batch, its keys counted in `loads`. */
  batchLoads: number;
  /** Reads that joined another read's in-flight load in this process. */
  singleFlightJoins: number;
  /** L2 entries written by fills (counted per zone). */
  fills: number;
  /** Fills that replaced a write's tombstone with `cas` (also counted in `fills`). */
  refills: number;
  /** Fills refused by the tier: the key existed (`add`), or a later write replaced the tombstone the reader saw (`cas`). */
  fillsRejected: number;
  /** Fills not sent to a zone whose connection was reset (server restarted, killed or timed out) since the load began. */
  fillsDroppedReconnected: number;
  /** Fills dropped because their store read began longer ago than the tombstone lifetime. */
  fillsDroppedTooOld: number;
  /** Loads not installed because an invalidation arrived while they were in flight. */
  loadsInvalidated: number;
  /** Values not cached because they exceed the tier's item limit. */
  oversize: number;
  /** Values served past their TTL because the loader failed (stale-if-error). */
  staleServed: number;
  /** Leases taken / reads that waited on another process's lease / waits that gave up. */
  leasesAcquired: number;
  leaseWaits: number;
  leaseWaitTimeouts: number;
  /** Tombstones written (per zone). */
  tombstones: number;
  /** Query generations bumped. */
  generationBumps: number;
  /** Invalidation writes that failed at first and were queued for retry. */
  invalidationFailures: number;
  /** Background retries attempted / succeeded / abandoned after the last attempt. */
  invalidationRetries: number;
  invalidationRetrySuccesses: number;
  invalidationsAbandoned: number;
  /** Invalidation writes still queued for retry. */
  pendingInvalidations: number;
  /** L2 operations that failed (errors and timeouts), per zone. */
  l2Errors: number;
  /** L2 operations skipped because the zone's circuit breaker was open (no call, no wait). */
  l2Skipped: number;
  /** L2 values that did not decode (other schema, format, or corrupt). */
  decodeFailures: number;
  /** Invalidations published to / received from the bus. */
  busPublished: number;
  busReceived: number;
  busErrors: number;
}

/** A zeroed stats object. */
export function emptyCacheStats(): CacheStats {
  return {
    l1Hits: 0,
    l2Hits: 0,
    misses: 0,
    loads: 0,
    batchLoads: 0,
    singleFlightJoins: 0,
    fills: 0,
    refills: 0,
    fillsRejected: 0,
    fillsDroppedReconnected: 0,
    fillsDroppedTooOld: 0,
    loadsInvalidated: 0,
    oversize: 0,
    staleServed: 0,
    leasesAcquired: 0,
    leaseWaits: 0,
    leaseWaitTimeouts: 0,
    tombstones: 0,
    generationBumps: 0,
    invalidationFailures: 0,
    invalidationRetries: 0,
    invalidationRetrySuccesses: 0,
    invalidationsAbandoned: 0,
    pendingInvalidations: 0,
    l2Errors: 0,
    l2Skipped: 0,
    decodeFailures: 0,
    busPublished: 0,
    busReceived: 0,
    busErrors: 0,
  };
}
