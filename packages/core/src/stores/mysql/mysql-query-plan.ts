/**
 * MySQL query planning: the primary key or an InnoDB B-tree index per query
 * (identifiers up to 64 characters).
 */
import type { QueryIndexModel } from "../../entity-model.js";
import { planSqlQuery } from "../sql/sql-query-plan.js";
import type { QueryPlanInput } from "../store-dialect.js";

/** MySQL's longest identifier. */
export const MYSQL_MAX_IDENTIFIER = 64;

/** The primary key or index serving a declared MySQL query. */
export function planMysqlQuery(query: QueryPlanInput): QueryIndexModel {
  return planSqlQuery(query, MYSQL_MAX_IDENTIFIER);
}
