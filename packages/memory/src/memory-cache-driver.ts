import { CacheValueTooLargeError, DEFAULT_MAX_VALUE_BYTES, type CacheDriver, type CacheEntry, type CasToken, type CasValue } from "@polyxena/core";

/** Options of {@link MemoryCacheDriver}. */
export interface MemoryCacheDriverOptions {
  /** Name in stats (default `memory`). */
  name?: string;
  /** Item size limit in bytes (default 1 MB, like memcached). */
  maxValueBytes?: number;
  /** Wall clock in milliseconds (default `Date.now`); inject one to test expiry. */
  now?: () => number;
}

interface Entry {
  value: Uint8Array;
  /** Absolute expiry in ms, or Infinity. */
  expiresAt: number;
  /** Version, unique per store operation of this driver (memcached's CAS unique). */
  version: bigint;
}

/** TTLs above this many seconds are absolute Unix times, as in memcached. */
const RELATIVE_TTL_LIMIT = 60 * 60 * 24 * 30;

/**
 * An in-memory {@link CacheDriver} with memcached's semantics: `add` stores
 * only when absent, `set` always, TTL in seconds (0 = never, over 30 days =
 * absolute Unix time), `gets`/`cas` with a version per stored value and an
 * item size limit. Keys are used as given (core builds them safe, as for the
 * memcached driver). Values are copied in and out.
 *
 * @example
 * const driver = new MemoryCacheDriver({ now: () => clock.now });
 */
export class MemoryCacheDriver implements CacheDriver {
  readonly name: string;
  readonly maxValueBytes: number;
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  /** The identity of this driver's tokens: a token of another driver never matches. */
  private readonly tokenOwner = {};
  private nextVersion = 0n;

  constructor(options: MemoryCacheDriverOptions = {}) {
    this.name = options.name ?? "memory";
    this.maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    this.now = options.now ?? Date.now;
  }

  /** Number of live entries (expired ones are dropped first). */
  get size(): number {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    return this.entries.size;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const entry = this.live(key);
    return entry ? Buffer.from(entry.value) : undefined;
  }

  async getMulti(keys: readonly string[]): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    for (const key of keys) {
      const entry = this.live(key);
      if (entry) out.set(key, Buffer.from(entry.value));
    }
    return out;
  }

  async gets(key: string): Promise<CasValue | undefined> {
    const entry = this.live(key);
    if (!entry) return undefined;
    const cas: CasToken & { owner: object } = { version: entry.version, owner: this.tokenOwner };
    return { value: Buffer.from(entry.value), cas };
  }

  async cas(key: string, value: Uint8Array, ttlSeconds: number, token: CasToken): Promise<boolean> {
    this.checkSize(value);
    const entry = this.live(key);
    if (!entry || entry.version !== token.version || (token as { owner?: object }).owner !== this.tokenOwner) return false;
    this.store(key, value, ttlSeconds);
    return true;
  }

  async addMany(entries: readonly CacheEntry[]): Promise<boolean[]> {
    return Promise.all(entries.map((e) => this.add(e.key, e.value, e.ttlSeconds).catch(() => false)));
  }

  async add(key: string, value: Uint8Array, ttlSeconds: number): Promise<boolean> {
    this.checkSize(value);
    if (this.live(key)) return false;
    this.store(key, value, ttlSeconds);
    return true;
  }

  async set(key: string, value: Uint8Array, ttlSeconds: number): Promise<void> {
    this.checkSize(value);
    this.store(key, value, ttlSeconds);
  }

  async delete(key: string): Promise<boolean> {
    const existed = this.live(key) !== undefined;
    this.entries.delete(key);
    return existed;
  }

  async touch(key: string, ttlSeconds: number): Promise<boolean> {
    const entry = this.live(key);
    if (!entry) return false;
    entry.expiresAt = this.expiry(ttlSeconds);
    return true;
  }

  /** Drops everything. */
  clear(): void {
    this.entries.clear();
  }

  async close(): Promise<void> {}

  private store(key: string, value: Uint8Array, ttlSeconds: number): void {
    this.entries.set(key, { value: Buffer.from(value), expiresAt: this.expiry(ttlSeconds), version: ++this.nextVersion });
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private expiry(ttlSeconds: number): number {
    if (!Number.isFinite(ttlSeconds) || ttlSeconds < 0) throw new RangeError(`invalid cache TTL ${ttlSeconds}`);
    const ttl = Math.floor(ttlSeconds);
    if (ttl === 0) return Number.POSITIVE_INFINITY;
    if (ttl > RELATIVE_TTL_LIMIT) return ttl * 1000;
    return this.now() + ttl * 1000;
  }

  private checkSize(value: Uint8Array): void {
    if (value.byteLength > this.maxValueBytes) throw new CacheValueTooLargeError(value.byteLength, this.maxValueBytes);
  }
}
