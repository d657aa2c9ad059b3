/**
 * The version a tier gave a stored value (memcached's CAS unique), as read by
 * `gets`. Opaque to the protocol: it is passed back unchanged to `cas`.
 * Drivers may carry more than the number (e.g. the connection it was read
 * on, so a server restart, which resets CAS counters, cannot make an old
 * token match).
 */
export interface CasToken {
  readonly version: bigint;
}

/** A value with its version, as returned by `gets`. */
export interface CasValue {
  value: Uint8Array;
  cas: CasToken;
}

/** One entry of a pipelined `addMany`. */
export interface CacheEntry {
  key: string;
  value: Uint8Array;
  ttlSeconds: number;
}

/**
 * What the cache protocol needs from an L2 tier (memcached or an in-memory
 * stand-in). Values are bytes; TTLs are whole seconds with memcached
 * semantics (0 = no expiry, more than 30 days = an absolute Unix time).
 *
 * A driver never throws for a miss; it throws (or rejects) only when the
 * tier cannot answer (connection error, timeout, value too large).
 *
 * Keys arrive safe, and a driver sends them as given: core builds every key
 * it hands a driver ({@link CacheKeyBuilder}, {@link toSafeCacheKey}) as
 * printable ASCII without whitespace of at most {@link MAX_CACHE_KEY_BYTES}
 * bytes. Key safety has that one home; callers of a driver on its own pass
 * their keys through `toSafeCacheKey`.
 */
export interface CacheDriver {
  /** Name used in stats and errors, e.g. `memcached:us-east-1a`. */
  readonly name: string;
  /** Largest value the tier accepts, in bytes; larger values are never sent. */
  readonly maxValueBytes: number;
  /**
   * The driver's configured deadline in ms, when it has one: the default
   * cache policy of `createCacheAside` uses it as its per-call timeout, so
   * one setting configures both.
   */
  readonly timeoutMs?: number | undefined;
  /**
   * Replica groups, local zone first. When present, the protocol writes
   * tombstones and fills to every zone and reads the local zone first,
   * falling back to the others on a miss or an error.
   */
  readonly zones?: readonly CacheDriver[] | undefined;
  /** The value, or `undefined` on a miss. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Several values at once; missing keys are absent from the map. */
  getMulti?(keys: readonly string[]): Promise<Map<string, Uint8Array>>;
  /**
   * The value with its version, or `undefined` on a miss. With `cas`, it lets
   * a reader replace exactly the entry it saw (the tombstone of a write) and
   * nothing written after it.
   */
  gets?(key: string): Promise<CasValue | undefined>;
  /**
   * Stores only when the key still holds the version `cas` read; `false`
   * when it changed, expired or is absent, or when the token cannot be
   * trusted any more (read on a connection that has since been reset).
   */
  cas?(key: string, value: Uint8Array, ttlSeconds: number, cas: CasToken): Promise<boolean>;
  /**
   * Several `add`s sent together (one pipelined write per server); the
   * answers are aligned with `entries`, `false` where the key existed.
   */
  addMany?(entries: readonly CacheEntry[]): Promise<boolean[]>;
  /**
   * The connection a call for `key` would use now, or `undefined` when none
   * is open. A fill decided while one connection was open is sent only if
   * that same connection is still open: a server that was killed, restarted
   * or reset after a timeout may have missed an invalidation meanwhile.
   * Drivers without connections omit it.
   */
  connectionOf?(key: string): object | undefined;
  /** Stores only when the key is absent; `false` when it exists. */
  add(key: string, value: Uint8Array, ttlSeconds: number): Promise<boolean>;
  /** Stores unconditionally. */
  set(key: string, value: Uint8Array, ttlSeconds: number): Promise<void>;
  /** `true` when something was deleted. */
  delete(key: string): Promise<boolean>;
  /** Resets the TTL; `false` when the key is absent. */
  touch?(key: string, ttlSeconds: number): Promise<boolean>;
  close?(): Promise<void>;
}

/** Memcached's longest key, in bytes. */
export const MAX_CACHE_KEY_BYTES = 250;

/** Memcached's default item size limit (1 MB). */
export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

/** The zones of a driver, local first (a driver without zones is one zone). */
export function zonesOf(driver: CacheDriver): readonly CacheDriver[] {
  return driver.zones && driver.zones.length > 0 ? driver.zones : [driver];
}

const CACHE_VALUE_TOO_LARGE = "CacheValueTooLargeError";

/** True when a driver refused a value over its item limit (name check, so package copies agree). */
export function isCacheValueTooLargeError(error: unknown): error is CacheValueTooLargeError {
  return error instanceof Error && error.name === CACHE_VALUE_TOO_LARGE;
}

/** Thrown by drivers asked to store a value over their item limit (the value is not sent). */
export class CacheValueTooLargeError extends Error {
  readonly bytes: number;
  readonly limit: number;
  constructor(bytes: number, limit: number) {
    super(`cache value of ${bytes} bytes exceeds the item limit of ${limit} bytes; not sent`);
    this.name = CACHE_VALUE_TOO_LARGE;
    this.bytes = bytes;
    this.limit = limit;
  }
}
