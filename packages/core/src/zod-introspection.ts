import type { z } from "zod";
import type { FieldModel, FieldType } from "./entity-model.js";

type AnyDef = { type: string; [k: string]: unknown };

function defOf(schema: unknown): AnyDef {
  return (schema as { _zod: { def: AnyDef } })._zod.def;
}

/** `profileId` -> `profile_id`, `URLPath` -> `url_path`. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

/**
 * Describes one zod schema as a {@link FieldModel}. Wrappers (optional,
 * nullable, default, readonly, pipe) are unwrapped; types with no store
 * mapping (unions, unknown, ...) become `object` and are stored as JSON.
 */
export function describeField(name: string, schema: z.ZodType): FieldModel {
  let current: unknown = schema;
  let optional = false;
  let nullable = false;
  for (;;) {
    const def = defOf(current);
    if (def.type === "optional" || def.type === "default" || def.type === "prefault") {
      optional = true;
      current = def.innerType;
    } else if (def.type === "nullable") {
      nullable = true;
      current = def.innerType;
    } else if (def.type === "readonly" || def.type === "catch" || def.type === "nonoptional") {
      current = def.innerType;
    } else if (def.type === "pipe") {
      current = def.out;
    } else {
      break;
    }
  }
  const base = describeType(current);
  return { name, optional, nullable, column: toSnakeCase(name), ...base };
}

function describeType(schema: unknown): Omit<FieldModel, "name" | "optional" | "nullable" | "column"> {
  const def = defOf(schema);
  const s = schema as { format?: string | null; minValue?: number | null; maxValue?: number | null; maxLength?: number | null };
  switch (def.type) {
    case "string": {
      if (s.format === "uuid" || s.format === "guid") return { type: "uuid" };
      return s.maxLength != null ? { type: "string", maxLength: s.maxLength } : { type: "string" };
    }
    case "number": {
      const isInt = s.format === "safeint" || s.format === "int32" || s.format === "uint32";
      if (!isInt) return { type: "number" };
      const bounds: { min?: number; max?: number } = {};
      if (s.minValue != null) bounds.min = s.minValue;
      if (s.maxValue != null) bounds.max = s.maxValue;
      return { type: "int", ...bounds };
    }
    case "bigint":
      return { type: "bigint" };
    case "boolean":
      return { type: "boolean" };
    case "date":
      return { type: "date" };
    case "enum": {
      const entries = def.entries as Record<string, string | number>;
      const values = Object.values(entries).map(String);
      return { type: "enum", values };
    }
    case "literal": {
      const values = (def.values as unknown[]).filter((v): v is string => typeof v === "string");
      return values.length === (def.values as unknown[]).length ? { type: "enum", values } : { type: "object" };
    }
    case "array":
    case "set":
      return { type: "list", element: describeField("element", (def.element ?? def.valueType) as z.ZodType) };
    case "record":
    case "map":
      return { type: "map", element: describeField("value", def.valueType as z.ZodType) };
    case "object": {
      const shape = (def.shape ?? {}) as Record<string, z.ZodType>;
      const fields = Object.entries(shape).map(([k, v]) => describeField(k, v));
      const catchall = def.catchall as { _zod?: { def?: { type?: string } } } | undefined;
      return catchall && catchall._zod?.def?.type !== "never" ? { type: "object", fields, open: true } : { type: "object", fields };
    }
    default:
      return { type: "object" as FieldType };
  }
}
