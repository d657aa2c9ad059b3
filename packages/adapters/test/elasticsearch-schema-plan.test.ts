import { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { PolyxenaRuntime, defineEntity, isPolyxenaError, type EntityModel, type StoreAdapter } from "@polyxena/core";
import { createElasticsearchAdapter } from "../src/elasticsearch/index.js";
import { createMemoryElasticsearchAdapter } from "@polyxena/memory";
import { createElasticsearchTestCluster, type ElasticsearchTestCluster } from "@polyxena/testkit";

const FilmV1 = defineEntity("Film", {
  store: "elasticsearch",
  schema: z.object({ filmId: z.string(), title: z.string() }),
  key: { id: "filmId" },
  search: { text: ["title"] },
  consistency: { read: "eventual", write: "strong" },
});

// v2 adds a field: a mapping update adds it to the live index, no reindex.
const FilmV2 = defineEntity("Film", {
  store: "elasticsearch",
  schema: z.object({ filmId: z.string(), title: z.string(), rating: z.number().int().optional() }),
  key: { id: "filmId" },
  search: { text: ["title"] },
  consistency: { read: "eventual", write: "strong" },
});

// v3 changes the new field's type: Elasticsearch cannot change it in place.
const FilmV3 = defineEntity("Film", {
  store: "elasticsearch",
  schema: z.object({ filmId: z.string(), title: z.string(), rating: z.string().optional() }),
  key: { id: "filmId" },
  search: { text: ["title"] },
});

interface Target {
  name: string;
  adapter: StoreAdapter;
  prefix: string;
  aliasHolders: (alias: string) => Promise<string[]>;
  liveProperties: (index: string) => Promise<Record<string, unknown>>;
}

let cluster: ElasticsearchTestCluster;
let client: Client;
const targets: Target[] = [];

beforeAll(async () => {
  cluster = await createElasticsearchTestCluster("elasticsearch-schema-plan");
  client = new Client({ node: cluster.url, maxRetries: 0 });
  const memory = createMemoryElasticsearchAdapter({ indexPrefix: "mem_" });
  targets.push(
    {
      name: "memory",
      adapter: memory,
      prefix: "mem_",
      aliasHolders: async (alias) => Object.keys(memory.engine.getAlias({ name: alias })),
      liveProperties: async (index) => ((memory.engine.getMapping({ index })[index] as { mappings: { properties: Record<string, unknown> } }).mappings.properties),
    },
    {
      name: "real",
      adapter: createElasticsearchAdapter({ client }, { indexPrefix: cluster.indexPrefix }),
      prefix: cluster.indexPrefix,
      aliasHolders: async (alias) => Object.keys(await client.indices.getAlias({ name: alias })),
      liveProperties: async (index) => ((await client.indices.getMapping({ index }))[index]!.mappings.properties ?? {}) as Record<string, unknown>,
    },
  );
});

afterAll(async () => {
  await client?.close();
  await cluster?.close();
});

function repoOf<M extends typeof FilmV1 | typeof FilmV2>(adapter: StoreAdapter, entity: M) {
  return new PolyxenaRuntime({ stores: { elasticsearch: adapter } }, [entity]).entity(entity);
}

function indexOf(target: Target, model: EntityModel): string {
  return `${target.prefix}film_${model.schemaHash}`;
}

describe("schema plan and apply compare the declared mapping with the live index", () => {
  it("plans a missing index and alias as additive, and nothing once applied", async () => {
    for (const t of targets) {
      const v1 = indexOf(t, FilmV1.model);
      const alias = `${t.prefix}film`;
      expect(await t.adapter.planSchema!([FilmV1.model]), t.name).toEqual({
        changes: [
          { kind: "additive", statement: `PUT /${v1}` },
          { kind: "additive", statement: `POST /_aliases ${alias} -> ${v1}` },
        ],
        unchanged: [],
      });
      expect(await t.aliasHolders(alias).catch(() => []), t.name).toEqual([]);
      expect(await t.adapter.applySchema!([FilmV1.model]), t.name).toEqual({ applied: [`PUT /${v1}`, `POST /_aliases ${alias} -> ${v1}`], unchanged: [] });
      expect(await t.adapter.planSchema!([FilmV1.model]), t.name).toEqual({ changes: [], unchanged: [`PUT /${v1}`, `POST /_aliases ${alias} -> ${v1}`] });
      await repoOf(t.adapter, FilmV1).put({ filmId: "heat", title: "Heat" });
    }
  });

  it("adds a new field with a mapping update on the live index; writes and searches with it then work", async () => {
    for (const t of targets) {
      const v1 = indexOf(t, FilmV1.model);
      const alias = `${t.prefix}film`;
      const addRating = `PUT /${v1}/_mapping rating: {"type":"long"}`;
      expect(await t.adapter.planSchema!([FilmV2.model]), t.name).toEqual({ changes: [{ kind: "additive", statement: addRating }], unchanged: [] });
      // Planning changed nothing.
      expect(Object.keys(await t.liveProperties(v1)).sort(), t.name).toEqual(["filmId", "title"]);

      expect(await t.adapter.applySchema!([FilmV2.model]), t.name).toEqual({ applied: [addRating], unchanged: [`POST /_aliases ${alias} -> ${v1}`] });
      expect(await t.aliasHolders(alias), t.name).toEqual([v1]);
      expect((await t.liveProperties(v1))["rating"], t.name).toEqual({ type: "long" });

      const repo = repoOf(t.adapter, FilmV2);
      await repo.put({ filmId: "ronin", title: "Ronin", rating: 7 });
      expect((await repo.get({ filmId: "ronin" })).item, t.name).toEqual({ filmId: "ronin", title: "Ronin", rating: 7 });
      // The document written before the change is still there, and search finds the new one with its field.
      expect((await repo.get({ filmId: "heat" })).item, t.name).toEqual({ filmId: "heat", title: "Heat" });
      expect((await repo.search({ text: "ronin" })).items, t.name).toEqual([{ filmId: "ronin", title: "Ronin", rating: 7 }]);

      expect(await t.adapter.planSchema!([FilmV2.model]), t.name).toEqual({ changes: [], unchanged: [`PUT /${v1}`, `POST /_aliases ${alias} -> ${v1}`] });
      expect(await t.adapter.applySchema!([FilmV2.model]), t.name).toEqual({ applied: [], unchanged: [`PUT /${v1}`, `POST /_aliases ${alias} -> ${v1}`] });
    }
  });

  it("refuses a changed field type with the reason, changing nothing", async () => {
    for (const t of targets) {
      const v1 = indexOf(t, FilmV1.model);
      const v3 = indexOf(t, FilmV3.model);
      const alias = `${t.prefix}film`;
      const plan = await t.adapter.planSchema!([FilmV3.model]);
      expect(plan.changes.map((c) => c.kind), t.name).toEqual(["destructive"]);
      expect(plan.changes[0]!.reason, t.name).toContain(`field rating is mapped as long in ${v1} and declared as keyword`);

      const error = await t.adapter.applySchema!([FilmV3.model]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isPolyxenaError(error) && error.code, t.name).toBe("E_DEFINITION");
      expect(String((error as Error).message), t.name).toContain("cannot change a field's type in place");
      expect(await t.aliasHolders(alias), t.name).toEqual([v1]);
      expect((await t.liveProperties(v1))["rating"], t.name).toEqual({ type: "long" });
      expect(await t.adapter.planSchema!([FilmV2.model]).then((p) => p.changes), t.name).toEqual([]);
      expect(v3, t.name).not.toBe(v1);
    }
  });

  it("plans a live field the entity no longer declares as destructive and keeps it without allowDestructive", async () => {
    for (const t of targets) {
      const v1 = indexOf(t, FilmV1.model);
      const plan = await t.adapter.planSchema!([FilmV1.model]);
      expect(plan.changes.map((c) => [c.kind, c.statement]), t.name).toEqual([["destructive", `reindex ${v1}: drop rating`]]);
      expect(plan.changes[0]!.reason, t.name).toContain("Elasticsearch cannot drop a mapped field");
      const error = await t.adapter.applySchema!([FilmV1.model]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isPolyxenaError(error) && error.code, t.name).toBe("E_DEFINITION");
      expect(Object.keys(await t.liveProperties(v1)).sort(), t.name).toEqual(["filmId", "rating", "title"]);
    }
  });
});
