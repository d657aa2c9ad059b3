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
  const text = (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString("utf8");
  if (!text.startsWith(MAGIC)) return undefined;
  const hashEnd = MAGIC.length + schemaHash.length;
  if (text.charCodeAt(hashEnd) !== 124 /* | */ || text.slice(MAGIC.length, hashEnd) !== schemaHash) return undefined;
  const timeEnd = text.indexOf("|", hashEnd + 1);
  if (timeEnd < 0 || text.charCodeAt(timeEnd + 2) !== 124) return undefined;
  const writtenAt = Number(text.slice(hashEnd + 1, timeEnd));
  const kind = text[timeEnd + 1] as EnvelopeKind;
  if (!Number.isFinite(writtenAt) || (kind !== "v" && kind !== "n" && kind !== "t" && kind !== "g")) return undefined;
  return { kind, writtenAt, body: text.slice(timeEnd + 3) };
}
