/**
 * @polyxena/adapters/dynamodb: the DynamoDB store adapter on the AWS SDK v3
 * document client, and the DynamoDB rules (item size, key order) it shares
 * with the in-memory DynamoDB adapter.
 */
export { DynamoDbAdapter } from "./dynamodb-adapter.js";
export type { BatchGetRetryOptions, DynamoDbAdapterSettings } from "./dynamodb-adapter.js";
export { createDynamoDbAdapter, sdkDynamoDbPort } from "./create-dynamodb-adapter.js";
export type { DynamoDbAdapterOptions, DynamoDbConnectionConfig } from "./create-dynamodb-adapter.js";
export type { DynamoDbPort } from "./dynamodb-port.js";
export { DYNAMODB_CAPABILITIES } from "./dynamodb-capabilities.js";
export { DYNAMODB_LIMITS } from "./dynamodb-limits.js";
export { classifyDynamoDbError } from "./dynamodb-errors.js";
export { DYNAMODB_MAX_ITEM_BYTES, dynamoItemSize, dynamoNumberSize, dynamoValueSize } from "./dynamodb-item-size.js";
export { TTL_ATTRIBUTE, type DynamoNative, type NativeItem } from "./dynamodb-codec.js";
export { MAX_TRANSACTION_ITEMS } from "./dynamodb-transaction.js";
