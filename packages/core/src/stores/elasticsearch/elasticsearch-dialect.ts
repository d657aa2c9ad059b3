/**
 * The Elasticsearch dialect: one id field, term filters and sort per query,
 * refresh policies as consistency, full-text fields, strict mappings behind
 * an alias.
 */
import type { StoreDialect } from "../store-dialect.js";
import { elasticsearchConsistency, type ElasticsearchRefresh } from "./elasticsearch-consistency.js";
import { elasticsearchKeys } from "./elasticsearch-keys.js";
import { ELASTICSEARCH_DB_SYSTEM, elasticsearchOptions, type ElasticsearchOptions } from "./elasticsearch-options.js";
import { planElasticsearchQuery } from "./elasticsearch-query-plan.js";
import { buildElasticsearchIndices } from "./elasticsearch-schema.js";
import { elasticsearchStatements } from "./elasticsearch-statements.js";

/** Elasticsearch's rules behind the {@link StoreDialect} interface. */
export const elasticsearchDialect: StoreDialect<ElasticsearchOptions, ElasticsearchRefresh> = {
  kind: "elasticsearch",
  dbSystem: ELASTICSEARCH_DB_SYSTEM,
  keys: elasticsearchKeys,
  planQuery: planElasticsearchQuery,
  consistency: elasticsearchConsistency,
  features: {
    rowTtl: false,
    fullTextSearch: true,
    uniqueConstraints: {
      message: "elasticsearch cannot enforce a unique constraint: there is no conditional write across documents",
      fix: (stores) => `make the field the document id (key: { id }), or keep the entity in a store that enforces uniqueness (${stores})`,
    },
    changeEvents: {
      message:
        "elasticsearch cannot record a change event atomically with the write that caused it: a document write and a second document (the outbox entry) are two requests with no transaction between them, so a crash between them would lose the event or publish one for a write that never happened",
      fix: (stores) => `keep the source of truth in ${stores} and project it into elasticsearch with projections`,
    },
  },
  options: elasticsearchOptions,
  physicalSchema: { file: "elasticsearch-mappings.json", format: "json", key: "indices", build: buildElasticsearchIndices },
  listStatements: (model) => elasticsearchStatements(model),
  statementLanguage: "text",
};
