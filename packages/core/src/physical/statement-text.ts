/**
 * Pieces of statement text every store's listing shares: quoted columns,
 * the column list, the optional range clause and the order clause.
 *
 * Notation: `?` and `$n` are bound parameters; `[...]` marks a part sent only
 * when the call uses the matching option (range, cursor, condition, TTL).
 */
import type { EntityModel, FieldModel, OrderedField, QueryModel } from "../entity-model.js";
import { definitionError } from "../errors.js";
import { quoteIdent } from "./identifiers.js";

/** One repository method and the statement it sends. */
export interface StatementListingEntry {
  /** Repository method, e.g. `get` or `historyForProfile`. */
  operation: string;
  /** The native statement or request. */
  statement: string;
}

function fieldOf(model: EntityModel, name: string): FieldModel {
  const field = model.fields.find((f) => f.name === name);
  if (!field) throw definitionError(model.name, "key", `field ${name} is not in the schema`, "declare the field");
  return field;
}

/** The quoted column of a field (`"profile_id"`); `E_DEFINITION` when the field is not in the schema. */
export function quotedColumn(model: EntityModel, name: string): string {
  return quoteIdent(fieldOf(model, name).column);
}

/** Every column of the entity, quoted, in declaration order. */
export function columnList(model: EntityModel): string {
  return model.fields.map((f) => quoteIdent(f.column)).join(", ");
}

/** ` [AND "c" {>|>=} ?] [AND "c" {<|<=} ?]` for a query with a range field, else empty. */
export function rangeClause(model: EntityModel, query: QueryModel, param: () => string): string {
  if (!query.rangeField) return "";
  const c = quotedColumn(model, query.rangeField);
  return ` [AND ${c} {>|>=} ${param()}] [AND ${c} {<|<=} ${param()}]`;
}

/** `"a" DESC, "b" ASC` for an order. */
export function orderClause(model: EntityModel, order: readonly OrderedField[]): string {
  return order.map((o) => `${quotedColumn(model, o.field)} ${o.order.toUpperCase()}`).join(", ");
}
