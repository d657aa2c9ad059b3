/**
 * Helpers the stores' key rules share to read a key declaration: a field or
 * a list of fields, and key parts with an optional order.
 */
import type { KeySpec, OrderedFieldSpec } from "../define-entity.js";
import type { OrderedField } from "../entity-model.js";

/** A declared field or field list as a list (empty when absent). */
export function declaredFields<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
}

/** A key part or order entry in normalized form (`asc` unless declared). */
export function orderedField(spec: OrderedFieldSpec<string>): OrderedField {
  return typeof spec === "string" ? { field: spec, order: "asc" } : { field: spec.field, order: spec.order ?? "asc" };
}

/** The clustering / sort parts of a key declaration, as declared (`clustering` then `sort`). */
export function declaredClustering(key: KeySpec<string>): OrderedFieldSpec<string>[] {
  return [...declaredFields(key.clustering), ...declaredFields(key.sort)];
}

/** True when both lists hold the same fields, in any order. */
export function sameFields(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
