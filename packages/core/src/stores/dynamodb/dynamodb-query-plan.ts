/**
 * DynamoDB query planning: a query by the table's own partition (and sort)
 * key reads the table; any other gets a global secondary index, which can
 * only be read eventually consistently.
 */
import type { QueryIndexModel } from "../../entity-model.js";
import type { DefinitionFailure, QueryPlanInput } from "../store-dialect.js";

/** The table or index serving a declared DynamoDB query. */
export function planDynamoDbQuery(query: QueryPlanInput, fail: DefinitionFailure): QueryIndexModel {
  const { by, order, key, name, path } = query;
  if (by.length !== 1) {
    throw fail(`${path}.by`, `a dynamodb query needs exactly one equality field (got ${by.length})`, "query by one attribute; store a composite attribute (e.g. accountId#region) for more");
  }
  if (order.length > 1) throw fail(`${path}.order`, "a dynamodb query orders by one sort key", "order by one field");
  const sortField = order[0]?.field;
  if (by[0] === key.partition[0] && (sortField === undefined || sortField === key.clustering[0]?.field)) return { kind: "primary" };
  if (query.readLevel.level === "strong") {
    throw fail(`${path}.consistency`, `query ${name} reads a global secondary index, which cannot be read strongly`, 'set consistency: "eventual" on this query, or key the table by this field');
  }
  return { kind: "gsi", name: `${name}Index`, partition: by[0]!, sort: sortField };
}
