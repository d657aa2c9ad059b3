import { randomBytes } from "node:crypto";
import DataLoader from "dataloader";
import { LRUCache } from "lru-cache";
import type { EntityDefinition } from "../define-entity.js";
import type { CachedRead, EntityCache, LoadMany } from "../entity-cache.js";
import type { CacheModel } from "../entity-model.js";
import type { KeyValues, StoredItem, StorePage } from "../store-adapter.js";
import { CacheKeyBuilder, lookupKeyValue, STALE_SUFFIX } from "./cache-key-builder.js";
import { encodeEnvelope, type Envelope } from "./cache-envelope.js";
import type { CacheStats } from "./cache-stats.js";
import type { CacheTier } from "./cache-tier.js";
import { CacheValueCodec } from "./cache-value-codec.js";
import type { InvalidationMessage } from "./invalidation-bus.js";
import { l1Answer, type L1Cache, type L1Entry, type ReadPlan, type ReadThrough } from "./read-through.js";

/** What every entity cache of one provider shares. */
export interface CacheContext {
  readonly prefix: string;
  readonly tier: CacheTier;
  readonly reads: ReadThrough;
  readonly stats: CacheStats;
  readonly tombstoneTtlSeconds: number;
  /** Publishes an invalidation to other processes (never throws). */
  publish(message: Omit<InvalidationMessage, "origin">): Promise<void>;
}

/** Generation tokens live long; losing one only makes query caches miss. */
const GENERATION_TTL_SECONDS = 7 * 24 * 3600;

interface PageBody {
  i: unknown[];
  p?: unknown;
}

/**
 * The cache of one entity: items by primary key and declared query pages,
 * read through L1 and L2, invalidated by tombstones and query generations.
 */
export class EntityCacheAside implements EntityCache {
  readonly keys: CacheKeyBuilder;
  readonly l1: L1Cache | undefined;
  private readonly policy: CacheModel;
  private readonly schemaHash: string;
  private readonly ttlSeconds: number;
  private readonly itemCodec: CacheValueCodec<StoredItem>;
  private readonly pageCodec: CacheValueCodec<PageBody>;
  private readonly cachesQueries: boolean;
  private generation: { token: string; until: number } | undefined;
  // Created once: read plans reference them instead of allocating closures per read.
  private readonly encodeItem = (value: StoredItem | undefined): Uint8Array =>
    value === undefined ? encodeEnvelope(this.schemaHash, "n", Date.now()) : encodeEnvelope(this.schemaHash, "v", Date.now(), this.itemCodec.encode(value));
  private readonly decodeItemEnvelope = (envelope: Envelope) => this.decodeItem(envelope);
  private readonly encodePage = (page: StorePage): Uint8Array =>
    encodeEnvelope(this.schemaHash, "v", Date.now(), this.pageCodec.encode(page.position === undefined ? { i: page.items } : { i: page.items, p: page.position }));
  private readonly decodePageEnvelope = (envelope: Envelope) => this.decodePage(envelope);
  private generationEpoch = 0;
  /** The key fields and the JS type each must have for {@link peek}; `undefined` when some key field's schema could transform its input. */
  private readonly probe: readonly { name: string; type: "string" | "number" | "boolean" }[] | undefined;
  /** One coalescing loader per store loader (the runtime keeps one per consistency level), when the entity coalesces gets. */
  private readonly coalescers: WeakMap<LoadMany, DataLoader<KeyValues, CachedRead<StoredItem | undefined>>> | undefined;

  constructor(
    private readonly ctx: CacheContext,
    private readonly definition: EntityDefinition,
  ) {
    const model = definition.model;
    if (!model.cache) throw new Error(`${model.name} has no cache policy`);
    this.policy = model.cache;
    this.schemaHash = model.schemaHash;
    this.ttlSeconds = Math.max(1, Math.ceil(this.policy.ttlMs / 1000));
    this.keys = new CacheKeyBuilder(ctx.prefix, model.name, model.schemaHash, model.key.fields, model.fields);
    this.itemCodec = new CacheValueCodec(definition.schema as never, model.fields);
    // Encodes pages only; they are decoded item by item through the item codec.
    this.pageCodec = new CacheValueCodec<PageBody>();
    this.cachesQueries = model.queries.some((q) => q.cached);
    const l1 = this.policy.l1;
    this.coalescers = this.policy.coalesce ? new WeakMap() : undefined;
    this.probe = keyProbe(definition);
    this.l1 = l1 ? new LRUCache<string, L1Entry>({ max: l1.max, ttl: Math.max(1, l1.ttlMs), ttlAutopurge: false, updateAgeOnGet: false }) : undefined;
  }

  /** The entity's name. */
  get name(): string {
    return this.definition.name;
  }

  get(key: KeyValues, load: () => Promise<StoredItem | undefined>, loadMany?: LoadMany, l1Missed?: string): Promise<CachedRead<StoredItem | undefined>> {
    const local = this.keys.localKey(key);
    const l1 = this.l1;
    // A key `peek` has just missed is not looked up again.
    if (l1 !== undefined && local !== l1Missed) {
      const hit = l1.get(local, NO_GET_OPTIONS);
      if (hit !== undefined) {
        this.ctx.stats.l1Hits++;
        return l1Answer(hit);
      }
    }
    if (this.coalescers && loadMany) return this.coalescerFor(loadMany).load(key);
    return this.ctx.reads.readPastL1(this.itemPlan(this.keys.base + local, local, load));
  }

  /**
   * The L1 hit for a key that has not been validated yet, when the answer is
   * certain to be the one validating first would give: the key is a plain
   * object holding exactly the key fields, each of the JS type its schema
   * accepts, with no transform in the schema (so its encoding equals a
   * validated key's only if it is that key). A miss answers the L1 key it
   * looked up, for `get` not to look it up again; a key it cannot tell
   * about answers `undefined`. Either way the caller validates and reads.
   */
  peek(raw: unknown): Promise<StoredItem | undefined> | string | undefined {
    const l1 = this.l1;
    const probe = this.probe;
    if (l1 === undefined || probe === undefined || typeof raw !== "object" || raw === null) return undefined;
    const proto = Object.getPrototypeOf(raw) as unknown;
    if (proto !== Object.prototype && proto !== null) return undefined;
    let own = 0;
    for (const _ in raw) own++;
    if (own !== probe.length) return undefined;
    const record = raw as Record<string, unknown>;
    let local: string;
    if (probe.length === 1) {
      const value = record[probe[0]!.name];
      if (typeof value !== probe[0]!.type) return undefined;
      local = lookupKeyValue(value);
    } else {
      local = "";
      for (let i = 0; i < probe.length; i++) {
        const value = record[probe[i]!.name];
        if (typeof value !== probe[i]!.type) return undefined;
        local = i === 0 ? lookupKeyValue(value) : `${local}:${lookupKeyValue(value)}`;
      }
    }
    local = this.keys.fit(local);
    const hit = l1.get(local, NO_GET_OPTIONS);
    if (hit === undefined) return local;
    this.ctx.stats.l1Hits++;
    return (hit.item ??= Promise.resolve(hit.value)) as Promise<StoredItem | undefined>;
  }

  getMany(keys: readonly KeyValues[], loadMany: LoadMany): Promise<CachedRead<StoredItem | undefined>[]> {
    return this.readMany(keys, loadMany, true);
  }

  /** Reads many keys through the cache; `lookInL1` false when every key has just missed L1. */
  private readMany(keys: readonly KeyValues[], loadMany: LoadMany, lookInL1: boolean): Promise<CachedRead<StoredItem | undefined>[]> {
    const plans = keys.map((key) => {
      const local = this.keys.localKey(key);
      return this.itemPlan(this.keys.base + local, local, () => loadMany([key]).then((items) => items[0]));
    });
    return this.ctx.reads.readMany(plans, (indexes) => loadMany(indexes.map((i) => keys[i]!)), lookInL1);
  }

  /**
   * Gets of one tick go out as one batch (no memoization: every batch reads
   * the cache afresh). Each get has already missed L1, so the batch starts at L2.
   */
  private coalescerFor(loadMany: LoadMany): DataLoader<KeyValues, CachedRead<StoredItem | undefined>> {
    let loader = this.coalescers!.get(loadMany);
    if (!loader) {
      loader = new DataLoader((keys) => this.readMany(keys, loadMany, false), { cache: false, maxBatchSize: 1000 });
      this.coalescers!.set(loadMany, loader);
    }
    return loader;
  }

  async query(queryName: string, scope: string, load: () => Promise<StorePage>): Promise<CachedRead<StorePage>> {
    const generation = await this.currentGeneration();
    if (generation === undefined) {
      this.ctx.stats.misses++;
      this.ctx.stats.loads++;
      return { value: await load(), source: "store" };
    }
    return this.ctx.reads.read(this.pagePlan(this.keys.queryKey(queryName, generation, scope), load));
  }

  async invalidate(keys: readonly KeyValues[]): Promise<void> {
    try {
      const cacheKeys = keys.map((k) => this.keys.itemKey(k));
      this.dropLocal(cacheKeys, this.cachesQueries);
      const { tier, stats, tombstoneTtlSeconds } = this.ctx;
      const tombstone = encodeEnvelope(this.schemaHash, "t", Date.now());
      const writes: Promise<void>[] = [];
      for (const key of cacheKeys) {
        writes.push(tier.setEverywhere(key, tombstone, tombstoneTtlSeconds));
        if (this.policy.staleIfErrorMs > 0) writes.push(tier.setEverywhere(key + STALE_SUFFIX, tombstone, tombstoneTtlSeconds));
      }
      if (this.cachesQueries) {
        const token = encodeEnvelope(this.schemaHash, "g", Date.now(), randomBytes(9).toString("base64url"));
        writes.push(tier.setEverywhere(this.keys.generationKey(), token, GENERATION_TTL_SECONDS));
        stats.generationBumps++;
      }
      await Promise.all(writes);
      stats.tombstones += cacheKeys.length;
      // A read that started after the first drop may have read L2 before the tombstone landed.
      this.dropLocal(cacheKeys, this.cachesQueries);
      await this.ctx.publish({ entity: this.definition.name, keys: cacheKeys, queries: this.cachesQueries || undefined });
    } catch {
      // Never fail a write because of the cache; failures are counted by the tier.
    }
  }

  /** Drops keys from L1 and cancels in-flight loads of them (also used for bus messages). */
  dropLocal(cacheKeys: readonly string[], queries: boolean): void {
    const base = this.keys.base.length;
    for (const key of cacheKeys) this.ctx.reads.invalidateLocal(key, this.l1, key.slice(base));
    if (queries) {
      this.generationEpoch++;
      this.generation = undefined;
      this.ctx.reads.invalidatePrefix(`${this.keys.base}~q:`);
    }
  }

  /** Drops all of this entity's L1 entries and the cached query generation. */
  dropAll(): void {
    this.l1?.clear();
    this.generationEpoch++;
    this.generation = undefined;
  }

  private itemPlan(key: string, l1Key: string, load: () => Promise<StoredItem | undefined>): ReadPlan<StoredItem | undefined> {
    return {
      key,
      l1Key,
      schemaHash: this.schemaHash,
      l1: this.l1,
      ttlSeconds: this.ttlSeconds,
      staleIfErrorMs: this.policy.staleIfErrorMs,
      encode: this.encodeItem,
      decode: this.decodeItemEnvelope,
      load,
    };
  }

  private decodeItem(envelope: Envelope): { value: StoredItem | undefined } | undefined {
    if (envelope.kind === "n") return { value: undefined };
    if (envelope.kind !== "v") return undefined;
    return this.itemCodec.decode(envelope.body);
  }

  private pagePlan(key: string, load: () => Promise<StorePage>): ReadPlan<StorePage> {
    return {
      key,
      l1Key: key.slice(this.keys.base.length),
      schemaHash: this.schemaHash,
      l1: this.l1,
      ttlSeconds: this.ttlSeconds,
      staleIfErrorMs: this.policy.staleIfErrorMs,
      encode: this.encodePage,
      decode: this.decodePageEnvelope,
      load,
    };
  }

  private decodePage(envelope: Envelope): { value: StorePage } | undefined {
    if (envelope.kind !== "v") return undefined;
    let body: PageBody;
    try {
      body = JSON.parse(envelope.body) as PageBody;
    } catch {
      return undefined;
    }
    if (!body || !Array.isArray(body.i)) return undefined;
    const items: StoredItem[] = [];
    for (const raw of body.i) {
      const item = this.itemCodec.accept(raw);
      if (!item) return undefined;
      items.push(item.value);
    }
    return { value: body.p === undefined ? { items } : { items, position: body.p } };
  }

  /** The query generation token (kept in process for the L1 TTL when L1 is on). */
  private async currentGeneration(): Promise<string | undefined> {
    const cached = this.generation;
    if (cached && cached.until > performance.now()) return cached.token;
    const epoch = this.generationEpoch;
    const { tier } = this.ctx;
    const key = this.keys.generationKey();
    let read = await tier.read(key, this.schemaHash);
    if (read.kind === "miss") {
      await tier.fill(key, encodeEnvelope(this.schemaHash, "g", Date.now(), randomBytes(9).toString("base64url")), GENERATION_TTL_SECONDS);
      read = await tier.read(key, this.schemaHash);
    }
    if (read.kind !== "hit" || read.envelope.kind !== "g" || read.envelope.body === "") return undefined;
    const token = read.envelope.body;
    if (this.policy.l1 && epoch === this.generationEpoch) this.generation = { token, until: performance.now() + this.policy.l1.ttlMs };
    return token;
  }
}

/** Passed to every L1 get of the hot path: lru-cache allocates a fresh options object per get without one. */
const NO_GET_OPTIONS = {};

/** Zod schema types whose parse is a pure check of one JS type (checks may only accept or refuse, never rewrite). */
const CHECK_ONLY_TYPES: Readonly<Record<string, "string" | "number" | "boolean">> = { string: "string", enum: "string", number: "number", boolean: "boolean" };

/** The key fields with the JS type each accepts, when every key field's schema only checks its input. */
function keyProbe(definition: EntityDefinition): { name: string; type: "string" | "number" | "boolean" }[] | undefined {
  const shape = (definition.schema as unknown as { shape: Record<string, { _zod?: { def?: { type?: string; checks?: { _zod?: { def?: { check?: string } } }[] } } }> }).shape;
  const probe: { name: string; type: "string" | "number" | "boolean" }[] = [];
  for (const name of definition.model.key.fields) {
    const def = shape[name]?._zod?.def;
    const type = def?.type === undefined ? undefined : CHECK_ONLY_TYPES[def.type];
    if (!type || def!.checks?.some((c) => c._zod?.def?.check === "overwrite")) return undefined;
    probe.push({ name, type });
  }
  return probe;
}
