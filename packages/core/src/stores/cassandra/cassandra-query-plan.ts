/**
 * Cassandra query planning: a query the base table's key serves reads it;
 * any other gets its own denormalized table, written with the base table in
 * a logged batch. A query without equality fields would scan every
 * partition and is refused.
 */
import type { QueryIndexModel, SortOrder } from "../../entity-model.js";
import { sameFields } from "../key-declaration.js";
import type { DefinitionFailure, QueryPlanInput } from "../store-dialect.js";

/** The table serving a declared Cassandra query. */
export function planCassandraQuery(query: QueryPlanInput, fail: DefinitionFailure): QueryIndexModel {
  const { by, order, key, table, fieldByName, path } = query;
  if (by.length === 0) throw fail(`${path}.by`, "a cassandra query without equality fields scans every partition", "query by the partition key, or declare another query table by a field");
  const partitionCovered = key.partition.every((p) => by.includes(p));
  const extra = by.filter((f) => !key.partition.includes(f));
  const prefix = key.clustering.slice(0, extra.length).map((c) => c.field);
  const rest = key.clustering.slice(extra.length);
  const orderMatches = (sign: 1 | -1) =>
    order.every((o, i) => {
      const c = rest[i];
      return c !== undefined && c.field === o.field && (sign === 1 ? c.order === o.order : c.order !== o.order);
    });
  if (partitionCovered && sameFields(extra, prefix) && (orderMatches(1) || orderMatches(-1))) return { kind: "primary" };
  const clustering = [...order, ...key.fields.filter((f) => !by.includes(f) && !order.some((o) => o.field === f)).map((f) => ({ field: f, order: "asc" as SortOrder }))];
  return { kind: "table", name: `${table}_by_${by.map((f) => fieldByName.get(f)!.column).join("_")}`.slice(0, 48), partition: by, clustering };
}
