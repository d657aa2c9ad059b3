/**
 * The DynamoDB store rules: `@polyxena/core/stores/dynamodb`, for its adapter and tools.
 */
export { dynamoDbDialect } from "./dynamodb-dialect.js";
export type { DynamoDbOptions } from "./dynamodb-options.js";
export {
  DYNAMODB_CLAIM_ATTRIBUTE,
  DYNAMODB_OWNER_ATTRIBUTE,
  DYNAMODB_TTL_ATTRIBUTE,
  buildDynamoDbTables,
  dynamoAttributeType,
  dynamoClaimTableDefinition,
  dynamoOutboxTableDefinition,
  DYNAMODB_OUTBOX_TABLE,
  dynamoClaimTableName,
  dynamoTableDefinition,
  dynamoTableName,
} from "./dynamodb-schema.js";
export type {
  DynamoAttributeDefinition,
  DynamoAttributeType,
  DynamoCreateTableInput,
  DynamoDbTablesOptions,
  DynamoGlobalSecondaryIndex,
  DynamoKeySchemaElement,
  DynamoTableDefinition,
  DynamoTimeToLiveInput,
} from "./dynamodb-schema.js";
export { dynamoDbStatements, dynamoQueryRequest } from "./dynamodb-statements.js";
