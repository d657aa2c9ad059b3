/**
 * @polyxena/adapters/elasticsearch: the Elasticsearch store adapter on the official
 * `@elastic/elasticsearch` client (9.x).
 *
 * @example
 * import { Client } from "@elastic/elasticsearch";
 * const elasticsearch = createElasticsearchAdapter({ client: new Client({ node: "http://localhost:9200" }) });
 * await elasticsearch.applySchema([TitleSearch.model]);
 * const repos = createRepositories({ stores: { elasticsearch } });
 */
import { ElasticsearchAdapter, type ElasticsearchAdapterOptions } from "./elasticsearch-adapter.js";
import type { ElasticsearchClientPort } from "./elasticsearch-client-port.js";

export { ElasticsearchAdapter, refreshFor, type ElasticsearchAdapterOptions } from "./elasticsearch-adapter.js";
export { ELASTICSEARCH_CAPABILITIES } from "./elasticsearch-capabilities.js";
export { classifyElasticsearchError } from "./elasticsearch-errors.js";
export { applyElasticsearchSchema, type ElasticsearchSchemaOptions } from "./elasticsearch-schema.js";
export { compileFilters, compileQueryRequest, compileQueryShape, compileSearchRequest, compileText } from "./search-request-compiler.js";
export type * from "./elasticsearch-client-port.js";

/**
 * Creates the Elasticsearch adapter on a client you own (`new Client({ node })` from
 * `@elastic/elasticsearch`); pass `ownsClient: true` to have `close()` close it.
 */
export function createElasticsearchAdapter(connection: { client: ElasticsearchClientPort }, options: ElasticsearchAdapterOptions = {}): ElasticsearchAdapter {
  return new ElasticsearchAdapter(connection.client, options);
}
