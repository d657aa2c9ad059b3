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

/** Decodes an envelope; `undefined` when the bytes are not an envelope of this format and schema. */
export function decodeEnvelope(bytes: Uint8Array, schemaHash: string): Envelope | undefined {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The header is ASCII: read it without decoding the body twice.
  const headerEnd = Math.min(buf.length, MAGIC.length + schemaHash.length + 24);
  const header = buf.toString("latin1", 0, headerEnd);
  if (!header.startsWith(MAGIC)) return undefined;
  const hashEnd = MAGIC.length + schemaHash.length;
  if (header.charCodeAt(hashEnd) !== 124 /* | */ || header.slice(MAGIC.length, hashEnd) !== schemaHash) return undefined;
  const timeEnd = header.indexOf("|", hashEnd + 1);
  if (timeEnd < 0 || header.charCodeAt(timeEnd + 2) !== 124) return undefined;
  const writtenAt = Number(header.slice(hashEnd + 1, timeEnd));
  const kind = header[timeEnd + 1] as EnvelopeKind;
  if (!Number.isFinite(writtenAt) || (kind !== "v" && kind !== "n" && kind !== "t" && kind !== "g")) return undefined;
  return { kind, writtenAt, body: buf.toString("utf8", timeEnd + 3) };
}
