import { Client, errors } from "@elastic/elasticsearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { PolyxenaRuntime, defineEntity, isPolyxenaError, type EntityModel, type StoreAdapter } from "@polyxena/core";
import { createElasticsearchAdapter } from "../src/elasticsearch/index.js";
import { createMemoryElasticsearchAdapter } from "@polyxena/memory";
import { SearchEngine } from "@polyxena/memory/search-engine";
import { createElasticsearchTestCluster, type ElasticsearchTestCluster } from "@polyxena/testkit";

const ShowV1 = defineEntity("Show", {
  store: "elasticsearch",
  schema: z.object({ showId: z.string(), name: z.string(), year: z.number().int() }),
  key: { id: "showId" },
  search: { text: ["name"] },
  consistency: { read: "eventual", write: "strong" },
});

// Schema v2 changes `year` from long to double (a change a mapping update cannot make) and adds a field:
// the stored documents fit the new mapping.
const ShowV2 = defineEntity("Show", {
  store: "elasticsearch",
  schema: z.object({ showId: z.string(), name: z.string(), year: z.number(), studio: z.string().optional() }),
  key: { id: "showId" },
  search: { text: ["name", "studio"] },
  consistency: { read: "eventual", write: "strong" },
});

// Schema v3 drops `year`: under the strict mapping, the stored documents no longer fit.
const ShowV3 = defineEntity("Show", {
  store: "elasticsearch",
  schema: z.object({ showId: z.string(), name: z.string() }),
  key: { id: "showId" },
  search: { text: ["name"] },
});

const shows = [
  { showId: "dark", name: "Dark", year: 2017 },
  { showId: "dark-matter", name: "Dark Matter", year: 2015 },
  { showId: "crown", name: "The Crown", year: 2016 },
];

interface Target {
  name: string;
  adapter: StoreAdapter;
  prefix: string;
  aliasHolders: (alias: string) => Promise<string[]>;
  indexExists: (index: string) => Promise<boolean>;
}

let cluster: ElasticsearchTestCluster;
let client: Client;
const targets: Target[] = [];

beforeAll(async () => {
  cluster = await createElasticsearchTestCluster("elasticsearch-reindex");
  client = new Client({ node: cluster.url, maxRetries: 0 });
  const memory = createMemoryElasticsearchAdapter({ indexPrefix: "mem_" });
  targets.push(
    {
      name: "memory",
      adapter: memory,
      prefix: "mem_",
      aliasHolders: async (alias) => Object.keys(memory.engine.getAlias({ name: alias })),
      indexExists: async (index) => memory.engine.indexExists({ index }),
    },
    {
      name: "real",
      adapter: createElasticsearchAdapter({ client }, { indexPrefix: cluster.indexPrefix }),
      prefix: cluster.indexPrefix,
      aliasHolders: async (alias) => Object.keys(await client.indices.getAlias({ name: alias })),
      indexExists: (index) => client.indices.exists({ index }),
    },
  );
});

afterAll(async () => {
  await client?.close();
  await cluster?.close();
});

function repoOf<M extends typeof ShowV1 | typeof ShowV2>(adapter: StoreAdapter, entity: M) {
  return new PolyxenaRuntime({ stores: { elasticsearch: adapter } }, [entity]).entity(entity);
}

function indexOf(target: Target, model: EntityModel): string {
  return `${target.prefix}show_${model.schemaHash}`;
}

describe("a mapping change Elasticsearch cannot make in place reindexes behind the alias", () => {
  it("copies the documents into the new index, swaps the alias once and keeps the old index", async () => {
    for (const t of targets) {
      const alias = `${t.prefix}show`;
      const v1 = indexOf(t, ShowV1.model);
      const v2 = indexOf(t, ShowV2.model);
      expect(v1, t.name).not.toBe(v2);
      await t.adapter.applySchema!([ShowV1.model]);
      const repoV1 = repoOf(t.adapter, ShowV1);
      for (const show of shows) await repoV1.put(show);

      const refused = await t.adapter.applySchema!([ShowV2.model]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isPolyxenaError(refused) && refused.code, t.name).toBe("E_DEFINITION");
      expect(String((refused as Error).message), t.name).toContain(`field year is mapped as long in ${v1} and declared as double`);
      expect(await t.indexExists(v2), t.name).toBe(false);
      expect(await t.aliasHolders(alias), t.name).toEqual([v1]);

      const rollout = await t.adapter.applySchema!([ShowV2.model], { allowDestructive: true });
      expect(rollout.applied, t.name).toEqual([
        `PUT /${v2}`,
        `POST /_reindex ${v1} -> ${v2}`,
        `POST /_aliases ${alias}: ${v1} -> ${v2}`,
        `retained ${v1} (no longer aliased; delete it once ${v2} is checked)`,
      ]);
      expect(await t.aliasHolders(alias), t.name).toEqual([v2]);
      expect(await t.indexExists(v1), t.name).toBe(true);

      const repoV2 = repoOf(t.adapter, ShowV2);
      expect((await repoV2.get({ showId: "dark" })).item, t.name).toEqual({ showId: "dark", name: "Dark", year: 2017 });
      const page = await repoV2.search({ text: "dark" });
      expect(page.total, t.name).toBe(2);
      expect(page.items.map((i) => i.showId).sort(), t.name).toEqual(["dark", "dark-matter"]);
      // The new field is mapped: a document using it is written and found by it.
      await repoV2.put({ showId: "1899", name: "1899", year: 2022, studio: "Netflix Originals" });
      expect((await repoV2.search({ text: "originals" })).items.map((i) => i.showId), t.name).toEqual(["1899"]);

      const again = await t.adapter.applySchema!([ShowV2.model]);
      expect(again, t.name).toEqual({ applied: [], unchanged: [`PUT /${v2}`, `POST /_aliases ${alias} -> ${v2}`] });
    }
  });

  it("leaves the alias on the old index when documents do not fit the new mapping", async () => {
    for (const t of targets) {
      const alias = `${t.prefix}show`;
      const v2 = indexOf(t, ShowV2.model);
      const v3 = indexOf(t, ShowV3.model);
      const refused = await t.adapter.applySchema!([ShowV3.model]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isPolyxenaError(refused) && refused.code, t.name).toBe("E_DEFINITION");
      expect(String((refused as Error).message), t.name).toContain(`field year is mapped in ${v2} but no longer declared`);
      expect(await t.indexExists(v3), t.name).toBe(false);
      const error = await t.adapter.applySchema!([ShowV3.model], { allowDestructive: true }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isPolyxenaError(error), t.name).toBe(true);
      expect(String((error as Error).message), t.name).toContain("strict_dynamic_mapping_exception");
      expect(await t.aliasHolders(alias), t.name).toEqual([v2]);
      expect(await t.indexExists(v3), t.name).toBe(true);
      const repoV2 = repoOf(t.adapter, ShowV2);
      expect((await repoV2.get({ showId: "crown" })).item, t.name).toEqual({ showId: "crown", name: "The Crown", year: 2016 });
    }
  });
});

describe("POST /_reindex on the test server", () => {
  it("reports created and updated documents and the documents the destination refuses", async () => {
    const src = `${cluster.indexPrefix}raw_src`;
    const dst = `${cluster.indexPrefix}raw_dst`;
    await client.indices.create({ index: src, mappings: { properties: { n: { type: "keyword" } } } });
    await client.indices.create({ index: dst, mappings: { dynamic: "strict", properties: { n: { type: "integer" } } } });
    await client.index({ index: src, id: "a", document: { n: "1" } });
    await client.index({ index: src, id: "b", document: { n: "two" } });
    await client.index({ index: src, id: "c", document: { n: "3" }, refresh: true });
    // A document refused: the answer's status is the failure's (400), the report is its body.
    const refused = await client.reindex({ source: { index: src }, dest: { index: dst }, wait_for_completion: true, refresh: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(errors.ResponseError);
    expect((refused as InstanceType<typeof errors.ResponseError>).statusCode).toBe(400);
    const first = (refused as InstanceType<typeof errors.ResponseError>).body as Awaited<ReturnType<typeof client.reindex>>;
    expect(first).toMatchObject({ total: 3, created: 2, updated: 0, batches: 1, version_conflicts: 0 });
    expect(first.failures).toHaveLength(1);
    expect(first.failures![0]).toMatchObject({ index: dst, id: "b", status: 400 });
    // Elasticsearch 9 says document_parsing_exception; OpenSearch 2 still says mapper_parsing_exception.
    expect(first.failures![0]!.cause.type).toMatch(/^(document|mapper)_parsing_exception$/);
    expect((await client.get({ index: dst, id: "a" }))._source).toEqual({ n: "1" });
    expect((await client.search({ index: dst, query: { term: { n: 3 } } })).hits.hits.map((h) => h._id)).toEqual(["c"]);

    await client.index({ index: src, id: "b", document: { n: "2" }, refresh: true });
    const second = await client.reindex({ source: { index: src }, dest: { index: dst }, wait_for_completion: true, refresh: true });
    expect(second).toMatchObject({ total: 3, created: 1, updated: 2, failures: [] });
  });

  it("refuses unknown body fields, a missing destination and copying an index into itself", async () => {
    const src = `${cluster.indexPrefix}raw_src`;
    const refused = async (body: Record<string, unknown>): Promise<{ status: number | undefined; type: unknown }> => {
      try {
        await client.transport.request({ method: "POST", path: "/_reindex", querystring: { wait_for_completion: "true" }, body });
      } catch (e) {
        if (e instanceof errors.ResponseError) return { status: e.statusCode, type: (e.body as { error?: { type?: unknown } }).error?.type };
        throw e;
      }
      throw new Error("the reindex was accepted");
    };
    expect(await refused({ source: { index: src }, dest: { index: "x" }, sizee: 3 })).toEqual({ status: 400, type: "x_content_parse_exception" });
    expect(await refused({ source: { index: src, colour: "red" }, dest: { index: "x" } })).toEqual({ status: 400, type: "x_content_parse_exception" });
    expect(await refused({ source: { index: src }, dest: { index: "x", foo: 1 } })).toEqual({ status: 400, type: "x_content_parse_exception" });
    expect(await refused({ source: { index: src } })).toEqual({ status: 400, type: "action_request_validation_exception" });
    expect(await refused({ source: { index: src }, dest: { index: src } })).toEqual({ status: 400, type: "action_request_validation_exception" });
    expect(await refused({ source: { index: src }, dest: { index: "x" }, script: { source: "ctx._source.n++" } })).toEqual({ status: 400, type: "illegal_argument_exception" });
  });
});

describe("the engine's reindex", () => {
  it("stops after the batch with a failure, counts conflicts with conflicts=proceed and honours max_docs", () => {
    const engine = new SearchEngine();
    engine.createIndex({ index: "src", mappings: { properties: { n: { type: "keyword" } } } });
    engine.createIndex({ index: "dst", mappings: { dynamic: "strict", properties: { n: { type: "integer" } } } });
    for (const [id, n] of [["a", "1"], ["b", "x"], ["c", "3"], ["d", "4"]] as const) engine.index({ index: "src", id, document: { n } });
    engine.refresh({ index: "src" });

    const aborted = engine.reindex({ source: { index: "src", size: 2 }, dest: { index: "dst" } }, { refresh: true });
    expect(aborted).toMatchObject({ total: 4, created: 1, batches: 1 });
    expect(aborted.failures.map((f) => f.id)).toEqual(["b"]);
    expect(engine.count({ index: "dst" }).count).toBe(1);

    engine.index({ index: "src", id: "b", document: { n: "2" }, refresh: true });
    const proceeded = engine.reindex({ source: { index: "src" }, dest: { index: "dst", op_type: "create" }, conflicts: "proceed", max_docs: 3 }, { refresh: true });
    expect(proceeded).toMatchObject({ total: 3, created: 2, version_conflicts: 1, failures: [] });
    expect(engine.count({ index: "dst" }).count).toBe(3);

    const strictConflicts = engine.reindex({ source: { index: "src" }, dest: { index: "dst", op_type: "create" } });
    expect(strictConflicts.version_conflicts).toBe(3);
    expect(strictConflicts.failures[0]).toMatchObject({ status: 409, cause: { type: "version_conflict_engine_exception" } });
    expect(() => engine.reindex({ source: { index: "src" }, dest: { index: "dst" } }, { wait_for_completion: false })).toThrow(/not supported/);
  });
});
