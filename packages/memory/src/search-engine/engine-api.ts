/**
 * Parameter and response types of the search engine's API (named like the official
 * client's), and the small helpers every operation shares.
 */
import { SearchEngineError, illegalArgument } from "./search-engine-error.js";
import type { ElasticsearchErrorCause } from "./search-engine-error.js";

type Json = Record<string, unknown>;

/** The `refresh` parameter of a write: `true`/`""` refreshes now, `wait_for` returns once visible. */
export type RefreshParam = boolean | "true" | "false" | "wait_for" | "" | undefined;

/** Options of a {@link SearchEngine}. */
export interface SearchEngineOptions {
  /** Clock for periodic refreshes and `now` in date math; inject one to make time deterministic. */
  clock?: () => number;
  /** Reported by `info()`. */
  clusterName?: string;
}

/** The response of an index, create, update or delete. */
export interface WriteResponseBody {
  _index: string;
  _id: string;
  _version: number;
  result: "created" | "updated" | "deleted" | "not_found" | "noop";
  _shards: { total: number; successful: number; failed: number };
  _seq_no: number;
  _primary_term: number;
  forced_refresh?: boolean;
  get?: Json;
}

/** The response of a get (also each entry of `_mget`). */
export interface GetResponseBody {
  _index: string;
  _id: string;
  found: boolean;
  _version?: number;
  _seq_no?: number;
  _primary_term?: number;
  _source?: Record<string, unknown>;
}

/** How a write's `version` is checked: `internal` takes none; `external` needs a higher one, `external_gte` a higher or equal one. */
export type VersionType = "internal" | "external" | "external_gte";

/** Conditions shared by index, update and delete. */
export interface ConcurrencyParams {
  if_seq_no?: number | undefined;
  if_primary_term?: number | undefined;
  /** With `version_type` `external` or `external_gte`: the version the write stores (index and delete only). */
  version?: number | undefined;
  version_type?: VersionType | undefined;
}

/** Parameters of {@link SearchEngine.index}, named like the official client's. */
export interface IndexParams extends ConcurrencyParams {
  index: string;
  id?: string | undefined;
  document: unknown;
  refresh?: RefreshParam | undefined;
  op_type?: "index" | "create" | undefined;
}

/** Parameters of {@link SearchEngine.update}. */
export interface UpdateParams extends ConcurrencyParams {
  index: string;
  id: string;
  doc?: unknown | undefined;
  upsert?: unknown | undefined;
  doc_as_upsert?: boolean | undefined;
  detect_noop?: boolean | undefined;
  script?: unknown | undefined;
  refresh?: RefreshParam | undefined;
  _source?: unknown | undefined;
}

/** Parameters of {@link SearchEngine.delete}. */
export interface DeleteParams extends ConcurrencyParams {
  index: string;
  id: string;
  refresh?: RefreshParam | undefined;
}

/** One item of a bulk response. */
export type BulkItem = Record<string, Json>;

/** Response of `_bulk`. */
export interface BulkResponseBody {
  took: number;
  errors: boolean;
  items: BulkItem[];
}

/** Response of `_mget`. */
export interface MgetResponseBody {
  docs: Array<GetResponseBody | { _index: string; _id: string; error: ElasticsearchErrorCause }>;
}

/** True for a JSON object (not an array, not null). */
export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `action_request_validation_exception` (400) with Elasticsearch's numbered messages. */
export function validationFailed(...messages: string[]): SearchEngineError {
  return new SearchEngineError(400, "action_request_validation_exception", `Validation Failed: ${messages.map((m, i) => `${i + 1}: ${m};`).join("")}`);
}

/** Interprets a write's `refresh` parameter: refresh `now`, `wait_for`, or nothing. */
export function refreshRequested(refresh: RefreshParam): "now" | "wait_for" | undefined {
  if (refresh === true || refresh === "true" || refresh === "") return "now";
  if (refresh === "wait_for") return "wait_for";
  if (refresh === undefined || refresh === false || refresh === "false") return undefined;
  throw illegalArgument(`Unknown value for refresh: [${String(refresh)}].`);
}
