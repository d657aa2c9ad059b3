/**
 * Postgres query planning: the primary key or a B-tree index per query
 * (identifiers up to 63 characters).
 */
import type { QueryIndexModel } from "../../entity-model.js";
import { planSqlQuery } from "../sql/sql-query-plan.js";
import type { QueryPlanInput } from "../store-dialect.js";

/** Postgres' longest identifier (`NAMEDATALEN - 1`). */
export const POSTGRES_MAX_IDENTIFIER = 63;

/** The primary key or index serving a declared Postgres query. */
export function planPostgresQuery(query: QueryPlanInput): QueryIndexModel {
  return planSqlQuery(query, POSTGRES_MAX_IDENTIFIER);
}
