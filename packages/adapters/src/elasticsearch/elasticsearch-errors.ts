/**
 * Classifies errors of the official client (and of the in-memory engine, which mimics
 * them) and maps them to Polyxena errors carrying the request line as `statement`.
 */
import { PolyxenaError, isPolyxenaError, errorClassOfCode, errorCodeOfClass, type ErrorClass } from "@polyxena/core";
import type { EsBulkItemResult } from "./elasticsearch-client-port.js";

/** HTTP status of a client `ResponseError` (or an engine error), when there is one. */
export function esStatus(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { statusCode?: unknown; meta?: { statusCode?: unknown } };
  const status = e.statusCode ?? e.meta?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** Response body of a client `ResponseError` (or an engine error). */
export function esBody(error: unknown): Record<string, unknown> | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { body?: unknown; meta?: { body?: unknown } };
  const body = e.body ?? e.meta?.body;
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>) : undefined;
}

/** The Elasticsearch error type (`version_conflict_engine_exception`, ...) of an error. */
export function esErrorType(error: unknown): string | undefined {
  const inner = esBody(error)?.error;
  if (typeof inner === "object" && inner !== null) {
    const type = (inner as { type?: unknown }).type;
    return typeof type === "string" ? type : undefined;
  }
  return undefined;
}


/** Error types of a query too large for the node, whatever status it comes with (OpenSearch answers 500). */
const OVERSIZED_QUERY_TYPES = new Set(["too_many_nested_clauses", "too_many_clauses"]);

/** Whether the error's root causes say the query was too large. */
function isOversizedQuery(error: unknown): boolean {
  const rootCauses = (esBody(error)?.error as { root_cause?: unknown } | undefined)?.root_cause;
  return Array.isArray(rootCauses) && rootCauses.some((cause) => OVERSIZED_QUERY_TYPES.has((cause as { type?: unknown })?.type as string));
}

/** 400 error types that mean the index or its mapping is not in place rather than a bad request. */
const MISSING_SCHEMA_TYPES = new Set(["index_not_found_exception", "resource_already_exists_exception"]);

/** Classifies an error of the client: 409 is a failed condition; timeouts and lost nodes are transient. */
export function classifyElasticsearchError(error: unknown): ErrorClass {
  if (isPolyxenaError(error)) return errorClassOfCode(error.code);
  const name = error instanceof Error ? error.name : "";
  if (name === "TimeoutError") return "timeout";
  if (name === "ConnectionError" || name === "NoLivingConnectionsError") return "unavailable";
  const status = esStatus(error);
  if (status === 409) return "condition";
  if (status === 429 || status === 502 || status === 503 || status === 504) return "unavailable";
  if (status === 408) return "timeout";
  // The request itself was refused (a document that does not fit the mapping, an id over 512 bytes, a body
  // too large): the caller's mistake, except a missing index, which is the schema's problem.
  if (isOversizedQuery(error)) return "invalid";
  if (status === 413 || (status === 400 && !MISSING_SCHEMA_TYPES.has(esErrorType(error) ?? ""))) return "invalid";
  return "store";
}


/** Context of the failing request. */
export interface EsErrorContext {
  entity: string;
  operation: string;
  store: string;
  statement: string;
  idempotent: boolean;
}

/** Maps a client error to a {@link PolyxenaError} with the request line and the driver error as cause. */
export function elasticsearchError(error: unknown, context: EsErrorContext): PolyxenaError {
  if (isPolyxenaError(error)) return error.statement ? error : error.withContext({ statement: context.statement });
  const kind = classifyElasticsearchError(error);
  const code = errorCodeOfClass(kind);
  const type = esErrorType(error);
  const reason = (esBody(error)?.error as { reason?: unknown } | undefined)?.reason;
  const detail = type ? `${type}${typeof reason === "string" ? `: ${reason}` : ""}` : error instanceof Error ? error.message : String(error);
  const message = code === "E_CONDITION_FAILED" ? `condition failed (${detail})` : `Elasticsearch request failed: ${detail}`;
  return new PolyxenaError(code, message, {
    entity: context.entity,
    operation: context.operation,
    store: context.store,
    statement: context.statement,
    cause: error,
    outcome: code === "E_TIMEOUT" || code === "E_UNAVAILABLE" ? (context.idempotent ? "not-applied" : "unknown") : undefined,
  });
}

/**
 * The error of one refused `_bulk` item. A 400 (the document does not fit the mapping:
 * `document_parsing_exception`, `strict_dynamic_mapping_exception`, ...) is `E_VALIDATION`;
 * other statuses classify as whole-request errors do (409 -> `E_CONDITION_FAILED`,
 * 429 -> `E_UNAVAILABLE`, anything else `E_STORE`).
 */
export function bulkItemError(result: EsBulkItemResult, context: EsErrorContext): PolyxenaError {
  const type = result.error?.type ?? "unknown_error";
  const reason = result.error?.reason;
  const detail = typeof reason === "string" ? `${type}: ${reason}` : type;
  const cause = Object.assign(new Error(`bulk item failed (${result.status}): ${detail}`), {
    name: "ResponseError",
    meta: { statusCode: result.status, body: { error: result.error, status: result.status } },
  });
  if (result.status === 400) {
    return new PolyxenaError("E_VALIDATION", `Elasticsearch refused the document: ${detail}`, {
      entity: context.entity,
      operation: context.operation,
      store: context.store,
      statement: context.statement,
      issues: [{ path: [], message: detail, code: type }],
      cause,
    });
  }
  return elasticsearchError(cause, context);
}
