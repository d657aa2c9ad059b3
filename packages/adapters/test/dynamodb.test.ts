import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { defineEntity, isPolyxenaError, PolyxenaRuntime, type EntityRuntime } from "@polyxena/core";
import { createDynamoDbAdapter, dynamoItemSize, type DynamoDbAdapter, type NativeItem } from "../src/dynamodb/index.js";
import { startDynamoDbTestServer, type DynamoDbTestServer, expectPolyxenaError } from "@polyxena/testkit";

const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const FILE_PREFIX = `dynamodb_test_${randomUUID().slice(0, 8)}_`;

let serverPromise: Promise<DynamoDbTestServer> | undefined;
const server = () => (serverPromise ??= startDynamoDbTestServer());
afterAll(async () => {
  await (await serverPromise)?.close();
});

interface Sent {
  command: string;
  input: Record<string, unknown>;
}

describe("dynamodb adapter on dynalite", () => {
  let adapter: DynamoDbAdapter;
  let docs: EntityRuntime;
  let raw: DynamoDBDocumentClient;
  let base: DynamoDBClient;
  let sent: Sent[];
  const prefix = `${FILE_PREFIX}own_`;
  const Item = defineEntity("Item", {
    store: "dynamodb",
    schema: z.object({
      id: z.string(),
      at: z.date(),
      tags: z.array(z.string()),
      meta: z.object({ rating: z.number(), seenAt: z.date() }),
      counts: z.record(z.string(), z.bigint()),
      big: z.bigint(),
      ratio: z.number(),
      flag: z.boolean(),
      owner: z.string(),
      note: z.string().nullable(),
      body: z.string().optional(),
    }),
    key: { partition: "id", sort: "at" },
    queries: { byOwner: { by: ["owner"], order: { at: "desc" } } },
    ttl: "1h",
  });
  type ItemShape = z.output<typeof Item.schema>;
  const newItem = (over: Partial<ItemShape> = {}): ItemShape => ({
    id: `i-${randomUUID()}`,
    at: new Date(Date.UTC(2026, 5, 1, 12, 0, 0, 1)),
    tags: ["x"],
    meta: { rating: -12.125, seenAt: new Date(Date.UTC(2025, 0, 1)) },
    counts: { plays: 123456789012345678901234567890n },
    big: -98765432109876543210n,
    ratio: 0.1,
    flag: true,
    owner: `o-${randomUUID()}`,
    note: null,
    ...over,
  });
  const keyOf = (i: ItemShape) => ({ id: i.id, at: i.at });

  beforeAll(async () => {
    const { endpoint } = await server();
    base = new DynamoDBClient({ endpoint, region: "local", credentials });
    raw = DynamoDBDocumentClient.from(base);
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region: "local", credentials }), {
      marshallOptions: { removeUndefinedValues: true },
      unmarshallOptions: { wrapNumbers: (text: string) => text },
    });
    sent = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push({ command: String(context.commandName), input: structuredClone(args.input as Record<string, unknown>) });
        return next(args);
      },
      { step: "initialize", name: "recordRequests" },
    );
    adapter = createDynamoDbAdapter({ client, tablePrefix: prefix, batchGetRetry: { baseDelayMs: 1, maxDelayMs: 10 } });
    await adapter.applySchema([Item.model]);
    docs = new PolyxenaRuntime({ stores: { dynamodb: adapter } }, [Item]).entity(Item);
  });
  afterAll(async () => {
    await adapter?.close();
    base?.destroy();
  });

  it("stores dates as ISO strings, bigints and decimals as exact numbers, and _ttl as epoch seconds", async () => {
    const item = newItem();
    const before = Math.floor(Date.now() / 1000);
    await docs.put(item);
    const stored = (await raw.send(new GetCommand({ TableName: `${prefix}item`, Key: { id: item.id, at: item.at.toISOString() }, ConsistentRead: true }))).Item!;
    expect(stored.at).toBe("2026-06-01T12:00:00.001Z");
    expect((stored.meta as { seenAt: string }).seenAt).toBe("2025-01-01T00:00:00.000Z");
    expect(stored.big).toBe(-98765432109876543210n);
    expect(stored._ttl).toBeGreaterThanOrEqual(before + 3600);
    expect(stored._ttl).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 3600);
    const read = (await docs.get(keyOf(item), { consistency: "strong" })).item as ItemShape;
    expect(read).toEqual(item);
    expect(read.counts.plays).toBe(123456789012345678901234567890n);
    expect(Object.keys(read)).not.toContain("_ttl");
  });

  it("sends ConsistentRead only for strong reads, and never a raw attribute name in an expression", async () => {
    const item = newItem();
    await docs.put(item);
    sent.length = 0;
    await docs.get(keyOf(item), { consistency: "strong" });
    await docs.get(keyOf(item), { consistency: "eventual" });
    await docs.getMany([keyOf(item)], { consistency: "strong" });
    await docs.query("byOwner", { owner: item.owner }, { range: { gt: new Date(0) }, limit: 5, reverse: true });
    await docs.update(keyOf(item), { ratio: 2, note: "n", body: undefined });
    await docs.put(item);
    expect(sent.map((s) => s.command)).toEqual(["GetItemCommand", "GetItemCommand", "BatchGetItemCommand", "QueryCommand", "UpdateItemCommand", "PutItemCommand"]);
    expect(sent[0]!.input.ConsistentRead).toBe(true);
    // GetItem is eventually consistent by default: the eventual read sends exactly what a plain GetCommand sends.
    expect(sent[1]!.input).toEqual({ TableName: `${prefix}item`, Key: { id: item.id, at: item.at.toISOString() } });
    const batch = sent[2]!.input.RequestItems as Record<string, { ConsistentRead: boolean }>;
    expect(batch[`${prefix}item`]!.ConsistentRead).toBe(true);
    const query = sent[3]!.input;
    expect(query).toMatchObject({ IndexName: "byOwnerIndex", ScanIndexForward: true, Limit: 6, ConsistentRead: false, KeyConditionExpression: "#a0 = :p AND #a1 > :b" });
    expect(query.ExpressionAttributeNames).toEqual({ "#a0": "owner", "#a1": "at" });
    const update = sent[4]!.input;
    expect(update.UpdateExpression).toBe("SET #a0 = :s0, #a1 = :s1, #a2 = :ttl REMOVE #a3");
    expect(update.ConditionExpression).toBe("attribute_exists(#a4) AND (attribute_not_exists(#a2) OR #a2 > :now)");
    expect(update.ReturnValues).toBe("ALL_NEW");
    for (const s of sent) {
      for (const key of ["KeyConditionExpression", "UpdateExpression", "ConditionExpression"]) {
        const expression = s.input[key];
        if (typeof expression !== "string") continue;
        expect(expression.replace(/#a\d+|:[a-z0-9]+/g, "")).not.toMatch(/\b(owner|ratio|note|body|id|at|_ttl)\b/);
      }
    }
  });

  it("refuses an oversized item before sending anything", async () => {
    sent.length = 0;
    await expectPolyxenaError(docs.put(newItem({ body: "z".repeat(400 * 1024) })), "E_VALIDATION");
    expect(sent).toEqual([]);
  });

  it("computes item sizes as dynalite does for numbers, lists and maps, to the byte at the 400 KB limit", async () => {
    const numbers: (number | bigint)[] = [0, 1, -1, 12, 123, -12.5, 0.001, 1234567890123, 99.99, 10n ** 21n, 5e-7, -120];
    const sized = (pad: number): NativeItem => ({
      id: "size-probe",
      at: "2026-01-01T00:00:00.000Z",
      nums: Array.from({ length: 2000 }, (_, i) => numbers[i % numbers.length]!),
      nested: { a: { b: [true, null, "x", { c: 7 }] }, big: 123456789012345678901234567890n },
      pad: "p".repeat(pad),
    });
    const withoutPad = dynamoItemSize(sized(0));
    const exact = sized(400 * 1024 - withoutPad);
    expect(dynamoItemSize(exact)).toBe(400 * 1024);
    const table = `${prefix}item`;
    // dynalite refuses items over 400 KB by its own computation: the exact item passes, one more byte does not.
    await raw.send(new PutCommand({ TableName: table, Item: exact }));
    const over = sized(400 * 1024 - withoutPad + 1);
    await expect(raw.send(new PutCommand({ TableName: table, Item: over }))).rejects.toThrow(/size has exceeded/);
  });

  it("maps a failed condition to E_CONDITION_FAILED with the statement", async () => {
    const item = newItem();
    await docs.put(item);
    const error = await expectPolyxenaError(docs.put(item, { ifNotExists: true }), "E_CONDITION_FAILED");
    expect(error.statement).toContain("PutItem");
    expect(error.statement).toContain("ConditionExpression: attribute_not_exists(#a0) OR #a1 <= :now");
    expect(error.store).toBe("dynamodb");
  });

  it("chunks getMany by 100 keys and retries unprocessed keys until every item is read", async () => {
    const owner = `o-${randomUUID()}`;
    // dynalite answers about 1 MB per BatchGetItem and returns the rest as UnprocessedKeys.
    const large = Array.from({ length: 8 }, (_, i) => newItem({ owner, id: `big-${i}-${randomUUID()}`, body: "b".repeat(300 * 1024) }));
    for (const item of large) await docs.put(item);
    sent.length = 0;
    const read = (await docs.getMany(large.map(keyOf))) as ItemShape[];
    expect(read.map((i) => i.id)).toEqual(large.map((i) => i.id));
    const batches = sent.filter((s) => s.command === "BatchGetItemCommand").length;
    expect(batches).toBeGreaterThan(1);

    const keys = Array.from({ length: 250 }, () => ({ id: `missing-${randomUUID()}`, at: new Date(0) }));
    sent.length = 0;
    const none = await docs.getMany([...keys, keyOf(large[0]!)]);
    expect(none.slice(0, 250).every((x) => x === undefined)).toBe(true);
    expect((none[250] as ItemShape).id).toBe(large[0]!.id);
    const sizes = sent.map((s) => Object.values(s.input.RequestItems as Record<string, { Keys: unknown[] }>)[0]!.Keys.length).sort((a, b) => a - b);
    expect(sizes).toEqual([51, 100, 100]);
  });

  it("plans against the live table: in place, a new GSI additive, a changed key incompatible, an undeclared GSI destructive, a new table additive", async () => {
    expect(await adapter.planSchema([Item.model])).toEqual({ changes: [], unchanged: [`CreateTable ${prefix}item`] });
    const withIndex = defineEntity("Item", { store: "dynamodb", schema: Item.schema, key: { partition: "id", sort: "at" }, queries: { byOwner: { by: ["owner"], order: { at: "desc" } }, byFlagless: { by: ["id"], order: { big: "asc" }, consistency: "eventual" } } });
    expect((await adapter.planSchema([withIndex.model])).changes).toEqual([{ kind: "additive", statement: `UpdateTable ${prefix}item CREATE INDEX byFlaglessIndex` }]);
    const rekeyed = defineEntity("Item", { store: "dynamodb", schema: Item.schema, key: { partition: "owner" } });
    expect((await adapter.planSchema([rekeyed.model])).changes).toEqual([
      { kind: "incompatible", statement: `CreateTable ${prefix}item`, reason: expect.stringContaining("DynamoDB cannot re-key a table") },
      { kind: "destructive", statement: `UpdateTable ${prefix}item DELETE INDEX byOwnerIndex`, reason: expect.stringContaining("serves no declared query") },
    ]);
    const fresh = defineEntity("Item", { store: "dynamodb", schema: Item.schema, table: "never_created", key: { partition: "id" } });
    expect((await adapter.planSchema([fresh.model])).changes).toEqual([{ kind: "additive", statement: `CreateTable ${prefix}never_created` }]);
  });

  it("creates tables idempotently with the key schema, GSIs and on-demand billing", async () => {
    const again = await adapter.applySchema([Item.model]);
    expect(again.applied).toEqual([]);
    expect(again.unchanged[0]).toBe(`CreateTable ${prefix}item`);
    const { Table } = await base.send(new DescribeTableCommand({ TableName: `${prefix}item` }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: "id", KeyType: "HASH" },
      { AttributeName: "at", KeyType: "RANGE" },
    ]);
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(["byOwnerIndex"]);
    expect(Table?.TableStatus).toBe("ACTIVE");
  });

  it("fails a get or a query on a missing table with E_STORE naming the request", async () => {
    const { endpoint } = await server();
    const other = createDynamoDbAdapter({ client: { endpoint, region: "local", credentials }, tablePrefix: `${FILE_PREFIX}absent_` });
    const repo = new PolyxenaRuntime({ stores: { dynamodb: other } }, [Item]).entity(Item);
    const error = await expectPolyxenaError(repo.query("byOwner", { owner: "x" }), "E_STORE");
    expect(error.statement).toContain(`Query ${FILE_PREFIX}absent_item INDEX byOwnerIndex`);
    expect(String((error.cause as Error).name)).toBe("ResourceNotFoundException");
    const getError = await expectPolyxenaError(repo.get({ id: "x", at: new Date(0) }), "E_STORE");
    expect(getError.statement).toBe(`GetItem ${FILE_PREFIX}absent_item`);
    expect(String((getError.cause as Error).name)).toBe("ResourceNotFoundException");
    await other.close();
  });

  it("passes the caller's abort signal to the SDK; an aborted call fails with E_TIMEOUT", async () => {
    const item = newItem();
    await docs.put(item);
    await expectPolyxenaError(docs.get(keyOf(item), { signal: AbortSignal.abort() }), "E_TIMEOUT");
    expect((await docs.get(keyOf(item))).item).toEqual(item);
  });

  it("reports an unreachable endpoint as E_UNAVAILABLE", async () => {
    const down = createDynamoDbAdapter({ client: { endpoint: "http://127.0.0.1:9", region: "local", credentials, maxAttempts: 1 } });
    const repo = new PolyxenaRuntime({ stores: { dynamodb: down } }, [Item]).entity(Item);
    let caught: unknown;
    try {
      await repo.get({ id: "x", at: new Date(0) });
    } catch (error) {
      caught = error;
    }
    expect(isPolyxenaError(caught, "E_UNAVAILABLE")).toBe(true);
    await down.close();
  });

  it("classifies the SDK's own exceptions: throttling and 5xx are unavailable, cancelled conditions are condition failures", () => {
    const meta = { $metadata: {} };
    expect(adapter.classifyError(new ProvisionedThroughputExceededException({ message: "slow down", ...meta }))).toBe("unavailable");
    expect(adapter.classifyError(new InternalServerError({ message: "oops", ...meta }))).toBe("unavailable");
    expect(adapter.classifyError(new ConditionalCheckFailedException({ message: "no", ...meta }))).toBe("condition");
    expect(adapter.classifyError(new TransactionCanceledException({ message: "cancelled", ...meta, CancellationReasons: [{ Code: "None" }, { Code: "ConditionalCheckFailed" }] }))).toBe("condition");
    expect(adapter.classifyError(new TransactionCanceledException({ message: "cancelled", ...meta, CancellationReasons: [{ Code: "TransactionConflict" }] }))).toBe("unavailable");
    expect(adapter.classifyError(new ResourceNotFoundException({ message: "missing", ...meta }))).toBe("store");
  });

  it("applies a schema once: CreateTable, then TTL where the endpoint has the TTL API", async () => {
    const { endpoint, embedded } = await server();
    const fresh = createDynamoDbAdapter({ client: { endpoint, region: "local", credentials }, tablePrefix: `${FILE_PREFIX}fresh_` });
    const first = await fresh.applySchema([Item.model]);
    expect(first.applied[0]).toBe(`CreateTable ${FILE_PREFIX}fresh_item`);
    const ttl = `UpdateTimeToLive ${FILE_PREFIX}fresh_item _ttl`;
    if (embedded) expect(first.unchanged).toEqual([`${ttl} (not supported by this endpoint; expired items are hidden on read)`]);
    else expect(first.applied).toEqual([`CreateTable ${FILE_PREFIX}fresh_item`, ttl]);
    const second = await fresh.applySchema([Item.model]);
    expect(second.applied).toEqual([]);
    expect(second.unchanged[0]).toBe(`CreateTable ${FILE_PREFIX}fresh_item`);
    await fresh.close();
  });

  it("checks an existing table against the entity: a changed key is E_DEFINITION, a new GSI is added or the refusal names the request", async () => {
    const { endpoint, embedded } = await server();
    const evolving = createDynamoDbAdapter({ client: { endpoint, region: "local", credentials }, tablePrefix: `${FILE_PREFIX}evolve_` });
    const schema = z.object({ id: z.string(), owner: z.string(), at: z.date() });
    const v1 = defineEntity("Evolving", { store: "dynamodb", schema, table: "evolving", key: { partition: "id" } });
    const v2 = defineEntity("Evolving", { store: "dynamodb", schema, table: "evolving", key: { partition: "id" }, queries: { byOwner: { by: ["owner"] } } });
    const rekeyed = defineEntity("Evolving", { store: "dynamodb", schema, table: "evolving", key: { partition: "owner" } });
    await evolving.applySchema([v1.model]);
    const definitionError = await expectPolyxenaError(evolving.applySchema([rekeyed.model]), "E_DEFINITION");
    expect(definitionError.message).toContain("exists with key (id HASH) but the entity declares (owner HASH)");
    const statement = `UpdateTable ${FILE_PREFIX}evolve_evolving CREATE INDEX byOwnerIndex`;
    if (embedded) {
      // dynalite implements only the old UpdateTable (provisioned throughput required) and refuses the request.
      const error = await expectPolyxenaError(evolving.applySchema([v2.model]), "E_STORE");
      expect(error.statement).toBe(statement);
    } else {
      expect((await evolving.applySchema([v2.model])).applied).toEqual([statement]);
    }
    await evolving.close();
  });
});

describe("dynalite in a child process", () => {
  it("serves the adapter like the in-process server, and stops on close", async () => {
    const child = await startDynamoDbTestServer({ childProcess: true });
    const Note = defineEntity("Note", { store: "dynamodb", schema: z.object({ id: z.string(), text: z.string(), at: z.date() }), key: { partition: "id" } });
    const adapter = createDynamoDbAdapter({ client: { endpoint: child.endpoint, region: "local", credentials, maxAttempts: 1 }, tablePrefix: `${FILE_PREFIX}child_` });
    try {
      await adapter.applySchema([Note.model]);
      const notes = new PolyxenaRuntime({ stores: { dynamodb: adapter } }, [Note]).entity(Note);
      const note = { id: randomUUID(), text: "from another process", at: new Date(Date.UTC(2026, 0, 1)) };
      await notes.put(note);
      expect((await notes.get({ id: note.id })).item).toEqual(note);
      await child.close();
      if (child.embedded) {
        // A fresh client, so no kept-alive socket is reused: the connection itself is refused.
        const after = createDynamoDbAdapter({ client: { endpoint: child.endpoint, region: "local", credentials, maxAttempts: 1 } });
        const afterNotes = new PolyxenaRuntime({ stores: { dynamodb: after } }, [Note]).entity(Note);
        await expectPolyxenaError(afterNotes.get({ id: note.id }), "E_UNAVAILABLE");
        await after.close();
      }
    } finally {
      await adapter.close();
      await child.close();
    }
  });
});
