/**
 * Maps AWS SDK errors to Polyxena's error classes: conditional check
 * failures to `E_CONDITION_FAILED` (with the stored item when DynamoDB
 * returned it), throttling, 5xx and network failures to `unavailable`,
 * aborted or timed-out calls to `timeout`.
 */
import { isPolyxenaError, PolyxenaError, errorClassOfCode, errorCodeOfClass, type ErrorClass } from "@polyxena/core";

const UNAVAILABLE_NAMES = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "InternalFailure",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "TransactionConflictException",
  "TransactionInProgressException",
  "LimitExceededException",
]);
/** Refusals of the request itself: they say nothing about DynamoDB's health. */
const CALLER_ERRORS = new Set(["ValidationException", "SerializationException", "ItemCollectionSizeLimitExceededException"]);
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT"]);
const THROTTLING = new Set(["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: string;
  Item?: Record<string, unknown>;
  CancellationReasons?: { Code?: string; Item?: Record<string, unknown> }[];
}

/** Classifies an SDK (or already wrapped) error. */
export function classifyDynamoDbError(error: unknown): ErrorClass {
  if (isPolyxenaError(error)) return errorClassOfCode(error.code);
  if (typeof error !== "object" || error === null) return "store";
  const e = error as SdkErrorShape;
  if (e.name === "ConditionalCheckFailedException") return "condition";
  if (e.name === "TransactionCanceledException") {
    const reasons = e.CancellationReasons ?? [];
    if (reasons.some((r) => r.Code === "ConditionalCheckFailed")) return "condition";
    if (reasons.some((r) => r.Code === "TransactionConflict" || r.Code === "ThrottlingError" || r.Code === "ProvisionedThroughputExceeded")) return "unavailable";
    if (reasons.some((r) => r.Code === "ValidationError" || r.Code === "ItemCollectionSizeLimitExceeded")) return "invalid";
    return "store";
  }
  // DynamoDB refused the request itself (a key or item over a limit, a value of the wrong type): the caller's mistake.
  if (e.name && CALLER_ERRORS.has(e.name)) return "invalid";
  if (e.name === "AbortError" || e.name === "TimeoutError" || e.name === "RequestTimeout") return "timeout";
  if (e.name && UNAVAILABLE_NAMES.has(e.name)) return "unavailable";
  if (e.code && NETWORK_CODES.has(e.code)) return "unavailable";
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return "unavailable";
  if (e.$fault === "server") return "unavailable";
  return "store";
}

/** Whether DynamoDB certainly did not apply the request (it was throttled). */
export function certainlyNotApplied(error: unknown): boolean {
  const name = (error as SdkErrorShape | null)?.name;
  return name !== undefined && THROTTLING.has(name);
}

/** Whether an SDK error is DynamoDB's own item-size refusal. */
export function isItemSizeError(error: unknown): boolean {
  const e = error as { name?: string; message?: string } | null;
  return e?.name === "ValidationException" && /item size/i.test(e.message ?? "") && /exceed/i.test(e.message ?? "");
}

/** Whether an SDK error is DynamoDB's refusal of a query on a GSI the table does not have. */
export function isMissingIndexError(error: unknown): boolean {
  const e = error as { name?: string; message?: string } | null;
  return e?.name === "ValidationException" && /does not have the specified index/i.test(e.message ?? "");
}

/** The raw `AttributeValue` item a conditional check failure carries, if any. */
export function conditionFailureItem(error: unknown): Record<string, unknown> | undefined {
  const item = (error as SdkErrorShape | null)?.Item;
  return item && typeof item === "object" ? item : undefined;
}

/** Index and raw item of the first conditional failure in a cancelled transaction. */
export function cancelledCondition(error: unknown): { index: number; item?: Record<string, unknown> | undefined } | undefined {
  const reasons = (error as SdkErrorShape | null)?.CancellationReasons;
  if (!Array.isArray(reasons)) return undefined;
  const index = reasons.findIndex((r) => r?.Code === "ConditionalCheckFailed");
  return index < 0 ? undefined : { index, item: reasons[index]?.Item };
}

/** Wraps an SDK error in a Polyxena error with the statement and a stable code. */
export function wrapDynamoDbError(
  error: unknown,
  context: { store: string; statement: string; write: boolean; entity?: string | undefined; /** A table or index request the adapter built: a refusal is not the caller's mistake. */ schema?: boolean | undefined },
): PolyxenaError {
  if (isPolyxenaError(error)) return error.withContext({ store: context.store, statement: context.statement, entity: context.entity });
  let kind = classifyDynamoDbError(error);
  if (kind === "invalid" && context.schema) kind = "store";
  const code = errorCodeOfClass(kind);
  const outcome = (code === "E_TIMEOUT" || code === "E_UNAVAILABLE") && context.write ? (certainlyNotApplied(error) ? "not-applied" : "unknown") : undefined;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new PolyxenaError(code, message, { store: context.store, statement: context.statement, entity: context.entity, cause: error, outcome });
}
