import { randomBytes } from "node:crypto";
import { bytesToUuid } from "./cql-values.js";

const GREGORIAN_OFFSET_MS = 12_219_292_800_000n;
let lastTicks = 0n;
const node = randomBytes(8);

/** A version-1 (time-based) uuid for the given wall-clock time, unique within the process. */
export function timeUuid(nowMillis: number): string {
  let ticks = (BigInt(Math.floor(nowMillis)) + GREGORIAN_OFFSET_MS) * 10_000n;
  if (ticks <= lastTicks) ticks = lastTicks + 1n;
  lastTicks = ticks;
  const b = new Uint8Array(16);
  const low = ticks & 0xffffffffn;
  const mid = (ticks >> 32n) & 0xffffn;
  const hi = (ticks >> 48n) & 0x0fffn;
  b[0] = Number((low >> 24n) & 0xffn);
  b[1] = Number((low >> 16n) & 0xffn);
  b[2] = Number((low >> 8n) & 0xffn);
  b[3] = Number(low & 0xffn);
  b[4] = Number(mid >> 8n);
  b[5] = Number(mid & 0xffn);
  b[6] = 0x10 | Number(hi >> 8n);
  b[7] = Number(hi & 0xffn);
  b[8] = 0x80 | (node[0]! & 0x3f);
  b[9] = node[1]!;
  b.set(node.subarray(2, 8), 10);
  return bytesToUuid(b);
}

/** A random (version 4) uuid. */
export function randomUuid(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return bytesToUuid(b);
}
