/**
 * Domain value <-> MySQL value conversion, driven by the field model: dates
 * travel as UTC `datetime(3)` text, bigints as decimal text into
 * `decimal(39,0)`, UUIDs in lower case, booleans as 0/1, list/map/object
 * fields as JSON text (a `json` column, which MariaDB keeps as checked text).
 */
import { fromJsonValue, toJsonValue, type FieldModel } from "@polyxena/core";

/** `2026-01-01T12:00:00.123Z` -> `2026-01-01 12:00:00.123` (UTC, as `datetime(3)` holds it). */
export function encodeDate(value: Date): string {
  const iso = value.toISOString();
  return iso.startsWith("+") || iso.startsWith("-") ? iso : `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** Encodes a domain value as a statement parameter (text, number or null). */
export function encodeParameter(field: FieldModel, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  switch (field.type) {
    case "date":
      return value instanceof Date ? encodeDate(value) : value;
    case "bigint":
      return typeof value === "bigint" ? value.toString() : value;
    case "uuid":
      return typeof value === "string" ? value.toLowerCase() : value;
    case "boolean":
      return typeof value === "boolean" ? (value ? 1 : 0) : value;
    case "list":
    case "map":
    case "object":
      return JSON.stringify(toJsonValue(field, value));
    default:
      return value;
  }
}

/** `datetime(3)` text (or a `Date` from a pool configured with `timezone: "Z"`) as a `Date`. */
function decodeDate(raw: unknown): Date {
  if (raw instanceof Date) return raw;
  const text = String(raw);
  return new Date(/^\d{4}-\d{2}-\d{2} /.test(text) ? `${text.replace(" ", "T")}Z` : text);
}

/**
 * Decodes a column value as `mysql2` returned it. NULL becomes `null` for
 * nullable fields and `undefined` (absent) otherwise.
 */
export function decodeColumn(field: FieldModel, raw: unknown): unknown {
  if (raw === null || raw === undefined) return field.nullable ? null : undefined;
  switch (field.type) {
    case "int":
    case "number":
      return typeof raw === "number" ? raw : Number(raw);
    case "bigint":
      return typeof raw === "bigint" ? raw : BigInt(String(raw));
    case "boolean":
      return typeof raw === "boolean" ? raw : Number(raw) !== 0;
    case "date":
      return decodeDate(raw);
    case "list":
    case "map":
    case "object":
      return fromJsonValue(field, typeof raw === "string" ? (JSON.parse(raw) as unknown) : Buffer.isBuffer(raw) ? (JSON.parse(raw.toString("utf8")) as unknown) : raw);
    default:
      return Buffer.isBuffer(raw) ? raw.toString("utf8") : raw;
  }
}
