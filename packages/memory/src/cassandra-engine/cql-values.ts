import { invalid } from "./cql-error.js";
import type { CqlType, NativeTypeName } from "./cql-types.js";
import { typeToString } from "./cql-types.js";

/** An exact decimal: `unscaled * 10^-scale`, as CQL's `decimal` stores it. */
export interface CqlDecimal {
  readonly unscaled: bigint;
  readonly scale: number;
}

/**
 * A CQL value as the engine holds it. The CQL type gives the meaning:
 * text/ascii/uuid/timeuuid/inet -> string (uuids lower-case), int/smallint/tinyint/float/double -> number,
 * bigint/counter/varint -> bigint, time -> bigint nanoseconds since midnight, date -> number of days since
 * 1970-01-01 (signed), timestamp -> Date, blob -> Uint8Array, decimal -> {@link CqlDecimal},
 * list/set -> array (sets sorted, unique), map -> Map (keys sorted).
 */
export type CqlValue =
  | null
  | string
  | number
  | bigint
  | boolean
  | Date
  | Uint8Array
  | CqlDecimal
  | CqlValue[]
  | Map<CqlValue, CqlValue>;

/** Marker for a bound value the client left unset (protocol value length -2). */
export const UNSET: unique symbol = Symbol("cql.unset");
/** The type of {@link UNSET}. */
export type Unset = typeof UNSET;

const encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_EPOCH_OFFSET = 2 ** 31;
const SURROGATE = /[\ud800-\udfff]/;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Unsigned byte-wise comparison, as Cassandra compares blobs and UTF-8 text. */
export { compareBytes };

function sign(n: number | bigint): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Parses a uuid string into its 16 bytes. */
export function uuidToBytes(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, "");
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Formats 16 bytes as a lower-case uuid string. */
export function bytesToUuid(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** True when `s` looks like a uuid. */
export function isUuidString(s: string): boolean {
  return UUID_RE.test(s);
}

/** The 60-bit timestamp of a version-1 uuid (100ns intervals since 1582-10-15). */
export function timeuuidTimestamp(uuid: string): bigint {
  const b = uuidToBytes(uuid);
  const low = BigInt(((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!);
  const mid = BigInt((b[4]! << 8) + b[5]!);
  const hi = BigInt(((b[6]! & 0x0f) << 8) + b[7]!);
  return (hi << 48n) | (mid << 32n) | low;
}

function uuidVersion(uuid: string): number {
  return parseInt(uuid.charAt(14), 16);
}

// ---- inet ----------------------------------------------------------------

function inetToBytes(text: string): Uint8Array | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const parts = text.split(".").map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return Uint8Array.from(parts);
  }
  if (!text.includes(":")) return undefined;
  const [head, tail, extra] = text.split("::");
  if (extra !== undefined) return undefined;
  const parse = (s: string | undefined): number[] | undefined => {
    if (!s) return [];
    const groups: number[] = [];
    for (const g of s.split(":")) {
      if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
      groups.push(parseInt(g, 16));
    }
    return groups;
  };
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  if (!h || !t) return undefined;
  const missing = 8 - h.length - t.length;
  if ((tail === undefined && missing !== 0) || missing < 0) return undefined;
  const groups = [...h, ...new Array<number>(missing).fill(0), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

function bytesToInet(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(":");
}

// ---- varint --------------------------------------------------------------

/** Two's complement, minimal big-endian encoding of a bigint (CQL varint). */
export function varintToBytes(value: bigint): Uint8Array {
  if (value === 0n) return Uint8Array.of(0);
  const bytes: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(v & 0xffn);
    bytes.unshift(byte);
    v >>= 8n;
    const signBit = (byte & 0x80) !== 0;
    if ((v === 0n && !signBit) || (v === -1n && signBit)) break;
  }
  return Uint8Array.from(bytes);
}

/** Decodes a two's complement big-endian integer of any length. */
export function bytesToVarint(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  if ((bytes[0]! & 0x80) !== 0) v -= 1n << BigInt(bytes.length * 8);
  return v;
}

// ---- serialization -------------------------------------------------------

function wrongValue(type: CqlType, value: unknown, column?: string): never {
  const where = column === undefined ? "" : ` for column ${column}`;
  throw invalid(`Invalid value${where} of type ${typeToString(type)}: ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return "blob";
  if (value instanceof Date) return "Date";
  if (value instanceof Map) return "Map";
  if (Array.isArray(value)) return "Array";
  return typeof value;
}

function fixedInt(size: number, value: number | bigint): Uint8Array {
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  if (size === 1) view.setInt8(0, Number(value));
  else if (size === 2) view.setInt16(0, Number(value));
  else if (size === 4) view.setInt32(0, Number(value));
  else view.setBigInt64(0, BigInt(value));
  return out;
}

function intInRange(value: unknown, bits: number): value is number {
  if (typeof value !== "number" || !Number.isInteger(value)) return false;
  const max = 2 ** (bits - 1);
  return value >= -max && value < max;
}

function serializeNative(name: NativeTypeName, type: CqlType, value: CqlValue, column?: string): Uint8Array {
  switch (name) {
    case "ascii":
      if (typeof value !== "string") return wrongValue(type, value, column);
      if (!/^[\x00-\x7f]*$/.test(value)) throw invalid(`Invalid ASCII character in string literal`);
      return encoder.encode(value);
    case "text":
      if (typeof value !== "string") return wrongValue(type, value, column);
      return encoder.encode(value);
    case "bigint":
    case "counter":
      if (typeof value === "number" && Number.isSafeInteger(value)) return fixedInt(8, BigInt(value));
      if (typeof value !== "bigint" || BigInt.asIntN(64, value) !== value) return wrongValue(type, value, column);
      return fixedInt(8, value);
    case "varint":
      if (typeof value === "number" && Number.isSafeInteger(value)) return varintToBytes(BigInt(value));
      if (typeof value !== "bigint") return wrongValue(type, value, column);
      return varintToBytes(value);
    case "time":
      if (typeof value !== "bigint" || value < 0n || value >= 86_400_000_000_000n) return wrongValue(type, value, column);
      return fixedInt(8, value);
    case "blob":
      if (!(value instanceof Uint8Array)) return wrongValue(type, value, column);
      return value;
    case "boolean":
      if (typeof value !== "boolean") return wrongValue(type, value, column);
      return Uint8Array.of(value ? 1 : 0);
    case "int":
      if (!intInRange(value, 32)) return wrongValue(type, value, column);
      return fixedInt(4, value);
    case "smallint":
      if (!intInRange(value, 16)) return wrongValue(type, value, column);
      return fixedInt(2, value);
    case "tinyint":
      if (!intInRange(value, 8)) return wrongValue(type, value, column);
      return fixedInt(1, value);
    case "double": {
      if (typeof value !== "number") return wrongValue(type, value, column);
      const out = new Uint8Array(8);
      new DataView(out.buffer).setFloat64(0, value);
      return out;
    }
    case "float": {
      if (typeof value !== "number") return wrongValue(type, value, column);
      const out = new Uint8Array(4);
      new DataView(out.buffer).setFloat32(0, value);
      return out;
    }
    case "decimal": {
      if (!isDecimal(value)) return wrongValue(type, value, column);
      const unscaled = varintToBytes(value.unscaled);
      const out = new Uint8Array(4 + unscaled.length);
      new DataView(out.buffer).setInt32(0, value.scale);
      out.set(unscaled, 4);
      return out;
    }
    case "uuid":
    case "timeuuid":
      if (typeof value !== "string" || !UUID_RE.test(value)) return wrongValue(type, value, column);
      if (name === "timeuuid" && uuidVersion(value) !== 1) throw invalid(`Unsupported UUID version (${uuidVersion(value)})`);
      return uuidToBytes(value);
    case "timestamp":
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) return wrongValue(type, value, column);
      return fixedInt(8, BigInt(value.getTime()));
    case "date": {
      if (!intInRange(value, 32)) return wrongValue(type, value, column);
      const out = new Uint8Array(4);
      new DataView(out.buffer).setUint32(0, value + DATE_EPOCH_OFFSET);
      return out;
    }
    case "inet": {
      const bytes = typeof value === "string" ? inetToBytes(value) : undefined;
      if (!bytes) return wrongValue(type, value, column);
      return bytes;
    }
  }
}

function concatWithLengths(count: number, parts: Uint8Array[]): Uint8Array {
  const total = 4 + parts.reduce((n, p) => n + 4 + p.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setInt32(0, count);
  let offset = 4;
  for (const p of parts) {
    view.setInt32(offset, p.length);
    out.set(p, offset + 4);
    offset += 4 + p.length;
  }
  return out;
}

/** True when `v` is a {@link CqlDecimal}. */
export function isDecimal(v: unknown): v is CqlDecimal {
  return typeof v === "object" && v !== null && typeof (v as CqlDecimal).unscaled === "bigint" && typeof (v as CqlDecimal).scale === "number";
}

/**
 * Serializes a non-null value into its native protocol bytes. Throws an Invalid
 * error when the JavaScript value does not fit the CQL type.
 */
export function serializeValue(type: CqlType, value: CqlValue, column?: string): Uint8Array {
  if (value === null) throw invalid(`Cannot serialize null${column === undefined ? "" : ` for column ${column}`}`);
  switch (type.kind) {
    case "native":
      return serializeNative(type.name, type, value, column);
    case "list":
    case "set": {
      if (!Array.isArray(value)) return wrongValue(type, value, column);
      return concatWithLengths(value.length, value.map((v) => serializeElement(type.element, v, column)));
    }
    case "map": {
      if (!(value instanceof Map)) return wrongValue(type, value, column);
      const parts: Uint8Array[] = [];
      for (const [k, v] of value) parts.push(serializeElement(type.key, k, column), serializeElement(type.value, v, column));
      return concatWithLengths(value.size, parts);
    }
  }
}

function serializeElement(type: CqlType, value: CqlValue, column?: string): Uint8Array {
  if (value === null) throw invalid("null is not supported inside collections");
  return serializeValue(type, value, column);
}

// ---- deserialization -----------------------------------------------------

function expectSize(bytes: Uint8Array, sizes: number[], message: string): DataView {
  if (!sizes.includes(bytes.length)) throw invalid(message.replace("%d", String(bytes.length)));
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const NULL_WHEN_EMPTY = new Set<NativeTypeName>([
  "bigint", "boolean", "counter", "decimal", "double", "float", "inet", "int", "timestamp", "timeuuid", "uuid", "varint",
]);

function deserializeNative(name: NativeTypeName, bytes: Uint8Array): CqlValue {
  if (bytes.length === 0 && NULL_WHEN_EMPTY.has(name)) return null;
  switch (name) {
    case "ascii":
      for (const b of bytes) if (b > 0x7f) throw invalid(`Invalid byte for ascii: ${b}`);
      return new TextDecoder().decode(bytes);
    case "text":
      try {
        return utf8Decoder.decode(bytes);
      } catch {
        throw invalid("String didn't validate.");
      }
    case "bigint":
    case "counter":
      return expectSize(bytes, [8], "Expected 8 or 0 byte long (%d)").getBigInt64(0);
    case "varint":
      return bytesToVarint(bytes);
    case "time": {
      const v = expectSize(bytes, [8], "Expected 8 byte long for time (%d)").getBigInt64(0);
      if (v < 0n || v >= 86_400_000_000_000n) throw invalid("Time value must be between 0 and 86399999999999 inclusive");
      return v;
    }
    case "blob":
      return Uint8Array.from(bytes);
    case "boolean":
      return expectSize(bytes, [1], "Expected 1 or 0 byte value (%d)").getUint8(0) !== 0;
    case "int":
      return expectSize(bytes, [4], "Expected 4 or 0 byte int (%d)").getInt32(0);
    case "smallint":
      return expectSize(bytes, [2], "Expected 2 bytes for a smallint (%d)").getInt16(0);
    case "tinyint":
      return expectSize(bytes, [1], "Expected 1 byte for a tinyint (%d)").getInt8(0);
    case "double":
      return expectSize(bytes, [8], "Expected 8 or 0 byte value for a double (%d)").getFloat64(0);
    case "float":
      return expectSize(bytes, [4], "Expected 4 or 0 byte value for a float (%d)").getFloat32(0);
    case "decimal": {
      if (bytes.length < 4) throw invalid(`Expected 0 or at least 4 bytes (${bytes.length})`);
      const scale = new DataView(bytes.buffer, bytes.byteOffset, 4).getInt32(0);
      return { unscaled: bytesToVarint(bytes.subarray(4)), scale };
    }
    case "uuid":
      expectSize(bytes, [16], "UUID should be 16 or 0 bytes (%d)");
      return bytesToUuid(bytes);
    case "timeuuid": {
      expectSize(bytes, [16], "TimeUUID should be 16 or 0 bytes (%d)");
      const version = (bytes[6]! >> 4) & 0x0f;
      if (version !== 1) throw invalid(`Unsupported UUID version (${version})`);
      return bytesToUuid(bytes);
    }
    case "timestamp":
      return new Date(Number(expectSize(bytes, [8], "Expected 8 or 0 byte long for date (%d)").getBigInt64(0)));
    case "date":
      return expectSize(bytes, [4], "Expected 4 byte long for date (%d)").getUint32(0) - DATE_EPOCH_OFFSET;
    case "inet":
      if (bytes.length !== 4 && bytes.length !== 16) throw invalid(`Invalid inet address length: ${bytes.length}`);
      return bytesToInet(bytes);
  }
}

function readCollection(bytes: Uint8Array, itemsPerEntry: number, read: (item: Uint8Array, index: number) => void): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4) throw invalid("Not enough bytes to read a collection");
  const count = view.getInt32(0);
  if (count < 0) throw invalid("Invalid negative collection size");
  let offset = 4;
  for (let i = 0; i < count * itemsPerEntry; i++) {
    if (offset + 4 > bytes.length) throw invalid("Not enough bytes to read a collection element");
    const len = view.getInt32(offset);
    offset += 4;
    if (len < 0) throw invalid("null is not supported inside collections");
    if (offset + len > bytes.length) throw invalid("Not enough bytes to read a collection element");
    read(bytes.subarray(offset, offset + len), i);
    offset += len;
  }
  if (offset !== bytes.length) throw invalid("Unexpected extraneous bytes after collection value");
  return count;
}

/**
 * Decodes native protocol bytes into a value, validating sizes and encodings
 * exactly like Cassandra's type serializers (same error messages).
 */
export function deserializeValue(type: CqlType, bytes: Uint8Array): CqlValue {
  switch (type.kind) {
    case "native":
      return deserializeNative(type.name, bytes);
    case "list": {
      const out: CqlValue[] = [];
      readCollection(bytes, 1, (item) => out.push(deserializeValue(type.element, item)));
      return out;
    }
    case "set": {
      const out: CqlValue[] = [];
      readCollection(bytes, 1, (item) => out.push(deserializeValue(type.element, item)));
      return normalizeValue(type, out);
    }
    case "map": {
      const items: CqlValue[] = [];
      readCollection(bytes, 2, (item, i) => items.push(deserializeValue(i % 2 === 0 ? type.key : type.value, item)));
      const map = new Map<CqlValue, CqlValue>();
      for (let i = 0; i < items.length; i += 2) map.set(items[i]!, items[i + 1]!);
      return normalizeValue(type, map);
    }
  }
}

// ---- ordering ------------------------------------------------------------

/** Compares two non-null values of the same CQL type, in Cassandra's order for that type. */
export function compareValues(type: CqlType, a: CqlValue, b: CqlValue): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  switch (type.kind) {
    case "native":
      return compareNative(type.name, a, b);
    case "list":
    case "set": {
      const la = a as CqlValue[];
      const lb = b as CqlValue[];
      for (let i = 0; i < Math.min(la.length, lb.length); i++) {
        const c = compareValues(type.element, la[i]!, lb[i]!);
        if (c !== 0) return c;
      }
      return sign(la.length - lb.length);
    }
    case "map": {
      const ea = [...(a as Map<CqlValue, CqlValue>)];
      const eb = [...(b as Map<CqlValue, CqlValue>)];
      for (let i = 0; i < Math.min(ea.length, eb.length); i++) {
        const c = compareValues(type.key, ea[i]![0], eb[i]![0]) || compareValues(type.value, ea[i]![1], eb[i]![1]);
        if (c !== 0) return c;
      }
      return sign(ea.length - eb.length);
    }
  }
}

function compareNative(name: NativeTypeName, a: CqlValue, b: CqlValue): number {
  switch (name) {
    case "ascii":
    case "text": {
      const x = a as string;
      const y = b as string;
      // UTF-16 order equals UTF-8 byte order unless surrogate pairs are involved.
      if (!SURROGATE.test(x) && !SURROGATE.test(y)) return x < y ? -1 : x > y ? 1 : 0;
      return compareBytes(encoder.encode(x), encoder.encode(y));
    }
    case "bigint":
    case "counter":
    case "varint":
    case "time":
      return sign((a as bigint) - (b as bigint));
    case "int":
    case "smallint":
    case "tinyint":
    case "date":
      return sign((a as number) - (b as number));
    case "double":
    case "float": {
      const x = a as number;
      const y = b as number;
      if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1;
      return sign(x - y);
    }
    case "boolean":
      return sign(Number(a) - Number(b));
    case "timestamp":
      return sign((a as Date).getTime() - (b as Date).getTime());
    case "blob":
      return compareBytes(a as Uint8Array, b as Uint8Array);
    case "inet":
      return compareBytes(inetToBytes(a as string) ?? new Uint8Array(), inetToBytes(b as string) ?? new Uint8Array());
    case "decimal": {
      const x = a as CqlDecimal;
      const y = b as CqlDecimal;
      const scale = Math.max(x.scale, y.scale);
      return sign(x.unscaled * 10n ** BigInt(scale - x.scale) - y.unscaled * 10n ** BigInt(scale - y.scale));
    }
    case "uuid":
    case "timeuuid": {
      const sa = a as string;
      const sb = b as string;
      const va = uuidVersion(sa);
      const vb = uuidVersion(sb);
      if (va !== vb) return sign(va - vb);
      if (va === 1) {
        const c = sign(timeuuidTimestamp(sa) - timeuuidTimestamp(sb));
        if (c !== 0) return c;
      }
      return compareBytes(uuidToBytes(sa), uuidToBytes(sb));
    }
  }
}

/** Structural equality under the type's ordering. */
export function valuesEqual(type: CqlType, a: CqlValue, b: CqlValue): boolean {
  return compareValues(type, a, b) === 0;
}

/**
 * Canonical form of a value: sets sorted and de-duplicated, map keys sorted,
 * uuids lower-cased, applied recursively. Every value stored goes through it.
 */
export function normalizeValue(type: CqlType, value: CqlValue): CqlValue {
  if (value === null) return null;
  switch (type.kind) {
    case "native":
      if ((type.name === "uuid" || type.name === "timeuuid") && typeof value === "string") return value.toLowerCase();
      if ((type.name === "bigint" || type.name === "varint" || type.name === "counter") && typeof value === "number" && Number.isSafeInteger(value)) {
        return BigInt(value);
      }
      return value;
    case "list":
      if (!Array.isArray(value)) return value;
      return value.map((v) => normalizeValue(type.element, v));
    case "set": {
      if (!Array.isArray(value)) return value;
      const sorted = value.map((v) => normalizeValue(type.element, v)).sort((x, y) => compareValues(type.element, x, y));
      return sorted.filter((v, i) => i === 0 || compareValues(type.element, sorted[i - 1]!, v) !== 0);
    }
    case "map": {
      if (!(value instanceof Map)) return value;
      const entries = [...value].map(([k, v]) => [normalizeValue(type.key, k), normalizeValue(type.value, v)] as [CqlValue, CqlValue]);
      entries.sort((x, y) => compareValues(type.key, x[0], y[0]));
      const out = new Map<CqlValue, CqlValue>();
      let previous: CqlValue | undefined;
      for (const [k, v] of entries) {
        if (previous !== undefined && compareValues(type.key, previous, k) === 0) out.delete(previous);
        out.set(k, v);
        previous = k;
      }
      return out;
    }
  }
}

/** Converts a JavaScript date-only string `YYYY-MM-DD` to CQL `date` days since epoch. */
export function dateStringToDays(text: string): number | undefined {
  const m = /^(-?\d{1,9})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (Number.isNaN(ms)) return undefined;
  return Math.floor(ms / 86_400_000);
}

/** Checks and normalises an inet literal; undefined when it is not an address. */
export function parseInet(text: string): string | undefined {
  const bytes = inetToBytes(text);
  return bytes ? bytesToInet(bytes) : undefined;
}
