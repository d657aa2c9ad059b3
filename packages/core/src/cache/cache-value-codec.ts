import type { z } from "zod";
import type { FieldModel } from "../entity-model.js";

const TAG = "$px";

type Reviver = (value: unknown) => unknown;

/**
 * JSON encoding of domain values that survives a round trip: `Date`,
 * `bigint`, `Map` and `Set` are tagged on the way in and revived on the way
 * out, then the value is parsed by the entity's zod schema (so a cached value
 * is exactly what a store read returns, and a value that no longer fits the
 * schema is a miss).
 *
 * With the entity's field models, reviving walks only the fields that can
 * hold tagged values (plain JSON.parse otherwise); without them it walks the
 * whole value.
 */
export class CacheValueCodec<T = unknown> {
  private readonly plain: boolean;
  private readonly reviveValue: Reviver;

  /**
   * @param schema parses decoded values; omit for untyped derived data.
   * @param fields the entity's fields, when the value is one entity item.
   */
  constructor(
    private readonly schema?: z.ZodType<T>,
    fields?: readonly FieldModel[],
  ) {
    this.plain = fields !== undefined && fields.every(isPlainField);
    this.reviveValue = fields === undefined ? reviveAny : objectReviver(fields);
  }

  /** The JSON body of a value. */
  encode(value: T): string {
    return this.plain ? JSON.stringify(value) : JSON.stringify(value, replacer);
  }

  /** The value of a JSON body; `undefined` when it does not parse or fails the schema. */
  decode(body: string): { value: T } | undefined {
    let raw: unknown;
    try {
      raw = JSON.parse(body);
    } catch {
      return undefined;
    }
    return this.accept(raw);
  }

  /** Revives tagged values in an already parsed value and checks it against the schema. */
  accept(raw: unknown): { value: T } | undefined {
    let revived: unknown;
    try {
      revived = this.plain ? raw : this.reviveValue(raw);
    } catch {
      return undefined;
    }
    if (!this.schema) return { value: revived as T };
    const parsed = this.schema.safeParse(revived);
    return parsed.success ? { value: parsed.data } : undefined;
  }
}

function isPlainField(field: FieldModel): boolean {
  switch (field.type) {
    case "date":
    case "bigint":
    case "map":
      return false;
    case "list":
      return field.element ? isPlainField(field.element) : false;
    case "object":
      return field.fields ? field.fields.every(isPlainField) : false;
    default:
      return true;
  }
}

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  if (raw instanceof Date) return { [TAG]: "d", v: raw.getTime() };
  if (typeof raw === "bigint") return { [TAG]: "b", v: raw.toString() };
  if (raw instanceof Map) return { [TAG]: "m", v: [...raw.entries()] };
  if (raw instanceof Set) return { [TAG]: "s", v: [...raw.values()] };
  return value;
}

/** Reviver of one field model; identity for fields that cannot hold tagged values. */
function fieldReviver(field: FieldModel): Reviver | undefined {
  if (isPlainField(field)) return undefined;
  switch (field.type) {
    case "date":
    case "bigint":
      return reviveTag;
    case "list": {
      const element = field.element && fieldReviver(field.element);
      if (!element) return reviveAny;
      return (v) => (Array.isArray(v) ? v.map(element) : reviveTag(v));
    }
    case "object":
      return field.fields ? objectReviver(field.fields) : reviveAny;
    default:
      return reviveAny;
  }
}

function objectReviver(fields: readonly FieldModel[]): Reviver {
  const revivers = fields.map((f) => [f.name, fieldReviver(f)] as const).filter((e): e is readonly [string, Reviver] => e[1] !== undefined);
  return (value) => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
    const record = value as Record<string, unknown>;
    for (const [name, revive] of revivers) {
      const v = record[name];
      if (v !== undefined && v !== null) record[name] = revive(v);
    }
    return record;
  };
}

/** Revives a tagged scalar (date, bigint) or leaves the value alone. */
function reviveTag(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  const tag = (value as Record<string, unknown>)[TAG];
  if (tag === undefined) return value;
  return reviveAny(value);
}

/** Revives every tagged value anywhere inside `value`. */
function reviveAny(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = reviveAny(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  const tag = record[TAG];
  if (tag !== undefined) {
    const v = record.v;
    switch (tag) {
      case "d":
        return new Date(v as number);
      case "b":
        return BigInt(v as string);
      case "m":
        return new Map((reviveAny(v) as [unknown, unknown][]) ?? []);
      case "s":
        return new Set((reviveAny(v) as unknown[]) ?? []);
    }
  }
  for (const key of Object.keys(record)) record[key] = reviveAny(record[key]);
  return record;
}
