import { isSkippedCacheCall, type CacheCallContext, type CachePolicy } from "./cache-policy.js";
import { isCacheValueTooLargeError, zonesOf, type CacheDriver, type CacheEntry, type CasToken } from "./cache-driver.js";
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

/**
 * What one zone held for a key when a reader re-read it after finding a
 * tombstone: the tombstone with its version (replaceable with `cas`), a value
 * someone already put back, nothing, or no usable answer.
 */
export type ZoneVersion = { kind: "tombstone"; cas: CasToken } | { kind: "hit"; envelope: Envelope } | { kind: "miss" } | { kind: "none" };

/**
 * The connections each zone would use for a key when a load began (see
 * `CacheDriver.connectionOf`); `NO_CONNECTIONS` marks a zone whose driver has none.
 */
export type FillGuard = readonly (object | undefined)[];

const NO_CONNECTIONS = {};
const NONE: ZoneVersion = { kind: "none" };
const ZONE_MISS: ZoneVersion = { kind: "miss" };

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
  readonly gets: CacheCallContext;
  readonly cas: CacheCallContext;
  readonly getMulti: CacheCallContext;
  readonly addMany: CacheCallContext;
  /** Whether the zone can replace a tombstone it was seen with (`gets` + `cas`). */
  readonly versioned: boolean;

  constructor(readonly driver: CacheDriver) {
    const target = driver.name;
    this.versioned = typeof driver.gets === "function" && typeof driver.cas === "function";
    this.gets = { operation: "gets", target };
    this.cas = { operation: "cas", target };
    this.getMulti = { operation: "getMulti", target };
    this.addMany = { operation: "addMany", target };
    this.get = { operation: "get", target };
    this.add = { operation: "add", target };
    // Invalidations go out even while the zone's breaker is open: readers may replace the
    // tombstone they saw (`cas`), so a zone that is back must not miss the next one.
    this.set = { operation: "set", target, essential: true };
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
  private readonly tracksConnections: boolean;

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
    this.tracksConnections = this.zones.some((zone) => typeof zone.connectionOf === "function");
    this.leaseZones = [...this.tierZones].sort((a, b) => (a.driver.name < b.driver.name ? -1 : a.driver.name > b.driver.name ? 1 : 0));
  }

  /** Reads a key: local zone first, the others on a miss or an error. */
  read(key: string, schemaHash: string): Promise<TierRead> {
    return this.readLocal(key).then(
      (bytes) => (bytes === undefined ? this.readAfterLocal(key, schemaHash, false) : this.classify(bytes, schemaHash)),
      (error: unknown) => this.readAfterLocal(key, schemaHash, true, error),
    );
  }

  /**
   * The first half of {@link read}, for the L2-hit path to await without a
   * promise of its own: the local zone's bytes (`undefined` on a miss); it
   * rejects when the zone failed. Finish with {@link classify} on bytes and
   * with {@link readAfterLocal} otherwise.
   */
  readLocal(key: string): Promise<Uint8Array | undefined> {
    const zone = this.tierZones[0]!;
    return this.policy.run(zone.get, () => zone.driver.get(key));
  }

  /** The second half of {@link read} after the local zone missed, or failed with `error`: the other zones. */
  readAfterLocal(key: string, schemaHash: string, failed: boolean, error?: unknown): TierRead | Promise<TierRead> {
    if (failed) this.failed(error);
    if (this.tierZones.length === 1) return failed ? ERROR : MISS;
    return this.readRest(key, schemaHash, failed ? 1 : 0);
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

  /**
   * Reads many keys: one multi-key read in the local zone, then one in the
   * next zone for the keys still missing or failed, and so on. Answers are
   * aligned with `keys`.
   */
  async readMany(keys: readonly string[], schemaHash: string): Promise<TierRead[]> {
    const out: TierRead[] = keys.map(() => ERROR);
    let pending = keys.map((_, i) => i);
    const missed = new Set<number>();
    for (const zone of this.tierZones) {
      if (pending.length === 0) break;
      const wanted = pending.map((i) => keys[i]!);
      let found: Map<string, Uint8Array>;
      try {
        found = await this.policy.run(zone.getMulti, () => multiGet(zone.driver, wanted));
      } catch (error) {
        this.failed(error);
        continue;
      }
      const next: number[] = [];
      for (const i of pending) {
        const bytes = found.get(keys[i]!);
        if (bytes === undefined) {
          missed.add(i);
          next.push(i);
        } else {
          out[i] = this.classify(bytes, schemaHash);
          missed.delete(i);
        }
      }
      pending = next;
    }
    for (const i of missed) if (out[i] === ERROR) out[i] = MISS;
    return out;
  }

  /**
   * Fills many keys with `add`: one pipelined write per zone (`addMany`), each
   * entry only over the connection its guard recorded.
   */
  async fillMany(entries: readonly CacheEntry[], guards: readonly (FillGuard | undefined)[]): Promise<void> {
    await Promise.all(
      this.tierZones.map(async (zone, z) => {
        const batch: CacheEntry[] = [];
        entries.forEach((entry, i) => {
          if (entry.value.byteLength > this.maxValueBytes) {
            if (z === 0) this.stats.oversize++;
            return;
          }
          if (this.sameConnection(zone, z, entry.key, guards[i])) batch.push({ key: entry.key, value: entry.value, ttlSeconds: ttl(entry.ttlSeconds) });
        });
        if (batch.length === 0) return;
        const driver = zone.driver;
        if (!driver.addMany) {
          await Promise.all(batch.map((e) => this.addIn(zone, e.key, e.value, e.ttlSeconds)));
          return;
        }
        try {
          const answers = await this.policy.run(zone.addMany, () => driver.addMany!(batch));
          for (const stored of answers) {
            if (stored) this.stats.fills++;
            else this.stats.fillsRejected++;
          }
        } catch (error) {
          this.failed(error);
        }
      }),
    );
  }

  /** What bytes read from a zone are: a value's envelope, or a tombstone (undecodable bytes count as one). */
  classify(bytes: Uint8Array, schemaHash: string): TierRead {
    const envelope = decodeEnvelope(bytes, schemaHash);
    if (!envelope) {
      this.stats.decodeFailures++;
      // An undecodable entry blocks fills like a tombstone would; read the store.
      return TOMBSTONE;
    }
    return envelope.kind === "t" ? TOMBSTONE : { kind: "hit", envelope };
  }

  /**
   * The connection of every zone for a key, taken when a load begins; a fill
   * is sent to a zone only over the same connection (`undefined` when no
   * zone driver tracks connections).
   */
  guard(key: string): FillGuard | undefined {
    if (!this.tracksConnections) return undefined;
    return this.tierZones.map((zone) => (zone.driver.connectionOf ? zone.driver.connectionOf(key) : NO_CONNECTIONS));
  }

  /** Fills every zone with `add` (never overwrites a tombstone), skipping zones whose connection changed since `guard` was taken. */
  async fill(key: string, value: Uint8Array, ttlSeconds: number, guard?: FillGuard): Promise<void> {
    if (value.byteLength > this.maxValueBytes) {
      this.stats.oversize++;
      return;
    }
    const seconds = ttl(ttlSeconds);
    await Promise.all(this.tierZones.map((zone, i) => (this.sameConnection(zone, i, key, guard) ? this.addIn(zone, key, value, seconds) : undefined)));
  }

  /**
   * Re-reads a key in every zone with its version, after a reader found a
   * tombstone: the answers are aligned with the zones.
   */
  versions(key: string, schemaHash: string): Promise<ZoneVersion[]> {
    return Promise.all(
      this.tierZones.map(async (zone): Promise<ZoneVersion> => {
        if (!zone.versioned) return NONE;
        try {
          const read = await this.policy.run(zone.gets, () => zone.driver.gets!(key));
          if (read === undefined) return ZONE_MISS;
          const envelope = decodeEnvelope(read.value, schemaHash);
          if (!envelope) return NONE;
          return envelope.kind === "t" ? { kind: "tombstone", cas: read.cas } : { kind: "hit", envelope };
        } catch (error) {
          this.failed(error);
          return NONE;
        }
      }),
    );
  }

  /**
   * Puts a loaded value back after a write: with `cas` over the tombstone
   * each zone held when the load began (refused if any write tombstoned the
   * key since), with `add` where the zone held nothing (only when `addAllowed`:
   * the load is young enough for an `add`), nowhere else.
   */
  async refill(key: string, value: Uint8Array, ttlSeconds: number, versions: readonly ZoneVersion[], guard: FillGuard | undefined, addAllowed: boolean): Promise<void> {
    if (value.byteLength > this.maxValueBytes) {
      this.stats.oversize++;
      return;
    }
    const seconds = ttl(ttlSeconds);
    await Promise.all(
      this.tierZones.map(async (zone, i) => {
        const seen = versions[i];
        if (!seen || !this.sameConnection(zone, i, key, guard)) return;
        if (seen.kind === "miss") {
          if (addAllowed) await this.addIn(zone, key, value, seconds);
          return;
        }
        if (seen.kind !== "tombstone") return;
        try {
          if (await this.policy.run(zone.cas, () => zone.driver.cas!(key, value, seconds, seen.cas))) {
            this.stats.fills++;
            this.stats.refills++;
          } else {
            this.stats.fillsRejected++;
          }
        } catch (error) {
          if (isCacheValueTooLargeError(error)) this.stats.oversize++;
          else this.failed(error);
        }
      }),
    );
  }

  private async addIn(zone: TierZone, key: string, value: Uint8Array, seconds: number): Promise<void> {
    try {
      if (await this.policy.run(zone.add, () => zone.driver.add(key, value, seconds))) this.stats.fills++;
      else this.stats.fillsRejected++;
    } catch (error) {
      if (isCacheValueTooLargeError(error)) this.stats.oversize++;
      else this.failed(error);
    }
  }

  /** Whether a fill decided under `guard` may go to a zone: it must use the connection that was open when the load began. */
  private sameConnection(zone: TierZone, index: number, key: string, guard: FillGuard | undefined): boolean {
    if (!guard || !zone.driver.connectionOf) return true;
    const before = guard[index];
    if (before !== undefined && before === zone.driver.connectionOf(key)) return true;
    this.stats.fillsDroppedReconnected++;
    return false;
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

/** A driver's multi-key read, or its single gets in parallel when it has none. */
async function multiGet(driver: CacheDriver, keys: readonly string[]): Promise<Map<string, Uint8Array>> {
  if (driver.getMulti) return driver.getMulti(keys);
  const out = new Map<string, Uint8Array>();
  const values = await Promise.all(keys.map((key) => driver.get(key)));
  values.forEach((value, i) => {
    if (value !== undefined) out.set(keys[i]!, value);
  });
  return out;
}
