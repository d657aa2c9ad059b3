/**
 * Elasticsearch query planning: every declared query is term filters and a
 * sort on the alias; a full-text field can be neither.
 */
import type { QueryIndexModel } from "../../entity-model.js";
import type { DefinitionFailure, QueryPlanInput } from "../store-dialect.js";

/** The search serving a declared Elasticsearch query. */
export function planElasticsearchQuery(query: QueryPlanInput, fail: DefinitionFailure): QueryIndexModel {
  for (const f of [...query.by, ...query.order.map((o) => o.field)]) {
    if (query.textFields.includes(f)) throw fail(query.path, `${f} is a full-text field and cannot be filtered or sorted exactly`, `remove ${f} from search.text or from this query`);
  }
  return { kind: "search" };
}
