/**
 * How list, map and object fields travel through a Postgres `jsonb` column,
 * with core's field JSON codec.
 */
import { toJsonValue, type FieldModel } from "@polyxena/core";

export { fromJsonValue, toJsonValue } from "@polyxena/core";

/** JSON text of a list/map/object field value, as written to `jsonb`. */
export function stringifyJsonField(field: FieldModel, value: unknown): string {
  return JSON.stringify(toJsonValue(field, value));
}
