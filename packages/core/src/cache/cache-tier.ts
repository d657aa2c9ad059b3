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

/**
 * The L2 side of the protocol over a driver's zones: zone-aware reads
 * (local first, fall back on miss or error, a tombstone ends the search),
 * `add`-only fills, tombstones in every zone with background retry, and
 * leases in the local zone. Errors are counted, never thrown.
 */
export class CacheTier {
  readonly zones: readonly CacheDriver[];
  readonly maxValueBytes: number;
  readonly retrier: InvalidationRetrier;
  /** Leases live in the same zone for every process (zone name order), so processes in different zones share them. */
  private readonly leaseZones: readonly CacheDriver[];

  constructor(
    driver: CacheDriver,
    private readonly stats: CacheStats,
    retry?: RetryPolicy,
  ) {
    this.zones = zonesOf(driver);
    this.maxValueBytes = Math.min(driver.maxValueBytes, ...this.zones.map((z) => z.maxValueBytes));
    this.retrier = new InvalidationRetrier(this.zones, stats, retry);
    this.leaseZones = [...this.zones].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Reads a key: local zone first, the others on a miss or an error. */
  async read(key: string, schemaHash: string): Promise<TierRead> {
    let errors = 0;
    for (const zone of this.zones) {
      let bytes: Uint8Array | undefined;
      try {
        bytes = await zone.get(key);
      } catch {
        this.stats.l2Errors++;
        errors++;
        continue;
      }
      if (bytes === undefined) continue;
      const envelope = decodeEnvelope(bytes, schemaHash);
      if (!envelope) {
        this.stats.decodeFailures++;
        // An undecodable entry blocks fills like a tombstone would; read the store.
        return TOMBSTONE;
      }
      return envelope.kind === "t" ? TOMBSTONE : { kind: "hit", envelope };
    }
    return errors === this.zones.length ? ERROR : MISS;
  }

  /** Fills every zone with `add` (never overwrites a tombstone). */
  async fill(key: string, value: Uint8Array, ttlSeconds: number): Promise<void> {
    if (value.byteLength > this.maxValueBytes) {
      this.stats.oversize++;
      return;
    }
    await Promise.all(
      this.zones.map(async (zone) => {
        try {
          if (await zone.add(key, value, ttl(ttlSeconds))) this.stats.fills++;
          else this.stats.fillsRejected++;
        } catch (error) {
          if (isCacheValueTooLargeError(error)) this.stats.oversize++;
          else this.stats.l2Errors++;
        }
      }),
    );
  }

  /** Writes an invalidation (tombstone or generation) to every zone; failures are retried in the background. */
  async setEverywhere(key: string, value: Uint8Array, ttlSeconds: number): Promise<void> {
    ttlSeconds = ttl(ttlSeconds);
    await Promise.all(
      this.zones.map(async (zone) => {
        try {
          await zone.set(key, value, ttlSeconds);
        } catch {
          this.stats.l2Errors++;
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
  async lease(leaseKey: string, ttlSeconds: number): Promise<CacheDriver | false | undefined> {
    for (const zone of this.leaseZones) {
      try {
        return (await zone.add(leaseKey, LEASE_VALUE, ttl(ttlSeconds))) ? zone : false;
      } catch {
        this.stats.l2Errors++;
      }
    }
    return undefined;
  }

  /** Releases a lease (best effort, not awaited by readers). */
  release(zone: CacheDriver, leaseKey: string): void {
    zone.delete(leaseKey).catch(() => {
      this.stats.l2Errors++;
    });
  }
}
