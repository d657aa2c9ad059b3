/**
 * The request each repository method of an Elasticsearch entity sends
 * (through the entity's alias).
 */
import type { EntityModel, QueryModel } from "../../entity-model.js";
import type { StatementListingEntry } from "../../physical/statement-text.js";

/** The request of every repository method of an Elasticsearch entity, `search` last. */
export function elasticsearchStatements(model: EntityModel): StatementListingEntry[] {
  const alias = model.table;
  const id = model.key.partition[0]!;
  const refresh = model.consistency.write.level === "strong" ? "wait_for" : "false";
  const entries: StatementListingEntry[] = [
    { operation: "get", statement: `GET /${alias}/_doc/{${id}}` },
    { operation: "getMany", statement: `POST /${alias}/_mget { "ids": [{${id}}, ...] }` },
    { operation: "put", statement: `PUT /${alias}/_doc/{${id}}?refresh=${refresh}[&op_type=create][&if_seq_no=?&if_primary_term=?] { ...document }` },
    { operation: "update", statement: `POST /${alias}/_update/{${id}}?refresh=${refresh}[&if_seq_no=?&if_primary_term=?] { "doc": { ...changes } }` },
    { operation: "delete", statement: `DELETE /${alias}/_doc/{${id}}?refresh=${refresh}` },
  ];
  for (const q of model.queries) entries.push({ operation: q.name, statement: elasticsearchQueryRequest(model, q) });
  const text = model.textFields.length > 0 ? `"multi_match": { "query": ?, "fields": [${model.textFields.map((f) => `"${f}"`).join(", ")}] }` : "";
  entries.push({
    operation: "search",
    statement: `POST /${alias}/_search { "query": { "bool": { ${text ? `"must": [{ ${text} }], ` : ""}"filter": [...] } }, "sort": [... | "_score", { "${id}": "asc" }], "size": ?, "track_total_hits": true [, "search_after": ?] [, "highlight": ...] }`,
  });
  return entries;
}

/** The descriptive `_search` request of a declared Elasticsearch query (filters + sort + search_after). */
export function elasticsearchQueryRequest(model: EntityModel, query: QueryModel): string {
  const id = model.key.partition[0]!;
  const filters = query.by.map((f) => `{ "term": { "${f}": ? } }`);
  if (query.rangeField) filters.push(`[{ "range": { "${query.rangeField}": { ... } } }]`);
  const sort = [...query.order.map((o) => `{ "${o.field}": "${o.order}" }`)];
  if (!query.order.some((o) => o.field === id)) sort.push(`{ "${id}": "${query.order[0]?.order ?? "asc"}" }`);
  return `POST /${model.table}/_search { "query": { "bool": { "filter": [${filters.join(", ")}] } }, "sort": [${sort.join(", ")}], "size": ? [, "search_after": ?] }`;
}
