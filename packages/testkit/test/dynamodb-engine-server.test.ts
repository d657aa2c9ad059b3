/**
 * The DynamoDB engine server on the wire, through the AWS SDK's low-level
 * client: the exceptions the SDK raises, number precision, what the server
 * refuses, TransactWriteItems idempotency, and the endpoint it hands out.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  IdempotentParameterMismatchException,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  ResourceNotFoundException,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { startDynamoDbEngineServer, type DynamoDbEngineServer } from "../src/index.js";

const credentials = { accessKeyId: "test", secretAccessKey: "test" };

/** The error a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error("expected the request to fail");
}

describe("DynamoDB engine server", () => {
  let server: DynamoDbEngineServer;
  let client: DynamoDBClient;
  const table = `engine_${randomUUID().slice(0, 8)}`;
  const item = (pk: string, extra: Record<string, AttributeValue> = {}): Record<string, AttributeValue> => ({ pk: { S: pk }, ...extra });

  beforeAll(async () => {
    server = await startDynamoDbEngineServer({ useEnvironment: false });
    client = new DynamoDBClient({ endpoint: server.endpoint, region: "local", credentials, maxAttempts: 1 });
    await client.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
  });
  afterAll(async () => {
    client?.destroy();
    await server?.close();
  });

  it("raises ConditionalCheckFailedException with the old item on ALL_OLD, binary and sets intact", async () => {
    const stored = item("cond", { b: { B: new Uint8Array([0, 255, 7]) }, ss: { SS: ["x", "y"] }, ns: { NS: ["1", "2.5"] }, m: { M: { l: { L: [{ NULL: true }, { BOOL: false }] } } } });
    await client.send(new PutItemCommand({ TableName: table, Item: stored }));
    const error = await failure(client.send(new PutItemCommand({ TableName: table, Item: item("cond"), ConditionExpression: "attribute_not_exists(pk)", ReturnValuesOnConditionCheckFailure: "ALL_OLD" })));
    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    expect(error.message).toBe("The conditional request failed");
    expect(error.Item).toEqual(stored);
    expect((await client.send(new GetItemCommand({ TableName: table, Key: item("cond") }))).Item).toEqual(stored);
  });

  it("commits TransactWriteItems all or nothing and raises TransactionCanceledException with one reason per item", async () => {
    await client.send(new PutItemCommand({ TableName: table, Item: item("tx-held", { v: { N: "1" } }) }));
    const error = await failure(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: table, Item: item("tx-new") } },
            { ConditionCheck: { TableName: table, Key: item("tx-held"), ConditionExpression: "v = :two", ExpressionAttributeValues: { ":two": { N: "2" } }, ReturnValuesOnConditionCheckFailure: "ALL_OLD" } },
          ],
        }),
      ),
    );
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(error.message).toBe("Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]");
    expect(error.CancellationReasons).toEqual([{ Code: "None" }, { Code: "ConditionalCheckFailed", Message: "The conditional request failed", Item: item("tx-held", { v: { N: "1" } }) }]);
    expect((await client.send(new GetItemCommand({ TableName: table, Key: item("tx-new") }))).Item).toBeUndefined();
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: table, Item: item("tx-new") } },
          { Update: { TableName: table, Key: item("tx-held"), UpdateExpression: "SET v = v + :one", ConditionExpression: "v = :one", ExpressionAttributeValues: { ":one": { N: "1" } } } },
        ],
      }),
    );
    expect((await client.send(new GetItemCommand({ TableName: table, Key: item("tx-held") }))).Item?.v).toEqual({ N: "2" });
  });

  it("applies a retried TransactWriteItems once per ClientRequestToken, and refuses the token with other parameters", async () => {
    await client.send(new PutItemCommand({ TableName: table, Item: item("tok", { n: { N: "0" } }) }));
    const add = (by: string, token: string) =>
      new TransactWriteItemsCommand({ ClientRequestToken: token, TransactItems: [{ Update: { TableName: table, Key: item("tok"), UpdateExpression: "ADD n :by", ExpressionAttributeValues: { ":by": { N: by } } } }] });
    const token = randomUUID();
    await client.send(add("1", token));
    await client.send(add("1", token));
    expect((await client.send(new GetItemCommand({ TableName: table, Key: item("tok") }))).Item?.n).toEqual({ N: "1" });
    expect(await failure(client.send(add("2", token)))).toBeInstanceOf(IdempotentParameterMismatchException);
    await client.send(add("1", randomUUID()));
    expect((await client.send(new GetItemCommand({ TableName: table, Key: item("tok") }))).Item?.n).toEqual({ N: "2" });
  });

  it("keeps integers exact to 38 digits, returns DynamoDB's number text, and refuses what DynamoDB refuses", async () => {
    const big = "-12345678901234567890123456789012345678";
    await client.send(new PutItemCommand({ TableName: table, Item: item("num", { big: { N: big }, dec: { N: "1.50" }, exp: { N: "1E+2" }, small: { N: "1e-7" } }) }));
    const updated = await client.send(
      new UpdateItemCommand({ TableName: table, Key: item("num"), UpdateExpression: "ADD big :one", ExpressionAttributeValues: { ":one": { N: "1" } }, ReturnValues: "ALL_NEW" }),
    );
    expect(updated.Attributes).toMatchObject({ big: { N: "-12345678901234567890123456789012345677" }, dec: { N: "1.5" }, exp: { N: "100" }, small: { N: "0.0000001" } });
    const refusal = async (text: string) => (await failure(client.send(new PutItemCommand({ TableName: table, Item: item("num-bad", { n: { N: text } }) })))).message;
    expect(await refusal("123456789012345678901234567890123456789")).toBe("Attempting to store more than 38 significant digits in a Number");
    expect(await refusal("1E+126")).toBe("Number overflow. Attempting to store a number with magnitude larger than supported range");
    expect(await refusal("1E-131")).toBe("Number underflow. Attempting to store a number with magnitude smaller than supported range");
    expect(await refusal("12abc")).toBe("The parameter cannot be converted to a numeric value: 12abc");
  });

  it("refuses a non-integer with more digits than a double holds, naming the limit, instead of rounding it", async () => {
    const error = await failure(client.send(new PutItemCommand({ TableName: table, Item: item("num-double", { n: { N: "0.123456789012345678901" } }) })));
    expect(error.name).toBe("ValidationException");
    expect(error.message).toContain("IEEE-754 doubles");
    expect(error.message).toContain("DynamoDB keeps 38");
    expect((await client.send(new GetItemCommand({ TableName: table, Key: item("num-double") }))).Item).toBeUndefined();
    await client.send(new PutItemCommand({ TableName: table, Item: item("num-double", { n: { N: "0.1234567890123456" } }) }));
    expect((await client.send(new GetItemCommand({ TableName: table, Key: item("num-double") }))).Item?.n).toEqual({ N: "0.1234567890123456" });
  });

  it("returns the replaced item for PutItem and DeleteItem with ReturnValues ALL_OLD", async () => {
    expect((await client.send(new PutItemCommand({ TableName: table, Item: item("old", { v: { S: "a" } }), ReturnValues: "ALL_OLD" }))).Attributes).toBeUndefined();
    expect((await client.send(new PutItemCommand({ TableName: table, Item: item("old", { v: { S: "b" } }), ReturnValues: "ALL_OLD" }))).Attributes).toEqual(item("old", { v: { S: "a" } }));
    expect((await client.send(new DeleteItemCommand({ TableName: table, Key: item("old"), ReturnValues: "ALL_OLD" }))).Attributes).toEqual(item("old", { v: { S: "b" } }));
  });

  it("refuses a parameter it does not implement by name, and answers an unknown table or operation as DynamoDB does", async () => {
    const unsupported = await failure(client.send(new QueryCommand({ TableName: table, KeyConditionExpression: "pk = :p", FilterExpression: "v = :p", ExpressionAttributeValues: { ":p": { S: "x" } } })));
    expect(unsupported.name).toBe("ValidationException");
    expect(unsupported.message).toContain("does not implement FilterExpression on Query");
    expect(await failure(client.send(new GetItemCommand({ TableName: "no_such_table", Key: item("x") })))).toBeInstanceOf(ResourceNotFoundException);
    const response = await fetch(server.endpoint, { method: "POST", headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.RestoreTableFromBackup", authorization: "test" }, body: "{}" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { __type: string }).__type).toBe("com.amazon.coral.service#UnknownOperationException");
    const unsigned = await fetch(server.endpoint, { method: "POST", headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.ListTables" }, body: "{}" });
    expect(((await unsigned.json()) as { __type: string }).__type).toBe("com.amazonaws.dynamodb.v20120810#MissingAuthenticationTokenException");
  });

  it("lists, describes and deletes tables", async () => {
    const other = `engine_other_${randomUUID().slice(0, 8)}`;
    await client.send(new CreateTableCommand({ TableName: other, AttributeDefinitions: [{ AttributeName: "id", AttributeType: "N" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }], ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } }));
    const described = (await client.send(new DescribeTableCommand({ TableName: other }))).Table;
    expect(described).toMatchObject({ TableName: other, TableStatus: "ACTIVE", KeySchema: [{ AttributeName: "id", KeyType: "HASH" }], ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } });
    expect(described?.TableArn).toContain(`table/${other}`);
    expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual([table, other].sort());
    const firstPage = await client.send(new ListTablesCommand({ Limit: 1 }));
    expect(firstPage.TableNames).toHaveLength(1);
    expect((await client.send(new ListTablesCommand({ ExclusiveStartTableName: firstPage.LastEvaluatedTableName }))).TableNames).toHaveLength(1);
    expect((await client.send(new DeleteTableCommand({ TableName: other }))).TableDescription?.TableStatus).toBe("DELETING");
    expect(await failure(client.send(new DescribeTableCommand({ TableName: other })))).toBeInstanceOf(ResourceNotFoundException);
  });
});

describe("DynamoDB engine server endpoint", () => {
  it("hands out POLYXENA_TEST_DYNAMODB_ENDPOINT when set, and its own server with useEnvironment: false", async () => {
    const before = process.env.POLYXENA_TEST_DYNAMODB_ENDPOINT;
    process.env.POLYXENA_TEST_DYNAMODB_ENDPOINT = "http://127.0.0.1:1";
    try {
      const external = await startDynamoDbEngineServer();
      expect(external).toMatchObject({ endpoint: "http://127.0.0.1:1", embedded: false, engine: undefined });
      const own = await startDynamoDbEngineServer({ useEnvironment: false });
      expect(own.embedded).toBe(true);
      expect(own.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await own.close();
    } finally {
      if (before === undefined) delete process.env.POLYXENA_TEST_DYNAMODB_ENDPOINT;
      else process.env.POLYXENA_TEST_DYNAMODB_ENDPOINT = before;
    }
  });
});
