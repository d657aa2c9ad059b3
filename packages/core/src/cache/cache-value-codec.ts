import type { z } from "zod";
import type { FieldModel } from "../entity-model.js";

const TAG = "$px";

/**
 * JSON encoding of domain values that survives a round trip: `Date`,
 * `bigint`, `Map` and `Set` are tagged on the way in and revived on the way
 * out, then the value is parsed by the entity's zod schema (so a cached value
 * is exactly what a store read returns, and a value that no longer fits the
 * schema is a miss).
 */
export class CacheValueCodec<T = unknown> {
  private readonly plain: boolean;

  /**
   * @param schema parses decoded values; omit for untyped derived data.
   * @param fields the entity's fields; when none needs tagging, plain JSON is used.
   */
  constructor(
    private readonly schema?: z.ZodType<T>,
    fields?: readonly FieldModel[],
  ) {
    this.plain = fields !== undefined && fields.every(isPlainField);
  }

  /** The JSON body of a value. */
  encode(value: T): string {
    return this.plain ? JSON.stringify(value) : JSON.stringify(value, replacer);
  }

  /** The value of a JSON body; `undefined` when it does not parse or fails the schema. */
  decode(body: string): { value: T } | undefined {
    let raw: unknown;
    try {
      raw = this.plain ? JSON.parse(body) : JSON.parse(body, reviver);
    } catch {
      return undefined;
    }
    if (!this.schema) return { value: raw as T };
    const parsed = this.schema.safeParse(raw);
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

function reviver(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const tag = (value as Record<string, unknown>)[TAG];
  if (tag === undefined) return value;
  const v = (value as Record<string, unknown>).v;
  switch (tag) {
    case "d":
      return new Date(v as number);
    case "b":
      return BigInt(v as string);
    case "m":
      return new Map(v as [unknown, unknown][]);
    case "s":
      return new Set(v as unknown[]);
    default:
      return value;
  }
}
