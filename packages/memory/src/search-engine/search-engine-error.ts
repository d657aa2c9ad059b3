/** One entry of an Elasticsearch error body (`root_cause[i]`, `caused_by`, bulk item `error`). */
export interface ElasticsearchErrorCause {
  type: string;
  reason: string;
  caused_by?: ElasticsearchErrorCause;
  root_cause?: ElasticsearchErrorCause[];
  [extra: string]: unknown;
}

/** Optional parts of an error beyond its type and reason. */
export interface SearchEngineErrorOptions {
  /** Extra top-level fields Elasticsearch adds (`index`, `index_uuid`, `shard`, `resource.id`, ...). */
  details?: Record<string, unknown>;
  /** The nested cause, rendered as `caused_by`. */
  causedBy?: ElasticsearchErrorCause;
  /** Overrides `root_cause` (defaults to the error itself without `caused_by`). */
  rootCause?: ElasticsearchErrorCause[];
  /** Replaces the whole response body (for the few APIs whose error body is not the usual shape). */
  body?: Record<string, unknown>;
}

/**
 * An error the search engine reports the way Elasticsearch does: an HTTP status and
 * the exact JSON body (`{"error":{"root_cause":[...],"type":...,"reason":...},"status":N}`).
 * It exposes `statusCode` and `body` like the official client's `ResponseError`, so code
 * that classifies errors works on both.
 */
export class SearchEngineError extends Error {
  /** Brand for cross-copy type guards. */
  readonly isSearchEngineError = true as const;
  readonly statusCode: number;
  readonly type: string;
  readonly reason: string;
  readonly details: Record<string, unknown>;
  readonly causedBy: ElasticsearchErrorCause | undefined;
  readonly rootCause: ElasticsearchErrorCause[] | undefined;
  private readonly bodyOverride: Record<string, unknown> | undefined;

  constructor(statusCode: number, type: string, reason: string, options: SearchEngineErrorOptions = {}) {
    super(`${type}: ${reason}`);
    this.name = "SearchEngineError";
    this.statusCode = statusCode;
    this.type = type;
    this.reason = reason;
    this.details = options.details ?? {};
    this.causedBy = options.causedBy;
    this.rootCause = options.rootCause;
    this.bodyOverride = options.body;
  }

  /** This error as a cause object (no `root_cause`), as used in bulk items and `caused_by`. */
  toCause(): ElasticsearchErrorCause {
    const cause: ElasticsearchErrorCause = { type: this.type, reason: this.reason, ...this.details };
    if (this.causedBy) cause.caused_by = this.causedBy;
    return cause;
  }

  /** The response body Elasticsearch would send. */
  get body(): Record<string, unknown> {
    if (this.bodyOverride) return this.bodyOverride;
    const rootCause = this.rootCause ?? [{ type: this.type, reason: this.reason, ...this.details }];
    return { error: { root_cause: rootCause, ...this.toCause() }, status: this.statusCode };
  }
}

/** True when `e` is a {@link SearchEngineError} (from any copy of this package). */
export function isSearchEngineError(e: unknown): e is SearchEngineError {
  return typeof e === "object" && e !== null && (e as { isSearchEngineError?: unknown }).isSearchEngineError === true;
}

/** `index_not_found_exception` (404) for a missing index or alias. */
export function indexNotFound(name: string): SearchEngineError {
  return new SearchEngineError(404, "index_not_found_exception", `no such index [${name}]`, {
    details: { "resource.type": "index_or_alias", "resource.id": name, index_uuid: "_na_", index: name },
  });
}

/** `illegal_argument_exception` (400). */
export function illegalArgument(reason: string, causedBy?: ElasticsearchErrorCause): SearchEngineError {
  return new SearchEngineError(400, "illegal_argument_exception", reason, causedBy ? { causedBy } : {});
}

/** `parsing_exception` (400), raised for malformed or unknown query DSL. */
export function parsingError(reason: string): SearchEngineError {
  return new SearchEngineError(400, "parsing_exception", reason, { details: { line: 1, col: 1 } });
}

/**
 * Wraps a per-shard failure of a search into `search_phase_execution_exception`,
 * which is how Elasticsearch reports query-time errors (the cause is the root cause).
 */
export function searchPhaseFailure(cause: SearchEngineError, index: string): SearchEngineError {
  const shardCause = { ...cause.toCause(), index_uuid: "_na_", index };
  return new SearchEngineError(cause.statusCode, "search_phase_execution_exception", "all shards failed", {
    details: {
      phase: "query",
      grouped: true,
      failed_shards: [{ shard: 0, index, node: "polyxena-node-0", reason: shardCause }],
    },
    rootCause: [shardCause],
    causedBy: cause.toCause(),
  });
}
