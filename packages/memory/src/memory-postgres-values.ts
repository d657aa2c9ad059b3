/**
 * Values as the in-memory Postgres adapter keeps them: exactly what a real
 * Postgres would hand back after a round trip (lower-case uuids, `jsonb`
 * key order, NULL for absent nullable fields), plus Postgres' ordering.
 */
import { PolyxenaError, type EntityModel, type FieldModel, type StoredItem, fromJsonValue, toJsonValue } from "@polyxena/core";

const NUMERIC_39_LIMIT = 10n ** 39n;

function invalid(field: FieldModel, message: string, statement: string): PolyxenaError {
  return new PolyxenaError("E_VALIDATION", message, { statement, issues: [{ path: [field.name], message }] });
}

/** Orders `jsonb` object keys the way Postgres stores them: shorter keys first, then bytewise. */
function jsonbOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(jsonbOrder);
  if (value && typeof value === "object") {
    const keys = Object.keys(value).sort((a, b) => {
      const la = Buffer.byteLength(a);
      const lb = Buffer.byteLength(b);
      return la !== lb ? la - lb : Buffer.compare(Buffer.from(a), Buffer.from(b));
    });
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = jsonbOrder((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/**
 * One field's value as Postgres would store and return it; `undefined`
 * means absent (NULL in a non-nullable column). Rejects what Postgres
 * rejects (NUL characters, numbers beyond `numeric(39,0)`) with `E_VALIDATION`.
 */
export function normalizeValue(field: FieldModel, value: unknown, statement: string): unknown {
  if (value === undefined || value === null) return field.nullable ? null : undefined;
  switch (field.type) {
    case "string":
    case "enum":
      if (typeof value === "string" && value.includes("\u0000")) throw invalid(field, `invalid byte sequence for encoding "UTF8": 0x00 in ${field.name}`, statement);
      return value;
    case "uuid":
      return typeof value === "string" ? value.toLowerCase() : value;
    case "int":
      return Object.is(value, -0) ? 0 : value;
    case "bigint":
      if (typeof value === "bigint" && (value >= NUMERIC_39_LIMIT || value <= -NUMERIC_39_LIMIT)) throw invalid(field, `numeric field overflow in ${field.name}`, statement);
      return value;
    case "date":
      return value instanceof Date ? new Date(value.getTime()) : value;
    case "list":
    case "map":
    case "object": {
      const text = JSON.stringify(toJsonValue(field, value));
      if (text.includes("\\u0000")) throw invalid(field, `unsupported Unicode escape sequence \\u0000 in ${field.name}`, statement);
      return fromJsonValue(field, jsonbOrder(JSON.parse(text)));
    }
    default:
      return value;
  }
}

/** A whole item as stored: known fields only, normalized, deeply copied. */
export function normalizeItem(model: EntityModel, item: StoredItem, statement: string): StoredItem {
  const out: StoredItem = {};
  for (const f of model.fields) {
    const v = normalizeValue(f, item[f.name], statement);
    if (v !== undefined) out[f.name] = v;
  }
  return out;
}

/** A string identifying a key's value, equal for keys Postgres considers equal. */
export function memoryKeyString(model: EntityModel, key: Record<string, unknown>): string {
  let out = "";
  for (const name of model.key.partition) {
    const v = key[name];
    const field = model.fields.find((f) => f.name === name);
    let part: string;
    if (v instanceof Date) part = String(v.getTime());
    else if (typeof v === "bigint") part = v.toString();
    else if (field?.type === "uuid" && typeof v === "string") part = v.toLowerCase();
    else part = String(v);
    out += `${part}\u0000`;
  }
  return out;
}

/** Compares strings by code point, like Postgres' C / C.UTF-8 collations. */
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Postgres' comparison of two non-NULL values of `field` (NaN is the largest number and equals itself). */
export function compareValues(field: FieldModel, a: unknown, b: unknown): number {
  switch (field.type) {
    case "int":
    case "number": {
      const x = a as number;
      const y = b as number;
      if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case "bigint": {
      const x = BigInt(a as bigint);
      const y = BigInt(b as bigint);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case "date":
      return (a as Date).getTime() - (b as Date).getTime();
    case "boolean":
      return a === b ? 0 : a ? 1 : -1;
    case "uuid":
      return compareCodePoints(String(a).toLowerCase(), String(b).toLowerCase());
    default:
      return compareCodePoints(String(a), String(b));
  }
}

/** Compares with NULL as the largest value, as Postgres sorts by default. */
export function compareNullable(field: FieldModel, a: unknown, b: unknown): number {
  const an = a === undefined || a === null;
  const bn = b === undefined || b === null;
  if (an || bn) return an && bn ? 0 : an ? 1 : -1;
  return compareValues(field, a, b);
}
