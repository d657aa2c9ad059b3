import type { FieldModel } from "./entity-model.js";

type Canonical = "uuid" | "number";

function kindOf(field: FieldModel): Canonical | undefined {
  if (field.type === "uuid") return "uuid";
  if (field.type === "number" || field.type === "int") return "number";
  if ((field.type === "list" || field.type === "map") && field.element) return kindOf(field.element);
  return undefined;
}

function hasUpperCase(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}

function canonicalScalar(kind: Canonical, value: unknown): unknown {
  if (kind === "uuid") return typeof value === "string" && hasUpperCase(value) ? value.toLowerCase() : value;
  return Object.is(value, -0) ? 0 : value;
}

/** A value in canonical form: scalars, arrays of them, and records or range bounds holding them. */
function canonicalValue(kind: Canonical, value: unknown): unknown {
  if (Array.isArray(value)) {
    const mapped = value.map((v) => canonicalValue(kind, v));
    return mapped.every((v, i) => Object.is(v, value[i])) ? value : mapped;
  }
  if (value !== null && typeof value === "object" && !(value instanceof Date) && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = canonicalValue(kind, (value as Record<string, unknown>)[key]);
    return out;
  }
  return canonicalScalar(kind, value);
}

/**
 * Rewrites validated values into the one form that every store and the
 * cache treat as identity, so that two inputs name the same stored item if
 * and only if they have the same cache key:
 *
 * - UUIDs in lower case. RFC 4122 compares UUIDs case-insensitively and
 *   Cassandra and Postgres `uuid` columns do so natively; DynamoDB and
 *   Elasticsearch hold them as case-sensitive strings, so they receive the
 *   lower-case text and `get(UPPER)` finds what `put(lower)` wrote, in every
 *   store alike.
 * - `-0` as `0` (Cassandra's `double` keys would otherwise hold two items
 *   that every other store and the cache see as one).
 *
 * Applied once, right after validation, to items, keys, changes, query
 * parameters, ranges and search filters.
 */
export class ValueCanonicalizer {
  private readonly plan: readonly (readonly [string, Canonical])[];
  private readonly byField: ReadonlyMap<string, Canonical>;

  constructor(fields: readonly FieldModel[]) {
    const plan: [string, Canonical][] = [];
    for (const field of fields) {
      const kind = kindOf(field);
      if (kind) plan.push([field.name, kind]);
    }
    this.plan = plan;
    this.byField = new Map(plan);
  }

  /** Rewrites the canonical fields of a validated record in place (validation made it a fresh object). */
  apply<T extends Record<string, unknown>>(values: T): T {
    for (const [name, kind] of this.plan) {
      const value = values[name];
      if (value === undefined || value === null) continue;
      const canonical = canonicalValue(kind, value);
      if (!Object.is(canonical, value)) (values as Record<string, unknown>)[name] = canonical;
    }
    return values;
  }

  /** The canonical form of one value of `field` (a scalar, a list of terms, or range bounds). */
  value(field: string, value: unknown): unknown {
    const kind = this.byField.get(field);
    return kind === undefined ? value : canonicalValue(kind, value);
  }
}
