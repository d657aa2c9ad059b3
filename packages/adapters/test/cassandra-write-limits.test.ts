import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime, type EntityRuntime } from "@polyxena/core";
import { createCassandraAdapter, type CassandraAdapter } from "../src/cassandra/index.js";
import { createMemoryCassandraAdapter, ManualClock } from "@polyxena/memory";
import { expectPolyxenaError, createCassandraTestCluster, type CassandraTestCluster } from "@polyxena/testkit";

// Cassandra's size limits (default settings of a Cassandra 5.0 node): an item that does not fit is
// refused whole with E_VALIDATION before anything is written; what fits is written and read back.

/** Written with its rows in two query tables: one logged batch across three partitions. */
const Doc = defineEntity("Doc", {
  store: "cassandra",
  schema: z.object({ id: z.string(), owner: z.string(), topic: z.string(), body: z.string() }),
  key: { partition: ["id"] },
  queries: { byOwner: { by: ["owner"] }, byTopic: { by: ["topic"] } },
});
/** No query tables: one partition per write, which no batch limit applies to. */
const Blob = defineEntity("Blob", {
  store: "cassandra",
  schema: z.object({ id: z.string(), body: z.string() }),
  key: { partition: ["id"] },
});
/** A composite partition key and a clustering key. */
const Cell = defineEntity("Cell", {
  store: "cassandra",
  schema: z.object({ a: z.string(), b: z.string(), c: z.string(), v: z.string() }),
  key: { partition: ["a", "b"], clustering: [{ field: "c", order: "asc" }] },
});

type DocItem = z.output<typeof Doc.schema>;
const doc = (bodyBytes: number): DocItem => ({ id: randomUUID(), owner: `owner-${randomUUID()}`, topic: `topic-${randomUUID()}`, body: "x".repeat(bodyBytes) });

let cluster: CassandraTestCluster;
beforeAll(async () => {
  cluster = await createCassandraTestCluster("cassandra-write-limits");
});
afterAll(async () => {
  await cluster?.close();
});

const targets: Array<{ name: string; open(): Promise<CassandraAdapter> }> = [
  { name: "in-memory engine", open: async () => createMemoryCassandraAdapter({ clock: new ManualClock(), keyspace: "write_limits" }) },
  {
    name: "driver",
    open: async () => createCassandraAdapter({ contactPoints: [cluster.contactPoint], localDataCenter: cluster.localDataCenter }, { keyspace: `${cluster.keyspace}_limits` }),
  },
];

for (const target of targets) {
  describe(`Cassandra size limits (${target.name})`, () => {
    let adapter: CassandraAdapter;
    let docs: EntityRuntime;
    let blobs: EntityRuntime;
    let cells: EntityRuntime;
    beforeAll(async () => {
      adapter = await target.open();
      await adapter.applySchema([Doc.model, Blob.model, Cell.model]);
      const runtime = new PolyxenaRuntime({ stores: { cassandra: adapter } }, [Doc, Blob, Cell]);
      docs = runtime.entity(Doc);
      blobs = runtime.entity(Blob);
      cells = runtime.entity(Cell);
    });
    afterAll(async () => {
      await adapter?.close();
    });

    const stored = async (item: DocItem) => ({
      base: (await docs.get({ id: item.id })).item,
      byOwner: (await docs.query("byOwner", { owner: item.owner })).items,
      byTopic: (await docs.query("byTopic", { topic: item.topic })).items,
    });

    it("writes an item whose batch with its query tables fits in batch_size_fail_threshold", async () => {
      const item = doc(15_000);
      await docs.put(item);
      expect(await stored(item)).toEqual({ base: item, byOwner: [item], byTopic: [item] });
    });

    it("refuses an item too large for one logged batch with E_VALIDATION naming the limit, and writes nothing", async () => {
      const item = doc(20_000);
      const error = await expectPolyxenaError(docs.put(item), "E_VALIDATION");
      expect(error.message).toMatch(/batch_size_fail_threshold/);
      expect(error.constraint).toBe("cassandra.batchSizeFailThreshold");
      expect(await stored(item)).toEqual({ base: undefined, byOwner: [], byTopic: [] });
    });

    it("keeps the stored item whole when a larger version of it is refused", async () => {
      const item = doc(100);
      await docs.put(item);
      await expectPolyxenaError(docs.put({ ...item, body: "y".repeat(20_000) }), "E_VALIDATION");
      expect(await stored(item)).toEqual({ base: item, byOwner: [item], byTopic: [item] });
    });

    it("refuses a conditional put too large for its query-table batch before the lightweight transaction", async () => {
      // The lightweight transaction alone would pass; the batch of the two query-table rows after it would not.
      const item = doc(30_000);
      await expectPolyxenaError(docs.put(item, { ifNotExists: true }), "E_VALIDATION");
      expect(await stored(item)).toEqual({ base: undefined, byOwner: [], byTopic: [] });
    });

    it("writes a large item without query tables (one partition: no batch limit)", async () => {
      const item = { id: randomUUID(), body: "z".repeat(200_000) };
      await blobs.put(item);
      expect((await blobs.get({ id: item.id })).item).toEqual(item);
    });

    it("refuses an empty partition key with E_VALIDATION, on writes and reads", async () => {
      const error = await expectPolyxenaError(blobs.put({ id: "", body: "b" }), "E_VALIDATION");
      expect(error.message).toMatch(/empty/);
      await expectPolyxenaError(blobs.get({ id: "" }), "E_VALIDATION");
    });

    it("accepts a partition key of 65,535 bytes and refuses one of 65,536 with E_VALIDATION", async () => {
      const longest = { id: "k".repeat(65_535), body: "b" };
      await blobs.put(longest);
      expect((await blobs.get({ id: longest.id })).item).toEqual(longest);
      const error = await expectPolyxenaError(blobs.put({ id: "k".repeat(65_536), body: "b" }), "E_VALIDATION");
      expect(error.message).toMatch(/65535 bytes/);
      expect(error.constraint).toBe("cassandra.partitionKeyBytes");
      await expectPolyxenaError(blobs.get({ id: "k".repeat(65_536) }), "E_VALIDATION");
    });

    it("counts a composite partition key with its component framing, and allows an empty component", async () => {
      await expectPolyxenaError(cells.put({ a: "a".repeat(32_766), b: "b".repeat(32_766), c: "c", v: "v" }), "E_VALIDATION");
      const fits = { a: "a".repeat(32_000), b: "b".repeat(32_000), c: "c", v: "v" };
      await cells.put(fits);
      expect((await cells.get({ a: fits.a, b: fits.b, c: "c" })).item).toEqual(fits);
      const emptyComponent = { a: "", b: "b", c: "", v: "v" };
      await cells.put(emptyComponent);
      expect((await cells.get({ a: "", b: "b", c: "" })).item).toEqual(emptyComponent);
    });

    it("refuses a clustering key over 65,535 bytes with E_VALIDATION", async () => {
      await expectPolyxenaError(cells.put({ a: "a", b: "b", c: "c".repeat(70_000), v: "v" }), "E_VALIDATION");
    });
  });
}
