/**
 * Domain values <-> JSON by the field model, for stores that keep list, map
 * and object fields as JSON (Postgres `jsonb`, Cassandra `text`): dates as
 * ISO-8601 strings, bigints as decimal strings, nested fields by their own
 * model. One codec, so every store returns exactly the same values.
 */
import type { FieldModel } from "./entity-model.js";

/** Converts a domain value of `field` to a JSON-compatible value. */
export function toJsonValue(field: FieldModel | undefined, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (!field) return plainJson(value);
  switch (field.type) {
    case "date":
      return value instanceof Date ? value.toISOString() : value;
    case "bigint":
      return typeof value === "bigint" ? value.toString() : value;
    case "list":
      return Array.isArray(value) ? value.map((v) => toJsonValue(field.element, v)) : plainJson(value);
    case "map": {
      if (typeof value !== "object") return value;
      const out: Record<string, unknown> = {};
      const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
      for (const [k, v] of entries) out[String(k)] = toJsonValue(field.element, v);
      return out;
    }
    case "object": {
      if (typeof value !== "object" || !field.fields) return plainJson(value);
      const out: Record<string, unknown> = {};
      const known = new Map(field.fields.map((f) => [f.name, f]));
      for (const [k, v] of Object.entries(value)) {
        if (v === undefined) continue;
        out[k] = toJsonValue(known.get(k), v);
      }
      return out;
    }
    default:
      return value;
  }
}

/** Converts a value read from JSON back to the domain value of `field`. */
export function fromJsonValue(field: FieldModel | undefined, value: unknown): unknown {
  if (value === null || value === undefined) return field && !field.nullable ? undefined : null;
  if (!field) return value;
  switch (field.type) {
    case "date":
      return typeof value === "string" ? new Date(value) : value;
    case "bigint":
      return typeof value === "string" && /^-?\d+$/.test(value) ? BigInt(value) : value;
    case "list":
      return Array.isArray(value) ? value.map((v) => fromJsonValue(field.element, v) ?? null) : value;
    case "map": {
      if (typeof value !== "object" || Array.isArray(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = fromJsonValue(field.element, v) ?? null;
      return out;
    }
    case "object": {
      if (typeof value !== "object" || Array.isArray(value) || !field.fields) return value;
      const out: Record<string, unknown> = {};
      const known = new Map(field.fields.map((f) => [f.name, f]));
      for (const [k, v] of Object.entries(value)) {
        const decoded = fromJsonValue(known.get(k), v);
        if (decoded !== undefined) out[k] = decoded;
      }
      return out;
    }
    default:
      return value;
  }
}

/** Untyped values (unions, unknown): dates as ISO strings, bigints as strings. */
function plainJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))) as unknown;
}
