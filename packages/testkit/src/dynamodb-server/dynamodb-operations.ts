/**
 * The DynamoDB operations the test server serves: each takes the JSON body
 * of a `DynamoDB_20120810.<Op>` request, checks the parameters it does not
 * hand to the engine, converts wire values to the engine's document form,
 * calls the in-process DynamoDB and converts the answer back.
 *
 * A parameter DynamoDB has but this server does not implement (projection
 * and filter expressions, local secondary indexes, streams, ...) is refused
 * with a `ValidationException` naming it: a request is answered as DynamoDB
 * would, or refused, never half-served.
 */
import { engineError, type InProcessDynamoDb } from "@polyxena/memory";
import type { PortTransactWrite } from "@polyxena/adapters/dynamodb/in-process";
import { fromAttributeMap, toAttributeMap, type DocumentItem } from "./attribute-values.js";

/** A request body: a JSON object. */
export type RequestBody = Record<string, unknown>;

/** What the server keeps beside the engine: what DescribeTable reports that the engine does not hold. */
export interface ServerState {
  engine: InProcessDynamoDb;
  tables: Map<string, { createdAt: number; billingMode: string; throughput?: { ReadCapacityUnits: number; WriteCapacityUnits: number } | undefined }>;
  /** Completed TransactWriteItems by ClientRequestToken, for DynamoDB's 10-minute idempotency window. */
  transactions: Map<string, { request: string; at: number }>;
  now(): number;
}

type Operation = (state: ServerState, body: RequestBody) => Promise<unknown>;

const TRANSACTION_TOKEN_MS = 10 * 60 * 1000;
const TABLE_NAME = /^[a-zA-Z0-9_.-]+$/;

function validation(message: string): Error {
  return engineError("ValidationException", message);
}

/** Refuses parameters outside `served`, and (for `NONE`-only ones) any value but NONE. */
function checkParameters(operation: string, body: RequestBody, served: readonly string[]): void {
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined || value === null) continue;
    if (served.includes(name)) continue;
    if ((name === "ReturnConsumedCapacity" || name === "ReturnItemCollectionMetrics") && value === "NONE") continue;
    throw validation(`The DynamoDB test server does not implement ${name} on ${operation} (it serves ${served.join(", ")}); run this request against DynamoDB (POLYXENA_TEST_DYNAMODB_ENDPOINT).`);
  }
}

/** A table name checked as DynamoDB checks it (`what` is the parameter's name in messages). */
function tableName(value: unknown, what = "tableName"): string {
  if (value === undefined || value === null) throw validation(`1 validation error detected: Value null at '${what}' failed to satisfy constraint: Member must not be null`);
  if (typeof value !== "string") throw engineError("SerializationException", `Unexpected value type for ${what}: a string is expected`);
  if (value.length < 3) throw validation(`1 validation error detected: Value '${value}' at '${what}' failed to satisfy constraint: Member must have length greater than or equal to 3`);
  if (value.length > 255) throw validation(`1 validation error detected: Value '${value}' at '${what}' failed to satisfy constraint: Member must have length less than or equal to 255`);
  if (!TABLE_NAME.test(value)) throw validation(`1 validation error detected: Value '${value}' at '${what}' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`);
  return value;
}

function optionalMap(value: unknown): DocumentItem | undefined {
  return value === undefined || value === null ? undefined : fromAttributeMap(value);
}

function requiredMap(value: unknown, what: string): DocumentItem {
  if (value === undefined || value === null) throw validation(`1 validation error detected: Value null at '${what}' failed to satisfy constraint: Member must not be null`);
  return fromAttributeMap(value);
}

function expressionParts(body: RequestBody) {
  return {
    ConditionExpression: body.ConditionExpression as string | undefined,
    ExpressionAttributeNames: body.ExpressionAttributeNames as Record<string, string> | undefined,
    ExpressionAttributeValues: optionalMap(body.ExpressionAttributeValues),
  };
}

function returnValuesOnFailure(body: RequestBody): "ALL_OLD" | "NONE" | undefined {
  const value = body.ReturnValuesOnConditionCheckFailure;
  if (value === undefined || value === "ALL_OLD" || value === "NONE") return value;
  throw validation(`1 validation error detected: Value '${String(value)}' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]`);
}

/** `ReturnValues` of PutItem and DeleteItem: NONE or ALL_OLD. */
function returnOld(body: RequestBody, operation: string): boolean {
  const value = body.ReturnValues ?? "NONE";
  if (value === "NONE") return false;
  if (value === "ALL_OLD") return true;
  if (["ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"].includes(value as string)) throw validation(`ReturnValues can only be ALL_OLD or NONE`);
  throw validation(`1 validation error detected: Value '${String(value)}' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW] (${operation})`);
}

/**
 * Runs `write` and returns the item it replaced. The engine runs each command
 * to its end without yielding, so a read issued just before the write (both
 * started before either is awaited) sees exactly the item the write replaced.
 */
async function withOldItem(state: ServerState, table: string, key: DocumentItem | undefined, write: () => Promise<unknown>): Promise<DocumentItem | undefined> {
  const before = key ? state.engine.getItem({ TableName: table, Key: key }) : undefined;
  before?.catch(() => undefined);
  await write();
  return (await before)?.Item;
}

/** The key of `item` in `table` (undefined when the table does not exist: the write then fails on its own). */
async function keyOfItem(state: ServerState, table: string, item: DocumentItem): Promise<DocumentItem | undefined> {
  const schema = state.engine.hasTable(table) ? (await state.engine.describeTable({ TableName: table })).Table?.KeySchema : undefined;
  if (!schema) return undefined;
  const key: DocumentItem = {};
  for (const { AttributeName } of schema) if (AttributeName !== undefined && item[AttributeName] !== undefined) key[AttributeName] = item[AttributeName];
  return key;
}

const getItem: Operation = async (state, body) => {
  checkParameters("GetItem", body, ["TableName", "Key", "ConsistentRead"]);
  const out = await state.engine.getItem({ TableName: tableName(body.TableName), Key: requiredMap(body.Key, "key"), ConsistentRead: body.ConsistentRead as boolean | undefined });
  return out.Item ? { Item: toAttributeMap(out.Item) } : {};
};

/** Runs a PutItem or DeleteItem write and answers its ReturnValues: nothing, or (ALL_OLD) the item it replaced. */
async function answerWrite(state: ServerState, body: RequestBody, operation: string, table: string, key: () => Promise<DocumentItem | undefined>, write: () => Promise<unknown>): Promise<unknown> {
  if (!returnOld(body, operation)) {
    await write();
    return {};
  }
  const old = await withOldItem(state, table, await key(), write);
  return old ? { Attributes: toAttributeMap(old) } : {};
}

const putItem: Operation = async (state, body) => {
  checkParameters("PutItem", body, ["TableName", "Item", "ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues", "ReturnValues", "ReturnValuesOnConditionCheckFailure"]);
  const table = tableName(body.TableName);
  const item = requiredMap(body.Item, "item");
  const input = { TableName: table, Item: item, ...expressionParts(body), ReturnValuesOnConditionCheckFailure: returnValuesOnFailure(body) };
  return answerWrite(state, body, "PutItem", table, () => keyOfItem(state, table, item), () => state.engine.putItem(input));
};

const deleteItem: Operation = async (state, body) => {
  checkParameters("DeleteItem", body, ["TableName", "Key", "ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues", "ReturnValues", "ReturnValuesOnConditionCheckFailure"]);
  const table = tableName(body.TableName);
  const key = requiredMap(body.Key, "key");
  const input = { TableName: table, Key: key, ...expressionParts(body), ReturnValuesOnConditionCheckFailure: returnValuesOnFailure(body) };
  return answerWrite(state, body, "DeleteItem", table, async () => key, () => state.engine.deleteItem(input));
};

const updateItem: Operation = async (state, body) => {
  checkParameters("UpdateItem", body, ["TableName", "Key", "UpdateExpression", "ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues", "ReturnValues", "ReturnValuesOnConditionCheckFailure"]);
  const returnValues = body.ReturnValues ?? "NONE";
  if (!["NONE", "ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"].includes(returnValues as string)) {
    throw validation(`1 validation error detected: Value '${String(returnValues)}' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]`);
  }
  const out = await state.engine.updateItem({
    TableName: tableName(body.TableName),
    Key: requiredMap(body.Key, "key"),
    UpdateExpression: body.UpdateExpression as string | undefined,
    ...expressionParts(body),
    ReturnValues: returnValues as "NONE",
    ReturnValuesOnConditionCheckFailure: returnValuesOnFailure(body),
  });
  return out.Attributes ? { Attributes: toAttributeMap(out.Attributes) } : {};
};

function page(out: { Items?: DocumentItem[] | undefined; Count?: number | undefined; LastEvaluatedKey?: DocumentItem | undefined }): Record<string, unknown> {
  const items = (out.Items ?? []).map(toAttributeMap);
  const reply: Record<string, unknown> = { Items: items, Count: items.length, ScannedCount: items.length };
  if (out.LastEvaluatedKey) reply.LastEvaluatedKey = toAttributeMap(out.LastEvaluatedKey);
  return reply;
}

function limit(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) throw engineError("SerializationException", "Unexpected value type for limit: an integer is expected");
  if (value < 1) throw validation(`1 validation error detected: Value '${value}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1`);
  return value;
}

const query: Operation = async (state, body) => {
  checkParameters("Query", body, ["TableName", "IndexName", "KeyConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues", "ScanIndexForward", "Limit", "ExclusiveStartKey", "ConsistentRead", "Select"]);
  if (body.Select !== undefined && body.Select !== "ALL_ATTRIBUTES") checkParameters("Query", { Select: body.Select }, []);
  const out = await state.engine.query({
    TableName: tableName(body.TableName),
    IndexName: body.IndexName as string | undefined,
    KeyConditionExpression: body.KeyConditionExpression as string | undefined,
    ExpressionAttributeNames: body.ExpressionAttributeNames as Record<string, string> | undefined,
    ExpressionAttributeValues: optionalMap(body.ExpressionAttributeValues),
    ScanIndexForward: body.ScanIndexForward as boolean | undefined,
    Limit: limit(body.Limit),
    ExclusiveStartKey: optionalMap(body.ExclusiveStartKey),
    ConsistentRead: body.ConsistentRead as boolean | undefined,
  });
  return page(out);
};

const scan: Operation = async (state, body) => {
  checkParameters("Scan", body, ["TableName", "Limit", "ExclusiveStartKey", "ConsistentRead"]);
  const out = await state.engine.scan({
    TableName: tableName(body.TableName),
    Limit: limit(body.Limit),
    ExclusiveStartKey: optionalMap(body.ExclusiveStartKey),
    ConsistentRead: body.ConsistentRead as boolean | undefined,
  });
  return page(out);
};

function requestItems(body: RequestBody): [string, unknown][] {
  const items = body.RequestItems;
  if (items === undefined || items === null) throw validation("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null");
  if (typeof items !== "object" || Array.isArray(items)) throw engineError("SerializationException", "Unexpected value type for requestItems: an object is expected");
  const entries = Object.entries(items);
  for (const [name] of entries) tableName(name, "requestItems");
  return entries;
}

const batchGetItem: Operation = async (state, body) => {
  checkParameters("BatchGetItem", body, ["RequestItems"]);
  const requests: Record<string, { Keys: DocumentItem[]; ConsistentRead?: boolean | undefined }> = {};
  for (const [name, request] of requestItems(body)) {
    const r = (request ?? {}) as RequestBody;
    checkParameters("BatchGetItem", r, ["Keys", "ConsistentRead"]);
    if (!Array.isArray(r.Keys)) throw validation("1 validation error detected: Value null at 'requestItems." + name + ".member.keys' failed to satisfy constraint: Member must not be null");
    requests[name] = { Keys: r.Keys.map(fromAttributeMap), ConsistentRead: r.ConsistentRead as boolean | undefined };
  }
  const out = await state.engine.batchGetItem({ RequestItems: requests });
  const responses: Record<string, unknown[]> = {};
  for (const [name, items] of Object.entries(out.Responses ?? {})) responses[name] = items.map(toAttributeMap);
  const unprocessed: Record<string, unknown> = {};
  for (const [name, rest] of Object.entries(out.UnprocessedKeys ?? {})) {
    const consistent = requests[name]?.ConsistentRead;
    unprocessed[name] = { Keys: (rest.Keys ?? []).map(toAttributeMap), ...(consistent === undefined ? {} : { ConsistentRead: consistent }) };
  }
  return { Responses: responses, UnprocessedKeys: unprocessed };
};

const batchWriteItem: Operation = async (state, body) => {
  checkParameters("BatchWriteItem", body, ["RequestItems"]);
  const requests: Record<string, ({ PutRequest: { Item: DocumentItem } } | { DeleteRequest: { Key: DocumentItem } })[]> = {};
  for (const [name, list] of requestItems(body)) {
    if (!Array.isArray(list)) throw engineError("SerializationException", "Unexpected value type for requestItems: a list of write requests is expected");
    requests[name] = list.map((request: RequestBody) => {
      const put = request?.PutRequest as RequestBody | undefined;
      const del = request?.DeleteRequest as RequestBody | undefined;
      if ((put === undefined) === (del === undefined)) throw validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
      return put ? { PutRequest: { Item: requiredMap(put.Item, "item") } } : { DeleteRequest: { Key: requiredMap(del!.Key, "key") } };
    });
  }
  await state.engine.batchWriteItem({ RequestItems: requests });
  return { UnprocessedItems: {} };
};

const TRANSACT_ELEMENT_PARAMETERS = {
  Put: ["TableName", "Item", "ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues", "ReturnValuesOnConditionCheckFailure"],
  Update: ["TableName", "Key", "UpdateExpression", "ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues", "ReturnValuesOnConditionCheckFailure"],
  Delete: ["TableName", "Key", "ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues", "ReturnValuesOnConditionCheckFailure"],
  ConditionCheck: ["TableName", "Key", "ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues", "ReturnValuesOnConditionCheckFailure"],
} as const;

function transactElement(element: RequestBody): PortTransactWrite {
  const out: PortTransactWrite = {};
  for (const kind of ["Put", "Update", "Delete", "ConditionCheck"] as const) {
    const part = element?.[kind] as RequestBody | undefined;
    if (part === undefined || part === null) continue;
    checkParameters(`TransactWriteItems ${kind}`, part, TRANSACT_ELEMENT_PARAMETERS[kind]);
    const common = { TableName: tableName(part.TableName), ...expressionParts(part), ReturnValuesOnConditionCheckFailure: returnValuesOnFailure(part) };
    if (kind === "Put") out.Put = { ...common, Item: requiredMap(part.Item, "item") };
    else if (kind === "Update") out.Update = { ...common, Key: requiredMap(part.Key, "key"), UpdateExpression: part.UpdateExpression as string | undefined };
    else if (kind === "Delete") out.Delete = { ...common, Key: requiredMap(part.Key, "key") };
    else out.ConditionCheck = { ...common, Key: requiredMap(part.Key, "key"), ConditionExpression: part.ConditionExpression as string | undefined };
  }
  return out;
}

const transactWriteItems: Operation = async (state, body) => {
  checkParameters("TransactWriteItems", body, ["TransactItems", "ClientRequestToken"]);
  if (!Array.isArray(body.TransactItems)) throw validation("1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null");
  const token = body.ClientRequestToken;
  const request = JSON.stringify(body.TransactItems);
  const now = state.now();
  for (const [t, seen] of state.transactions) if (now - seen.at > TRANSACTION_TOKEN_MS) state.transactions.delete(t);
  if (typeof token === "string") {
    const seen = state.transactions.get(token);
    if (seen && seen.request !== request) throw engineError("IdempotentParameterMismatchException", "Request parameters do not match the parameters of the request with the same client request token");
    // A retry of a committed transaction within the window succeeds without writing again.
    if (seen) return {};
  }
  await state.engine.transactWriteItems({ TransactItems: body.TransactItems.map(transactElement) });
  if (typeof token === "string") state.transactions.set(token, { request, at: now });
  return {};
};

// ---- tables ------------------------------------------------------------------

type Throughput = { ReadCapacityUnits: number; WriteCapacityUnits: number };

/** DynamoDB's pairing of BillingMode and ProvisionedThroughput. */
function billing(body: RequestBody, current?: string): { billingMode: string; throughput?: Throughput | undefined } {
  const billingMode = (body.BillingMode as string | undefined) ?? current ?? "PROVISIONED";
  if (billingMode !== "PROVISIONED" && billingMode !== "PAY_PER_REQUEST") {
    throw validation(`1 validation error detected: Value '${billingMode}' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]`);
  }
  const throughput = body.ProvisionedThroughput as Partial<Throughput> | undefined;
  if (billingMode === "PAY_PER_REQUEST" && throughput) throw validation("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
  if (billingMode === "PROVISIONED" && current === undefined && (!throughput || throughput.ReadCapacityUnits === undefined || throughput.WriteCapacityUnits === undefined)) {
    throw validation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
  }
  return { billingMode, throughput: throughput as Throughput | undefined };
}

function describe(state: ServerState, description: Record<string, unknown>): Record<string, unknown> {
  const name = description.TableName as string;
  const extra = state.tables.get(name);
  const throughput = { ReadCapacityUnits: extra?.throughput?.ReadCapacityUnits ?? 0, WriteCapacityUnits: extra?.throughput?.WriteCapacityUnits ?? 0, NumberOfDecreasesToday: 0 };
  const out: Record<string, unknown> = {
    ...description,
    TableArn: `arn:aws:dynamodb:local:000000000000:table/${name}`,
    CreationDateTime: (extra?.createdAt ?? state.now()) / 1000,
    ProvisionedThroughput: throughput,
  };
  if (extra?.billingMode === "PAY_PER_REQUEST") out.BillingModeSummary = { BillingMode: "PAY_PER_REQUEST" };
  if (Array.isArray(description.GlobalSecondaryIndexes)) {
    out.GlobalSecondaryIndexes = description.GlobalSecondaryIndexes.map((index: Record<string, unknown>) => ({
      ...index,
      IndexArn: `arn:aws:dynamodb:local:000000000000:table/${name}/index/${String(index.IndexName)}`,
      ProvisionedThroughput: throughput,
    }));
  }
  return out;
}

const createTable: Operation = async (state, body) => {
  checkParameters("CreateTable", body, ["TableName", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode", "ProvisionedThroughput"]);
  const name = tableName(body.TableName);
  for (const what of ["AttributeDefinitions", "KeySchema"]) {
    if (!Array.isArray(body[what])) throw validation(`1 validation error detected: Value null at '${what[0]!.toLowerCase()}${what.slice(1)}' failed to satisfy constraint: Member must not be null`);
  }
  const { billingMode, throughput } = billing(body);
  const indexes = (body.GlobalSecondaryIndexes ?? undefined) as RequestBody[] | undefined;
  for (const index of indexes ?? []) {
    checkParameters("CreateTable GlobalSecondaryIndexes", index, ["IndexName", "KeySchema", "Projection", "ProvisionedThroughput"]);
    const projection = (index.Projection as { ProjectionType?: string } | undefined)?.ProjectionType;
    if (projection !== undefined && projection !== "ALL") checkParameters("CreateTable GlobalSecondaryIndexes", { [`Projection ${projection}`]: true }, ["Projection ALL"]);
    if (billingMode === "PROVISIONED" && !index.ProvisionedThroughput) throw validation("One or more parameter values were invalid: ProvisionedThroughput should not be null for index: " + String(index.IndexName));
    if (billingMode === "PAY_PER_REQUEST" && index.ProvisionedThroughput) throw validation("One or more parameter values were invalid: ProvisionedThroughput should be null for index: " + String(index.IndexName));
  }
  const created = await state.engine.createTable({
    TableName: name,
    AttributeDefinitions: body.AttributeDefinitions as never,
    KeySchema: body.KeySchema as never,
    GlobalSecondaryIndexes: indexes as never,
    BillingMode: billingMode,
  });
  state.tables.set(name, { createdAt: state.now(), billingMode, throughput });
  return { TableDescription: describe(state, created.TableDescription as Record<string, unknown>) };
};

const describeTable: Operation = async (state, body) => {
  checkParameters("DescribeTable", body, ["TableName"]);
  const out = await state.engine.describeTable({ TableName: tableName(body.TableName) });
  return { Table: describe(state, out.Table as Record<string, unknown>) };
};

const updateTable: Operation = async (state, body) => {
  checkParameters("UpdateTable", body, ["TableName", "AttributeDefinitions", "GlobalSecondaryIndexUpdates", "BillingMode", "ProvisionedThroughput"]);
  const name = tableName(body.TableName);
  const extra = state.tables.get(name);
  for (const update of (body.GlobalSecondaryIndexUpdates ?? []) as RequestBody[]) checkParameters("UpdateTable GlobalSecondaryIndexUpdates", update, ["Create"]);
  const out = await state.engine.updateTable({
    TableName: name,
    AttributeDefinitions: body.AttributeDefinitions as never,
    GlobalSecondaryIndexUpdates: body.GlobalSecondaryIndexUpdates as never,
  });
  if (extra) Object.assign(extra, billing(body, extra.billingMode));
  return { TableDescription: describe(state, out.TableDescription as Record<string, unknown>) };
};

const deleteTable: Operation = async (state, body) => {
  checkParameters("DeleteTable", body, ["TableName"]);
  const name = tableName(body.TableName);
  const { Table } = await state.engine.describeTable({ TableName: name });
  const description = describe(state, Table as Record<string, unknown>);
  state.engine.deleteTableNow(name);
  state.tables.delete(name);
  return { TableDescription: { ...description, TableStatus: "DELETING" } };
};

const listTables: Operation = async (state, body) => {
  checkParameters("ListTables", body, ["ExclusiveStartTableName", "Limit"]);
  const max = body.Limit === undefined ? 100 : limit(body.Limit)!;
  if (max > 100) throw validation(`1 validation error detected: Value '${max}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100`);
  const start = body.ExclusiveStartTableName === undefined ? undefined : tableName(body.ExclusiveStartTableName, "exclusiveStartTableName");
  const names = state.engine.tableNames().sort().filter((n) => start === undefined || n > start);
  const page = names.slice(0, max);
  return names.length > max ? { TableNames: page, LastEvaluatedTableName: page[page.length - 1] } : { TableNames: page };
};

const describeTimeToLive: Operation = async (state, body) => {
  checkParameters("DescribeTimeToLive", body, ["TableName"]);
  return state.engine.describeTimeToLive({ TableName: tableName(body.TableName) });
};

const updateTimeToLive: Operation = async (state, body) => {
  checkParameters("UpdateTimeToLive", body, ["TableName", "TimeToLiveSpecification"]);
  const spec = body.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
  if (!spec) throw validation("1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null");
  return state.engine.updateTimeToLive({ TableName: tableName(body.TableName), TimeToLiveSpecification: { AttributeName: spec.AttributeName, Enabled: spec.Enabled } });
};

/** The served operations by their `X-Amz-Target` name. */
export const OPERATIONS: ReadonlyMap<string, Operation> = new Map([
  ["GetItem", getItem],
  ["PutItem", putItem],
  ["UpdateItem", updateItem],
  ["DeleteItem", deleteItem],
  ["Query", query],
  ["Scan", scan],
  ["BatchGetItem", batchGetItem],
  ["BatchWriteItem", batchWriteItem],
  ["TransactWriteItems", transactWriteItems],
  ["CreateTable", createTable],
  ["DescribeTable", describeTable],
  ["UpdateTable", updateTable],
  ["DeleteTable", deleteTable],
  ["ListTables", listTables],
  ["DescribeTimeToLive", describeTimeToLive],
  ["UpdateTimeToLive", updateTimeToLive],
]);
