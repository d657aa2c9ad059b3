/**
 * The Elasticsearch store rules: `@polyxena/core/stores/elasticsearch`, for its adapter and tools.
 */
export { elasticsearchDialect } from "./elasticsearch-dialect.js";
export type { ElasticsearchRefresh } from "./elasticsearch-consistency.js";
export type { ElasticsearchOptions } from "./elasticsearch-options.js";
export {
  buildElasticsearchIndices,
  elasticsearchFieldMapping,
  elasticsearchIndexDefinition,
  elasticsearchIndexName,
  elasticsearchProperties,
} from "./elasticsearch-schema.js";
export type {
  ElasticsearchFieldMapping,
  ElasticsearchIndexDefinition,
  ElasticsearchIndexSettings,
  ElasticsearchIndicesOptions,
} from "./elasticsearch-schema.js";
export { elasticsearchQueryRequest, elasticsearchStatements } from "./elasticsearch-statements.js";
