/**
 * Errors of the in-process DynamoDB, shaped as the AWS SDK throws DynamoDB's
 * exceptions: `name` is the exception, `$fault` and `$metadata` as the SDK
 * sets them, and `Item` / `CancellationReasons` where DynamoDB returns them.
 */

/** A cancellation reason of TransactWriteItems, as DynamoDB reports it. */
export interface CancellationReason {
  Code: string;
  Message?: string | undefined;
  /** The item as raw `AttributeValue`s, with `ReturnValuesOnConditionCheckFailure: ALL_OLD`. */
  Item?: Record<string, unknown> | undefined;
}

const BRAND = Symbol.for("polyxena.dynamodb-engine-error");

/** A DynamoDB exception thrown by the in-process engine. */
export class DynamoDbEngineError extends Error {
  readonly [BRAND] = true;
  readonly $fault: "client" | "server";
  readonly $metadata: { httpStatusCode: number };
  /** The item as raw `AttributeValue`s, on ConditionalCheckFailedException with ALL_OLD. */
  Item?: Record<string, unknown> | undefined;
  CancellationReasons?: CancellationReason[] | undefined;

  constructor(name: string, message: string, status = 400) {
    super(message);
    this.name = name;
    this.$fault = status >= 500 ? "server" : "client";
    this.$metadata = { httpStatusCode: status };
  }
}

/** A DynamoDB exception with this name and message. */
export function engineError(name: string, message: string): DynamoDbEngineError {
  return new DynamoDbEngineError(name, message);
}

/** Whether `error` is a DynamoDB exception of the in-process engine (also from another copy of this package). */
export function isDynamoDbEngineError(error: unknown): error is DynamoDbEngineError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}
