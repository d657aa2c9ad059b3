import type { LRUCache } from "lru-cache";
import type { CachedRead } from "../entity-cache.js";
import type { CacheStats } from "./cache-stats.js";
import type { Envelope } from "./cache-envelope.js";
import { LEASE_SUFFIX, STALE_SUFFIX } from "./cache-key-builder.js";
import type { CacheTier } from "./cache-tier.js";

/** An L1 entry (the decoded value, shared by every reader of this process). */
export interface L1Entry {
  value: unknown;
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
  invalidated = false;
  promise!: Promise<CachedRead<unknown>>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The read path: L1, then one in-flight read per key per process
 * (single-flight) that reads L2, and on a miss takes the key's lease, loads,
 * and fills with `add`. An invalidation marks the in-flight read so its
 * result is installed neither in L1 nor in L2, and later readers start a new
 * read instead of joining it.
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
      return Promise.resolve({ value: hit.value as T, source: "l1" });
    }
    const existing = this.flights.get(plan.key);
    if (existing) {
      this.stats.singleFlightJoins++;
      return existing.promise as Promise<CachedRead<T>>;
    }
    const flight = new Flight();
    this.flights.set(plan.key, flight);
    flight.promise = this.fetch(plan, flight).finally(() => {
      if (this.flights.get(plan.key) === flight) this.flights.delete(plan.key);
    });
    return flight.promise as Promise<CachedRead<T>>;
  }

  /** Drops a key from L1 and cancels the install of any in-flight read of it. */
  invalidateLocal(key: string, l1: L1Cache | undefined): void {
    const flight = this.flights.get(key);
    if (flight) {
      flight.invalidated = true;
      this.flights.delete(key);
    }
    l1?.delete(key);
  }

  /** Cancels the install of every in-flight read whose key starts with `prefix`. */
  invalidatePrefix(prefix: string): void {
    for (const [key, flight] of this.flights) {
      if (key.startsWith(prefix)) {
        flight.invalidated = true;
        this.flights.delete(key);
      }
    }
  }

  private async fetch<T>(plan: ReadPlan<T>, flight: Flight): Promise<CachedRead<T>> {
    const read = await this.tier.read(plan.key, plan.schemaHash);
    if (read.kind === "hit") {
      const decoded = plan.decode(read.envelope);
      if (decoded) return this.l2Hit(plan, flight, decoded.value);
      this.stats.decodeFailures++;
      return this.load(plan, flight, false);
    }
    // A tombstone blocks fills until it expires; an unreachable tier is not worth filling.
    if (read.kind !== "miss") return this.load(plan, flight, false);
    return this.leased(plan, flight);
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
      if (read.kind !== "miss") return this.load(plan, flight, false);
      // Still cold: the holder may have failed and released the lease.
      lease = await this.tier.lease(leaseKey, this.timing.leaseTtlSeconds);
      if (lease !== false) return this.loadUnderLease(plan, flight, lease, leaseKey);
    }
    if (!flight.invalidated) this.stats.leaseWaitTimeouts++;
    return this.load(plan, flight, true);
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

  private async load<T>(plan: ReadPlan<T>, flight: Flight, fill: boolean): Promise<CachedRead<T>> {
    this.stats.misses++;
    this.stats.loads++;
    const started = performance.now();
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
    if (fill) {
      // Checked immediately before the adds are sent: a late fill could outlive the tombstone.
      if (performance.now() - started > this.timing.maxFillAgeMs) {
        this.stats.fillsDroppedTooOld++;
      } else {
        const bytes = plan.encode(value);
        const fills = [this.tier.fill(plan.key, bytes, plan.ttlSeconds)];
        if (plan.staleIfErrorMs > 0) fills.push(this.tier.fill(plan.key + STALE_SUFFIX, bytes, plan.ttlSeconds + Math.ceil(plan.staleIfErrorMs / 1000)));
        await Promise.all(fills);
      }
    }
    if (!flight.invalidated) plan.l1?.set(plan.key, { value });
    else this.stats.loadsInvalidated++;
    return { value, source: "store" };
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
