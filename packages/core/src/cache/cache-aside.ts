import { randomUUID } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { z } from "zod";
import type { EntityDefinition } from "../define-entity.js";
import type { CachedRead, CacheProvider } from "../entity-cache.js";
import { PolyxenaError } from "../errors.js";
import { createCachePolicy, type CachePolicy } from "./cache-policy.js";
import type { CacheDriver } from "./cache-driver.js";
import { encodeEnvelope } from "./cache-envelope.js";
import { encodeKeyValue } from "./cache-key-builder.js";
import { emptyCacheStats, type CacheStats } from "./cache-stats.js";
import { CacheTier } from "./cache-tier.js";
import { CacheValueCodec } from "./cache-value-codec.js";
import { EntityCacheAside, type CacheContext } from "./entity-cache-aside.js";
import type { InvalidationBus, InvalidationMessage } from "./invalidation-bus.js";
import type { RetryPolicy } from "./invalidation-retrier.js";
import { ReadThrough, type L1Cache, type L1Entry } from "./read-through.js";
import { toSafeCacheKey } from "./safe-cache-key.js";

/** Options of {@link createCacheAside}. */
export interface CacheAsideOptions {
  /** The L2 tier (memcached zones, or an in-memory driver in tests). */
  driver: CacheDriver;
  /** First part of every key, e.g. the service name (default `px`). */
  prefix?: string;
  /** Carries invalidations to other processes' L1 (none: L1 TTLs bound cross-process staleness). */
  bus?: InvalidationBus;
  /** Tombstone lifetime in seconds (default 5, at least 2). Longer tolerates slower loads; shorter refills sooner. */
  tombstoneTtlSeconds?: number;
  /** Safety margin subtracted from the tombstone lifetime for the fill age limit (default 500 ms). */
  fillMarginMs?: number;
  /** Lease lifetime in seconds (default 3): the longest one process may hold a cold key's load. */
  leaseTtlSeconds?: number;
  /** How long readers wait for another process's fill before loading themselves (default 1000 ms). */
  leaseWaitMs?: number;
  /** First poll interval while waiting, doubled up to 50 ms (default 5 ms). */
  leasePollMs?: number;
  /**
   * Wraps every L2 call (reads, fills, tombstones, leases, generations): a
   * per-call timeout and a circuit breaker per zone, never a retry. Default:
   * `createCachePolicy({ timeoutMs: driver.timeoutMs })` (the driver's
   * deadline, else 100 ms; breaker opens at 50 % failures of >= 10 calls in
   * 5 s, probes after 1 s).
   */
  policy?: CachePolicy;
  /** Background retry of failed invalidation writes. */
  retry?: RetryPolicy;
  /** Close the driver in `close()` (default true). */
  closeDriver?: boolean;
}

/** Policy of a {@link CacheAside.getOrLoad} value. */
export interface DerivedCachePolicy<T> {
  /** L2 time-to-live in milliseconds (at least 1000). */
  ttlMs: number;
  l1?: { ttlMs: number; max: number } | undefined;
  /** Serve a value this long past its TTL when the loader throws. */
  staleIfErrorMs?: number | undefined;
  /** Parses cached values (and revives them); without it values are plain JSON. */
  schema?: z.ZodType<T> | undefined;
}

/** A cache-aside provider with derived-data helpers, counters and background work control. */
export interface CacheAside extends CacheProvider {
  forEntity(entity: EntityDefinition): EntityCacheAside | undefined;
  /**
   * Read-through of derived data (anything not an entity item) on the same
   * tier with the same protocol.
   *
   * @example
   * const top = await cache.getOrLoad(`top10:${country}`, () => computeTop10(country), { ttlMs: 60_000 });
   */
  getOrLoad<T>(key: string, loader: () => Promise<T>, policy: DerivedCachePolicy<T>): Promise<CachedRead<T>>;
  /** Invalidates derived keys after the data they derive from changed. */
  invalidateDerived(keys: readonly string[]): Promise<void>;
  /** A snapshot of the counters. */
  stats(): CacheStats;
  /** Retries queued invalidations now; resolves with how many are still queued. */
  flushInvalidations(): Promise<number>;
  close(): Promise<void>;
}

const PREFIX = /^[A-Za-z0-9_.-]{1,64}$/;
const DERIVED_HASH = "derived";

/**
 * Creates the EVCache-style cache-aside provider: L1 in process, L2 zones,
 * single-flight, leases, tombstones, `add`-only fills, query generations.
 * See `README.md` in this folder for the protocol and its staleness bound.
 *
 * @example
 * const cache = createCacheAside({ driver: createMemcachedDriver({ zones }), bus });
 * const repos = createRepositories({ stores, cache });
 */
export function createCacheAside(options: CacheAsideOptions): CacheAside {
  return new CacheAsideProvider(options);
}

class CacheAsideProvider implements CacheAside {
  private readonly id = randomUUID();
  private readonly counters = emptyCacheStats();
  private readonly tier: CacheTier;
  private readonly reads: ReadThrough;
  private readonly context: CacheContext;
  private readonly entities = new Map<string, EntityCacheAside>();
  private readonly derivedL1 = new Map<string, L1Cache>();
  private readonly derivedCodecs = new WeakMap<object, CacheValueCodec<unknown>>();
  private readonly plainCodec = new CacheValueCodec<unknown>();
  private readonly unsubscribe: (() => void) | undefined;
  private readonly prefix: string;

  constructor(private readonly options: CacheAsideOptions) {
    this.prefix = options.prefix ?? "px";
    if (!PREFIX.test(this.prefix)) {
      throw new PolyxenaError("E_DEFINITION", `cache prefix ${JSON.stringify(this.prefix)} is not 1-64 letters, digits, _ . -`, { path: "cache.prefix", fix: "use a short name such as the service name" });
    }
    const tombstoneTtlSeconds = options.tombstoneTtlSeconds ?? 5;
    const maxFillAgeMs = (tombstoneTtlSeconds - 1) * 1000 - (options.fillMarginMs ?? 500);
    if (!Number.isInteger(tombstoneTtlSeconds) || tombstoneTtlSeconds < 2 || maxFillAgeMs <= 0) {
      throw new PolyxenaError("E_DEFINITION", "tombstoneTtlSeconds must be an integer of at least 2 that exceeds the fill margin", { path: "cache.tombstoneTtlSeconds", fix: "use the default (5)" });
    }
    this.tier = new CacheTier(options.driver, this.counters, options.policy ?? createCachePolicy({ timeoutMs: options.driver.timeoutMs }), options.retry);
    this.reads = new ReadThrough(this.tier, this.counters, {
      maxFillAgeMs,
      leaseTtlSeconds: options.leaseTtlSeconds ?? 3,
      leaseWaitMs: options.leaseWaitMs ?? 1000,
      leasePollMs: options.leasePollMs ?? 5,
    });
    this.context = {
      prefix: this.prefix,
      tier: this.tier,
      reads: this.reads,
      stats: this.counters,
      tombstoneTtlSeconds,
      publish: (message) => this.publish(message),
    };
    this.unsubscribe = options.bus?.subscribe((message) => this.receive(message));
  }

  forEntity(entity: EntityDefinition): EntityCacheAside | undefined {
    if (!entity.model.cache) return undefined;
    const id = `${entity.name}:${entity.model.schemaHash}`;
    let cache = this.entities.get(id);
    if (!cache) {
      cache = new EntityCacheAside(this.context, entity);
      this.entities.set(id, cache);
    }
    return cache;
  }

  getOrLoad<T>(key: string, loader: () => Promise<T>, policy: DerivedCachePolicy<T>): Promise<CachedRead<T>> {
    const cacheKey = this.derivedKey(key);
    const l1 = policy.l1 ? this.derivedL1For(policy.l1) : undefined;
    const codec = this.codecFor(policy.schema);
    return this.reads.read<T>({
      key: cacheKey,
      l1Key: cacheKey,
      schemaHash: DERIVED_HASH,
      l1,
      ttlSeconds: Math.max(1, Math.ceil(policy.ttlMs / 1000)),
      staleIfErrorMs: policy.staleIfErrorMs ?? 0,
      encode: (value) => (value === undefined ? encodeEnvelope(DERIVED_HASH, "n", Date.now()) : encodeEnvelope(DERIVED_HASH, "v", Date.now(), codec.encode(value))),
      decode: (envelope) => {
        if (envelope.kind === "n") return { value: undefined as T };
        return envelope.kind === "v" ? (codec.decode(envelope.body) as { value: T } | undefined) : undefined;
      },
      load: loader,
    });
  }

  async invalidateDerived(keys: readonly string[]): Promise<void> {
    try {
      const cacheKeys = keys.map((k) => this.derivedKey(k));
      this.dropDerived(cacheKeys);
      const tombstone = encodeEnvelope(DERIVED_HASH, "t", Date.now());
      await Promise.all(cacheKeys.map((k) => this.tier.setEverywhere(k, tombstone, this.context.tombstoneTtlSeconds)));
      this.counters.tombstones += cacheKeys.length;
      this.dropDerived(cacheKeys);
      await this.publish({ keys: cacheKeys });
    } catch {
      // Counted by the tier; never fails the caller's write.
    }
  }

  stats(): CacheStats {
    return { ...this.counters, pendingInvalidations: this.tier.retrier.size };
  }

  flushInvalidations(): Promise<number> {
    return this.tier.retrier.flush();
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    this.tier.retrier.close();
    if (this.options.closeDriver !== false) await this.options.driver.close?.();
  }

  private derivedKey(key: string): string {
    return toSafeCacheKey(`${this.prefix}:~d:${encodeKeyValue(key)}`, 246);
  }

  private derivedL1For(l1: { ttlMs: number; max: number }): L1Cache {
    const id = `${l1.ttlMs}:${l1.max}`;
    let cache = this.derivedL1.get(id);
    if (!cache) {
      cache = new LRUCache<string, L1Entry>({ max: l1.max, ttl: Math.max(1, l1.ttlMs) });
      this.derivedL1.set(id, cache);
    }
    return cache;
  }

  private codecFor<T>(schema: z.ZodType<T> | undefined): CacheValueCodec<T> {
    if (!schema) return this.plainCodec as CacheValueCodec<T>;
    let codec = this.derivedCodecs.get(schema);
    if (!codec) {
      codec = new CacheValueCodec(schema as z.ZodType<unknown>);
      this.derivedCodecs.set(schema, codec);
    }
    return codec as CacheValueCodec<T>;
  }

  private dropDerived(cacheKeys: readonly string[]): void {
    for (const key of cacheKeys) {
      this.reads.invalidateLocal(key, undefined);
      for (const l1 of this.derivedL1.values()) l1.delete(key);
    }
  }

  private async publish(message: Omit<InvalidationMessage, "origin">): Promise<void> {
    const bus = this.options.bus;
    if (!bus) return;
    try {
      await bus.publish({ ...message, origin: this.id });
      this.counters.busPublished++;
    } catch {
      this.counters.busErrors++;
    }
  }

  private receive(message: InvalidationMessage): void {
    if (message.origin === this.id) return;
    this.counters.busReceived++;
    if (message.all) {
      this.reads.invalidatePrefix("");
      for (const l1 of this.derivedL1.values()) l1.clear();
      for (const cache of this.entities.values()) cache.dropAll();
      return;
    }
    if (message.entity === undefined) {
      this.dropDerived(message.keys);
      return;
    }
    for (const cache of this.entities.values()) {
      if (cache.name === message.entity) cache.dropLocal(message.keys, message.queries === true);
    }
  }
}
