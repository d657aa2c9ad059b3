/**
 * DynamoDB-specific conformance cases, run unchanged against the in-memory
 * and the real DynamoDB adapter: the 400 KB item limit (refused with
 * `E_VALIDATION` before sending), GSI queries, strong vs eventual reads,
 * reserved-word attribute names, TTL expiry and transactions.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime, type EntityDefinition, type EntityRuntime, type StoreAdapter } from "@polyxena/core";
import { expectPolyxenaError } from "./store-conformance.js";

/** Every attribute name here is a DynamoDB reserved word. */
export const dynamoReservedWordsSchema = z.object({
  key: z.string().min(1),
  date: z.date(),
  name: z.string(),
  status: z.enum(["active", "retired"]),
  year: z.number().int(),
  size: z.number(),
  data: z.record(z.string(), z.number()).optional(),
  comment: z.string().optional(),
  version: z.number().int().nonnegative(),
});
type ReservedItem = z.output<typeof dynamoReservedWordsSchema>;

/** An entity whose key, GSI keys, sort keys and version all carry reserved-word names. */
export const DynamoReservedWords = defineEntity("ReservedWords", {
  store: "dynamodb",
  schema: dynamoReservedWordsSchema,
  table: "reserved_words",
  key: { partition: "key", sort: "date" },
  queries: {
    ofKey: { by: ["key"], order: { date: "asc" } },
    byStatus: { by: ["status"], order: { year: "desc" } },
    byName: { by: ["name"] },
  },
  version: "version",
});

const blobSchema = z.object({ id: z.string().min(1), body: z.string(), extra: z.string().optional(), count: z.number().int().optional() });

/** A plain entity for item-size and transaction cases. */
export const DynamoBlob = defineEntity("BlobItem", {
  store: "dynamodb",
  schema: blobSchema,
  table: "blob",
  key: { partition: "id" },
});

/** An entity with a unique field of unbounded length, for the claim-size case. */
export const DynamoUniqueCode = defineEntity("UniqueCode", {
  store: "dynamodb",
  schema: z.object({ id: z.string().min(1), code: z.string() }),
  table: "unique_code",
  key: { partition: "id" },
  unique: ["code"],
});

/** How the DynamoDB conformance cases reach one adapter. */
export interface DynamoDbConformanceTarget {
  /** Creates an adapter with the tables of `definitions` in place, isolated from other test files. */
  setup(definitions: readonly EntityDefinition[]): Promise<{ adapter: StoreAdapter; cleanup(): Promise<void> }>;
  /** Moves the adapter's clock forward (TTL expiry). */
  advanceClock(ms: number): Promise<void>;
  /**
   * Whether the endpoint implements TransactWriteItems. dynalite does not:
   * there the commit must fail with `E_STORE` naming the request, writing nothing.
   */
  transactWriteItems: boolean;
}

/** Registers the DynamoDB-specific cases. */
export function dynamoDbConformance(describeName: string, target: DynamoDbConformanceTarget): void {
  describe(`${describeName}: DynamoDB conformance`, () => {
    let adapter: StoreAdapter;
    let cleanup: () => Promise<void>;
    let runtime: PolyxenaRuntime;
    let words: EntityRuntime;
    let blobs: EntityRuntime;

    beforeAll(async () => {
      ({ adapter, cleanup } = await target.setup([DynamoReservedWords, DynamoBlob, DynamoUniqueCode]));
      runtime = new PolyxenaRuntime({ stores: { dynamodb: adapter } }, [DynamoReservedWords, DynamoBlob, DynamoUniqueCode]);
      words = runtime.entity(DynamoReservedWords);
      blobs = runtime.entity(DynamoBlob);
    });
    afterAll(async () => {
      await cleanup?.();
    });

    const newWord = (over: Partial<ReservedItem> = {}): ReservedItem => ({
      key: `k-${randomUUID()}`,
      date: new Date(Date.UTC(2026, 2, 1, 10, 0, 0, 5)),
      name: `name-${randomUUID()}`,
      status: "active",
      year: 1999,
      size: 2.5,
      data: { views: 3 },
      version: 0,
      ...over,
    });
    const wordKey = (item: ReservedItem) => ({ key: item.key, date: item.date });

    describe("item size", () => {
      // id (2) + value + body (4) + body value; every character below is one UTF-8 byte.
      const blobOfSize = (total: number, id = `b-${randomUUID()}`) => ({ id, body: "x".repeat(total - 2 - id.length - 4) });

      it("accepts an item of exactly 400 KB and refuses one byte more with E_VALIDATION, storing nothing", async () => {
        const fits = blobOfSize(400 * 1024);
        await blobs.put(fits);
        expect(((await blobs.get({ id: fits.id })).item as { body: string }).body.length).toBe(fits.body.length);
        const tooBig = blobOfSize(400 * 1024 + 1);
        const error = await expectPolyxenaError(blobs.put(tooBig), "E_VALIDATION");
        expect(error.message).toContain("409601 bytes");
        expect((await blobs.get({ id: tooBig.id })).item).toBeUndefined();
      });

      it("counts UTF-8 bytes, not characters", async () => {
        const id = `b-${randomUUID()}`;
        // 200,000 two-byte characters: 200,000 characters but 400,000 bytes; with 10,000 more ASCII, over the limit.
        const body = "é".repeat(200_000) + "x".repeat(10_000);
        await expectPolyxenaError(blobs.put({ id, body }), "E_VALIDATION");
        expect((await blobs.get({ id })).item).toBeUndefined();
        const fits = "é".repeat(200_000);
        await blobs.put({ id, body: fits });
        expect(((await blobs.get({ id })).item as { body: string }).body).toBe(fits);
      });

      it("refuses an update that would grow the item past 400 KB and keeps the stored item", async () => {
        const item = blobOfSize(300 * 1024);
        await blobs.put(item);
        await expectPolyxenaError(blobs.update({ id: item.id }, { extra: "y".repeat(150 * 1024) }), "E_VALIDATION");
        const read = (await blobs.get({ id: item.id })).item as { extra?: string };
        expect(read.extra).toBeUndefined();
        await expectPolyxenaError(blobs.update({ id: item.id }, { extra: "y".repeat(401 * 1024) }), "E_VALIDATION");
      });
    });

    describe("reserved-word attribute names", () => {
      it("writes, reads, updates and deletes with conditions on reserved-word attributes", async () => {
        const item = newWord();
        const created = await words.put(item, { ifNotExists: true });
        expect(created.version).toBe(1);
        expect((await words.get(wordKey(item), { consistency: "strong" })).item).toEqual({ ...item, version: 1 });
        await expectPolyxenaError(words.put(item, { ifNotExists: true }), "E_CONDITION_FAILED");
        const updated = await words.update(wordKey(item), { name: "renamed", status: "retired", year: 2001, comment: "c", data: { views: 4 } }, { expectedVersion: 1 });
        expect(updated).toEqual({ ...item, name: "renamed", status: "retired", year: 2001, comment: "c", data: { views: 4 }, version: 2 });
        const incremented = await words.update(wordKey(item), { comment: undefined, size: 3.75 });
        expect(incremented).toEqual({ ...item, name: "renamed", status: "retired", year: 2001, size: 3.75, data: { views: 4 }, version: 3 });
        await expectPolyxenaError(words.delete(wordKey(item), { expectedVersion: 2 }), "E_CONDITION_FAILED");
        await words.delete(wordKey(item), { expectedVersion: 3 });
        expect((await words.get(wordKey(item), { consistency: "strong" })).item).toBeUndefined();
      });

      it("refuses an empty string in a table or GSI key attribute with E_VALIDATION, writing nothing", async () => {
        const item = newWord({ name: "" });
        const error = await expectPolyxenaError(words.put(item), "E_VALIDATION");
        expect(error.message).toContain("name is a key attribute");
        expect((await words.get(wordKey(item), { consistency: "strong" })).item).toBeUndefined();
        const stored = newWord();
        await words.put(stored);
        await expectPolyxenaError(words.update(wordKey(stored), { name: "" }), "E_VALIDATION");
        expect(((await words.get(wordKey(stored), { consistency: "strong" })).item as ReservedItem).name).toBe(stored.name);
      });

      it("reports the stored item on a failed condition where the store returns it", async () => {
        const item = newWord();
        await words.put(item, { ifNotExists: true });
        const error = await expectPolyxenaError(words.update(wordKey(item), { year: 1 }, { expectedVersion: 7 }), "E_CONDITION_FAILED");
        if (error.current !== undefined) expect(error.current).toEqual({ ...item, version: 1 });
        expect(((await words.get(wordKey(item), { consistency: "strong" })).item as ReservedItem).year).toBe(item.year);
      });

      it("queries the table by a reserved-word key with date ranges", async () => {
        const key = `k-${randomUUID()}`;
        const dates = [0, 1, 2, 3, 4].map((d) => new Date(Date.UTC(2026, 0, 1 + d, 8, 30, 0, 250)));
        for (const date of dates) await words.put(newWord({ key, date }));
        const all = await words.query("ofKey", { key }, { consistency: "strong" });
        expect(all.items.map((i) => (i.date as Date).toISOString())).toEqual(dates.map((d) => d.toISOString()));
        expect(all.items[0]!.date).toBeInstanceOf(Date);
        const between = await words.query("ofKey", { key }, { range: { gt: dates[0], lt: dates[3] } });
        expect(between.items.map((i) => (i.date as Date).getTime())).toEqual([dates[1]!.getTime(), dates[2]!.getTime()]);
        const inclusive = await words.query("ofKey", { key }, { range: { gte: dates[1], lte: dates[3] }, reverse: true });
        expect(inclusive.items.map((i) => (i.date as Date).getTime())).toEqual([dates[3]!.getTime(), dates[2]!.getTime(), dates[1]!.getTime()]);
        const mixed = await words.query("ofKey", { key }, { range: { gt: dates[1], lte: dates[3] } });
        expect(mixed.items.map((i) => (i.date as Date).getTime())).toEqual([dates[2]!.getTime(), dates[3]!.getTime()]);
        expect((await words.query("ofKey", { key }, { range: { gt: dates[3], lt: dates[1] } })).items).toEqual([]);
        expect((await words.query("ofKey", { key }, { range: { gt: dates[2], lt: dates[2] } })).items).toEqual([]);
      });
    });

    describe("global secondary indexes", () => {
      it("serves a GSI query in the declared order (year desc), with ranges, reverse and cursors", async () => {
        const status = "retired" as const;
        const tag = randomUUID();
        // GSI partitions are shared by every test: restrict to this test's items by year range.
        const base = 3000 + Math.floor(Math.random() * 1000) * 10;
        const items = [0, 1, 2, 3, 4, 5].map((i) => newWord({ status, year: base + i, name: `gsi-${tag}-${i}` }));
        for (const item of items) await words.put(item);
        const range = { gte: base, lte: base + 5 };
        const seen: number[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await words.query("byStatus", { status }, { range, limit: 4, cursor });
          seen.push(...page.items.map((i) => i.year as number));
          cursor = page.cursor;
          pages++;
        } while (cursor && pages < 5);
        expect(seen).toEqual([5, 4, 3, 2, 1, 0].map((d) => base + d));
        expect(pages).toBe(2);
        const reversed = await words.query("byStatus", { status }, { range: { gt: base, lt: base + 4 }, reverse: true });
        expect(reversed.items.map((i) => i.year)).toEqual([1, 2, 3].map((d) => base + d));
        const exact = await words.query("byStatus", { status }, { range, limit: 6 });
        expect(exact.items).toHaveLength(6);
        expect(exact.cursor).toBeUndefined();
      });

      it("serves a GSI without a sort key, and follows updates and deletes", async () => {
        const name = `same-${randomUUID()}`;
        const a = newWord({ name });
        const b = newWord({ name });
        await words.put(a);
        await words.put(b);
        const page = await words.query("byName", { name });
        expect(page.items.map((i) => i.key).sort()).toEqual([a.key, b.key].sort());
        await words.update(wordKey(a), { name: `${name}-moved` });
        expect((await words.query("byName", { name })).items.map((i) => i.key)).toEqual([b.key]);
        expect((await words.query("byName", { name: `${name}-moved` })).items.map((i) => i.key)).toEqual([a.key]);
        await words.delete(wordKey(b));
        expect((await words.query("byName", { name })).items).toEqual([]);
      });

      it("never reads a GSI strongly", async () => {
        await expectPolyxenaError(words.query("byStatus", { status: "active" }, { consistency: "strong" }), "E_UNSUPPORTED");
        await expectPolyxenaError(words.query("byName", { name: "x" }, { consistency: "strong" }), "E_UNSUPPORTED");
      });
    });

    describe("consistency", () => {
      it("serves strong and eventual reads of the table, by key, by keys and by query", async () => {
        const item = newWord();
        await words.put(item);
        expect((await words.get(wordKey(item), { consistency: "strong" })).item).toEqual(item);
        expect((await words.get(wordKey(item), { consistency: "eventual" })).item).toBeDefined();
        const many = await words.getMany([wordKey(item), wordKey(newWord())], { consistency: "strong" });
        expect(many).toEqual([item, undefined]);
        const strongQuery = await words.query("ofKey", { key: item.key }, { consistency: "strong" });
        expect(strongQuery.items).toEqual([item]);
      });
    });

    describe("row TTL", () => {
      it("hides an item once its _ttl has passed, and treats it as absent for conditions", async () => {
        const item = newWord();
        await words.put(item, { ttl: "60s" });
        const other = newWord({ key: item.key, date: new Date(item.date.getTime() + 1) });
        await words.put(other);
        expect((await words.get(wordKey(item))).item).toEqual(item);
        await target.advanceClock(61_000);
        expect((await words.get(wordKey(item), { consistency: "strong" })).item).toBeUndefined();
        expect(await words.getMany([wordKey(item), wordKey(other)], { consistency: "strong" })).toEqual([undefined, other]);
        expect((await words.query("ofKey", { key: item.key }, { consistency: "strong" })).items).toEqual([other]);
        await expectPolyxenaError(words.update(wordKey(item), { year: 1 }), "E_CONDITION_FAILED");
        await expectPolyxenaError(words.delete(wordKey(item), { ifExists: true }), "E_CONDITION_FAILED");
        const again = await words.put({ ...item, name: "reborn" }, { ifNotExists: true });
        expect(again.version).toBe(1);
        expect(((await words.get(wordKey(item), { consistency: "strong" })).item as ReservedItem).name).toBe("reborn");
      });
    });

    it("a unique value whose claim id would pass the 2048-byte partition key limit is E_VALIDATION naming the limit, before anything is sent", async () => {
      const codes = runtime.entity(DynamoUniqueCode);
      const id = `u-${randomUUID()}`;
      const error = await expectPolyxenaError(codes.put({ id, code: "x".repeat(2100) }), "E_VALIDATION");
      expect(error.constraint).toBe("dynamodb.partitionKeyBytes");
      expect(error.message).toContain("unique.unique_code_code_key");
      expect((await codes.get({ id })).item).toBeUndefined();
    });

    describe("transactions", () => {
      const tx = <T>(work: (scope: { blobs: EntityRuntime; words: EntityRuntime }) => Promise<T>) =>
        runtime.transaction((scope) => work({ blobs: scope.entity(DynamoBlob), words: scope.entity(DynamoReservedWords) }), { store: "dynamodb" });

      it("refuses more than 100 writes and two writes to one item with E_VALIDATION, writing nothing", async () => {
        const ids = Array.from({ length: 101 }, () => `t-${randomUUID()}`);
        await expectPolyxenaError(
          tx(async (s) => {
            for (const id of ids) await s.blobs.put({ id, body: "b" });
          }),
          "E_VALIDATION",
        );
        expect(await blobs.getMany(ids.slice(0, 3).map((id) => ({ id })))).toEqual([undefined, undefined, undefined]);
        const id = `t-${randomUUID()}`;
        await expectPolyxenaError(
          tx(async (s) => {
            await s.blobs.put({ id, body: "one" });
            await s.blobs.update({ id }, { body: "two" });
          }),
          "E_VALIDATION",
        );
        expect((await blobs.get({ id })).item).toBeUndefined();
      });

      it("writes nothing when the callback throws", async () => {
        const id = `t-${randomUUID()}`;
        await expect(
          tx(async (s) => {
            await s.blobs.put({ id, body: "never" });
            throw new Error("changed my mind");
          }),
        ).rejects.toThrow("changed my mind");
        expect((await blobs.get({ id })).item).toBeUndefined();
      });

      it("commits all writes together, or none when a condition fails", async () => {
        const a = `t-${randomUUID()}`;
        const b = `t-${randomUUID()}`;
        const word = newWord();
        await words.put(word, { ifNotExists: true });
        const commit = tx(async (s) => {
          await s.blobs.put({ id: a, body: "a" }, { ifNotExists: true });
          await s.blobs.put({ id: b, body: "b" });
          return s.words.update(wordKey(word), { year: 2020 }, { expectedVersion: 1 });
        });
        if (!target.transactWriteItems) {
          const error = await expectPolyxenaError(commit, "E_STORE");
          expect(error.statement).toContain("TransactWriteItems");
          expect(await blobs.getMany([{ id: a }, { id: b }])).toEqual([undefined, undefined]);
          return;
        }
        const predicted = await commit;
        expect(predicted).toMatchObject({ year: 2020, version: 2 });
        expect(await blobs.getMany([{ id: a }, { id: b }], { consistency: "strong" })).toEqual([
          { id: a, body: "a" },
          { id: b, body: "b" },
        ]);
        expect(((await words.get(wordKey(word), { consistency: "strong" })).item as ReservedItem).year).toBe(2020);
        const c = `t-${randomUUID()}`;
        const error = await expectPolyxenaError(
          tx(async (s) => {
            await s.blobs.put({ id: c, body: "c" });
            await s.words.update(wordKey(word), { year: 1 }, { expectedVersion: 1 });
          }),
          "E_CONDITION_FAILED",
        );
        expect(error.entity).toBe("ReservedWords");
        expect((await blobs.get({ id: c }, { consistency: "strong" })).item).toBeUndefined();
        expect(((await words.get(wordKey(word), { consistency: "strong" })).item as ReservedItem).year).toBe(2020);
      });
    });
  });
}
