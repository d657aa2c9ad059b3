/**
 * The DynamoDB dialect: hash + range keys, a GSI per query the key cannot
 * serve, `ConsistentRead`, a TTL attribute, CreateTable inputs.
 */
import type { StoreDialect } from "../store-dialect.js";
import { dynamoDbConsistency } from "./dynamodb-consistency.js";
import { dynamoDbKeys } from "./dynamodb-keys.js";
import { DYNAMODB_DB_SYSTEM, dynamoDbOptions, type DynamoDbOptions } from "./dynamodb-options.js";
import { planDynamoDbQuery } from "./dynamodb-query-plan.js";
import { buildDynamoDbTables, DYNAMODB_OUTBOX_TABLE } from "./dynamodb-schema.js";
import { dynamoDbStatements } from "./dynamodb-statements.js";

/** DynamoDB's rules behind the {@link StoreDialect} interface. */
export const dynamoDbDialect: StoreDialect<DynamoDbOptions, never> = {
  kind: "dynamodb",
  dbSystem: DYNAMODB_DB_SYSTEM,
  keys: dynamoDbKeys,
  planQuery: planDynamoDbQuery,
  consistency: dynamoDbConsistency,
  features: { rowTtl: {}, fullTextSearch: false, uniqueConstraints: true, changeEvents: true },
  options: dynamoDbOptions,
  physicalSchema: { file: "dynamodb-tables.json", format: "json", key: "tables", build: buildDynamoDbTables },
  listStatements: (model, options) => dynamoDbStatements(model, options?.tablePrefix),
  statementLanguage: "text",
  changeEventRecording: (options) => ({
    where: "in its TransactWriteItems (after a strong read of the key's version, then of the item; rebuilt when another write got in between)",
    statements: `TransactWriteItems [ <the put/update/delete>, Update { TableName: "${options.tablePrefix ?? ""}${DYNAMODB_OUTBOX_TABLE}", Key: { pk: "v#<sha256(entity, key)>", sk: "v" }, UpdateExpression: "SET #v = :next, #s = :seq", ConditionExpression: "#v = :prev" }, Put { TableName: "${options.tablePrefix ?? ""}${DYNAMODB_OUTBOX_TABLE}", Item: { pk: "p#<partition>", sk: "<sequence>#<change id>", event, recordedAt } } ]`,
  }),
};
