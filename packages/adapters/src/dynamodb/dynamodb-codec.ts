/**
 * Conversion between domain values (what the zod schema outputs) and the
 * plain values the DynamoDB document client marshals, following the physical
 * conventions: strings/uuid/enum -> S, int/number/bigint -> N, dates -> S
 * holding `toISOString()` (UTC with milliseconds, sortable), boolean -> BOOL,
 * lists -> L, maps/objects -> M, null -> NULL. Free of SDK imports so the
 * in-memory adapter stores exactly what the real one sends.
 */
import { PolyxenaError, type EntityModel, type FieldModel, type KeyValues, type StoredItem } from "@polyxena/core";

/** A value as the document client marshals it (bigint and number become N). */
export type DynamoNative = string | number | bigint | boolean | null | DynamoNative[] | { [key: string]: DynamoNative };

/** An item in document-client form. */
export type NativeItem = Record<string, DynamoNative>;

/** The attribute holding the expiry (epoch seconds) of items written with a TTL. */
export const TTL_ATTRIBUTE = "_ttl";

const FIELD_MAPS = new WeakMap<EntityModel, ReadonlyMap<string, FieldModel>>();

/** Fields of a model by name (computed once per model). */
export function fieldsOf(model: EntityModel): ReadonlyMap<string, FieldModel> {
  let map = FIELD_MAPS.get(model);
  if (!map) {
    map = new Map(model.fields.map((f) => [f.name, f]));
    FIELD_MAPS.set(model, map);
  }
  return map;
}

/** The table's key attributes: HASH, then RANGE when the model has a sort key. */
export function tableKeyAttributes(model: EntityModel): string[] {
  const sort = model.key.clustering[0]?.field;
  return sort === undefined ? [model.key.partition[0]!] : [model.key.partition[0]!, sort];
}

/** Encodes one field value; `undefined` means "absent". */
export function encodeValue(field: FieldModel | undefined, value: unknown): DynamoNative | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (!field) return encodeLoose(value);
  switch (field.type) {
    case "date":
      return value instanceof Date ? value.toISOString() : encodeLoose(value);
    case "list":
      return Array.isArray(value) ? value.map((v) => encodeValue(field.element, v) ?? null) : encodeLoose(value);
    case "map": {
      if (typeof value !== "object") return encodeLoose(value);
      const out: Record<string, DynamoNative> = {};
      for (const [k, v] of Object.entries(value)) {
        const encoded = encodeValue(field.element, v);
        if (encoded !== undefined) out[k] = encoded;
      }
      return out;
    }
    case "object": {
      if (typeof value !== "object" || !field.fields) return encodeLoose(value);
      const out: Record<string, DynamoNative> = {};
      for (const sub of field.fields) {
        const encoded = encodeValue(sub, (value as Record<string, unknown>)[sub.name]);
        if (encoded !== undefined) out[sub.name] = encoded;
      }
      return out;
    }
    default:
      return encodeLoose(value);
  }
}

function encodeLoose(value: unknown): DynamoNative {
  switch (typeof value) {
    case "string":
    case "number":
    case "bigint":
    case "boolean":
      return value;
    case "object":
      if (value === null) return null;
      if (value instanceof Date) return value.toISOString();
      if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : encodeLoose(v)));
      {
        const out: Record<string, DynamoNative> = {};
        for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encodeLoose(v);
        return out;
      }
    default:
      throw new PolyxenaError("E_VALIDATION", `cannot store a ${typeof value} in DynamoDB`, { issues: [{ path: [], message: `unsupported value of type ${typeof value}` }] });
  }
}

/** Decodes one stored value to the field's domain type. */
export function decodeValue(field: FieldModel | undefined, raw: unknown): unknown {
  if (raw === null || raw === undefined) return raw;
  if (!field) return decodeLoose(raw);
  switch (field.type) {
    case "int":
    case "number":
      return typeof raw === "number" ? raw : Number(numberText(raw));
    case "bigint":
      return typeof raw === "bigint" ? raw : BigInt(numberText(raw));
    case "date":
      return new Date(raw as string);
    case "list":
      return Array.isArray(raw) ? raw.map((v) => decodeValue(field.element, v)) : decodeLoose(raw);
    case "map": {
      if (typeof raw !== "object") return decodeLoose(raw);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(raw)) out[k] = decodeValue(field.element, v);
      return out;
    }
    case "object": {
      if (typeof raw !== "object" || !field.fields) return decodeLoose(raw);
      const out: Record<string, unknown> = {};
      for (const sub of field.fields) {
        const v = (raw as Record<string, unknown>)[sub.name];
        if (v !== undefined) out[sub.name] = decodeValue(sub, v);
      }
      return out;
    }
    default:
      return decodeLoose(raw);
  }
}

/** Numbers arrive as JS numbers, bigints, wrapped strings or `NumberValue`s depending on client options. */
function numberText(raw: unknown): string {
  return isNumberValue(raw) ? String(raw.value) : String(raw);
}

/** The SDK's `NumberValue` (a class instance holding the decimal text), recognised without importing the SDK. */
function isNumberValue(raw: unknown): raw is { value: string } {
  return typeof raw === "object" && raw !== null && Object.getPrototypeOf(raw) !== Object.prototype && "value" in raw;
}

function decodeLoose(raw: unknown): unknown {
  if (Array.isArray(raw)) return raw.map(decodeLoose);
  if (typeof raw === "object" && raw !== null) {
    if (isNumberValue(raw)) return Number(raw.value);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) out[k] = decodeLoose(v);
    return out;
  }
  return raw;
}

/** Encodes a whole item; `expiresAt` (epoch seconds) becomes the `_ttl` attribute. */
export function encodeItem(model: EntityModel, item: StoredItem, expiresAt?: number): NativeItem {
  const fields = fieldsOf(model);
  const out: NativeItem = {};
  for (const name in item) {
    const encoded = encodeValue(fields.get(name), item[name]);
    if (encoded !== undefined) out[name] = encoded;
  }
  if (expiresAt !== undefined) out[TTL_ATTRIBUTE] = expiresAt;
  return out;
}

/** Decodes a stored item to domain values; attributes outside the schema (such as `_ttl`) are dropped. */
export function decodeItem(model: EntityModel, raw: Readonly<Record<string, unknown>>): StoredItem {
  const { names, decoders } = codecPlan(model);
  const out: StoredItem = {};
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const v = raw[name];
    if (v !== undefined) out[name] = decoders[i]!(v);
  }
  return out;
}

/** Encodes the key attributes of a key (or of a whole item). */
export function encodeKey(model: EntityModel, key: KeyValues): NativeItem {
  const { keyAttributes, keyFields } = codecPlan(model);
  const out: NativeItem = {};
  for (let i = 0; i < keyAttributes.length; i++) {
    const attr = keyAttributes[i]!;
    out[attr] = encodeValue(keyFields[i], key[attr]) as DynamoNative;
  }
  return out;
}

/**
 * What {@link decodeItem} and {@link encodeKey} need of a model, derived once:
 * they run on every read, so field lookups and type dispatch are not repeated.
 */
interface CodecPlan {
  readonly names: readonly string[];
  /** One decoder per name, equivalent to `decodeValue(field, v)` for defined `v`. */
  readonly decoders: readonly ((raw: unknown) => unknown)[];
  readonly keyAttributes: readonly string[];
  readonly keyFields: readonly (FieldModel | undefined)[];
}

const CODEC_PLANS = new WeakMap<EntityModel, CodecPlan>();

function codecPlan(model: EntityModel): CodecPlan {
  let plan = CODEC_PLANS.get(model);
  if (!plan) {
    const fields = fieldsOf(model);
    const keyAttributes = tableKeyAttributes(model);
    plan = {
      names: model.fields.map((f) => f.name),
      decoders: model.fields.map(fieldDecoder),
      keyAttributes,
      keyFields: keyAttributes.map((a) => fields.get(a)),
    };
    CODEC_PLANS.set(model, plan);
  }
  return plan;
}

/** `decodeValue` specialised to one field, with the common scalar cases inlined. */
function fieldDecoder(field: FieldModel): (raw: unknown) => unknown {
  switch (field.type) {
    case "string":
    case "uuid":
    case "enum":
    case "boolean":
      // decodeValue's default branch: decodeLoose, the identity for every non-object.
      return (raw) => (typeof raw === "object" && raw !== null ? decodeLoose(raw) : raw);
    case "int":
    case "number":
      return (raw) => (typeof raw === "number" || raw === null ? raw : Number(numberText(raw)));
    case "date":
      return (raw) => (raw === null ? raw : new Date(raw as string));
    default:
      return (raw) => decodeValue(field, raw);
  }
}

/** Canonical text of one domain key value, equal for equal values whatever their origin. */
export function canonicalText(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/** Identity of an item by its table key, from domain values. */
export function keyIdentity(model: EntityModel, key: KeyValues): string {
  const attrs = tableKeyAttributes(model);
  return attrs.length === 1 ? canonicalText(key[attrs[0]!]) : JSON.stringify(attrs.map((a) => canonicalText(key[a])));
}

/** Whether a stored item carries a `_ttl` that has passed (DynamoDB deletes expired items lazily). */
export function isExpired(raw: Readonly<Record<string, unknown>>, nowSeconds: number): boolean {
  const ttl = raw[TTL_ATTRIBUTE];
  if (ttl === undefined || ttl === null) return false;
  const seconds = typeof ttl === "number" ? ttl : Number(numberText(ttl));
  return Number.isFinite(seconds) && seconds <= nowSeconds;
}

/** Expiry (epoch seconds) of an item written now with this TTL; rounded up so an item lives at least `ttlSeconds`. */
export function expiryFor(nowMs: number, ttlSeconds: number | undefined): number | undefined {
  return ttlSeconds === undefined ? undefined : Math.ceil(nowMs / 1000) + ttlSeconds;
}

/**
 * A query resume position: the key attributes of the last returned item as
 * canonical text (JSON-serializable, exact for big numbers).
 */
export type DynamoPosition = Record<string, string>;

/** The position after `item` (domain values) for these key attributes. */
export function positionOf(item: StoredItem, attributes: readonly string[]): DynamoPosition {
  const out: DynamoPosition = {};
  for (const attr of attributes) out[attr] = canonicalText(item[attr]);
  return out;
}

/** Reads a position back to domain values; `E_VALIDATION` when it does not fit these attributes. */
export function readPosition(model: EntityModel, position: unknown, attributes: readonly string[]): StoredItem {
  const invalid = () =>
    new PolyxenaError("E_VALIDATION", "invalid cursor: position does not match this query", {
      issues: [{ path: ["cursor"], message: "position does not match this query" }],
      fix: "pass the cursor returned by the previous page of the same query, unchanged",
    });
  if (typeof position !== "object" || position === null || Array.isArray(position)) throw invalid();
  const record = position as Record<string, unknown>;
  if (Object.keys(record).length !== attributes.length) throw invalid();
  const fields = fieldsOf(model);
  const out: StoredItem = {};
  for (const attr of attributes) {
    const text = record[attr];
    const field = fields.get(attr);
    if (typeof text !== "string" || !field) throw invalid();
    let value: unknown;
    try {
      value = field.type === "int" || field.type === "number" ? Number(text) : field.type === "bigint" ? BigInt(text) : field.type === "date" ? new Date(text) : text;
    } catch {
      throw invalid();
    }
    if ((typeof value === "number" && !Number.isFinite(value)) || (value instanceof Date && Number.isNaN(value.getTime()))) throw invalid();
    out[attr] = value;
  }
  return out;
}

/** Converts a raw `AttributeValue` map (as found on SDK exceptions) to document-client form. */
export function fromAttributeValues(item: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) out[k] = fromAttributeValue(v);
  return out;
}

function fromAttributeValue(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  const av = value as Record<string, unknown>;
  if ("S" in av) return av.S;
  if ("N" in av) return String(av.N);
  if ("BOOL" in av) return av.BOOL;
  if ("NULL" in av) return null;
  if ("L" in av && Array.isArray(av.L)) return av.L.map(fromAttributeValue);
  if ("M" in av && typeof av.M === "object" && av.M !== null) return fromAttributeValues(av.M as Record<string, unknown>);
  if ("SS" in av) return av.SS;
  if ("NS" in av && Array.isArray(av.NS)) return av.NS.map(String);
  if ("B" in av) return av.B;
  return undefined;
}
