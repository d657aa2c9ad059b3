import { isSkippedCacheCall, type CacheCallContext, type CachePolicy } from "../resilience/cache-policy.js";
import { isCacheValueTooLargeError, zonesOf, type CacheDriver } from "./cache-driver.js";
import type { CacheStats } from "./cache-stats.js";
import { decodeEnvelope, type Envelope } from "./cache-envelope.js";
import { InvalidationRetrier, type RetryPolicy } from "./invalidation-retrier.js";

/** The outcome of reading one key from the zones. */
export type TierRead =
  | { kind: "hit"; envelope: Envelope }
  | { kind: "tombstone" }
  | { kind: "miss" }
  /** Every zone failed. */
  | { kind: "error" };

const MISS: TierRead = { kind: "miss" };
const ERROR: TierRead = { kind: "error" };
const TOMBSTONE: TierRead = { kind: "tombstone" };
const LEASE_VALUE = Buffer.from("lease");
/** Memcached reads a TTL above 30 days as an absolute Unix time; longer TTLs are capped. */
const MAX_RELATIVE_TTL_SECONDS = 30 * 24 * 3600;
const ttl = (seconds: number) => Math.min(Math.max(1, Math.ceil(seconds)), MAX_RELATIVE_TTL_SECONDS);

/** One zone with its policy contexts, made once so a call allocates none. */
export class TierZone {
  readonly get: CacheCallContext;
  readonly add: CacheCallContext;
  readonly set: CacheCallContext;
  readonly delete: CacheCallContext;

  constructor(readonly driver: CacheDriver) {
    const target = driver.name;
    this.get = { operation: "get", target };
    this.add = { operation: "add", target };
    this.set = { operation: "set", target };
    this.delete = { operation: "delete", target };
  }
}

/**
 * The L2 side of the protocol over a driver's zones: zone-aware reads
 * (local first, fall back on miss or error, a tombstone ends the search),
 * `add`-only fills, tombstones in every zone with background retry, and
 * leases in the lease zone. Every zone call goes through the cache policy
 * (timeout, breaker per zone); errors and skips are counted, never thrown.
 */
export class CacheTier {
  readonly zones: readonly CacheDriver[];
  readonly maxValueBytes: number;
  readonly retrier: InvalidationRetrier;
  private readonly tierZones: readonly TierZone[];
  /** Leases live in the same zone for every process (zone name order), so processes in different zones share them. */
  private readonly leaseZones: readonly TierZone[];

  constructor(
    driver: CacheDriver,
    private readonly stats: CacheStats,
    readonly policy: CachePolicy,
    retry?: RetryPolicy,
  ) {
    this.zones = zonesOf(driver);
    this.tierZones = this.zones.map((zone) => new TierZone(zone));
    this.maxValueBytes = Math.min(driver.maxValueBytes, ...this.zones.map((z) => z.maxValueBytes));
    this.retrier = new InvalidationRetrier(this.tierZones, stats, (zone, key, value, ttlSeconds) => this.setIn(zone, key, value, ttlSeconds), retry);
    this.leaseZones = [...this.tierZones].sort((a, b) => (a.driver.name < b.driver.name ? -1 : a.driver.name > b.driver.name ? 1 : 0));
  }

  /** Reads a key: local zone first, the others on a miss or an error. */
  read(key: string, schemaHash: string): Promise<TierRead> {
    const zone = this.tierZones[0]!;
    // The local zone's answer is handled without an async frame: it is the L2-hit path.
    return this.policy.run(zone.get, () => zone.driver.get(key)).then(
      (bytes) => (bytes === undefined ? (this.tierZones.length > 1 ? this.readRest(key, schemaHash, 0) : MISS) : this.classify(bytes, schemaHash)),
      (error: unknown) => {
        this.failed(error);
        return this.tierZones.length > 1 ? this.readRest(key, schemaHash, 1) : ERROR;
      },
    );
  }

  private async readRest(key: string, schemaHash: string, errors: number): Promise<TierRead> {
    for (let i = 1; i < this.tierZones.length; i++) {
      const zone = this.tierZones[i]!;
      let bytes: Uint8Array | undefined;
      try {
        bytes = await this.policy.run(zone.get, () => zone.driver.get(key));
      } catch (error) {
        this.failed(error);
        errors++;
        continue;
      }
      if (bytes !== undefined) return this.classify(bytes, schemaHash);
    }
    return errors === this.tierZones.length ? ERROR : MISS;
  }

  private classify(bytes: Uint8Array, schemaHash: string): TierRead {
    const envelope = decodeEnvelope(bytes, schemaHash);
    if (!envelope) {
      this.stats.decodeFailures++;
      // An undecodable entry blocks fills like a tombstone would; read the store.
      return TOMBSTONE;
    }
    return envelope.kind === "t" ? TOMBSTONE : { kind: "hit", envelope };
  }

  /** Fills every zone with `add` (never overwrites a tombstone). */
  async fill(key: string, value: Uint8Array, ttlSeconds: number): Promise<void> {
    if (value.byteLength > this.maxValueBytes) {
      this.stats.oversize++;
      return;
    }
    const seconds = ttl(ttlSeconds);
    await Promise.all(
      this.tierZones.map(async (zone) => {
        try {
          if (await this.policy.run(zone.add, () => zone.driver.add(key, value, seconds))) this.stats.fills++;
          else this.stats.fillsRejected++;
        } catch (error) {
          if (isCacheValueTooLargeError(error)) this.stats.oversize++;
          else this.failed(error);
        }
      }),
    );
  }

  /** Writes an invalidation (tombstone or generation) to every zone; failures are retried in the background. */
  async setEverywhere(key: string, value: Uint8Array, ttlSeconds: number): Promise<void> {
    ttlSeconds = ttl(ttlSeconds);
    await Promise.all(
      this.tierZones.map(async (zone) => {
        try {
          await this.setIn(zone, key, value, ttlSeconds);
        } catch (error) {
          this.failed(error);
          this.stats.invalidationFailures++;
          this.retrier.enqueue(zone, key, value, ttlSeconds);
        }
      }),
    );
  }

  /**
   * Takes the load lease of a key in the first zone (by name) that answers: the zone
   * holding it when taken, `false` when another process holds it, `undefined`
   * when no zone answered.
   */
  async lease(leaseKey: string, ttlSeconds: number): Promise<TierZone | false | undefined> {
    const seconds = ttl(ttlSeconds);
    for (const zone of this.leaseZones) {
      try {
        return (await this.policy.run(zone.add, () => zone.driver.add(leaseKey, LEASE_VALUE, seconds))) ? zone : false;
      } catch (error) {
        this.failed(error);
      }
    }
    return undefined;
  }

  /** Releases a lease (best effort, not awaited by readers). */
  release(zone: TierZone, leaseKey: string): void {
    this.policy.run(zone.delete, () => zone.driver.delete(leaseKey)).catch((error: unknown) => this.failed(error));
  }

  private setIn(zone: TierZone, key: string, value: Uint8Array, ttlSeconds: number): Promise<void> {
    return this.policy.run(zone.set, () => zone.driver.set(key, value, ttlSeconds));
  }

  /** Counts a failed zone call: skipped by an open breaker, or an error (timeouts included). */
  private failed(error: unknown): void {
    if (isSkippedCacheCall(error)) this.stats.l2Skipped++;
    else this.stats.l2Errors++;
  }
}
