/**
 * @polyxena/adapters/elasticsearch/in-process: the Elasticsearch adapter and
 * the client port it calls, without `@elastic/elasticsearch`. An in-process
 * engine behind an {@link ElasticsearchClientPort} runs the real adapter
 * (`@polyxena/memory` does so for its Elasticsearch twin).
 */
export { ElasticsearchAdapter, type ElasticsearchAdapterOptions } from "./elasticsearch-adapter.js";
export type {
  ElasticsearchClientPort,
  EsBulkParams,
  EsBulkResponse,
  EsDeleteParams,
  EsGetResponse,
  EsIndexParams,
  EsPutMappingParams,
  EsReindexParams,
  EsReindexResponse,
  EsRequestOptions,
  EsSearchParams,
  EsSearchResponse,
  EsWriteResponse,
} from "./elasticsearch-client-port.js";
