import type { LRUCache } from "lru-cache";
import type { CachedRead } from "../entity-cache.js";
import type { CacheStats } from "./cache-stats.js";
import type { Envelope } from "./cache-envelope.js";
import { LEASE_SUFFIX, STALE_SUFFIX } from "./cache-key-builder.js";
import type { CacheTier, FillGuard, ZoneVersion } from "./cache-tier.js";

/** An L1 entry (the decoded value, shared by every reader of this process). */
export interface L1Entry {
  value: unknown;
  /** The settled answer for hits, made on the first hit and shared by the next ones. */
  hit?: Promise<CachedRead<unknown>> | undefined;
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
    const hit = plan.l1?.get(plan.key);
    if (hit !== undefined) {
      this.stats.l1Hits++;
      return l1Answer<T>(hit);
    }
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

  /** Drops a key from L1 and cancels the install of any in-flight read of it. */
  invalidateLocal(key: string, l1: L1Cache | undefined): void {
    const flight = this.flights.get(key);
    if (flight) {
      cancel(flight);
      this.flights.delete(key);
    }
    l1?.delete(key);
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
    try {
      const read = await this.tier.read(plan.key, plan.schemaHash);
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
    if (!flight.invalidated) plan.l1?.set(plan.key, { value });
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
    if (!flight.invalidated) plan.l1?.set(plan.key, { value });
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
