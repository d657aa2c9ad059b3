/**
 * @polyxena/adapters/elasticsearch: the Elasticsearch store adapter on the official
 * `@elastic/elasticsearch` client (9.x).
 *
 * @example
 * const elasticsearch = createElasticsearchAdapter({ node: "http://localhost:9200" });
 * await elasticsearch.applySchema([TitleSearch.model]);
 * const repos = createRepositories({ stores: { elasticsearch } });
 */
import { Client } from "@elastic/elasticsearch";
import { ElasticsearchAdapter, type ElasticsearchAdapterOptions } from "./elasticsearch-adapter.js";
import type { ElasticsearchClientPort } from "./elasticsearch-client-port.js";

export { ElasticsearchAdapter, refreshFor, type ElasticsearchAdapterOptions } from "./elasticsearch-adapter.js";
export { bulkChunks, DEFAULT_BULK_LIMITS, type BulkChunk, type BulkChunkLimits } from "./bulk-chunks.js";
export { ELASTICSEARCH_CAPABILITIES } from "./elasticsearch-capabilities.js";
export { ELASTICSEARCH_LIMITS } from "./elasticsearch-limits.js";
export { bulkItemError, classifyElasticsearchError } from "./elasticsearch-errors.js";
export { applyElasticsearchSchema, type ElasticsearchSchemaOptions } from "./elasticsearch-schema.js";
export { compileFilters, compileQueryRequest, compileQueryShape, compileSearchRequest, compileText } from "./search-request-compiler.js";
export type {
  ElasticsearchClientPort,
  EsBulkItemResult,
  EsBulkParams,
  EsBulkResponse,
  EsDeleteParams,
  EsErrorCause,
  EsFieldValue,
  EsGetResponse,
  EsIndexParams,
  EsRefresh,
  EsReindexFailure,
  EsReindexParams,
  EsReindexResponse,
  EsRequestOptions,
  EsSearchHit,
  EsSearchParams,
  EsSearchResponse,
  EsSortKey,
  EsWriteResponse,
} from "./elasticsearch-client-port.js";

/**
 * How the adapter reaches Elasticsearch: node URLs (it creates the official client and
 * closes it in `close()`) or a client you own.
 */
export type ElasticsearchConnection<C extends ElasticsearchClientPort = Client> =
  | { client: C }
  | {
      node: string | readonly string[];
      /** Per-request timeout in ms (client default 30 s). */
      requestTimeout?: number | undefined;
      /** Client retries on connection errors (client default 3). */
      maxRetries?: number | undefined;
    };

/**
 * Creates the Elasticsearch adapter. Given `{ node }` it creates an official
 * `@elastic/elasticsearch` client and owns it; given `{ client }` (your
 * `new Client({ node })`) it leaves the client open unless `ownsClient: true`.
 * The adapter's `client` is that client, typed as passed (the official
 * `Client` by default), and `indexName(model)` the alias an entity is read
 * and written through.
 *
 * @example
 * const stats = await elasticsearch.client.indices.stats({ index: elasticsearch.indexName(TitleSearch.model) });
 */
export function createElasticsearchAdapter<C extends ElasticsearchClientPort = Client>(
  connection: ElasticsearchConnection<C>,
  options: ElasticsearchAdapterOptions = {},
): ElasticsearchAdapter<C> {
  if ("client" in connection) return new ElasticsearchAdapter(connection.client, options);
  const client = new Client({
    node: typeof connection.node === "string" ? connection.node : [...connection.node],
    ...(connection.requestTimeout === undefined ? {} : { requestTimeout: connection.requestTimeout }),
    ...(connection.maxRetries === undefined ? {} : { maxRetries: connection.maxRetries }),
  });
  // Without a client of its own, C is the official Client this creates.
  return new ElasticsearchAdapter(client as unknown as C, { ...options, ownsClient: options.ownsClient ?? true });
}
