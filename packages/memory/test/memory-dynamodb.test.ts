import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { defineEntity, isPolyxenaError, PolyxenaRuntime } from "@polyxena/core";
import { createMemoryDynamoDbAdapter } from "../src/memory-dynamodb-adapter.js";

const Doc = defineEntity("Doc", {
  store: "dynamodb",
  schema: z.object({
    id: z.string(),
    tags: z.array(z.string()),
    meta: z.object({ rating: z.number(), seenAt: z.date() }),
    counts: z.record(z.string(), z.bigint()),
    big: z.bigint(),
    flag: z.boolean(),
    note: z.string().nullable(),
  }),
  key: { partition: "id" },
});

describe("memory dynamodb adapter", () => {
  const setup = () => {
    const adapter = createMemoryDynamoDbAdapter();
    return { adapter, docs: new PolyxenaRuntime({ stores: { dynamodb: adapter } }, [Doc]).entity(Doc) };
  };
  const doc = () => ({
    id: "d1",
    tags: ["a", "b"],
    meta: { rating: 4.5, seenAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)) },
    counts: { plays: 123456789012345678901234567890n },
    big: -98765432109876543210n,
    flag: false,
    note: null,
  });

  it("keeps deep copies: mutating what was written or read never changes the stored item", async () => {
    const { docs } = setup();
    const input = doc();
    await docs.put(input);
    input.tags.push("mutated");
    input.meta.seenAt.setUTCFullYear(1990);
    const read = (await docs.get({ id: "d1" })).item as ReturnType<typeof doc>;
    expect(read).toEqual(doc());
    read.tags.push("again");
    read.meta.rating = 0;
    read.meta.seenAt.setUTCFullYear(1980);
    expect((await docs.get({ id: "d1" })).item).toEqual(doc());
    const [many] = (await docs.getMany([{ id: "d1" }])) as ReturnType<typeof doc>[];
    many!.tags.length = 0;
    expect((await docs.get({ id: "d1" })).item).toEqual(doc());
  });

  it("round-trips bigints beyond 64 bits, nested dates, booleans and nulls with their types", async () => {
    const { docs } = setup();
    await docs.put(doc());
    const read = (await docs.get({ id: "d1" })).item as ReturnType<typeof doc>;
    expect(typeof read.big).toBe("bigint");
    expect(read.counts.plays).toBe(123456789012345678901234567890n);
    expect(read.meta.seenAt).toBeInstanceOf(Date);
    expect(read.note).toBeNull();
  });

  it("puts the stored item on E_CONDITION_FAILED as current", async () => {
    const { docs } = setup();
    await docs.put(doc());
    let caught: unknown;
    try {
      await docs.put({ ...doc(), flag: true }, { ifNotExists: true });
    } catch (error) {
      caught = error;
    }
    expect(isPolyxenaError(caught, "E_CONDITION_FAILED")).toBe(true);
    expect((caught as { current: unknown }).current).toEqual(doc());
    expect((caught as { store: string }).store).toBe("dynamodb");
  });

  it("keeps tables apart by prefix and reports applySchema idempotently", async () => {
    const adapter = createMemoryDynamoDbAdapter({ tablePrefix: "p_" });
    expect(await adapter.applySchema([Doc.model])).toEqual({ applied: ["CreateTable p_doc"], unchanged: [] });
    expect(await adapter.applySchema([Doc.model])).toEqual({ applied: [], unchanged: ["CreateTable p_doc"] });
  });

  it("reads every key of a getMany whose items pass BatchGetItem's 16 MB per response, through UnprocessedKeys", async () => {
    const Blob = defineEntity("Blob", { store: "dynamodb", schema: z.object({ id: z.string(), body: z.string() }), key: { partition: "id" } });
    const adapter = createMemoryDynamoDbAdapter();
    const blobs = new PolyxenaRuntime({ stores: { dynamodb: adapter } }, [Blob]).entity(Blob);
    const keys = Array.from({ length: 100 }, (_, i) => ({ id: `b${i}` }));
    for (const key of keys) await blobs.put({ ...key, body: key.id.padEnd(300 * 1024, "x") });
    const batchGet = vi.spyOn(adapter.client, "batchGetItem");
    const items = await blobs.getMany(keys);
    expect(items.map((item) => item?.["id"])).toEqual(keys.map((k) => k.id));
    // 100 items of 300 KB are 30 MB: the first response held what fits in 16 MB, later calls the rest
    expect(batchGet.mock.calls.length).toBeGreaterThan(1);
  });
});
