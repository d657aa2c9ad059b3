/**
 * Domain value <-> Postgres value conversion, driven by the field model:
 * dates travel as ISO-8601 text into `timestamptz` and come back as `Date`;
 * bigints as decimal text into `numeric(39,0)`; list/map/object fields as
 * JSON text into `jsonb`; `int` fields stored as `bigint` come back as numbers.
 */
import { fitsInt32, type FieldModel } from "@polyxena/core";
import postgresDate from "postgres-date";
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

// postgres-date is CommonJS (`module.exports = parseDate`) while its typings declare an ES default export.
const parseTimestamp = postgresDate as unknown as (text: string) => Date | number | null;

/** Decodes one column's value; see {@link columnDecoder}. */
export type ColumnDecoder = (raw: unknown) => unknown;

/**
 * The decoder of a field's column, chosen once per field. It takes the
 * column as the server sent it in text (prepared statements read their
 * rows as text) or as a driver parsed it (PGlite, ad-hoc queries). NULL
 * becomes `null` for nullable fields and `undefined` (absent) otherwise.
 */
export function columnDecoder(field: FieldModel): ColumnDecoder {
  const nullValue = field.nullable ? null : undefined;
  const decode = valueDecoder(field);
  return (raw) => (raw === null || raw === undefined ? nullValue : decode(raw));
}

function valueDecoder(field: FieldModel): ColumnDecoder {
  switch (field.type) {
    case "int":
    case "number":
      return (raw) => (typeof raw === "number" ? raw : Number(raw));
    case "bigint":
      return (raw) => (typeof raw === "bigint" ? raw : BigInt(String(raw)));
    case "boolean":
      return (raw) => (typeof raw === "string" ? raw === "t" : raw);
    case "date":
      return (raw) => {
        if (raw instanceof Date) return raw;
        const parsed = typeof raw === "string" ? parseTimestamp(raw) : raw;
        return parsed instanceof Date ? parsed : new Date(String(parsed));
      };
    case "list":
    case "map":
    case "object":
      return (raw) => fromJsonValue(field, typeof raw === "string" ? (JSON.parse(raw) as unknown) : raw);
    default:
      return (raw) => raw;
  }
}
