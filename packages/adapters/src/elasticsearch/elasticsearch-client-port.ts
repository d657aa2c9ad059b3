/**
 * The few methods of `@elastic/elasticsearch`'s `Client` the adapter uses, as a
 * structural interface: the real client satisfies it, and the in-memory adapter
 * implements it over the search engine. Nothing here imports the driver.
 */

/** Per-request options (the client's transport options subset). */
export interface EsRequestOptions {
  signal?: AbortSignal;
}

/** `refresh` of a write. */
export type EsRefresh = boolean | "wait_for";

/** Parameters of `index` / `create`. */
export interface EsIndexParams {
  index: string;
  id: string;
  document: Record<string, unknown>;
  refresh?: EsRefresh;
  op_type?: "index" | "create";
  if_seq_no?: number;
  if_primary_term?: number;
  /** With `version_type`: the version the write stores (external versioning). */
  version?: number;
  version_type?: "external" | "external_gte";
}

/** Parameters of `delete`. */
export interface EsDeleteParams {
  index: string;
  id: string;
  refresh?: EsRefresh;
  if_seq_no?: number;
  if_primary_term?: number;
  version?: number;
  version_type?: "external" | "external_gte";
}

/** Response of a write. */
export interface EsWriteResponse {
  _id: string;
  _seq_no?: number | undefined;
  _primary_term?: number | undefined;
  result: string;
}

/** Response of `get` (also an `mget` entry). */
export interface EsGetResponse {
  _id: string;
  found: boolean;
  _source?: unknown;
  _seq_no?: number | undefined;
  _primary_term?: number | undefined;
}

/** A sort value (`sort` of a hit, `search_after`). */
export type EsFieldValue = number | string | boolean | null;

/** One search hit. */
export interface EsSearchHit {
  _id?: string | null | undefined;
  _score?: number | null | undefined;
  _source?: unknown;
  sort?: EsFieldValue[] | undefined;
  highlight?: Record<string, string[]> | undefined;
}

/** Response of `search`. */
export interface EsSearchResponse {
  hits: {
    total?: number | { value: number; relation?: string } | undefined;
    hits: EsSearchHit[];
  };
}

/** One sort key: `{ field: { order } }`. */
export type EsSortKey = Record<string, { order: "asc" | "desc" }>;

/** Parameters of `search` (body keys beside `index`, as the 9.x client takes them). */
export interface EsSearchParams {
  index: string;
  query: Record<string, unknown>;
  sort: EsSortKey[];
  size: number;
  track_total_hits?: boolean;
  search_after?: EsFieldValue[];
  highlight?: { fields: Record<string, Record<string, unknown>> };
}

/**
 * Parameters of `bulk`: NDJSON lines already serialized (the official client sends string
 * lines as they are), so the adapter measures a chunk's size without serializing twice.
 */
export interface EsBulkParams {
  operations: string[];
  refresh?: EsRefresh;
}

/** The error of a refused bulk item (`type` such as `document_parsing_exception`). */
export interface EsErrorCause {
  type: string;
  reason?: string | null | undefined;
  [key: string]: unknown;
}

/** The outcome of one bulk item; `error` is set when the item was refused. */
export interface EsBulkItemResult {
  _id?: string | null | undefined;
  status: number;
  error?: EsErrorCause | undefined;
}

/** Response of `bulk`: one entry per action, keyed by the action (`index`, `create`, ...). */
export interface EsBulkResponse {
  errors: boolean;
  items: Array<Partial<Record<"index" | "create" | "update" | "delete", EsBulkItemResult>>>;
}

/** Parameters of `reindex` (body keys beside the query parameters, as the 9.x client takes them). */
export interface EsReindexParams {
  source: { index: string };
  dest: { index: string };
  wait_for_completion?: boolean;
  refresh?: boolean;
}

/** One document `_reindex` could not copy. */
export interface EsReindexFailure {
  index?: string | undefined;
  id?: string | undefined;
  cause?: EsErrorCause | undefined;
  status?: number | undefined;
}

/** Response of `reindex` with `wait_for_completion=true`. */
export interface EsReindexResponse {
  total?: number | undefined;
  created?: number | undefined;
  updated?: number | undefined;
  version_conflicts?: number | undefined;
  failures?: EsReindexFailure[] | undefined;
}

/** Parameters of `indices.putMapping`: `index` and the mapping body keys, as the 9.x client takes them. */
export type EsPutMappingParams = { index: string } & Record<string, unknown>;

/** The `Client` subset the adapter needs. */
export interface ElasticsearchClientPort {
  index(params: EsIndexParams, options?: EsRequestOptions): Promise<EsWriteResponse>;
  get(params: { index: string; id: string }, options?: EsRequestOptions): Promise<EsGetResponse>;
  mget(params: { index: string; ids: string[] }, options?: EsRequestOptions): Promise<{ docs: unknown[] }>;
  delete(params: EsDeleteParams, options?: EsRequestOptions): Promise<EsWriteResponse>;
  search(params: EsSearchParams, options?: EsRequestOptions): Promise<EsSearchResponse>;
  bulk(params: EsBulkParams, options?: EsRequestOptions): Promise<EsBulkResponse>;
  reindex(params: EsReindexParams, options?: EsRequestOptions): Promise<EsReindexResponse>;
  indices: {
    exists(params: { index: string }, options?: EsRequestOptions): Promise<boolean>;
    create(
      params: { index: string; settings?: Record<string, unknown>; mappings?: Record<string, unknown>; aliases?: Record<string, Record<string, unknown>> },
      options?: EsRequestOptions,
    ): Promise<unknown>;
    getAlias(params: { name: string }, options?: EsRequestOptions): Promise<Record<string, unknown>>;
    existsAlias(params: { name: string }, options?: EsRequestOptions): Promise<boolean>;
    updateAliases(params: { actions: Array<Record<string, Record<string, unknown>>> }, options?: EsRequestOptions): Promise<unknown>;
    refresh(params: { index: string }, options?: EsRequestOptions): Promise<unknown>;
    /** `GET /{index}/_mapping`: `{ [index]: { mappings } }`. */
    getMapping(params: { index: string }, options?: EsRequestOptions): Promise<Record<string, unknown>>;
    /** `PUT /{index}/_mapping` with the body keys (`properties`) beside `index`: adds fields; a changed field is refused by the store. */
    putMapping(params: EsPutMappingParams, options?: EsRequestOptions): Promise<unknown>;
  };
  close(): Promise<void>;
}
