/**
 * The DynamoDB semantics the adapter relies on, asserted on the port itself:
 * the same cases against the in-process DynamoDB (the memory twin's engine)
 * and against dynalite through the AWS SDK (the test command's DynamoDB), so
 * the in-process engine cannot drift from a real endpoint unnoticed.
 * dynalite has no TransactWriteItems: the transaction cases run on the
 * in-process DynamoDB, on the testkit's DynamoDB engine server (the same
 * engine behind the wire protocol, through the SDK) and on an external
 * endpoint (POLYXENA_TEST_DYNAMODB_ENDPOINT).
 */
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { sdkDynamoDbPort, type DynamoDbPort } from "@polyxena/adapters/dynamodb";
import { InProcessDynamoDb } from "../src/dynamodb-engine/in-process-dynamodb.js";
import { startDynamoDbEngineServer, startDynamoDbTestServer, type DynamoDbEngineServer, type DynamoDbTestServer } from "@polyxena/testkit";

interface Lane {
  port(): Promise<DynamoDbPort>;
  transactions(): Promise<boolean>;
  /** Whether a failed condition returns the old item with `ReturnValuesOnConditionCheckFailure` (dynalite predates it). */
  oldItemOnConditionFailure(): Promise<boolean>;
}

let serverPromise: Promise<DynamoDbTestServer> | undefined;
const server = () => (serverPromise ??= startDynamoDbTestServer());
afterAll(async () => {
  await (await serverPromise)?.close();
});

const inProcess: Lane = { port: async () => new InProcessDynamoDb(), transactions: async () => true, oldItemOnConditionFailure: async () => true };
const dynalite: Lane = {
  async port() {
    const { endpoint } = await server();
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region: "local", credentials: { accessKeyId: "test", secretAccessKey: "test" } }), {
      marshallOptions: { removeUndefinedValues: true },
    });
    return sdkDynamoDbPort(client, true);
  },
  transactions: async () => !(await server()).embedded,
  oldItemOnConditionFailure: async () => !(await server()).embedded,
};

let engineServerPromise: Promise<DynamoDbEngineServer> | undefined;
afterAll(async () => {
  await (await engineServerPromise)?.close();
});
/** The same in-process DynamoDB behind DynamoDB's wire protocol, reached through the AWS SDK like dynalite. */
const engineServer: Lane = {
  async port() {
    const { endpoint } = await (engineServerPromise ??= startDynamoDbEngineServer({ useEnvironment: false }));
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region: "local", credentials: { accessKeyId: "test", secretAccessKey: "test" } }), {
      marshallOptions: { removeUndefinedValues: true },
    });
    return sdkDynamoDbPort(client, true);
  },
  transactions: async () => true,
  oldItemOnConditionFailure: async () => true,
};

/** The error a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string; Item?: Record<string, unknown>; CancellationReasons?: { Code: string; Item?: Record<string, unknown> }[] }> {
  try {
    await promise;
  } catch (error) {
    return error as never;
  }
  throw new Error("expected the request to fail");
}

function portSuite(laneName: string, lane: Lane): void {
  describe(`DynamoDB port semantics (${laneName})`, () => {
    const table = `port_${randomUUID().slice(0, 8)}`;
    let port: DynamoDbPort;
    const setup = async () => {
      if (port) return port;
      port = await lane.port();
      await port.createTable({
        TableName: table,
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "sk", AttributeType: "N" },
          { AttributeName: "owner", AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        GlobalSecondaryIndexes: [{ IndexName: "byOwner", KeySchema: [{ AttributeName: "owner", KeyType: "HASH" }], Projection: { ProjectionType: "ALL" } }],
        BillingMode: "PAY_PER_REQUEST",
      });
      return port;
    };
    afterAll(() => port?.destroy());

    it("evaluates conditions with DynamoDB's typing: other types never compare, <> holds for a missing attribute", async () => {
      const p = await setup();
      await p.putItem({ TableName: table, Item: { pk: "c", sk: 1, n: 5, s: "5", tags: ["a"] } });
      const holds = async (expression: string, values: Record<string, unknown>, names: Record<string, string> = {}) => {
        try {
          await p.putItem({ TableName: table, Item: { pk: "c", sk: 1, n: 5, s: "5", tags: ["a"] }, ConditionExpression: expression, ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}), ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}) });
          return true;
        } catch (error) {
          if ((error as Error).name === "ConditionalCheckFailedException") return false;
          throw error;
        }
      };
      expect(await holds("n = :v", { ":v": 5 })).toBe(true);
      expect(await holds("n = :v", { ":v": "5" })).toBe(false);
      expect(await holds("s < :v", { ":v": 6 })).toBe(false);
      expect(await holds("#m <> :v", { ":v": 1 }, { "#m": "missing" })).toBe(true);
      expect(await holds("#m < :v", { ":v": 1 }, { "#m": "missing" })).toBe(false);
      expect(await holds("n BETWEEN :a AND :b", { ":a": 1, ":b": 5 })).toBe(true);
      expect(await holds("begins_with(s, :p) AND contains(tags, :t)", { ":p": "5", ":t": "a" })).toBe(true);
      expect(await holds("attribute_exists(n) AND NOT attribute_exists(#m)", {}, { "#m": "missing" })).toBe(true);
      expect(await holds("size(tags) = :one OR n IN (:a, :b)", { ":one": 2, ":a": 4, ":b": 5 })).toBe(true);
    });

    it("refuses names and values an expression does not use, and ones it uses without defining", async () => {
      const p = await setup();
      const unused = await failure(p.putItem({ TableName: table, Item: { pk: "u", sk: 1 }, ConditionExpression: "attribute_not_exists(pk)", ExpressionAttributeValues: { ":x": 1 } }));
      expect(unused.name).toBe("ValidationException");
      expect(unused.message).toMatch(/unused/i);
      const undefinedName = await failure(p.putItem({ TableName: table, Item: { pk: "u", sk: 1 }, ConditionExpression: "attribute_not_exists(#k)" }));
      expect(undefinedName.name).toBe("ValidationException");
    });

    it("returns the old item on a failed condition with ALL_OLD, as raw attribute values", async (context) => {
      const p = await setup();
      await p.putItem({ TableName: table, Item: { pk: "r", sk: 1, v: 3, name: "x" } });
      const failed = await failure(
        p.updateItem({ TableName: table, Key: { pk: "r", sk: 1 }, UpdateExpression: "SET v = :n", ConditionExpression: "v = :e", ExpressionAttributeValues: { ":n": 4, ":e": 2 }, ReturnValuesOnConditionCheckFailure: "ALL_OLD" }),
      );
      expect(failed.name).toBe("ConditionalCheckFailedException");
      if (!(await lane.oldItemOnConditionFailure())) {
        expect(failed.Item).toBeUndefined();
        context.annotate("dynalite predates ReturnValuesOnConditionCheckFailure: no item returned");
        return;
      }
      expect(failed.Item).toEqual({ pk: { S: "r" }, sk: { N: "1" }, v: { N: "3" }, name: { S: "x" } });
    });

    it("applies update expressions: arithmetic with if_not_exists, REMOVE, ADD creating a number, and refuses a key attribute", async () => {
      const p = await setup();
      const out = await p.updateItem({
        TableName: table,
        Key: { pk: "u1", sk: 2 },
        UpdateExpression: "SET #v = if_not_exists(#v, :zero) + :one, note = :note ADD hits :one",
        ExpressionAttributeNames: { "#v": "version" },
        ExpressionAttributeValues: { ":zero": 0, ":one": 1, ":note": "n" },
        ReturnValues: "ALL_NEW",
      });
      expect(Number(out.Attributes?.version)).toBe(1);
      expect(Number(out.Attributes?.hits)).toBe(1);
      const again = await p.updateItem({ TableName: table, Key: { pk: "u1", sk: 2 }, UpdateExpression: "SET #v = #v + :one REMOVE note", ExpressionAttributeNames: { "#v": "version" }, ExpressionAttributeValues: { ":one": 1 }, ReturnValues: "ALL_NEW" });
      expect(Number(again.Attributes?.version)).toBe(2);
      expect(again.Attributes?.note).toBeUndefined();
      const key = await failure(p.updateItem({ TableName: table, Key: { pk: "u1", sk: 2 }, UpdateExpression: "SET sk = :s", ExpressionAttributeValues: { ":s": 3 } }));
      expect(key.name).toBe("ValidationException");
      expect(key.message).toMatch(/part of the key/);
    });

    it("refuses an item over 400 KB, and an update that grows one past it, storing nothing", async () => {
      const p = await setup();
      const big = await failure(p.putItem({ TableName: table, Item: { pk: "big", sk: 1, blob: "x".repeat(400 * 1024) } }));
      expect(big.name).toBe("ValidationException");
      expect(big.message).toMatch(/item size/i);
      await p.putItem({ TableName: table, Item: { pk: "big", sk: 1, blob: "x".repeat(300 * 1024) } });
      const grown = await failure(p.updateItem({ TableName: table, Key: { pk: "big", sk: 1 }, UpdateExpression: "SET more = :m", ExpressionAttributeValues: { ":m": "y".repeat(200 * 1024) } }));
      expect(grown.name).toBe("ValidationException");
      expect(grown.message).toMatch(/item size/i);
      expect((await p.getItem({ TableName: table, Key: { pk: "big", sk: 1 } })).Item?.more).toBeUndefined();
    });

    it("pages a query by Limit with LastEvaluatedKey (also on a page that ends exactly at the last item), forwards and backwards", async () => {
      const p = await setup();
      for (let sk = 1; sk <= 5; sk++) await p.putItem({ TableName: table, Item: sk % 2 ? { pk: "q", sk, owner: "odd" } : { pk: "q", sk } });
      const read = async (forward: boolean) => {
        const seen: number[] = [];
        let start: Record<string, unknown> | undefined;
        let pages = 0;
        do {
          const out = await p.query({ TableName: table, KeyConditionExpression: "pk = :p AND sk >= :lo", ExpressionAttributeValues: { ":p": "q", ":lo": 2 }, Limit: 2, ScanIndexForward: forward, ExclusiveStartKey: start });
          seen.push(...(out.Items ?? []).map((i) => Number(i.sk)));
          start = out.LastEvaluatedKey;
          pages++;
        } while (start);
        return { seen, pages };
      };
      expect(await read(true)).toEqual({ seen: [2, 3, 4, 5], pages: 3 });
      expect(await read(false)).toEqual({ seen: [5, 4, 3, 2], pages: 3 });
    });

    it("serves a sparse GSI, refuses a strong read of it and refuses an index the table does not have", async () => {
      const p = await setup();
      const out = await p.query({ TableName: table, IndexName: "byOwner", KeyConditionExpression: "#o = :o", ExpressionAttributeNames: { "#o": "owner" }, ExpressionAttributeValues: { ":o": "odd" } });
      expect((out.Items ?? []).map((i) => Number(i.sk)).sort()).toEqual([1, 3, 5]);
      const strong = await failure(p.query({ TableName: table, IndexName: "byOwner", ConsistentRead: true, KeyConditionExpression: "#o = :o", ExpressionAttributeNames: { "#o": "owner" }, ExpressionAttributeValues: { ":o": "odd" } }));
      expect(strong.name).toBe("ValidationException");
      const missing = await failure(p.query({ TableName: table, IndexName: "byTitle", KeyConditionExpression: "#o = :o", ExpressionAttributeNames: { "#o": "owner" }, ExpressionAttributeValues: { ":o": "odd" } }));
      expect(missing.name).toBe("ValidationException");
      expect(missing.message).toMatch(/does not have the specified index/);
    });

    it("refuses a key that is not the table's key schema, an empty key value and an unknown table", async () => {
      const p = await setup();
      expect((await failure(p.getItem({ TableName: table, Key: { pk: "a" } }))).name).toBe("ValidationException");
      expect((await failure(p.getItem({ TableName: table, Key: { pk: "a", sk: "1" } }))).name).toBe("ValidationException");
      expect((await failure(p.putItem({ TableName: table, Item: { pk: "", sk: 1 } }))).name).toBe("ValidationException");
      expect((await failure(p.getItem({ TableName: `${table}_absent`, Key: { pk: "a", sk: 1 } }))).name).toBe("ResourceNotFoundException");
    });

    it("returns what one BatchGetItem response cannot hold (16 MB) as UnprocessedKeys, and refuses duplicates and more than 100 keys", async () => {
      const p = await setup();
      const keys = Array.from({ length: 60 }, (_, i) => ({ pk: "batch", sk: i }));
      for (const key of keys) await p.putItem({ TableName: table, Item: { ...key, blob: "b".repeat(390 * 1024) } });
      const out = await p.batchGetItem({ RequestItems: { [table]: { Keys: keys } } });
      const returned = out.Responses?.[table]?.length ?? 0;
      const unprocessed = out.UnprocessedKeys?.[table]?.Keys?.length ?? 0;
      expect(returned).toBeGreaterThan(0);
      expect(unprocessed).toBeGreaterThan(0);
      expect(returned + unprocessed).toBe(60);
      expect((await failure(p.batchGetItem({ RequestItems: { [table]: { Keys: [keys[0]!, keys[0]!] } } }))).name).toBe("ValidationException");
      expect((await failure(p.batchGetItem({ RequestItems: { [table]: { Keys: Array.from({ length: 101 }, (_, i) => ({ pk: "many", sk: i })) } } }))).name).toBe("ValidationException");
    });

    it("commits TransactWriteItems all or nothing, with one cancellation reason per item and the old item on ALL_OLD", async (context) => {
      if (!(await lane.transactions())) {
        // dynalite has no TransactWriteItems: the request is unknown there, which this asserts instead.
        const p = await setup();
        expect((await failure(p.transactWriteItems({ TransactItems: [{ Put: { TableName: table, Item: { pk: "t", sk: 1 } } }] }))).name).toMatch(/UnknownOperation|Validation/);
        context.annotate("dynalite has no TransactWriteItems: asserted the refusal; the transaction semantics run on the in-process DynamoDB");
        return;
      }
      const p = await setup();
      await p.putItem({ TableName: table, Item: { pk: "t", sk: 1, v: 1 } });
      const cancelled = await failure(
        p.transactWriteItems({
          TransactItems: [
            { Put: { TableName: table, Item: { pk: "t", sk: 2, v: 1 } } },
            { Update: { TableName: table, Key: { pk: "t", sk: 1 }, UpdateExpression: "SET v = :n", ConditionExpression: "v = :e", ExpressionAttributeValues: { ":n": 3, ":e": 2 }, ReturnValuesOnConditionCheckFailure: "ALL_OLD" } },
          ],
        }),
      );
      expect(cancelled.name).toBe("TransactionCanceledException");
      expect(cancelled.CancellationReasons?.map((r) => r.Code)).toEqual(["None", "ConditionalCheckFailed"]);
      expect(cancelled.CancellationReasons?.[1]?.Item).toEqual({ pk: { S: "t" }, sk: { N: "1" }, v: { N: "1" } });
      expect((await p.getItem({ TableName: table, Key: { pk: "t", sk: 2 } })).Item).toBeUndefined();
      await p.transactWriteItems({
        TransactItems: [
          { Put: { TableName: table, Item: { pk: "t", sk: 2, v: 1 } } },
          { ConditionCheck: { TableName: table, Key: { pk: "t", sk: 1 }, ConditionExpression: "v = :e", ExpressionAttributeValues: { ":e": 1 } } },
        ],
      });
      expect(Number((await p.getItem({ TableName: table, Key: { pk: "t", sk: 2 }, ConsistentRead: true })).Item?.v)).toBe(1);
      const twice = await failure(p.transactWriteItems({ TransactItems: [{ Put: { TableName: table, Item: { pk: "t", sk: 3 } } }, { Delete: { TableName: table, Key: { pk: "t", sk: 3 } } }] }));
      expect(twice.name).toBe("ValidationException");
    });
  });
}

portSuite("in-process", inProcess);
portSuite("dynalite", dynalite);
portSuite("engine server", engineServer);
