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
  /** Read-through by primary key: cached value, or `load()` and fill. */
  get(key: KeyValues, load: () => Promise<StoredItem | undefined>): Promise<CachedRead<StoredItem | undefined>>;
  /** Read-through of a declared query page, keyed by `scope` (query + parameters + cursor). */
  query(queryName: string, scope: string, load: () => Promise<StorePage>): Promise<CachedRead<StorePage>>;
  /** After a write to these keys succeeded: tombstone, drop L1, publish, bump query generation. */
  invalidate(keys: readonly KeyValues[]): Promise<void>;
}

/** Creates per-entity caches; passed to `createRepositories({ cache })`. */
export interface CacheProvider {
  /** The cache of one entity (its model carries the policy; its schema decodes cached values). */
  forEntity(entity: EntityDefinition): EntityCache | undefined;
  close?(): Promise<void>;
}
