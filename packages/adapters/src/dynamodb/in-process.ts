/**
 * @polyxena/adapters/dynamodb/in-process: the DynamoDB adapter and the port it
 * reaches DynamoDB through, without the AWS SDK, plus the DynamoDB rules an
 * in-process DynamoDB shares with it (item size, UTF-8 key order). An
 * in-process DynamoDB behind a {@link DynamoDbPort} runs the real adapter
 * (`@polyxena/memory` does so for its DynamoDB twin).
 */
export { DynamoDbAdapter, type DynamoDbAdapterSettings } from "./dynamodb-adapter.js";
export type { EntityStatements } from "./dynamodb-statements.js";
export type { DynamoNative } from "./dynamodb-codec.js";
export { DYNAMODB_MAX_ITEM_BYTES, dynamoItemSize } from "./dynamodb-item-size.js";
export { compareUtf8 } from "./dynamodb-key-range.js";
export type {
  PortValue,
  PortItem,
  PortRequestOptions,
  PortExpressionInput,
  PortReturnOnConditionFailure,
  PortGetInput,
  PortGetOutput,
  PortPutInput,
  PortUpdateInput,
  PortUpdateOutput,
  PortDeleteInput,
  PortConditionCheckInput,
  PortQueryInput,
  PortPageOutput,
  PortScanInput,
  PortBatchGetInput,
  PortBatchGetOutput,
  PortBatchWriteInput,
  PortBatchWriteOutput,
  PortTransactWrite,
  PortTransactWriteInput,
  PortKeySchemaElement,
  PortAttributeDefinition,
  PortGlobalSecondaryIndex,
  PortCreateTableInput,
  PortTableDescription,
  PortDescribeTableOutput,
  PortUpdateTableInput,
  PortTimeToLiveInput,
  PortDescribeTimeToLiveOutput,
  DynamoDbPort,
} from "./dynamodb-port.js";
