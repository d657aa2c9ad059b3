import { CacheValueTooLargeError, type CacheDriver } from "./cache-driver.js";

/**
 * A cache tier made of replica groups (zones), EVCache style: writes go to
 * every zone, reads go to the local zone (the first) and fall back to the
 * others on a miss or an error.
 *
 * The cache-aside protocol uses `zones` directly for per-zone tombstones and
 * fills; the methods here give the same semantics to callers that use the
 * driver on its own.
 */
export class ZonedCacheDriver implements CacheDriver {
  readonly name: string;
  readonly maxValueBytes: number;
  readonly zones: readonly CacheDriver[];
  /** The longest deadline of the zones, when they declare one. */
  readonly timeoutMs: number | undefined;

  constructor(zones: readonly CacheDriver[], name = `zoned(${zones.map((z) => z.name).join(",")})`) {
    if (zones.length === 0) throw new Error("ZonedCacheDriver needs at least one zone");
    this.zones = zones;
    this.name = name;
    this.maxValueBytes = Math.min(...zones.map((z) => z.maxValueBytes));
    const deadlines = zones.map((z) => z.timeoutMs).filter((ms): ms is number => ms !== undefined);
    this.timeoutMs = deadlines.length > 0 ? Math.max(...deadlines) : undefined;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    let lastError: unknown;
    let failed = 0;
    for (const zone of this.zones) {
      try {
        const value = await zone.get(key);
        if (value !== undefined) return value;
      } catch (error) {
        failed++;
        lastError = error;
      }
    }
    if (failed === this.zones.length) throw lastError;
    return undefined;
  }

  /** Adds in every zone; the answer is the first zone that answered. */
  async add(key: string, value: Uint8Array, ttlSeconds: number): Promise<boolean> {
    this.checkSize(value);
    const results = await Promise.allSettled(this.zones.map((z) => z.add(key, value, ttlSeconds)));
    for (const r of results) if (r.status === "fulfilled") return r.value;
    throw (results[0] as PromiseRejectedResult).reason;
  }

  /** Sets in every zone; rejects when any zone failed (the others are still written). */
  async set(key: string, value: Uint8Array, ttlSeconds: number): Promise<void> {
    this.checkSize(value);
    await everyZone(this.zones.map((z) => z.set(key, value, ttlSeconds)));
  }

  async delete(key: string): Promise<boolean> {
    const results = await everyZone(this.zones.map((z) => z.delete(key)));
    return results.some(Boolean);
  }

  async touch(key: string, ttlSeconds: number): Promise<boolean> {
    const results = await everyZone(this.zones.map((z) => (z.touch ? z.touch(key, ttlSeconds) : Promise.resolve(false))));
    return results.some(Boolean);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.zones.map((z) => z.close?.()));
  }

  private checkSize(value: Uint8Array): void {
    if (value.byteLength > this.maxValueBytes) throw new CacheValueTooLargeError(value.byteLength, this.maxValueBytes);
  }
}

async function everyZone<T>(work: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(work);
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failures.length > 0) throw new AggregateError(failures.map((f) => f.reason), `${failures.length} of ${results.length} cache zones failed`);
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
