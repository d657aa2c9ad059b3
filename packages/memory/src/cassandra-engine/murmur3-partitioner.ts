/**
 * Cassandra's Murmur3Partitioner: the token of a partition key is the first
 * 64 bits of MurmurHash3 x64_128 over the serialized key, computed with
 * Cassandra's quirk (tail bytes are sign-extended), and Long.MIN_VALUE is
 * mapped to Long.MAX_VALUE.
 */

const MASK = (1n << 64n) - 1n;
const C1 = 0x87c37b91114253d5n;
const C2 = 0x4cf5ad432745937fn;
const LONG_MIN = -(1n << 63n);
const LONG_MAX = (1n << 63n) - 1n;

const u64 = (x: bigint) => x & MASK;
const rotl = (x: bigint, r: bigint) => u64((x << r) | (x >> (64n - r)));

function fmix(k: bigint): bigint {
  k ^= k >> 33n;
  k = u64(k * 0xff51afd7ed558ccdn);
  k ^= k >> 33n;
  k = u64(k * 0xc4ceb9fe1a85ec53n);
  k ^= k >> 33n;
  return k;
}

function block(key: Uint8Array, offset: number): bigint {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(key[offset + i]!);
  return v;
}

/** A byte as Java's `(long) key.get(i)`: sign-extended to 64 bits. */
function signed(b: number): bigint {
  return u64(BigInt(b >= 128 ? b - 256 : b));
}

/** MurmurHash3 x64_128 (Cassandra's variant), first half, as a signed 64-bit integer. */
function murmur3(key: Uint8Array): bigint {
  const length = key.length;
  const blocks = length >> 4;
  let h1 = 0n;
  let h2 = 0n;
  for (let i = 0; i < blocks; i++) {
    let k1 = block(key, i * 16);
    let k2 = block(key, i * 16 + 8);
    k1 = u64(k1 * C1);
    k1 = rotl(k1, 31n);
    k1 = u64(k1 * C2);
    h1 ^= k1;
    h1 = rotl(h1, 27n);
    h1 = u64(h1 + h2);
    h1 = u64(h1 * 5n + 0x52dce729n);
    k2 = u64(k2 * C2);
    k2 = rotl(k2, 33n);
    k2 = u64(k2 * C1);
    h2 ^= k2;
    h2 = rotl(h2, 31n);
    h2 = u64(h2 + h1);
    h2 = u64(h2 * 5n + 0x38495ab5n);
  }
  const tail = blocks * 16;
  let k1 = 0n;
  let k2 = 0n;
  const rest = length & 15;
  for (let i = rest; i >= 1; i--) {
    const b = signed(key[tail + i - 1]!);
    if (i > 8) k2 ^= u64(b << BigInt((i - 9) * 8));
    else k1 ^= u64(b << BigInt((i - 1) * 8));
  }
  if (rest > 8) {
    k2 = u64(k2 * C2);
    k2 = rotl(k2, 33n);
    k2 = u64(k2 * C1);
    h2 ^= k2;
  }
  if (rest > 0) {
    k1 = u64(k1 * C1);
    k1 = rotl(k1, 31n);
    k1 = u64(k1 * C2);
    h1 ^= k1;
  }
  h1 ^= BigInt(length);
  h2 ^= BigInt(length);
  h1 = u64(h1 + h2);
  h2 = u64(h2 + h1);
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 = u64(h1 + h2);
  return BigInt.asIntN(64, h1);
}

/**
 * The Murmur3 token of a partition key given its serialized components. A
 * composite key is hashed in CompositeType form: per component a 2-byte
 * length, the bytes, and a 0 end-of-component byte.
 */
export function murmur3Token(components: readonly Uint8Array[]): bigint {
  let key: Uint8Array;
  if (components.length === 1) {
    key = components[0]!;
  } else {
    const size = components.reduce((n, c) => n + c.length + 3, 0);
    key = new Uint8Array(size);
    let offset = 0;
    for (const c of components) {
      key[offset] = (c.length >> 8) & 0xff;
      key[offset + 1] = c.length & 0xff;
      key.set(c, offset + 2);
      key[offset + 2 + c.length] = 0;
      offset += c.length + 3;
    }
  }
  const token = murmur3(key);
  return token === LONG_MIN ? LONG_MAX : token;
}

/** The smallest token (Murmur3Partitioner's minimum, which no key hashes to). */
export const MIN_TOKEN = LONG_MIN;
