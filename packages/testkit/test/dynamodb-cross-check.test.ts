/**
 * The DynamoDB engine server held to dynalite (or to the endpoint in
 * POLYXENA_TEST_DYNAMODB_ENDPOINT, e.g. DynamoDB itself): the same raw
 * requests, through the AWS SDK's low-level client, sent to both; results and
 * error types and messages must be equal, for what dynalite serves
 * (conditions, update expressions, key schema, item size, batch limits,
 * query and scan paging, GSI queries, AttributeValues and numbers).
 *
 * Where the two disagree and DynamoDB's documentation sides with the engine
 * server, the case names the divergence and asserts DynamoDB's answer on the
 * engine server only (rows in the testkit README).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { startDynamoDbEngineServer, startDynamoDbTestServer, type DynamoDbTestServer } from "../src/index.js";

const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const RUN = randomUUID().slice(0, 8);
/** pk S + sk N, with a GSI on owner S + sk N. */
const MAIN = `xcheck_main_${RUN}`;
/** id S only. */
const SIMPLE = `xcheck_simple_${RUN}`;

type Item = Record<string, AttributeValue>;
/** What one request answered: its output without metadata, or its exception's name and message. */
type Outcome = { ok: unknown } | { error: { name: string; message: string } };

/** A sequence of requests; `send` records each outcome. */
type Case = (send: (command: Request) => Promise<Outcome>, key: (suffix?: string) => string) => Promise<void>;
/** Any command of the low-level client. */
type Request = object;

function normalize(output: Record<string, unknown>): unknown {
  const { $metadata: _metadata, ConsumedCapacity: _capacity, ...rest } = output;
  // BatchGetItem answers in no particular order.
  if (rest.Responses && typeof rest.Responses === "object") {
    for (const items of Object.values(rest.Responses as Record<string, Item[]>)) items.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return rest;
}

async function record(client: DynamoDBClient, command: Request): Promise<Outcome> {
  try {
    const send = client.send.bind(client) as unknown as (command: Request) => Promise<Record<string, unknown>>;
    return { ok: normalize(await send(command)) };
  } catch (error) {
    const e = error as Error;
    if (!("$metadata" in e)) throw error;
    // Constraint messages quote the offending request value; each server prints it its own way.
    return { error: { name: e.name, message: e.message.replace(/Value '[\s\S]*?' at '/, "Value at '") } };
  }
}

describe("DynamoDB engine server against dynalite: the same requests, the same answers", () => {
  let reference: DynamoDbTestServer;
  let engine: DynamoDbTestServer;
  let referenceClient: DynamoDBClient;
  let engineClient: DynamoDBClient;

  beforeAll(async () => {
    [reference, engine] = await Promise.all([startDynamoDbTestServer(), startDynamoDbEngineServer({ useEnvironment: false })]);
    referenceClient = new DynamoDBClient({ endpoint: reference.endpoint, region: "local", credentials, maxAttempts: 1 });
    engineClient = new DynamoDBClient({ endpoint: engine.endpoint, region: "local", credentials, maxAttempts: 1 });
    for (const client of [referenceClient, engineClient]) {
      await client.send(
        new CreateTableCommand({
          TableName: MAIN,
          AttributeDefinitions: [
            { AttributeName: "pk", AttributeType: "S" },
            { AttributeName: "sk", AttributeType: "N" },
            { AttributeName: "owner", AttributeType: "S" },
          ],
          KeySchema: [
            { AttributeName: "pk", KeyType: "HASH" },
            { AttributeName: "sk", KeyType: "RANGE" },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: "byOwner",
              KeySchema: [
                { AttributeName: "owner", KeyType: "HASH" },
                { AttributeName: "sk", KeyType: "RANGE" },
              ],
              Projection: { ProjectionType: "ALL" },
            },
          ],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
      await client.send(
        new CreateTableCommand({ TableName: SIMPLE, AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" }),
      );
      for (const table of [MAIN, SIMPLE]) {
        while ((await client.send(new DescribeTableCommand({ TableName: table }))).Table?.TableStatus !== "ACTIVE") await new Promise((r) => setTimeout(r, 20));
      }
    }
  });
  afterAll(async () => {
    referenceClient?.destroy();
    engineClient?.destroy();
    await Promise.all([reference?.close(), engine?.close()]);
  });

  /** Runs `steps` against both servers (each case on its own keys) and returns both transcripts. */
  async function both(name: string, steps: Case): Promise<{ reference: Outcome[]; engine: Outcome[] }> {
    const transcripts = { reference: [] as Outcome[], engine: [] as Outcome[] };
    const prefix = `${name.replace(/\W+/g, "-").slice(0, 40)}-${randomUUID().slice(0, 6)}`;
    for (const [lane, client] of [["reference", referenceClient], ["engine", engineClient]] as const) {
      await steps(
        async (command) => {
          const outcome = await record(client, command);
          transcripts[lane].push(outcome);
          return outcome;
        },
        (suffix = "") => `${prefix}${suffix}`,
      );
    }
    return transcripts;
  }

  /**
   * A case both servers must answer alike, except the steps in `known`: there
   * dynalite is known to differ from DynamoDB (or the engine from DynamoDB, by
   * a listed divergence), and the engine's answer is asserted instead.
   */
  function same(name: string, steps: Case, known: Record<number, { because: string; engine: Outcome }> = {}): void {
    it(name, async () => {
      const { reference, engine } = await both(name, steps);
      expect(engine.length).toBe(reference.length);
      for (const [step, { because, engine: expected }] of Object.entries(known)) {
        expect(engine[Number(step)], because).toMatchObject(expected);
        expect(reference[Number(step)], `dynalite no longer differs at step ${step}: ${because}`).not.toEqual(engine[Number(step)]);
      }
      const compared = (transcript: Outcome[]) => transcript.filter((_, step) => !(step in known));
      expect(compared(engine)).toEqual(compared(reference));
    });
  }
  const refused = (message: string | RegExp) => ({ error: { name: "ValidationException", message } }) as unknown as Outcome;

  const S = (s: string): AttributeValue => ({ S: s });
  const N = (n: string | number): AttributeValue => ({ N: String(n) });
  const put = (item: Item, extra: Partial<ConstructorParameters<typeof PutItemCommand>[0]> = {}) => new PutItemCommand({ TableName: MAIN, Item: item, ...extra });
  const get = (pk: string, sk: number | string) => new GetItemCommand({ TableName: MAIN, Key: { pk: S(pk), sk: N(sk) }, ConsistentRead: true });
  const update = (pk: string, sk: number, extra: Partial<ConstructorParameters<typeof UpdateItemCommand>[0]>) => new UpdateItemCommand({ TableName: MAIN, Key: { pk: S(pk), sk: N(sk) }, ReturnValues: "ALL_NEW", ...extra });

  describe("conditions", () => {
    same("attribute_not_exists on a stored item fails; on a new item passes", async (send, key) => {
      await send(put({ pk: S(key()), sk: N(1), v: N(1) }, { ConditionExpression: "attribute_not_exists(pk)" }));
      await send(put({ pk: S(key()), sk: N(1), v: N(2) }, { ConditionExpression: "attribute_not_exists(pk)" }));
      await send(get(key(), 1));
    });
    same("values of different types never compare; <> holds for a missing attribute", async (send, key) => {
      await send(put({ pk: S(key()), sk: N(1), v: N(5), s: S("5") }));
      await send(put({ pk: S(key()), sk: N(1), v: N(6) }, { ConditionExpression: "v = :s", ExpressionAttributeValues: { ":s": S("5") } }));
      await send(put({ pk: S(key()), sk: N(1), v: N(6) }, { ConditionExpression: "s < :n", ExpressionAttributeValues: { ":n": N(9) } }));
      await send(put({ pk: S(key()), sk: N(1), v: N(7) }, { ConditionExpression: "missing <> :n", ExpressionAttributeValues: { ":n": N(9) } }));
      await send(get(key(), 1));
    });
    same("functions and operators: begins_with, contains, size, attribute_type, IN, BETWEEN, AND/OR/NOT", async (send, key) => {
      await send(put({ pk: S(key()), sk: N(1), name: S("hello world"), tags: { SS: ["a", "b"] }, list: { L: [S("x"), N(2)] }, n: N(10) }));
      const check = (expression: string, values: Item) => send(update(key(), 1, { UpdateExpression: "SET checked = :t", ConditionExpression: expression, ExpressionAttributeValues: { ":t": { BOOL: true }, ...values } }));
      await check("begins_with(#n, :p)", { ":p": S("hello") }).catch(() => undefined);
      await check("begins_with(name, :p)", { ":p": S("hello") });
      await check("begins_with(name, :p)", { ":p": S("world") });
      await check("contains(tags, :a) AND contains(name, :w)", { ":a": S("a"), ":w": S("wor") });
      await check("contains(list, :two)", { ":two": N(2) });
      await check("size(name) = :eleven", { ":eleven": N(11) });
      await check("size(tags) > :two", { ":two": N(2) });
      await check("attribute_type(n, :type)", { ":type": S("N") });
      await check("attribute_type(n, :type)", { ":type": S("S") });
      await check("n IN (:a, :b)", { ":a": N(9), ":b": N(10) });
      await check("n BETWEEN :lo AND :hi", { ":lo": N(10), ":hi": N(12) });
      await check("n BETWEEN :hi AND :lo", { ":lo": N(10), ":hi": N(12) });
      await check("NOT (n = :a) OR n = :b", { ":a": N(10), ":b": N(11) });
    });
    same("undefined and unused names and values, syntax errors", async (send, key) => {
      await send(put({ pk: S(key()), sk: N(1) }, { ConditionExpression: "v = :missing" }));
      await send(put({ pk: S(key()), sk: N(1) }, { ConditionExpression: "#missing = :v", ExpressionAttributeValues: { ":v": N(1) } }));
      await send(put({ pk: S(key()), sk: N(1) }, { ConditionExpression: "attribute_not_exists(pk)", ExpressionAttributeValues: { ":unused": N(1) } }));
      await send(put({ pk: S(key()), sk: N(1) }, { ConditionExpression: "attribute_not_exists(pk)", ExpressionAttributeNames: { "#unused": "x" } }));
      await send(put({ pk: S(key()), sk: N(1) }, { ConditionExpression: "v = = :v", ExpressionAttributeValues: { ":v": N(1) } }));
      await send(put({ pk: S(key()), sk: N(1) }, { ConditionExpression: "", ExpressionAttributeValues: { ":v": N(1) } }));
      await send(put({ pk: S(key()), sk: N(1) }, { ConditionExpression: "size = :v", ExpressionAttributeValues: { ":v": N(1) } }));
    }, {
      4: { because: "dynalite prints its parser's expectations; DynamoDB prints the token and where it is", engine: refused(expect.stringMatching(/^Invalid ConditionExpression: Syntax error; token: "=", near: /) as never) },
    });
  });

  describe("update expressions", () => {
    same("SET with arithmetic, if_not_exists and list_append; REMOVE; ADD and DELETE on sets", async (send, key) => {
      await send(update(key(), 1, { UpdateExpression: "SET n = if_not_exists(n, :zero) + :one, l = list_append(if_not_exists(l, :empty), :l)", ExpressionAttributeValues: { ":zero": N(0), ":one": N(1), ":empty": { L: [] }, ":l": { L: [S("a")] } } }));
      await send(update(key(), 1, { UpdateExpression: "SET n = n + :one, l = list_append(:l, l) REMOVE gone ADD tags :t, c :one", ExpressionAttributeValues: { ":one": N(1), ":l": { L: [S("z")] }, ":t": { SS: ["x", "y"] } } }));
      await send(update(key(), 1, { UpdateExpression: "DELETE tags :t", ExpressionAttributeValues: { ":t": { SS: ["x"] } } }));
      await send(update(key(), 1, { UpdateExpression: "DELETE tags :t", ExpressionAttributeValues: { ":t": { SS: ["y"] } } }));
      await send(update(key(), 1, { UpdateExpression: "SET m = :m", ExpressionAttributeValues: { ":m": { M: { a: { M: { b: N(1) } } } } } }));
      await send(update(key(), 1, { UpdateExpression: "SET m.a.c = :v, l[0] = :v", ExpressionAttributeValues: { ":v": S("deep") } }));
      await send(update(key(), 1, { UpdateExpression: "REMOVE m.a.b, l[1]" }));
    });
    same("decimal arithmetic is exact", async (send, key) => {
      await send(update(key(), 1, { UpdateExpression: "SET n = :a", ExpressionAttributeValues: { ":a": N("0.1") } }));
      await send(update(key(), 1, { UpdateExpression: "SET n = n + :b", ExpressionAttributeValues: { ":b": N("0.2") } }));
      await send(update(key(), 1, { UpdateExpression: "ADD n :c", ExpressionAttributeValues: { ":c": N("-0.3") } }));
      await send(update(key(), 1, { UpdateExpression: "SET d = :d", ExpressionAttributeValues: { ":d": N("1234567.125") } }));
      await send(update(key(), 1, { UpdateExpression: "SET d = d - :e", ExpressionAttributeValues: { ":e": N("0.0625") } }));
      await send(update(key(), 1, { UpdateExpression: "SET big = :big", ExpressionAttributeValues: { ":big": N("99999999999999999999") } }));
      await send(update(key(), 1, { UpdateExpression: "SET big = big - :half", ExpressionAttributeValues: { ":half": N("0.5") } }));
      await send(get(key(), 1));
    }, {
      6: { because: "divergence row: a non-integer result with more digits than a double holds is refused, not rounded", engine: refused(expect.stringContaining("The result 99999999999999999998.5 has more significant digits") as never) },
      7: { because: "as step 6: the refused update wrote nothing", engine: { ok: { Item: expect.objectContaining({ big: { N: "99999999999999999999" } }) } } as never },
    });
    same("ReturnValues ALL_OLD, UPDATED_OLD, UPDATED_NEW and NONE", async (send, key) => {
      await send(update(key(), 1, { UpdateExpression: "SET a = :one, b = :one", ExpressionAttributeValues: { ":one": N(1) }, ReturnValues: "ALL_OLD" }));
      await send(update(key(), 1, { UpdateExpression: "SET a = :two", ExpressionAttributeValues: { ":two": N(2) }, ReturnValues: "UPDATED_OLD" }));
      await send(update(key(), 1, { UpdateExpression: "SET a = :three REMOVE b", ExpressionAttributeValues: { ":three": N(3) }, ReturnValues: "UPDATED_NEW" }));
      await send(update(key(), 1, { UpdateExpression: "SET a = :three", ExpressionAttributeValues: { ":three": N(3) }, ReturnValues: "NONE" }));
    });
    same("refusals: a missing operand, wrong operand types, a key attribute, an invalid document path", async (send, key) => {
      await send(update(key(), 1, { UpdateExpression: "SET s = :s", ExpressionAttributeValues: { ":s": S("text") } }));
      await send(update(key(), 1, { UpdateExpression: "SET n = missing + :one", ExpressionAttributeValues: { ":one": N(1) } }));
      await send(update(key(), 1, { UpdateExpression: "SET n = s + :one", ExpressionAttributeValues: { ":one": N(1) } }));
      await send(update(key(), 1, { UpdateExpression: "ADD s :one", ExpressionAttributeValues: { ":one": N(1) } }));
      await send(update(key(), 1, { UpdateExpression: "ADD s :b", ExpressionAttributeValues: { ":b": { BOOL: true } } }));
      await send(update(key(), 1, { UpdateExpression: "SET pk = :s", ExpressionAttributeValues: { ":s": S("other") } }));
      await send(update(key(), 1, { UpdateExpression: "SET nope.deeper = :s", ExpressionAttributeValues: { ":s": S("x") } }));
      await send(update(key(), 1, { UpdateExpression: "SET a = :s, a = :s", ExpressionAttributeValues: { ":s": S("x") } }));
      await send(update(key(), 1, { UpdateExpression: "SET a = :s REMOVE a", ExpressionAttributeValues: { ":s": S("x") } }));
      await send(update(key(), 1, { UpdateExpression: "SET l = list_append(s, :l)", ExpressionAttributeValues: { ":l": { L: [] } } }));
    });
  });

  describe("key schema", () => {
    same("a key with a missing, extra, mistyped or empty attribute", async (send, key) => {
      await send(new GetItemCommand({ TableName: MAIN, Key: { pk: S(key()) } }));
      await send(new GetItemCommand({ TableName: MAIN, Key: { pk: S(key()), sk: N(1), x: S("extra") } }));
      await send(new GetItemCommand({ TableName: MAIN, Key: { pk: S(key()), sk: S("1") } }));
      await send(new GetItemCommand({ TableName: MAIN, Key: { pk: S(""), sk: N(1) } }));
      await send(put({ pk: S(key()) }));
      await send(put({ pk: N(1), sk: N(1) }));
      await send(put({ pk: S(""), sk: N(1) }));
      await send(put({ pk: S(key()), sk: N(1), owner: N(5) }));
      await send(put({ pk: S(key()), sk: N(1), owner: S("") }));
      await send(new DeleteItemCommand({ TableName: MAIN, Key: { pk: S(key()) } }));
      await send(new GetItemCommand({ TableName: `${MAIN}_missing`, Key: { pk: S(key()), sk: N(1) } }));
    }, {
      8: { because: "DynamoDB refuses an empty string as a GSI key value (its 2020 announcement of empty values: index key attributes still need non-empty values); dynalite stores it (dynalite issue #164)", engine: refused(expect.stringContaining("cannot contain an empty string value. Key: owner") as never) },
    });
    same("key sizes: 2048 bytes of partition key and 1024 of sort key at most", async (send) => {
      await send(new PutItemCommand({ TableName: SIMPLE, Item: { id: S("k".repeat(2048)) } }));
      await send(new PutItemCommand({ TableName: SIMPLE, Item: { id: S("k".repeat(2049)) } }));
      await send(new GetItemCommand({ TableName: SIMPLE, Key: { id: S("k".repeat(2049)) } }));
    });
  });

  describe("item size", () => {
    same("an item of 400 KB is stored, one byte more is refused, on put and on update", async (send, key) => {
      const id = key();
      // name bytes + value bytes: "id" + key, "body" + filler
      const filler = (extra: number) => "x".repeat(400 * 1024 - 2 - Buffer.byteLength(id) - 4 + extra);
      await send(new PutItemCommand({ TableName: SIMPLE, Item: { id: S(id), body: S(filler(0)) } }));
      await send(new PutItemCommand({ TableName: SIMPLE, Item: { id: S(id), body: S(filler(1)) } }));
      await send(new UpdateItemCommand({ TableName: SIMPLE, Key: { id: S(id) }, UpdateExpression: "SET more = :x", ExpressionAttributeValues: { ":x": S("x") } }));
    });
  });

  describe("batches", () => {
    same("BatchGetItem: 100 keys at most, no duplicates, missing items left out", async (send, key) => {
      await send(new BatchWriteItemCommand({ RequestItems: { [MAIN]: [1, 2, 3].map((i) => ({ PutRequest: { Item: { pk: S(key()), sk: N(i) } } })) } }));
      await send(new BatchGetItemCommand({ RequestItems: { [MAIN]: { Keys: [1, 2, 3, 4].map((i) => ({ pk: S(key()), sk: N(i) })), ConsistentRead: true } } }));
      await send(new BatchGetItemCommand({ RequestItems: { [MAIN]: { Keys: [1, 1].map((i) => ({ pk: S(key()), sk: N(i) })) } } }));
      await send(new BatchGetItemCommand({ RequestItems: { [MAIN]: { Keys: Array.from({ length: 101 }, (_, i) => ({ pk: S(key()), sk: N(i) })) } } }));
      await send(new BatchGetItemCommand({ RequestItems: { [MAIN]: { Keys: [{ pk: S(key()) }] } } }));
    }, {
      3: { because: "DynamoDB's API reference: more than 100 keys is a ValidationException \"Too many items requested for the BatchGetItem call\"; dynalite sends a generic length constraint", engine: refused("Too many items requested for the BatchGetItem call") },
    });
    same("BatchWriteItem: 25 writes at most, no duplicate keys, puts and deletes", async (send, key) => {
      await send(new BatchWriteItemCommand({ RequestItems: { [MAIN]: [{ PutRequest: { Item: { pk: S(key()), sk: N(1) } } }, { DeleteRequest: { Key: { pk: S(key()), sk: N(2) } } }] } }));
      await send(new BatchWriteItemCommand({ RequestItems: { [MAIN]: [{ PutRequest: { Item: { pk: S(key()), sk: N(1) } } }, { DeleteRequest: { Key: { pk: S(key()), sk: N(1) } } }] } }));
      await send(new BatchWriteItemCommand({ RequestItems: { [MAIN]: Array.from({ length: 26 }, (_, i) => ({ PutRequest: { Item: { pk: S(key()), sk: N(i) } } })) } }));
      await send(new BatchWriteItemCommand({ RequestItems: { [MAIN]: [{ PutRequest: { Item: { pk: S(key()) } } }] } }));
      await send(get(key(), 1));
    });
  });

  describe("query and scan", () => {
    const fill = async (send: Parameters<Case>[0], key: Parameters<Case>[1]) => {
      await send(new BatchWriteItemCommand({ RequestItems: { [MAIN]: Array.from({ length: 10 }, (_, i) => ({ PutRequest: { Item: { pk: S(key()), sk: N(i), ...(i % 2 === 0 ? { owner: S(key("-owner")) } : {}) } } })) } }));
    };
    same("pages with Limit and ExclusiveStartKey, forward and backward", async (send, key) => {
      await fill(send, key);
      for (const forward of [true, false]) {
        let start: Item | undefined;
        for (let page = 0; page < 5; page++) {
          const outcome = await send(new QueryCommand({ TableName: MAIN, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": S(key()) }, Limit: 3, ScanIndexForward: forward, ExclusiveStartKey: start }));
          start = "ok" in outcome ? ((outcome.ok as { LastEvaluatedKey?: Item }).LastEvaluatedKey ?? undefined) : undefined;
          if (!start) break;
        }
      }
      await send(new QueryCommand({ TableName: MAIN, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": S(key()) }, Limit: 10 }));
      await send(new QueryCommand({ TableName: MAIN, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": S(key()) }, Limit: 11 }));
    });
    same("sort key conditions and refused key conditions", async (send, key) => {
      await fill(send, key);
      const q = (expression: string, values: Item) => send(new QueryCommand({ TableName: MAIN, KeyConditionExpression: expression, ExpressionAttributeValues: { ":pk": S(key()), ...values } }));
      await q("pk = :pk AND sk BETWEEN :a AND :b", { ":a": N(2), ":b": N(4) });
      await q("pk = :pk AND sk > :a", { ":a": N(7) });
      await q("pk = :pk AND sk <= :a", { ":a": N(1) });
      await q("pk = :pk AND begins_with(sk, :a)", { ":a": N(1) });
      await q("sk = :a", { ":a": N(1) }).catch(() => undefined);
      await send(new QueryCommand({ TableName: MAIN, KeyConditionExpression: "sk = :a", ExpressionAttributeValues: { ":a": N(1) } }));
      await q("pk = :pk AND sk > :a AND sk < :b", { ":a": N(1), ":b": N(5) });
      await q("pk = :pk OR sk = :a", { ":a": N(1) });
      await q("pk > :pk", {});
      await send(new QueryCommand({ TableName: MAIN, KeyConditionExpression: "pk = :pk AND #o = :a", ExpressionAttributeNames: { "#o": "other" }, ExpressionAttributeValues: { ":pk": S(key()), ":a": N(1) } }));
      await q("pk = :pk AND other = :a", { ":a": N(1) });
      await send(new QueryCommand({ TableName: MAIN, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": S(key()) }, ExclusiveStartKey: { pk: S(key()) } }));
      await send(new QueryCommand({ TableName: MAIN, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": S(key()) }, Limit: 0 }));
    });
    same("GSI queries: sparse, paged, no strong reads, unknown index refused", async (send, key) => {
      await fill(send, key);
      const owner = key("-owner");
      let start: Item | undefined;
      for (let page = 0; page < 4; page++) {
        const outcome = await send(new QueryCommand({ TableName: MAIN, IndexName: "byOwner", KeyConditionExpression: "#o = :o", ExpressionAttributeNames: { "#o": "owner" }, ExpressionAttributeValues: { ":o": S(owner) }, Limit: 2, ExclusiveStartKey: start }));
        start = "ok" in outcome ? ((outcome.ok as { LastEvaluatedKey?: Item }).LastEvaluatedKey ?? undefined) : undefined;
        if (!start) break;
      }
      await send(new QueryCommand({ TableName: MAIN, IndexName: "byOwner", KeyConditionExpression: "#o = :o AND sk >= :s", ExpressionAttributeNames: { "#o": "owner" }, ExpressionAttributeValues: { ":o": S(owner), ":s": N(4) }, ScanIndexForward: false }));
      await send(new QueryCommand({ TableName: MAIN, IndexName: "byOwner", KeyConditionExpression: "#o = :o", ExpressionAttributeNames: { "#o": "owner" }, ExpressionAttributeValues: { ":o": S(owner) }, ConsistentRead: true }));
      await send(new QueryCommand({ TableName: MAIN, IndexName: "noSuchIndex", KeyConditionExpression: "#o = :o", ExpressionAttributeNames: { "#o": "owner" }, ExpressionAttributeValues: { ":o": S(owner) } }));
      await send(new QueryCommand({ TableName: MAIN, IndexName: "byOwner", KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": S(key()) } }));
    });
    same("Scan pages with Limit over a table of its own", async (send) => {
      // A scan sees the whole table: it runs on the SIMPLE table's items of this case only by paging the case's own keys.
      await send(new ScanCommand({ TableName: SIMPLE, Limit: 0 }));
      await send(new ScanCommand({ TableName: SIMPLE, ExclusiveStartKey: { nope: S("x") } }));
    });
  });

  describe("attribute values and numbers", () => {
    same("malformed AttributeValues are refused", async (send, key) => {
      await send(put({ pk: S(key()), sk: N(1), a: {} as AttributeValue }));
      await send(put({ pk: S(key()), sk: N(1), a: { S: "x", N: "1" } as unknown as AttributeValue }));
      await send(put({ pk: S(key()), sk: N(1), a: { SS: [] } }));
      await send(put({ pk: S(key()), sk: N(1), a: { NS: [] } }));
      await send(put({ pk: S(key()), sk: N(1), a: { BS: [] } }));
      await send(put({ pk: S(key()), sk: N(1), a: { SS: ["x", "x"] } }));
      await send(put({ pk: S(key()), sk: N(1), a: { NS: ["1", "1.0"] } }));
      await send(put({ pk: S(key()), sk: N(1), a: { NULL: false } }));
      await send(put({ pk: S(key()), sk: N(1), a: { M: { inner: { SS: [] } } } }));
      await send(put({ pk: S(key()), sk: N(1), a: { S: "" }, b: { L: [] }, c: { M: {} }, d: { SS: [""] } }));
      await send(get(key(), 1));
    });
    same("numbers: DynamoDB's text, 38 digits, range", async (send, key) => {
      await send(put({ pk: S(key()), sk: N("1.0"), a: N("1.50"), b: N("1E+2"), c: N("-0.000"), d: N("12345678901234567890123456789012345678"), e: N(".5"), f: { NS: ["3", "1", "2.50"] } }));
      await send(get(key(), 1));
      await send(put({ pk: S(key()), sk: N(2), a: N("123456789012345678901234567890123456789") }));
      await send(put({ pk: S(key()), sk: N(2), a: N("1E+126") }));
      await send(put({ pk: S(key()), sk: N(2), a: N("1E-131") }));
      await send(put({ pk: S(key()), sk: N(2), a: N("x1") }));
      await send(put({ pk: S(key()), sk: N(2), a: N("") }));
      await send(put({ pk: S(key()), sk: N(2), a: N("9.9999999999999999999999999999999999999E+125"), b: N("1E-130") }));
      await send(get(key(), 2));
    });
  });
});
