import { createHash } from "node:crypto";
import type { FieldModel } from "../entity-model.js";
import { MAX_CACHE_KEY_BYTES } from "./cache-driver.js";

/** Room kept after an item key for the protocol's suffixes (lease, stale copy). */
const SUFFIX_ROOM = 4;
const PLAIN = /^[A-Za-z0-9_.-]+$/;

/** Suffix of the lease key of an item key. */
export const LEASE_SUFFIX = ":~l";
/** Suffix of the stale-if-error copy of an item key. */
export const STALE_SUFFIX = ":~s";

/**
 * Builds cache keys `prefix:entity:schemaHash:encodedKey`. Key values are
 * encoded injectively (separators and whitespace are percent-encoded), and a
 * key that would not fit memcached's 250 bytes has its encoded part replaced
 * by a SHA-256. The builder folds no two values together: validation has
 * already put keys in the canonical form the store identifies items by
 * (lower-case UUIDs, `-0` as `0`), so two keys share a cache key exactly
 * when they name the same stored item.
 *
 * This is where entity cache keys are made safe, once: every key it returns
 * (with the protocol's suffixes) is printable ASCII without whitespace and
 * fits memcached's limit, so drivers send keys as they are.
 */
export class CacheKeyBuilder {
  readonly base: string;

  constructor(
    prefix: string,
    entity: string,
    schemaHash: string,
    private readonly keyFields: readonly string[],
    _fields: readonly FieldModel[] = [],
  ) {
    this.base = `${prefix}:${entity}:${schemaHash}:`;
  }

  /** The key of one item. */
  itemKey(key: Readonly<Record<string, unknown>>): string {
    return this.base + this.localKey(key);
  }

  /** The key of one item without {@link base}: what L1 is keyed by. */
  localKey(key: Readonly<Record<string, unknown>>): string {
    const fields = this.keyFields;
    if (fields.length === 1) return this.fit(encodeKeyValue(key[fields[0]!]));
    let encoded = encodeKeyValue(key[fields[0]!]);
    for (let i = 1; i < fields.length; i++) encoded = `${encoded}:${encodeKeyValue(key[fields[i]!])}`;
    return this.fit(encoded);
  }

  /** The key of the generation counter of this entity's query caches. */
  generationKey(): string {
    return `${this.base}~g`;
  }

  /** The key of one cached query page under a generation. */
  queryKey(queryName: string, generation: string, scope: string): string {
    const digest = createHash("sha256").update(scope).digest("base64url");
    return `${this.base}~q:${queryName}:${generation}:${digest}`;
  }

  /**
   * The local part of an item key from its encoded key values (joined by
   * `:`, each from {@link encodeKeyValue}): itself when the whole key fits,
   * otherwise a hash.
   */
  fit(encoded: string): string {
    // Encoded keys are ASCII, so length is the byte length.
    if (this.base.length + encoded.length <= MAX_CACHE_KEY_BYTES - SUFFIX_ROOM) return encoded;
    return `~h:${createHash("sha256").update(encoded).digest("base64url")}`;
  }
}

/**
 * Separator-free encoding of one key value: strings are percent-encoded
 * unless plain (`~` and `:` are always encoded, so the protocol's suffixes
 * cannot be forged), dates as epoch milliseconds, numbers without `-0`.
 * Distinct strings stay distinct (no case folding).
 */
export function encodeKeyValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return PLAIN.test(value) ? value : percentEncode(value);
    case "number":
      return Object.is(value, -0) ? "0" : String(value);
    case "bigint":
      return `${value}n`;
    case "boolean":
      return value ? "true" : "false";
    case "undefined":
      return "%FE";
    default:
      if (value === null) return "%FF";
      if (value instanceof Date) return `d${value.getTime()}`;
      return percentEncode(`j${stableJson(value)}`);
  }
}

/**
 * A key value as the part of a lookup key, cheaper than {@link encodeKeyValue}
 * for strings (two or three `indexOf` scans instead of a regular expression):
 * a string holding none of `%`, `~` and `:` is its own part. For every string
 * `encodeKeyValue` leaves as it is, the two agree. Any other string comes out
 * as itself, which no encoded key part equals (encoding introduces `%`,
 * hashing `~`, joining `:`), so a lookup with it can miss but never finds the
 * entry of another key. For lookups only (L1 before validation), never to
 * write or invalidate.
 */
export function lookupKeyValue(value: unknown): string {
  return typeof value === "string" && value.indexOf("%") === -1 && value.indexOf("~") === -1 && value.indexOf(":") === -1 ? value : encodeKeyValue(value);
}

function percentEncode(s: string): string {
  let out: string;
  try {
    out = encodeURIComponent(s);
  } catch {
    // Lone surrogates cannot be URI-encoded: fall back to the UTF-16 code units.
    out = `u${Buffer.from(s, "utf16le").toString("hex")}`;
  }
  return out.replace(/[~!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === "bigint") return `${v}n`;
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
    }
    return v;
  });
}
