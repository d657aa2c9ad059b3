/**
 * putMany on Elasticsearch: one `_bulk` request per chunk, refused items reported with their
 * error and the others written and searchable. Runs on the in-memory adapter and on the real
 * adapter with the official client (the test server, or the cluster named by
 * POLYXENA_TEST_ELASTICSEARCH).
 */
import { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { PolyxenaRuntime, defineEntity, isPolyxenaError, type EntityRuntime } from "@polyxena/core";
import { bulkChunks, bulkItemError, createElasticsearchAdapter, type ElasticsearchAdapter, type ElasticsearchClientPort, type EsBulkParams } from "../src/elasticsearch/index.js";
import { createMemoryElasticsearchAdapter } from "@polyxena/memory";
import { createElasticsearchTestCluster, type ElasticsearchTestCluster } from "@polyxena/testkit";

const Note = defineEntity("BulkNote", {
  store: "elasticsearch",
  schema: z.object({
    noteId: z.string(),
    title: z.string(),
    rank: z.number().int(),
    meta: z.object({ source: z.string() }).optional(),
  }),
  key: { id: "noteId" },
  search: { text: ["title"] },
  consistency: { read: "eventual", write: "strong" },
});

type NoteItem = z.output<typeof Note.schema>;

function notes(count: number, from = 0): NoteItem[] {
  return Array.from({ length: count }, (_, i) => ({ noteId: `n${from + i}`, title: `harbor note ${from + i}`, rank: from + i }));
}

interface Target {
  name: string;
  /** A new adapter with a fresh index prefix, so each test starts from empty indices. */
  create(options: { bulkLimits?: { maxItems?: number } }): ElasticsearchAdapter;
}

type BulkCall = { items: number; refresh: EsBulkParams["refresh"] };

/** Records each `_bulk` call of the adapter's client and fails the calls numbered in `failCalls` as a lost node would. */
function instrument(client: ElasticsearchClientPort, failCalls: ReadonlySet<number>): BulkCall[] {
  const calls: BulkCall[] = [];
  const bulk = client.bulk.bind(client);
  client.bulk = async (params, options) => {
    calls.push({ items: params.operations.length / 2, refresh: params.refresh });
    if (failCalls.has(calls.length)) throw Object.assign(new Error("connect ECONNREFUSED"), { name: "ConnectionError" });
    return bulk(params, options);
  };
  return calls;
}

let cluster: ElasticsearchTestCluster;
let client: Client;
const targets: Target[] = [];
let run = 0;

beforeAll(async () => {
  cluster = await createElasticsearchTestCluster("elasticsearch-bulk");
  client = new Client({ node: cluster.url, maxRetries: 0 });
  targets.push({
    name: "memory",
    create: (options) => createMemoryElasticsearchAdapter({ indexPrefix: `m${run++}_`, bulkLimits: options.bulkLimits }),
  });
  targets.push({
    name: "official client",
    // A per-adapter view of the shared client, so instrumenting it leaves the others alone.
    create: (options) =>
      createElasticsearchAdapter(
        { client: Object.create(client) as ElasticsearchClientPort },
        { indexPrefix: `${cluster.indexPrefix}${run++}_`, bulkLimits: options.bulkLimits },
      ),
  });
});

afterAll(async () => {
  await client?.close();
  await cluster?.close();
});

async function setup(target: Target, options: { bulkLimits?: { maxItems?: number }; failCalls?: number[] } = {}) {
  const adapter = target.create(options);
  await adapter.applySchema([Note.model]);
  const calls = instrument(adapter.client, new Set(options.failCalls ?? []));
  const repo: EntityRuntime = new PolyxenaRuntime({ stores: { elasticsearch: adapter } }, [Note]).entity(Note);
  return { adapter, repo, calls, alias: `${adapter.indexPrefix}${Note.model.table}` };
}

/**
 * Points the entity's alias at an index whose mapping changed underneath: `meta` is a
 * keyword there, so an item with a `meta` object passes the SDK's validation and is
 * refused by the store.
 */
async function changeMappingUnderneath(client: ElasticsearchClientPort, alias: string): Promise<void> {
  const changed = `${alias}_changed`;
  await client.indices.create({
    index: changed,
    settings: { number_of_shards: 1, number_of_replicas: 0 },
    mappings: { dynamic: "strict", properties: { noteId: { type: "keyword" }, title: { type: "text" }, rank: { type: "long" }, meta: { type: "keyword" } } },
  });
  const holders = Object.keys(await client.indices.getAlias({ name: alias }));
  await client.indices.updateAliases({ actions: [...holders.map((index) => ({ remove: { index, alias } })), { add: { index: changed, alias } }] });
}

describe.each(["memory", "official client"])("putMany through the repository runtime (%s)", (name) => {
  const target = () => targets.find((t) => t.name === name)!;

  it("writes every item with one _bulk request carrying the strong refresh policy; all are searchable at once", async () => {
    const { repo, calls } = await setup(target());
    const result = await repo.putMany(notes(5));
    expect(result.failed).toEqual([]);
    expect(result.written.map((i) => i.noteId)).toEqual(["n0", "n1", "n2", "n3", "n4"]);
    expect(calls).toEqual([{ items: 5, refresh: "wait_for" }]);
    const found = await repo.search({ text: "harbor", sort: [{ field: "rank", order: "asc" }] });
    expect(found.total).toBe(5);
    expect(found.items).toEqual(notes(5));
    expect((await repo.get({ noteId: "n3" })).item).toEqual(notes(5)[3]);
  });

  it("reports the item that does not fit the mapping with E_VALIDATION; the others are written and searchable", async () => {
    const { adapter, repo, alias } = await setup(target());
    await changeMappingUnderneath(adapter.client, alias);
    const items = notes(5);
    items[2] = { ...items[2]!, meta: { source: "import" } };
    const result = await repo.putMany(items);
    expect(result.failed.map((f) => f.index)).toEqual([2]);
    const error = result.failed[0]!.error;
    expect(isPolyxenaError(error, "E_VALIDATION"), String(error)).toBe(true);
    expect(error.message).toContain("meta");
    expect(error.issues?.[0]?.code).toMatch(/parsing_exception$/);
    expect(error).toMatchObject({ entity: "BulkNote", store: "elasticsearch", statement: `POST /_bulk (index ${alias})` });
    expect(result.written.map((i) => i.noteId)).toEqual(["n0", "n1", "n3", "n4"]);
    const found = await repo.search({ text: "harbor", sort: [{ field: "rank", order: "asc" }] });
    expect(found.items.map((i) => i.noteId)).toEqual(["n0", "n1", "n3", "n4"]);
    expect((await repo.get({ noteId: "n2" })).item).toBeUndefined();
  });

  it("splits large writes into chunks, maps failed items back to their caller index, refreshes once at the end", async () => {
    const { adapter, repo, calls, alias } = await setup(target(), { bulkLimits: { maxItems: 3 } });
    await changeMappingUnderneath(adapter.client, alias);
    const items = notes(8);
    items[4] = { ...items[4]!, meta: { source: "a" } };
    items[7] = { ...items[7]!, meta: { source: "b" } };
    const result = await repo.putMany(items);
    expect(calls).toEqual([
      { items: 3, refresh: false },
      { items: 3, refresh: false },
      { items: 2, refresh: "wait_for" },
    ]);
    expect(result.failed.map((f) => [f.index, f.error.code])).toEqual([
      [4, "E_VALIDATION"],
      [7, "E_VALIDATION"],
    ]);
    const found = await repo.search({ text: "harbor", limit: 100, sort: [{ field: "rank", order: "asc" }] });
    expect(found.items.map((i) => i.noteId)).toEqual(["n0", "n1", "n2", "n3", "n5", "n6"]);
  });

  it("sends no refresh for eventual writes", async () => {
    const { repo, calls } = await setup(target(), { bulkLimits: { maxItems: 2 } });
    const result = await repo.putMany(notes(3), { consistency: "eventual" });
    expect(result.failed).toEqual([]);
    expect(calls).toEqual([
      { items: 2, refresh: false },
      { items: 1, refresh: false },
    ]);
    expect((await repo.search({ text: "harbor", consistency: "strong" })).total).toBe(3);
  });

  it("reports the items of a chunk whose request failed as a whole, keeps the other chunks, still refreshes them", async () => {
    const { repo, calls } = await setup(target(), { bulkLimits: { maxItems: 2 }, failCalls: [3] });
    const result = await repo.putMany(notes(5));
    expect(calls.map((c) => c.items)).toEqual([2, 2, 1]);
    expect(result.failed.map((f) => [f.index, f.error.code])).toEqual([[4, "E_UNAVAILABLE"]]);
    expect(result.written.map((i) => i.noteId)).toEqual(["n0", "n1", "n2", "n3"]);
    // The refresh rode on the failed last chunk; the adapter refreshed the index itself.
    expect((await repo.search({ text: "harbor" })).total).toBe(4);
  });

  it("reports the items of a failed middle chunk by their caller index; the chunks around it are written", async () => {
    const { repo, calls } = await setup(target(), { bulkLimits: { maxItems: 2 }, failCalls: [2] });
    const result = await repo.putMany(notes(5));
    expect(calls).toEqual([
      { items: 2, refresh: false },
      { items: 2, refresh: false },
      { items: 1, refresh: "wait_for" },
    ]);
    expect(result.failed.map((f) => [f.index, f.error.code])).toEqual([
      [2, "E_UNAVAILABLE"],
      [3, "E_UNAVAILABLE"],
    ]);
    const found = await repo.search({ text: "harbor", sort: [{ field: "rank", order: "asc" }] });
    expect(found.items.map((i) => i.noteId)).toEqual(["n0", "n1", "n4"]);
  });

  it("fails the call when every request failed, so the caller's policy sees the outage", async () => {
    const { repo } = await setup(target(), { failCalls: [1, 2, 3, 4] });
    let caught: unknown;
    try {
      await repo.putMany(notes(2));
    } catch (e) {
      caught = e;
    }
    expect(isPolyxenaError(caught, "E_UNAVAILABLE"), String(caught)).toBe(true);
  });

  it("reports items the SDK's own validation refuses without sending them", async () => {
    const { repo, calls } = await setup(target());
    const result = await repo.putMany([notes(1)[0], { noteId: "bad", title: 3, rank: "x" }, notes(1, 1)[0]]);
    expect(result.failed.map((f) => [f.index, f.error.code])).toEqual([[1, "E_VALIDATION"]]);
    expect(calls).toEqual([{ items: 2, refresh: "wait_for" }]);
    expect(result.written.map((i) => i.noteId)).toEqual(["n0", "n1"]);
  });
});

describe("bulk item errors", () => {
  const context = { entity: "BulkNote", operation: "BulkNote.putMany", store: "elasticsearch", statement: "POST /_bulk (index notes)", idempotent: true };

  it("maps item statuses to stable codes and keeps the store's error as the cause", () => {
    const conflict = bulkItemError({ status: 409, error: { type: "version_conflict_engine_exception", reason: "[n1]: version conflict" } }, context);
    expect(conflict.code).toBe("E_CONDITION_FAILED");
    expect(conflict.message).toContain("version_conflict_engine_exception");
    expect(bulkItemError({ status: 429, error: { type: "es_rejected_execution_exception" } }, context).code).toBe("E_UNAVAILABLE");
    expect(bulkItemError({ status: 404, error: { type: "index_not_found_exception", reason: "no such index" } }, context).code).toBe("E_STORE");
    const invalid = bulkItemError({ status: 400, error: { type: "strict_dynamic_mapping_exception", reason: "mapping set to strict" } }, context);
    expect(invalid.code).toBe("E_VALIDATION");
    expect((invalid.cause as { meta: { statusCode: number } }).meta.statusCode).toBe(400);
  });
});

describe("bulk chunks", () => {
  it("splits by item count and by body size; an item larger than the size limit goes alone", () => {
    const items = notes(7).map((n, i) => ({ ...n, title: "x".repeat(i === 3 ? 5_000 : 100) }));
    const byCount = bulkChunks(Note.model, "notes", items, { maxItems: 3, maxBytes: 1_000_000 });
    expect(byCount.map((c) => [c.first, c.count])).toEqual([
      [0, 3],
      [3, 3],
      [6, 1],
    ]);
    const bySize = bulkChunks(Note.model, "notes", items, { maxItems: 1_000, maxBytes: 500 });
    expect(bySize.map((c) => [c.first, c.count])).toEqual([
      [0, 2],
      [2, 1],
      [3, 1],
      [4, 2],
      [6, 1],
    ]);
    for (const chunk of bySize) {
      expect(chunk.lines).toHaveLength(chunk.count * 2);
      if (chunk.count > 1) expect(chunk.lines.reduce((sum, l) => sum + Buffer.byteLength(l) + 1, 0)).toBeLessThanOrEqual(500);
    }
    expect(JSON.parse(bySize[0]!.lines[0]!)).toEqual({ index: { _index: "notes", _id: "n0" } });
    expect(JSON.parse(bySize[0]!.lines[1]!)).toEqual({ noteId: "n0", title: "x".repeat(100), rank: 0 });
  });
});
