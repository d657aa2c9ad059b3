/**
 * A pure-TypeScript, in-memory Elasticsearch: the engine behind the memory Elasticsearch
 * adapter and the testkit's Elasticsearch-compatible HTTP server.
 */
export { SearchEngine } from "./search-engine.js";
export type { ReindexResponseBody } from "./search-engine.js";
export type { ReindexOptions } from "./reindex-request.js";
export type {
  BulkItem,
  BulkResponseBody,
  ConcurrencyParams,
  DeleteParams,
  GetResponseBody,
  IndexParams,
  MgetResponseBody,
  RefreshParam,
  SearchEngineOptions,
  UpdateParams,
  VersionType,
  WriteResponseBody,
} from "./engine-api.js";
export { validateIndexName } from "./index-catalog.js";
export { malformedBulkLine, isMalformedBulkLine } from "./bulk-request.js";
export type { MalformedBulkLine } from "./bulk-request.js";
export { SearchEngineError, isSearchEngineError, indexNotFound, illegalArgument, parsingError } from "./search-engine-error.js";
export type { ElasticsearchErrorCause } from "./search-engine-error.js";
export type { SearchHit, SearchResponseBody } from "./search-executor.js";
export { MAX_RESULT_WINDOW } from "./search-executor.js";
export { standardAnalyze, keywordAnalyze } from "./analyzer.js";
export type { Token } from "./analyzer.js";
export { bm25Idf, bm25Score, quantizeFieldLength, BM25_B, BM25_K1 } from "./bm25.js";
export type { MappingsBody, FieldMapping } from "./index-mapping.js";
