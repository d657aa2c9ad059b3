/**
 * Domain values <-> Elasticsearch `_source` JSON. Dates travel as ISO 8601 strings,
 * bigints as strings (mapped `keyword`), objects and lists recursively; an absent
 * optional field is omitted, never sent as null.
 */
import type { EntityModel, FieldModel, KeyValues, StoredItem } from "@polyxena/core";

function encodeValue(field: FieldModel, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  switch (field.type) {
    case "date":
      return value instanceof Date ? value.toISOString() : value;
    case "bigint":
      return typeof value === "bigint" ? value.toString() : value;
    case "list":
      return Array.isArray(value) && field.element ? value.map((v) => encodeValue(field.element!, v)) : value;
    case "object":
      return typeof value === "object" ? encodeFields(field.fields ?? [], value as Record<string, unknown>) : value;
    case "map":
      if (typeof value !== "object" || !field.element) return value;
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, encodeValue(field.element!, v)]));
    default:
      return value;
  }
}

function decodeValue(field: FieldModel, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  switch (field.type) {
    case "date":
      return typeof value === "string" || typeof value === "number" ? new Date(value) : value;
    case "bigint":
      return typeof value === "string" || typeof value === "number" ? BigInt(value) : value;
    case "list":
      return Array.isArray(value) && field.element ? value.map((v) => decodeValue(field.element!, v)) : value;
    case "object":
      return typeof value === "object" ? decodeFields(field.fields ?? [], value as Record<string, unknown>) : value;
    case "map":
      if (typeof value !== "object" || !field.element) return value;
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, decodeValue(field.element!, v)]));
    default:
      return value;
  }
}

function encodeFields(fields: readonly FieldModel[], item: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = item[field.name];
    if (value !== undefined) out[field.name] = encodeValue(field, value);
  }
  return out;
}

function decodeFields(fields: readonly FieldModel[], source: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = source[field.name];
    if (value !== undefined) out[field.name] = decodeValue(field, value);
  }
  return out;
}

/** An item as the `_source` of its document. */
export function encodeSource(model: EntityModel, item: StoredItem): Record<string, unknown> {
  return encodeFields(model.fields, item);
}

/** How each top-level field of a model decodes: copied as is, a date, or the general path. */
interface DecodePlan {
  names: string[];
  kinds: Uint8Array;
  fields: readonly FieldModel[];
}

const COPY = 0;
const DATE = 1;
const GENERAL = 2;
const plans = new WeakMap<EntityModel, DecodePlan>();

function decodePlan(model: EntityModel): DecodePlan {
  let plan = plans.get(model);
  if (!plan) {
    const kinds = new Uint8Array(model.fields.length);
    model.fields.forEach((f, i) => {
      kinds[i] = f.type === "date" ? DATE : f.type === "bigint" || f.type === "list" || f.type === "object" || f.type === "map" ? GENERAL : COPY;
    });
    plan = { names: model.fields.map((f) => f.name), kinds, fields: model.fields };
    plans.set(model, plan);
  }
  return plan;
}

/** A document's `_source` as a domain item (search pages decode many: the per-model plan skips the type switch). */
export function decodeSource(model: EntityModel, source: unknown): StoredItem {
  const doc = (source ?? {}) as Record<string, unknown>;
  const { names, kinds, fields } = decodePlan(model);
  const out: StoredItem = {};
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const value = doc[name];
    if (value === undefined) continue;
    const kind = kinds[i];
    if (kind === COPY || value === null) out[name] = value;
    else if (kind === DATE) out[name] = typeof value === "string" || typeof value === "number" ? new Date(value) : value;
    else out[name] = decodeValue(fields[i]!, value);
  }
  return out;
}

/** A scalar filter/sort/range value of a field, in the form its mapping indexes. */
export function encodeScalar(field: FieldModel | undefined, value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  if (!field) return value;
  return encodeValue(field.type === "list" && field.element ? field.element : field, value);
}

/**
 * The document id of a key: the id field's value (ISO string for dates), or a JSON
 * array of the values when the id is made of several fields.
 */
export function documentId(model: EntityModel, key: KeyValues): string {
  const parts = model.key.partition.map((name) => {
    const value = key[name];
    const encoded = encodeScalar(model.fields.find((f) => f.name === name), value);
    return typeof encoded === "string" ? encoded : JSON.stringify(encoded);
  });
  return parts.length === 1 ? parts[0]! : JSON.stringify(parts);
}
