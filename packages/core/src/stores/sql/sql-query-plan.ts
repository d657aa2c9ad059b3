/**
 * Query planning of relational stores: a query by the whole primary key
 * reads it; any other gets an index on its equality then order columns.
 */
import type { QueryIndexModel, SortOrder } from "../../entity-model.js";
import { toSnakeCase } from "../../zod-introspection.js";
import { sameFields } from "../key-declaration.js";
import type { QueryPlanInput } from "../store-dialect.js";

/**
 * The index serving a declared query (`<table>_<query>_idx`, cut to
 * `maxIdentifier` characters, the store's longest identifier).
 */
export function planSqlQuery(query: QueryPlanInput, maxIdentifier: number): QueryIndexModel {
  const { by, order, key, table, name } = query;
  if (sameFields(by, key.partition)) return { kind: "primary" };
  return { kind: "index", name: `${table}_${toSnakeCase(name)}_idx`.slice(0, maxIdentifier), columns: [...by.map((f) => ({ field: f, order: "asc" as SortOrder })), ...order] };
}
