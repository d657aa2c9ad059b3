import type { EntityDefinition } from "./define-entity.js";
import type { KeyValues, StoredItem, StorePage } from "./store-adapter.js";

/** Where a read was served from. */
export type ReadSource = "l1" | "l2" | "store" | "stale";

/** A value read through the cache. */
export interface CachedRead<T> {
  value: T;
  source: ReadSource;
}

/**
 * The cache seam for one entity. Core calls it only for cache-eligible
 * calls (eventual reads of an entity with a cache policy) and after every
 * successful write. Implementations never fail a read because of the cache
 * and never throw from `invalidate`.
 */
export interface EntityCache {
  /**
   * Read-through by primary key: cached value, or `load()` and fill. When the
   * entity coalesces gets, `loadMany` (a function kept stable per consistency
   * level) loads the misses of all gets of one tick in one store call.
   * `l1Missed` is what `peek` answered for this read when it missed: that L1
   * key is not looked up again.
   */
  get(key: KeyValues, load: () => Promise<StoredItem | undefined>, loadMany?: LoadMany, l1Missed?: string): Promise<CachedRead<StoredItem | undefined>>;
  /**
   * Read-through of many keys (answers aligned with `keys`): one multi-key
   * cache read per zone, one `loadMany` call for all misses, one pipelined
   * fill per zone. Optional: without it, core reads key by key.
   */
  getMany?(keys: readonly KeyValues[], loadMany: LoadMany): Promise<CachedRead<StoredItem | undefined>[]>;
  /**
   * An L1 hit for a key not validated yet, only when it is certain to be the
   * answer validating first would give. Otherwise the caller validates and
   * calls `get`, passing on what `peek` answered: the L1 key it looked up
   * and missed (a string), or `undefined` when it could not tell. Lets an L1
   * hit skip key validation, and a miss skip a second L1 lookup.
   */
  peek?(rawKey: unknown): Promise<StoredItem | undefined> | string | undefined;
  /** Read-through of a declared query page, keyed by `scope` (query + parameters + cursor). */
  query(queryName: string, scope: string, load: () => Promise<StorePage>): Promise<CachedRead<StorePage>>;
  /** After a write to these keys succeeded: tombstone, drop L1, publish, bump query generation. */
  invalidate(keys: readonly KeyValues[]): Promise<void>;
}

/** Loads items by key from the store in one call, answers aligned with `keys`. */
export type LoadMany = (keys: readonly KeyValues[]) => Promise<(StoredItem | undefined)[]>;

/** Creates per-entity caches; passed to `createRepositories({ cache })`. */
export interface CacheProvider {
  /** The cache of one entity (its model carries the policy; its schema decodes cached values). */
  forEntity(entity: EntityDefinition): EntityCache | undefined;
  close?(): Promise<void>;
}
