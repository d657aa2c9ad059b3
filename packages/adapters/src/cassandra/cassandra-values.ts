/**
 * Domain values <-> neutral CQL values, per field, following the column types
 * of `cassandraColumnType`: lists and maps of scalars are native collections,
 * nested and object fields are JSON text (dates as ISO strings, bigints as
 * decimal strings). Shared by the real and in-memory adapters.
 */
import { fitsInt32, fromJsonValue, PolyxenaError, toJsonValue, type FieldModel } from "@polyxena/core";
import { cassandraColumnType, cassandraStoresAsJson } from "@polyxena/core/stores/cassandra";
import type { NeutralValue } from "./cassandra-session.js";

function invalid(field: FieldModel, message: string): PolyxenaError {
  return new PolyxenaError("E_VALIDATION", `${field.name}: ${message}`, { issues: [{ path: [field.name], message }] });
}

/** The CQL type of a field's column (shared with the DDL builder). */
export function columnType(field: FieldModel): string {
  return cassandraColumnType(field);
}

function encodeScalar(field: FieldModel, value: unknown): NeutralValue {
  switch (field.type) {
    case "string":
    case "enum":
    case "uuid":
      if (typeof value !== "string") throw invalid(field, `expected a string, got ${typeof value}`);
      return value;
    case "int":
      if (typeof value !== "number" || !Number.isSafeInteger(value)) throw invalid(field, "expected a safe integer");
      return fitsInt32(field) ? value : BigInt(value);
    case "number":
      if (typeof value !== "number") throw invalid(field, "expected a number");
      return value;
    case "bigint":
      if (typeof value !== "bigint") throw invalid(field, "expected a bigint");
      return value;
    case "boolean":
      if (typeof value !== "boolean") throw invalid(field, "expected a boolean");
      return value;
    case "date":
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw invalid(field, "expected a valid Date");
      return value;
    default:
      throw invalid(field, `unexpected scalar type ${field.type}`);
  }
}

function decodeScalar(field: FieldModel, value: NeutralValue): unknown {
  switch (field.type) {
    case "int":
      return typeof value === "bigint" ? Number(value) : value;
    case "bigint":
      return typeof value === "number" ? BigInt(value) : value;
    default:
      return value;
  }
}

/** A domain value to the neutral value of one field's column, compiled once per field. */
export type FieldEncoder = (value: unknown) => NeutralValue;

const encoders = new WeakMap<FieldModel, FieldEncoder>();

/** The encoder of a field's values (see {@link encodeField}), compiled on first use and cached per field model. */
export function fieldEncoder(field: FieldModel): FieldEncoder {
  let encode = encoders.get(field);
  if (!encode) {
    encode = compileFieldEncoder(field);
    encoders.set(field, encode);
  }
  return encode;
}

function compileFieldEncoder(field: FieldModel): FieldEncoder {
  if (cassandraStoresAsJson(field)) return (value) => (value === undefined || value === null ? null : JSON.stringify(toJsonValue(field, value)));
  const element = field.element;
  if (field.type === "list") {
    return (value) => {
      if (value === undefined || value === null) return null;
      if (!Array.isArray(value)) throw invalid(field, "expected an array");
      return value.map((v) => encodeScalar(element!, v));
    };
  }
  if (field.type === "map") {
    return (value) => {
      if (value === undefined || value === null) return null;
      if (typeof value !== "object" || Array.isArray(value)) throw invalid(field, "expected an object");
      const out: Record<string, NeutralValue> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = encodeScalar(element!, v);
      return out;
    };
  }
  return (value) => (value === undefined || value === null ? null : encodeScalar(field, value));
}

/** Encodes a domain value for the field's column; undefined and null become null. */
export function encodeField(field: FieldModel, value: unknown): NeutralValue {
  return fieldEncoder(field)(value);
}

/**
 * Decodes a column value to the domain value; `undefined` means "absent".
 * Cassandra stores an empty collection as null, so a required list/map
 * reads back as empty. Hot paths compile the decoder once with
 * {@link compileFieldDecoder}.
 */
export function decodeField(field: FieldModel, value: NeutralValue | undefined): unknown {
  return compileFieldDecoder(field)(value);
}

/** A column value to the domain value, compiled for one field; `undefined` means "absent". */
export type FieldDecoder = (value: NeutralValue | undefined) => unknown;

const same = (value: NeutralValue) => value;

/** The scalar decoder of a field type, or `same` where the neutral value already is the domain value. */
function scalarDecoder(field: FieldModel): (value: NeutralValue) => unknown {
  switch (field.type) {
    case "int":
    case "bigint":
      return (value) => decodeScalar(field, value);
    // Dates in a session's result are the caller's own (see CqlResult): no copy needed.
    default:
      return same;
  }
}

/** What a null cell decodes to (as in {@link decodeField}); a fresh empty collection each time. */
function absentValue(field: FieldModel, json: boolean): () => unknown {
  if (field.nullable) return () => null;
  if (!field.optional && !json && field.type === "list") return () => [];
  if (!field.optional && !json && field.type === "map") return () => ({});
  return () => undefined;
}

/**
 * Whether a non-null neutral value of the field's column already is the
 * field's value, so that {@link compileFieldDecoder} only fills in empty cells.
 */
export function neutralIsDomain(field: FieldModel): boolean {
  if (cassandraStoresAsJson(field) || field.type === "list" || field.type === "map") return false;
  return field.type !== "int" || fitsInt32(field);
}

/**
 * Compiles the decoder of one field's column values (see {@link decodeField}):
 * the type dispatch happens once per entity instead of once per cell.
 */
export function compileFieldDecoder(field: FieldModel): FieldDecoder {
  const json = cassandraStoresAsJson(field);
  const absent = absentValue(field, json);
  if (json) return (value) => (value === null || value === undefined ? absent() : fromJsonValue(field, JSON.parse(value as string) as unknown));
  if (field.type === "list") {
    const element = scalarDecoder(field.element!);
    return (value) => (value === null || value === undefined ? absent() : (value as NeutralValue[]).map(element));
  }
  if (field.type === "map") {
    const element = scalarDecoder(field.element!);
    return (value) => {
      if (value === null || value === undefined) return absent();
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, NeutralValue>)) out[k] = element(v);
      return out;
    };
  }
  const scalar = scalarDecoder(field);
  return (value) => (value === null || value === undefined ? absent() : scalar(value));
}
