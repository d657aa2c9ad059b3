/**
 * The envelope around every cached value:
 * `px<formatVersion>|<schemaHash>|<writtenAtMs>|<kind>|<body>`.
 * A value written by another schema or format version reads as a miss.
 */

/** Current envelope format version. */
export const ENVELOPE_FORMAT = 1;

/** `v` a value, `n` a cached absence, `t` a tombstone, `g` a generation token. */
export type EnvelopeKind = "v" | "n" | "t" | "g";

/** A decoded envelope. */
export interface Envelope {
  kind: EnvelopeKind;
  /** Wall-clock milliseconds when the value was written. */
  writtenAt: number;
  /** JSON body for `v`, the token for `g`, empty otherwise. */
  body: string;
}

const MAGIC = `px${ENVELOPE_FORMAT}|`;

/** Encodes an envelope to bytes. */
export function encodeEnvelope(schemaHash: string, kind: EnvelopeKind, writtenAt: number, body = ""): Buffer {
  return Buffer.from(`${MAGIC}${schemaHash}|${writtenAt}|${kind}|${body}`, "utf8");
}

/** `px<format>|<schemaHash>|` as bytes, per schema hash (an entity has one; derived data another). */
const prefixes = new Map<string, Buffer>();

function prefixOf(schemaHash: string): Buffer {
  let prefix = prefixes.get(schemaHash);
  if (prefix === undefined) {
    prefix = Buffer.from(`${MAGIC}${schemaHash}|`, "utf8");
    if (prefixes.size < 1024) prefixes.set(schemaHash, prefix);
  }
  return prefix;
}

/** Longest written-at stamp read (milliseconds since 1970 have 13 digits until the year 2286). */
const MAX_TIME_DIGITS = 16;

/**
 * Decodes an envelope; `undefined` when the bytes are not an envelope of this
 * format and schema. The header is read from the bytes in place (no string is
 * made of it); only the body is decoded.
 */
export function decodeEnvelope(bytes: Uint8Array, schemaHash: string): Envelope | undefined {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = prefixOf(schemaHash);
  const start = prefix.length;
  if (buf.length < start + 4) return undefined;
  // Byte by byte: for a prefix this short, cheaper than `Buffer#compare` (argument checks and a native call).
  for (let i = 0; i < start; i++) if (buf[i] !== prefix[i]) return undefined;
  let writtenAt = 0;
  let at = start;
  const digitsEnd = Math.min(buf.length, start + MAX_TIME_DIGITS);
  for (; at < digitsEnd; at++) {
    const digit = buf[at]! - 48;
    if (digit < 0 || digit > 9) break;
    writtenAt = writtenAt * 10 + digit;
  }
  if (at === start || buf[at] !== 124 /* | */ || buf[at + 2] !== 124) return undefined;
  const kind = buf[at + 1]!;
  // v, n, t, g
  if (kind !== 118 && kind !== 110 && kind !== 116 && kind !== 103) return undefined;
  return { kind: String.fromCharCode(kind) as EnvelopeKind, writtenAt, body: at + 3 === buf.length ? "" : buf.toString("utf8", at + 3) };
}
