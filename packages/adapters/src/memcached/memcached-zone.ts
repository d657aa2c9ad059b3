import { CacheValueTooLargeError, toSafeCacheKey, type CacheDriver } from "@polyxena/core";
import { KetamaRing } from "./ketama-ring.js";
import { MemcachedNode, type MemcachedNodeOptions } from "./memcached-node.js";

/** Options of one zone (replica group). */
export interface MemcachedZoneOptions extends MemcachedNodeOptions {
  name: string;
  /** `host:port` of every server of the zone. */
  servers: readonly string[];
  /** Largest value sent, in bytes. */
  maxValueBytes: number;
  /** Ketama points per server (default 160). */
  pointsPerServer?: number | undefined;
}

/**
 * One zone: keys spread over its servers by Ketama. Every key is made safe
 * (hashed when too long or not printable ASCII) and every value checked
 * against the item limit before anything is written to a socket.
 */
export class MemcachedZone implements CacheDriver {
  readonly name: string;
  readonly maxValueBytes: number;
  /** memjs's response deadline of this zone's connections (the default cache policy adopts it). */
  readonly timeoutMs: number;
  readonly nodes: readonly MemcachedNode[];
  private readonly ring: KetamaRing<MemcachedNode>;

  constructor(options: MemcachedZoneOptions) {
    this.name = options.name;
    this.maxValueBytes = options.maxValueBytes;
    this.timeoutMs = options.timeoutMs;
    this.nodes = options.servers.map((address) => new MemcachedNode(address, options));
    this.ring = new KetamaRing(
      this.nodes.map((node) => ({ id: node.address, node })),
      options.pointsPerServer ?? 160,
    );
  }

  /** The server a key is stored on (after key safety). */
  serverFor(key: string): string {
    return this.ring.nodeFor(toSafeCacheKey(key)).address;
  }

  get(key: string): Promise<Uint8Array | undefined> {
    const safe = toSafeCacheKey(key);
    return this.ring.nodeFor(safe).get(safe);
  }

  async getMulti(keys: readonly string[]): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    await Promise.all(
      keys.map(async (key) => {
        const value = await this.get(key);
        if (value !== undefined) out.set(key, value);
      }),
    );
    return out;
  }

  add(key: string, value: Uint8Array, ttlSeconds: number): Promise<boolean> {
    const checked = this.check(value);
    if (checked) return Promise.reject(checked);
    const safe = toSafeCacheKey(key);
    return this.ring.nodeFor(safe).add(safe, value, ttl(ttlSeconds));
  }

  set(key: string, value: Uint8Array, ttlSeconds: number): Promise<void> {
    const checked = this.check(value);
    if (checked) return Promise.reject(checked);
    const safe = toSafeCacheKey(key);
    return this.ring.nodeFor(safe).set(safe, value, ttl(ttlSeconds));
  }

  delete(key: string): Promise<boolean> {
    const safe = toSafeCacheKey(key);
    return this.ring.nodeFor(safe).delete(safe);
  }

  touch(key: string, ttlSeconds: number): Promise<boolean> {
    const safe = toSafeCacheKey(key);
    return this.ring.nodeFor(safe).touch(safe, ttl(ttlSeconds));
  }

  async close(): Promise<void> {
    for (const node of this.nodes) node.close();
  }

  private check(value: Uint8Array): Error | undefined {
    return value.byteLength > this.maxValueBytes ? new CacheValueTooLargeError(value.byteLength, this.maxValueBytes) : undefined;
  }
}

function ttl(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`invalid cache TTL ${seconds}`);
  return Math.floor(seconds);
}
