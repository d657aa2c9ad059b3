import { createHash } from "node:crypto";

/**
 * Ketama consistent hashing as in libketama: each server gets 160 points
 * (40 MD5 digests of `host:port-i`, 4 little-endian points each), a key maps
 * to the first point at or after the first 4 bytes of its MD5. Removing one
 * of N equal servers moves about 1/N of the keys.
 */
export class KetamaRing<T> {
  private readonly points: Uint32Array;
  private readonly owners: T[];
  /** The only server of a one-server ring (no hashing needed). */
  private readonly single: T | undefined;
  /** Recent key -> server answers: hot keys skip the MD5 (cleared when it grows past its bound). */
  private readonly recent = new Map<string, T>();

  /**
   * @param nodes servers with their ids (`host:port`, as libketama hashes them).
   * @param pointsPerNode multiple of 4; 160 like libketama.
   */
  constructor(nodes: readonly { id: string; node: T }[], pointsPerNode = 160) {
    if (nodes.length === 0) throw new Error("a ketama ring needs at least one server");
    const entries: { point: number; node: T }[] = [];
    for (const { id, node } of nodes) {
      for (let i = 0; i < pointsPerNode / 4; i++) {
        const digest = createHash("md5").update(`${id}-${i}`).digest();
        for (let h = 0; h < 4; h++) entries.push({ point: digest.readUInt32LE(h * 4), node });
      }
    }
    entries.sort((a, b) => a.point - b.point);
    this.points = Uint32Array.from(entries.map((e) => e.point));
    this.owners = entries.map((e) => e.node);
    this.single = nodes.length === 1 ? nodes[0]!.node : undefined;
  }

  /** The server owning a key. */
  nodeFor(key: string): T {
    if (this.single !== undefined) return this.single;
    const known = this.recent.get(key);
    if (known !== undefined) return known;
    const node = this.lookup(key);
    if (this.recent.size >= 10_000) this.recent.clear();
    this.recent.set(key, node);
    return node;
  }

  private lookup(key: string): T {
    const hash = createHash("md5").update(key).digest().readUInt32LE(0);
    const points = this.points;
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === points.length ? 0 : lo]!;
  }
}
