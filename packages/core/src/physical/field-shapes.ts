/**
 * Field shapes every store's type mapping asks about: scalar or composite,
 * and whether an int fits 32 bits. Each store's own mapping lives in its
 * folder under `stores/`.
 */
import type { FieldModel, FieldType } from "../entity-model.js";

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/** Field types stored as a single scalar value in every store. */
const SCALAR_TYPES: ReadonlySet<FieldType> = new Set(["string", "uuid", "int", "number", "bigint", "boolean", "date", "enum"]);

/** True when the field is a scalar (not a list, map or object). */
export function isScalarField(field: FieldModel): boolean {
  return SCALAR_TYPES.has(field.type);
}

/** True when an `int` field's declared bounds fit a signed 32-bit integer (no bounds = does not fit). */
export function fitsInt32(field: FieldModel): boolean {
  return field.min !== undefined && field.max !== undefined && field.min >= INT32_MIN && field.max <= INT32_MAX;
}

