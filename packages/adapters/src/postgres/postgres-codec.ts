/**
 * Domain value <-> Postgres value conversion, driven by the field model:
 * dates travel as ISO-8601 text into `timestamptz` and come back as `Date`;
 * bigints as decimal text into `numeric(39,0)`; list/map/object fields as
 * JSON text into `jsonb`; `int` fields stored as `bigint` come back as numbers.
 */
import { fitsInt32, type FieldModel } from "@polyxena/core";
import { fromJsonValue, stringifyJsonField } from "./postgres-json.js";

/** The type a parameter of this field is cast to in statements (`$1::uuid`). */
export function parameterType(field: FieldModel): string {
  switch (field.type) {
    case "string":
    case "enum":
      return "text";
    case "uuid":
      return "uuid";
    case "int":
      return fitsInt32(field) ? "int4" : "int8";
    case "number":
      return "float8";
    case "bigint":
      return "numeric";
    case "boolean":
      return "bool";
    case "date":
      return "timestamptz";
    case "list":
    case "map":
    case "object":
      return "jsonb";
  }
}

/** Encodes a domain value as a `pg` parameter (text, number, boolean or null). */
export function encodeParameter(field: FieldModel, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  switch (field.type) {
    case "date":
      return value instanceof Date ? value.toISOString() : value;
    case "bigint":
      return typeof value === "bigint" ? value.toString() : value;
    case "list":
    case "map":
    case "object":
      return stringifyJsonField(field, value);
    default:
      return value;
  }
}

/**
 * Decodes a column value as `pg` returned it. NULL becomes `null` for
 * nullable fields and `undefined` (absent) otherwise.
 */
export function decodeColumn(field: FieldModel, raw: unknown): unknown {
  if (raw === null || raw === undefined) return field.nullable ? null : undefined;
  switch (field.type) {
    case "int":
      return typeof raw === "number" ? raw : Number(raw);
    case "number":
      return typeof raw === "number" ? raw : Number(raw);
    case "bigint":
      return typeof raw === "bigint" ? raw : BigInt(String(raw));
    case "date":
      return raw instanceof Date ? raw : new Date(String(raw));
    case "list":
    case "map":
    case "object":
      return fromJsonValue(field, typeof raw === "string" ? (JSON.parse(raw) as unknown) : raw);
    default:
      return raw;
  }
}
