import type { LRUCache } from "lru-cache";
import type { CachedRead } from "../entity-cache.js";
import type { CacheStats } from "./cache-stats.js";
import type { Envelope } from "./cache-envelope.js";
import { LEASE_SUFFIX, STALE_SUFFIX } from "./cache-key-builder.js";
import type { CacheEntry } from "./cache-driver.js";
import type { CacheTier, FillGuard, TierRead, ZoneVersion } from "./cache-tier.js";

/** An L1 entry (the decoded value, shared by every reader of this process). */
export interface L1Entry {
  value: unknown;
  /** The settled answer for hits, made on the first hit and shared by the next ones. */
  hit?: Promise<CachedRead<unknown>> | undefined;
  /** The settled bare value for hits that need no metadata (`Repository.get`), made on first use. */
  item?: Promise<unknown> | undefined;
}

/** The answer of an L1 hit: one settled promise per entry, so a hit allocates nothing. */
export function l1Answer<T>(entry: L1Entry): Promise<CachedRead<T>> {
  return (entry.hit ??= Promise.resolve({ value: entry.value, source: "l1" })) as Promise<CachedRead<T>>;
}

/** A process-local L1 cache. */
export type L1Cache = LRUCache<string, L1Entry>;

/** Everything one read-through needs to know about its key. */
export interface ReadPlan<T> {
  key: string;
  /** The key of the value in `l1` (entity caches key L1 by the part after their key prefix). */
  l1Key: string;
  schemaHash: string;
  l1: L1Cache | undefined;
  ttlSeconds: number;
  staleIfErrorMs: number;
  /** Envelope bytes of a value (written-at stamped now). */
  encode(value: T): Uint8Array;
  /** The value of an envelope, or `undefined` when it does not decode. */
  decode(envelope: Envelope): { value: T } | undefined;
  load(): Promise<T>;
}

/** Timing knobs of the protocol. */
export interface ReadThroughTiming {
  /** Fills whose load began longer ago than this are dropped (tombstone lifetime minus margins). */
  maxFillAgeMs: number;
  leaseTtlSeconds: number;
  leaseWaitMs: number;
  leasePollMs: number;
}

/** One in-flight read of a key in this process. */
class Flight {
  /** Set once the flight has issued its first read: from then on, new readers wait for the follow-up. */
  started = false;
  invalidated = false;
  /** Readers that arrived after this flight started share one read that starts when this one ends. */
  next: Flight | undefined;
  promise!: Promise<CachedRead<unknown>>;
}

/** How a load may put its value into L2: not at all, `add` (the key was missing), or over the tombstones the reader saw. */
type FillMode = false | true | { versions: ZoneVersion[]; staleVersions: ZoneVersion[] | undefined };

/** One key of a batched read. */
interface BatchEntry<T> {
  index: number;
  plan: ReadPlan<T>;
  flight: Flight;
  fill: FillMode;
  settled: boolean;
  resolve(read: CachedRead<T>): void;
  reject(error: unknown): void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const settled = () => undefined;

/**
 * Marks a flight and its follow-up as overtaken. Once its flight leaves the
 * map, a follow-up may run unregistered, where no later invalidation could
 * reach it; so it is cancelled now (it still answers its readers).
 */
function cancel(flight: Flight): void {
  flight.invalidated = true;
  if (flight.next) flight.next.invalidated = true;
}

/**
 * The read path: L1, then one in-flight read per key per process
 * (single-flight) that reads L2, and on a miss takes the key's lease, loads,
 * and fills with `add`.
 *
 * A reader only ever joins a read that has not started yet, so every reader
 * gets a value read after it arrived: readers arriving while a read is under
 * way share one follow-up read that starts when it ends (at most two reads
 * per key at a time, however many readers). An invalidation marks the
 * in-flight read so its result is installed neither in L1 nor in L2, and
 * later readers start a new read instead of waiting for it.
 */
export class ReadThrough {
  private readonly flights = new Map<string, Flight>();

  constructor(
    private readonly tier: CacheTier,
    private readonly stats: CacheStats,
    private readonly timing: ReadThroughTiming,
  ) {}

  /** Reads a key through L1, L2 and the loader. */
  read<T>(plan: ReadPlan<T>): Promise<CachedRead<T>> {
    const hit = plan.l1?.get(plan.l1Key);
    if (hit !== undefined) {
      this.stats.l1Hits++;
      return l1Answer<T>(hit);
    }
    return this.readPastL1(plan);
  }

  /** Reads a key whose L1 lookup the caller has just done and missed (L1 is looked up once per read). */
  readPastL1<T>(plan: ReadPlan<T>): Promise<CachedRead<T>> {
    const current = this.flights.get(plan.key);
    if (current) {
      this.stats.singleFlightJoins++;
      if (!current.started) return current.promise as Promise<CachedRead<T>>;
      return (current.next ??= this.followUp(plan, current)).promise as Promise<CachedRead<T>>;
    }
    const flight = new Flight();
    this.flights.set(plan.key, flight);
    flight.promise = this.run(plan, flight);
    return flight.promise as Promise<CachedRead<T>>;
  }

  /**
   * Reads many keys at once: L1, then one multi-key read per zone, then one
   * batched load of every key that missed (`loadMany` gets the indexes of the
   * plans to load, and answers aligned with them), then one pipelined `add`
   * per zone for the misses and a `cas` per tombstoned key. Keys another read
   * of this process is already loading join that read; the batch registers
   * its keys as in-flight reads, so invalidations cancel their install as
   * for single reads. No lease: a batch is one load for all its keys.
   * `lookInL1` is false when the caller has just missed L1 for every key
   * (L1 is looked up once per read).
   */
  readMany<T>(plans: readonly ReadPlan<T>[], loadMany: (indexes: number[]) => Promise<T[]>, lookInL1 = true): Promise<CachedRead<T>[]> {
    const results = new Array<Promise<CachedRead<T>>>(plans.length);
    const batch: BatchEntry<T>[] = [];
    const first = new Map<string, number>();
    for (let i = 0; i < plans.length; i++) {
      const plan = plans[i]!;
      const hit = lookInL1 ? plan.l1?.get(plan.l1Key) : undefined;
      if (hit !== undefined) {
        this.stats.l1Hits++;
        results[i] = l1Answer<T>(hit);
        continue;
      }
      const same = first.get(plan.key);
      if (same !== undefined) {
        this.stats.singleFlightJoins++;
        results[i] = results[same]!;
        continue;
      }
      first.set(plan.key, i);
      if (this.flights.has(plan.key)) {
        results[i] = this.readPastL1(plan);
        continue;
      }
      const flight = new Flight();
      flight.started = true;
      const entry = { index: i, plan, flight, fill: false, settled: false } as BatchEntry<T>;
      flight.promise = new Promise<CachedRead<T>>((resolve, reject) => {
        entry.resolve = (read) => {
          entry.settled = true;
          resolve(read);
        };
        entry.reject = (error) => {
          entry.settled = true;
          reject(error);
        };
      }) as Promise<CachedRead<unknown>>;
      this.flights.set(plan.key, flight);
      batch.push(entry);
      results[i] = flight.promise as Promise<CachedRead<T>>;
    }
    if (batch.length > 0) void this.runBatch(batch, loadMany);
    return Promise.all(results);
  }

  private async runBatch<T>(batch: BatchEntry<T>[], loadMany: (indexes: number[]) => Promise<T[]>): Promise<void> {
    try {
      const reads = await this.tier.readMany(
        batch.map((e) => e.plan.key),
        batch[0]!.plan.schemaHash,
      );
      const toLoad: BatchEntry<T>[] = [];
      const tombstoned: BatchEntry<T>[] = [];
      reads.forEach((read, k) => {
        const entry = batch[k]!;
        if (read.kind === "hit") {
          const decoded = entry.plan.decode(read.envelope);
          if (decoded) return entry.resolve(this.l2Hit(entry.plan, entry.flight, decoded.value));
          this.stats.decodeFailures++;
        } else if (read.kind === "tombstone") {
          return void tombstoned.push(entry);
        }
        entry.fill = read.kind === "miss";
        toLoad.push(entry);
      });
      await Promise.all(
        tombstoned.map(async (entry) => {
          const plan = entry.plan;
          const [versions, staleVersions] = await Promise.all([
            this.tier.versions(plan.key, plan.schemaHash),
            plan.staleIfErrorMs > 0 ? this.tier.versions(plan.key + STALE_SUFFIX, plan.schemaHash) : undefined,
          ]);
          const local = versions[0];
          if (local?.kind === "hit") {
            const decoded = plan.decode(local.envelope);
            if (decoded) return entry.resolve(this.l2Hit(plan, entry.flight, decoded.value));
          }
          entry.fill = versions.some((v) => v.kind === "tombstone") ? { versions, staleVersions } : false;
          toLoad.push(entry);
        }),
      );
      if (toLoad.length === 0) return;
      this.stats.misses += toLoad.length;
      this.stats.loads += toLoad.length;
      this.stats.batchLoads++;
      const started = performance.now();
      const guards = toLoad.map((e) => (e.fill === false ? undefined : this.tier.guard(e.plan.key)));
      const staleGuards = toLoad.map((e) => (e.fill === false || e.plan.staleIfErrorMs <= 0 ? undefined : this.tier.guard(e.plan.key + STALE_SUFFIX)));
      let values: T[];
      try {
        values = await loadMany(toLoad.map((e) => e.index));
      } catch (error) {
        await Promise.all(
          toLoad.map(async (e) => {
            const stale = await this.stale(e.plan).catch(() => undefined);
            if (stale) e.resolve(stale);
            else e.reject(error);
          }),
        );
        return;
      }
      const young = performance.now() - started <= this.timing.maxFillAgeMs;
      const adds: CacheEntry[] = [];
      const addGuards: (FillGuard | undefined)[] = [];
      const writes: Promise<void>[] = [];
      toLoad.forEach((e, k) => {
        const { plan, fill } = e;
        if (e.flight.invalidated || fill === false) return;
        if (fill === true && !young) {
          this.stats.fillsDroppedTooOld++;
          return;
        }
        const bytes = plan.encode(values[k]!);
        if (fill === true) {
          adds.push({ key: plan.key, value: bytes, ttlSeconds: plan.ttlSeconds });
          addGuards.push(guards[k]);
          if (plan.staleIfErrorMs > 0) {
            adds.push({ key: plan.key + STALE_SUFFIX, value: bytes, ttlSeconds: this.staleTtl(plan) });
            addGuards.push(staleGuards[k]);
          }
          return;
        }
        writes.push(this.tier.refill(plan.key, bytes, plan.ttlSeconds, fill.versions, guards[k], young));
        if (plan.staleIfErrorMs > 0 && fill.staleVersions) writes.push(this.tier.refill(plan.key + STALE_SUFFIX, bytes, this.staleTtl(plan), fill.staleVersions, staleGuards[k], young));
      });
      if (adds.length > 0) writes.push(this.tier.fillMany(adds, addGuards));
      await Promise.all(writes);
      toLoad.forEach((e, k) => {
        const value = values[k]!;
        if (!e.flight.invalidated) e.plan.l1?.set(e.plan.l1Key, { value });
        else this.stats.loadsInvalidated++;
        e.resolve({ value, source: "store" });
      });
    } catch (error) {
      for (const entry of batch) if (!entry.settled) entry.reject(error);
    } finally {
      for (const { plan, flight } of batch) {
        if (this.flights.get(plan.key) === flight) {
          if (flight.next) this.flights.set(plan.key, flight.next);
          else this.flights.delete(plan.key);
        }
      }
    }
  }

  /** Drops a key from L1 and cancels the install of any in-flight read of it. */
  invalidateLocal(key: string, l1: L1Cache | undefined, l1Key = key): void {
    const flight = this.flights.get(key);
    if (flight) {
      cancel(flight);
      this.flights.delete(key);
    }
    l1?.delete(l1Key);
  }

  /** Cancels the install of every in-flight read whose key starts with `prefix`. */
  invalidatePrefix(prefix: string): void {
    for (const [key, flight] of this.flights) {
      if (key.startsWith(prefix)) {
        cancel(flight);
        this.flights.delete(key);
      }
    }
  }

  private followUp<T>(plan: ReadPlan<T>, previous: Flight): Flight {
    const flight = new Flight();
    flight.promise = previous.promise.then(settled, settled).then(() => {
      // An overtaken follow-up still answers its readers but takes no new ones.
      if (!flight.invalidated && (this.flights.get(plan.key) === previous || !this.flights.has(plan.key))) this.flights.set(plan.key, flight);
      return this.run(plan, flight);
    });
    return flight;
  }

  private async run<T>(plan: ReadPlan<T>, flight: Flight): Promise<CachedRead<T>> {
    // Start on the next microtask, so every reader of this synchronous burst joins this read.
    await undefined;
    flight.started = true;
    const tier = this.tier;
    try {
      // `tier.read` in two halves: a hit awaits the local zone's own promise, with no promise layered on it.
      let read: TierRead;
      try {
        const bytes = await tier.readLocal(plan.key);
        read = bytes === undefined ? await tier.readAfterLocal(plan.key, plan.schemaHash, false) : tier.classify(bytes, plan.schemaHash);
      } catch (error) {
        read = await tier.readAfterLocal(plan.key, plan.schemaHash, true, error);
      }
      if (read.kind === "hit") {
        const decoded = plan.decode(read.envelope);
        if (decoded) return this.l2Hit(plan, flight, decoded.value);
        this.stats.decodeFailures++;
        return await this.load(plan, flight, false);
      }
      if (read.kind === "tombstone") return await this.afterWrite(plan, flight);
      // An unreachable tier is not worth filling.
      if (read.kind !== "miss") return await this.load(plan, flight, false);
      return await this.leased(plan, flight);
    } finally {
      if (this.flights.get(plan.key) === flight) {
        if (flight.next) this.flights.set(plan.key, flight.next);
        else this.flights.delete(plan.key);
      }
    }
  }

  private l2Hit<T>(plan: ReadPlan<T>, flight: Flight, value: T): CachedRead<T> {
    this.stats.l2Hits++;
    if (!flight.invalidated) plan.l1?.set(plan.l1Key, { value });
    else this.stats.loadsInvalidated++;
    return { value, source: "l2" };
  }

  /** Cold key: one process loads under the lease, the others wait briefly for its fill. */
  private async leased<T>(plan: ReadPlan<T>, flight: Flight): Promise<CachedRead<T>> {
    const leaseKey = plan.key + LEASE_SUFFIX;
    let lease = await this.tier.lease(leaseKey, this.timing.leaseTtlSeconds);
    if (lease !== false) return this.loadUnderLease(plan, flight, lease, leaseKey);
    this.stats.leaseWaits++;
    const deadline = performance.now() + this.timing.leaseWaitMs;
    let delay = this.timing.leasePollMs;
    while (performance.now() < deadline && !flight.invalidated) {
      await sleep(delay);
      delay = Math.min(delay * 2, 50);
      const read = await this.tier.read(plan.key, plan.schemaHash);
      if (read.kind === "hit") {
        const decoded = plan.decode(read.envelope);
        if (decoded) return this.l2Hit(plan, flight, decoded.value);
        return this.load(plan, flight, false);
      }
      if (read.kind === "tombstone") return this.afterWrite(plan, flight);
      if (read.kind !== "miss") return this.load(plan, flight, false);
      // Still cold: the holder may have failed and released the lease.
      lease = await this.tier.lease(leaseKey, this.timing.leaseTtlSeconds);
      if (lease !== false) return this.loadUnderLease(plan, flight, lease, leaseKey);
    }
    if (!flight.invalidated) this.stats.leaseWaitTimeouts++;
    return this.load(plan, flight, true);
  }

  /**
   * The key was tombstoned by a write: re-read it with its version in every
   * zone, load, and replace exactly those tombstones (`cas`), so the first
   * read after a write refills at once while any later write (a new
   * tombstone, a new version) makes the refill fail.
   */
  private async afterWrite<T>(plan: ReadPlan<T>, flight: Flight): Promise<CachedRead<T>> {
    const [versions, staleVersions] = await Promise.all([
      this.tier.versions(plan.key, plan.schemaHash),
      plan.staleIfErrorMs > 0 ? this.tier.versions(plan.key + STALE_SUFFIX, plan.schemaHash) : undefined,
    ]);
    const local = versions[0];
    if (local?.kind === "hit") {
      // Another reader already put a value back.
      const decoded = plan.decode(local.envelope);
      if (decoded) return this.l2Hit(plan, flight, decoded.value);
    }
    if (!versions.some((v) => v.kind === "tombstone")) return this.load(plan, flight, false);
    return this.load(plan, flight, { versions, staleVersions });
  }

  private async loadUnderLease<T>(plan: ReadPlan<T>, flight: Flight, lease: Awaited<ReturnType<CacheTier["lease"]>>, leaseKey: string): Promise<CachedRead<T>> {
    if (!lease) return this.load(plan, flight, true);
    this.stats.leasesAcquired++;
    try {
      return await this.load(plan, flight, true);
    } finally {
      this.tier.release(lease, leaseKey);
    }
  }

  private async load<T>(plan: ReadPlan<T>, flight: Flight, fill: FillMode): Promise<CachedRead<T>> {
    this.stats.misses++;
    this.stats.loads++;
    const started = performance.now();
    const staleKey = plan.staleIfErrorMs > 0 ? plan.key + STALE_SUFFIX : undefined;
    let guard: FillGuard | undefined;
    let staleGuard: FillGuard | undefined;
    if (fill !== false) {
      guard = this.tier.guard(plan.key);
      if (staleKey) staleGuard = this.tier.guard(staleKey);
    }
    let value: T;
    try {
      value = await plan.load();
    } catch (error) {
      const stale = await this.stale(plan);
      if (stale) return stale;
      throw error;
    }
    if (flight.invalidated) {
      this.stats.loadsInvalidated++;
      return { value, source: "store" };
    }
    if (fill !== false) {
      // Checked immediately before the writes are sent: a late `add` could outlive the tombstone.
      const young = performance.now() - started <= this.timing.maxFillAgeMs;
      const bytes = young || fill !== true ? plan.encode(value) : undefined;
      if (fill === true) {
        if (!bytes) {
          this.stats.fillsDroppedTooOld++;
        } else {
          const fills = [this.tier.fill(plan.key, bytes, plan.ttlSeconds, guard)];
          if (staleKey) fills.push(this.tier.fill(staleKey, bytes, this.staleTtl(plan), staleGuard));
          await Promise.all(fills);
        }
      } else if (bytes) {
        // `cas` needs no age limit: any write since the tombstone was read changed its version.
        if (!young && fill.versions.some((v) => v.kind === "miss")) this.stats.fillsDroppedTooOld++;
        const fills = [this.tier.refill(plan.key, bytes, plan.ttlSeconds, fill.versions, guard, young)];
        if (staleKey && fill.staleVersions) fills.push(this.tier.refill(staleKey, bytes, this.staleTtl(plan), fill.staleVersions, staleGuard, young));
        await Promise.all(fills);
      }
    }
    if (!flight.invalidated) plan.l1?.set(plan.l1Key, { value });
    else this.stats.loadsInvalidated++;
    return { value, source: "store" };
  }

  private staleTtl<T>(plan: ReadPlan<T>): number {
    return plan.ttlSeconds + Math.ceil(plan.staleIfErrorMs / 1000);
  }

  /** The stale-if-error copy, when the policy allows one and it is within its window. */
  private async stale<T>(plan: ReadPlan<T>): Promise<CachedRead<T> | undefined> {
    if (plan.staleIfErrorMs <= 0) return undefined;
    const read = await this.tier.read(plan.key + STALE_SUFFIX, plan.schemaHash);
    if (read.kind !== "hit") return undefined;
    if (Date.now() - read.envelope.writtenAt > plan.ttlSeconds * 1000 + plan.staleIfErrorMs) return undefined;
    const decoded = plan.decode(read.envelope);
    if (!decoded) return undefined;
    this.stats.staleServed++;
    return { value: decoded.value, source: "stale" };
  }
}
