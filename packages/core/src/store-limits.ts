/**
 * Store limits a single request can break: a key too long for the store's
 * index, a document id over its length limit, too many items in one batch.
 * Each store declares its own limits (numbers and fixes live in the store's
 * module); core gives them one shape and one error, so that every store
 * refuses such a request the same way: before the call, with `E_VALIDATION`
 * naming the limit and the fix, never as a store failure.
 */
import { PolyxenaError, type PolyxenaErrorContext } from "./errors.js";

/** One limit of one store. */
export interface StoreLimit {
  /** Stable name, e.g. `dynamodb.partitionKeyBytes`; set as the error's `constraint`. */
  readonly name: string;
  /** What is limited, e.g. "a DynamoDB partition key value". */
  readonly subject: string;
  /** The largest allowed amount. */
  readonly max: number;
  readonly unit: "bytes" | "items" | "clauses";
  /** How to stay within it, in one sentence. */
  readonly fix: string;
}

/** Where the request broke the limit. */
export interface LimitContext {
  entity?: string | undefined;
  store?: string | undefined;
  operation?: string | undefined;
  /** Path of the offending value in the request, e.g. `["key", "id"]`. */
  path?: readonly PropertyKey[] | undefined;
}

/**
 * `E_VALIDATION` for a request over a store limit, naming the limit, the
 * amount found and the fix.
 *
 * @example
 * throw limitExceeded(DYNAMODB_LIMITS.sortKeyBytes, 1500, { entity: "Title", path: ["key", "titleId"] });
 */
export function limitExceeded(limit: StoreLimit, actual: number, context: LimitContext = {}): PolyxenaError {
  const where = context.path && context.path.length > 0 ? ` (${context.path.map(String).join(".")})` : "";
  const message = `${limit.subject}${where} is ${actual} ${limit.unit}; the limit ${limit.name} allows at most ${limit.max} ${limit.unit}`;
  const errorContext: PolyxenaErrorContext = {
    entity: context.entity,
    store: context.store,
    operation: context.operation,
    constraint: limit.name,
    fix: limit.fix,
    issues: [{ path: context.path ?? [], message, code: "too_big" }],
  };
  return new PolyxenaError("E_VALIDATION", message, errorContext);
}

/** Throws {@link limitExceeded} when `actual` is over `limit.max`. */
export function checkLimit(limit: StoreLimit, actual: number, context: LimitContext = {}): void {
  if (actual > limit.max) throw limitExceeded(limit, actual, context);
}

/** UTF-8 length of a string, the unit of every store's key and id limits. */
export function utf8Bytes(value: string): number {
  return Buffer.byteLength(value, "utf8");
}
