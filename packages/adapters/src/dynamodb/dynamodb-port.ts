/**
 * The DynamoDB requests the adapter sends, as a structural interface: one
 * method per command, inputs and outputs in document-client form (plain
 * values, not `AttributeValue`s). The AWS SDK's document client satisfies it
 * through `create-dynamodb-adapter.ts` (the only file that imports the SDK), and
 * the in-memory DynamoDB implements it over in-process tables, so the adapter
 * is the same code whatever sits behind it. Nothing here imports the driver.
 *
 * Errors cross the port as the SDK throws them: an object whose `name` is the
 * DynamoDB exception (`ConditionalCheckFailedException` with `Item` as raw
 * `AttributeValue`s when `ReturnValuesOnConditionCheckFailure` is `ALL_OLD`,
 * `TransactionCanceledException` with `CancellationReasons`,
 * `ValidationException`, `ResourceNotFoundException`, ...).
 */

/** A value in document-client form. */
export type PortValue = unknown;
/** An item or key in document-client form. */
export type PortItem = Record<string, PortValue>;

/** Per-request options. */
export interface PortRequestOptions {
  abortSignal?: AbortSignal | undefined;
}

/** Expression parts shared by the requests that take expressions. */
export interface PortExpressionInput {
  ConditionExpression?: string | undefined;
  ExpressionAttributeNames?: Record<string, string> | undefined;
  ExpressionAttributeValues?: Record<string, PortValue> | undefined;
}

/** `ReturnValuesOnConditionCheckFailure`. */
export type PortReturnOnConditionFailure = "ALL_OLD" | "NONE";

export interface PortGetInput {
  TableName: string | undefined;
  Key: PortItem | undefined;
  ConsistentRead?: boolean | undefined;
}
export interface PortGetOutput {
  Item?: PortItem | undefined;
}

export interface PortPutInput extends PortExpressionInput {
  TableName: string | undefined;
  Item: PortItem | undefined;
  ReturnValuesOnConditionCheckFailure?: PortReturnOnConditionFailure | undefined;
}

export interface PortUpdateInput extends PortExpressionInput {
  TableName: string | undefined;
  Key: PortItem | undefined;
  UpdateExpression?: string | undefined;
  ReturnValues?: "NONE" | "ALL_OLD" | "ALL_NEW" | "UPDATED_OLD" | "UPDATED_NEW" | undefined;
  ReturnValuesOnConditionCheckFailure?: PortReturnOnConditionFailure | undefined;
}
export interface PortUpdateOutput {
  Attributes?: PortItem | undefined;
}

export interface PortDeleteInput extends PortExpressionInput {
  TableName: string | undefined;
  Key: PortItem | undefined;
  ReturnValuesOnConditionCheckFailure?: PortReturnOnConditionFailure | undefined;
}

/** A ConditionCheck element of TransactWriteItems. */
export interface PortConditionCheckInput extends PortExpressionInput {
  TableName: string | undefined;
  Key: PortItem | undefined;
  ConditionExpression: string | undefined;
  ReturnValuesOnConditionCheckFailure?: PortReturnOnConditionFailure | undefined;
}

export interface PortQueryInput {
  TableName: string | undefined;
  IndexName?: string | undefined;
  KeyConditionExpression?: string | undefined;
  ExpressionAttributeNames?: Record<string, string> | undefined;
  ExpressionAttributeValues?: Record<string, PortValue> | undefined;
  ScanIndexForward?: boolean | undefined;
  Limit?: number | undefined;
  ExclusiveStartKey?: PortItem | undefined;
  ConsistentRead?: boolean | undefined;
}
export interface PortPageOutput {
  Items?: PortItem[] | undefined;
  Count?: number | undefined;
  LastEvaluatedKey?: PortItem | undefined;
}

export interface PortScanInput {
  TableName: string | undefined;
  Limit?: number | undefined;
  ExclusiveStartKey?: PortItem | undefined;
  ConsistentRead?: boolean | undefined;
}

export interface PortBatchGetInput {
  RequestItems: Record<string, { Keys: PortItem[] | undefined; ConsistentRead?: boolean | undefined }> | undefined;
}
export interface PortBatchGetOutput {
  Responses?: Record<string, PortItem[]> | undefined;
  UnprocessedKeys?: Record<string, { Keys?: PortItem[] | undefined }> | undefined;
}

export interface PortBatchWriteInput {
  RequestItems: Record<string, ({ PutRequest: { Item: PortItem | undefined } } | { DeleteRequest: { Key: PortItem | undefined } })[]> | undefined;
}
export interface PortBatchWriteOutput {
  UnprocessedItems?: Record<string, unknown[]> | undefined;
}

/** One element of TransactWriteItems. */
export interface PortTransactWrite {
  Put?: PortPutInput | undefined;
  Update?: PortUpdateInput | undefined;
  Delete?: PortDeleteInput | undefined;
  ConditionCheck?: PortConditionCheckInput | undefined;
}
export interface PortTransactWriteInput {
  TransactItems: PortTransactWrite[] | undefined;
}

/** A key schema element, attribute definition and GSI as DescribeTable reports and CreateTable takes them. */
export interface PortKeySchemaElement {
  AttributeName: string | undefined;
  KeyType: "HASH" | "RANGE" | string | undefined;
}
export interface PortAttributeDefinition {
  AttributeName: string | undefined;
  AttributeType: "S" | "N" | "B" | string | undefined;
}
export interface PortGlobalSecondaryIndex {
  IndexName: string | undefined;
  KeySchema: PortKeySchemaElement[] | undefined;
  Projection?: { ProjectionType?: string | undefined } | undefined;
}

export interface PortCreateTableInput {
  TableName: string | undefined;
  AttributeDefinitions: PortAttributeDefinition[] | undefined;
  KeySchema: PortKeySchemaElement[] | undefined;
  GlobalSecondaryIndexes?: PortGlobalSecondaryIndex[] | undefined;
  BillingMode?: string | undefined;
}

export interface PortTableDescription {
  TableName?: string | undefined;
  TableStatus?: string | undefined;
  KeySchema?: PortKeySchemaElement[] | undefined;
  AttributeDefinitions?: PortAttributeDefinition[] | undefined;
  GlobalSecondaryIndexes?: (PortGlobalSecondaryIndex & { IndexStatus?: string | undefined })[] | undefined;
}
export interface PortDescribeTableOutput {
  Table?: PortTableDescription | undefined;
}

export interface PortUpdateTableInput {
  TableName: string | undefined;
  AttributeDefinitions?: PortAttributeDefinition[] | undefined;
  GlobalSecondaryIndexUpdates?: { Create?: PortGlobalSecondaryIndex | undefined }[] | undefined;
}

export interface PortTimeToLiveInput {
  TableName: string | undefined;
  TimeToLiveSpecification: { AttributeName: string | undefined; Enabled: boolean | undefined } | undefined;
}
export interface PortDescribeTimeToLiveOutput {
  TimeToLiveDescription?: { TimeToLiveStatus?: string | undefined; AttributeName?: string | undefined } | undefined;
}

/** The DynamoDB commands the adapter sends. */
export interface DynamoDbPort {
  getItem(input: PortGetInput, options?: PortRequestOptions): Promise<PortGetOutput>;
  putItem(input: PortPutInput, options?: PortRequestOptions): Promise<unknown>;
  updateItem(input: PortUpdateInput, options?: PortRequestOptions): Promise<PortUpdateOutput>;
  deleteItem(input: PortDeleteInput, options?: PortRequestOptions): Promise<unknown>;
  query(input: PortQueryInput, options?: PortRequestOptions): Promise<PortPageOutput>;
  scan(input: PortScanInput, options?: PortRequestOptions): Promise<PortPageOutput>;
  batchGetItem(input: PortBatchGetInput, options?: PortRequestOptions): Promise<PortBatchGetOutput>;
  batchWriteItem(input: PortBatchWriteInput, options?: PortRequestOptions): Promise<PortBatchWriteOutput>;
  transactWriteItems(input: PortTransactWriteInput, options?: PortRequestOptions): Promise<unknown>;
  describeTable(input: { TableName: string | undefined }): Promise<PortDescribeTableOutput>;
  createTable(input: PortCreateTableInput): Promise<unknown>;
  updateTable(input: PortUpdateTableInput): Promise<unknown>;
  describeTimeToLive(input: { TableName: string | undefined }): Promise<PortDescribeTimeToLiveOutput>;
  updateTimeToLive(input: PortTimeToLiveInput): Promise<unknown>;
  /** Releases the connection (a no-op when the caller owns the client). */
  destroy(): void;
}
