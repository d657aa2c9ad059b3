import { CacheValueTooLargeError, type CacheDriver, type CacheEntry, type CasToken, type CasValue } from "@polyxena/core";
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
 * One zone: keys spread over its servers by Ketama. Keys are sent as given:
 * core builds every key safe (printable ASCII, at most 250 bytes; see
 * {@link CacheDriver}). Every value is checked against the item limit before
 * anything is written to a socket.
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

  /** The server a key is stored on. */
  serverFor(key: string): string {
    return this.ring.nodeFor(key).address;
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.ring.nodeFor(key).get(key);
  }

  gets(key: string): Promise<CasValue | undefined> {
    return this.ring.nodeFor(key).gets(key);
  }

  cas(key: string, value: Uint8Array, ttlSeconds: number, token: CasToken): Promise<boolean> {
    const checked = this.check(value);
    if (checked) return Promise.reject(checked);
    return this.ring.nodeFor(key).cas(key, value, ttl(ttlSeconds), token);
  }

  connectionOf(key: string): object | undefined {
    return this.ring.nodeFor(key).connection();
  }

  /** One multi-key get per server of the zone (all sent at once). */
  async getMulti(keys: readonly string[]): Promise<Map<string, Uint8Array>> {
    const byNode = new Map<MemcachedNode, string[]>();
    for (const key of keys) {
      const node = this.ring.nodeFor(key);
      const list = byNode.get(node);
      if (list) list.push(key);
      else byNode.set(node, [key]);
    }
    const out = new Map<string, Uint8Array>();
    const answers = await Promise.all([...byNode].map(([node, nodeKeys]) => node.getMulti(nodeKeys)));
    for (const answer of answers) for (const [key, value] of answer) out.set(key, value);
    return out;
  }

  /** Adds pipelined per server (one socket write each); oversize entries answer `false` without being sent. */
  async addMany(entries: readonly CacheEntry[]): Promise<boolean[]> {
    const results: boolean[] = entries.map(() => false);
    const byNode = new Map<MemcachedNode, { index: number; entry: CacheEntry }[]>();
    entries.forEach((entry, index) => {
      if (this.check(entry.value)) return;
      const node = this.ring.nodeFor(entry.key);
      const item = { index, entry: { key: entry.key, value: entry.value, ttlSeconds: ttl(entry.ttlSeconds) } };
      const list = byNode.get(node);
      if (list) list.push(item);
      else byNode.set(node, [item]);
    });
    await Promise.all(
      [...byNode].map(async ([node, items]) => {
        const answers = await node.addMany(items.map((i) => i.entry));
        items.forEach((item, k) => (results[item.index] = answers[k]!));
      }),
    );
    return results;
  }

  add(key: string, value: Uint8Array, ttlSeconds: number): Promise<boolean> {
    const checked = this.check(value);
    if (checked) return Promise.reject(checked);
    return this.ring.nodeFor(key).add(key, value, ttl(ttlSeconds));
  }

  set(key: string, value: Uint8Array, ttlSeconds: number): Promise<void> {
    const checked = this.check(value);
    if (checked) return Promise.reject(checked);
    return this.ring.nodeFor(key).set(key, value, ttl(ttlSeconds));
  }

  delete(key: string): Promise<boolean> {
    return this.ring.nodeFor(key).delete(key);
  }

  touch(key: string, ttlSeconds: number): Promise<boolean> {
    return this.ring.nodeFor(key).touch(key, ttl(ttlSeconds));
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
