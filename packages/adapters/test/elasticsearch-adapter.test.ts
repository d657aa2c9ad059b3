import { createServer, type AddressInfo, type Socket } from "node:net";
import { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { PolyxenaRuntime, defineEntity, isPolyxenaError, type EntityRuntime, type SearchRequest, type StoreAdapter } from "@polyxena/core";
import {
  compileSearchRequest,
  createElasticsearchAdapter,
  refreshFor,
  type ElasticsearchClientPort,
  type EsGetResponse,
} from "../src/elasticsearch/index.js";
import { createMemoryElasticsearchAdapter } from "@polyxena/memory";
import { SearchEngine } from "@polyxena/memory/search-engine";
import { createElasticsearchTestCluster, type ElasticsearchTestCluster } from "@polyxena/testkit";

const Title = defineEntity("Title", {
  store: "elasticsearch",
  schema: z.object({
    titleId: z.string(),
    name: z.string(),
    synopsis: z.string(),
    genre: z.enum(["drama", "scifi", "crime"]),
    year: z.number().int(),
    releasedAt: z.date(),
    rating: z.number().optional(),
  }),
  key: { id: "titleId" },
  queries: { byGenre: { by: ["genre"], order: { releasedAt: "desc" } } },
  search: { text: ["name", "synopsis"] },
  consistency: { read: "eventual", write: "strong" },
});

const titles = [
  { titleId: "dark", name: "Dark", synopsis: "A family saga with a supernatural twist", genre: "drama", year: 2017, releasedAt: new Date("2017-12-01T00:00:00Z"), rating: 8.7 },
  { titleId: "dark-matter", name: "Dark Matter", synopsis: "Six people wake up on a spaceship", genre: "scifi", year: 2015, releasedAt: new Date("2015-06-12T00:00:00Z"), rating: 7.3 },
  { titleId: "stranger", name: "Stranger Things", synopsis: "A dark secret in a small town", genre: "scifi", year: 2016, releasedAt: new Date("2016-07-15T00:00:00Z"), rating: 8.7 },
  { titleId: "crown", name: "The Crown", synopsis: "The reign of Queen Elizabeth", genre: "drama", year: 2016, releasedAt: new Date("2016-11-04T00:00:00Z") },
  { titleId: "mindhunter", name: "Mindhunter", synopsis: "FBI agents interview serial killers in the dark", genre: "crime", year: 2017, releasedAt: new Date("2017-10-13T00:00:00Z"), rating: 8.6 },
] as const;

describe("search request compiler", () => {
  const base: Omit<SearchRequest, "op"> = { consistency: { level: "eventual" }, filter: {}, sort: [], limit: 10, highlight: false };
  const op = { id: "Title.search", kind: "search" as const, entity: Title.model, idempotent: true };

  it("matches user text with multi_match over the declared text fields, never query_string", () => {
    const params = compileSearchRequest(Title.model, "title", { ...base, op, text: 'name:(dark OR "x' });
    expect(params).toEqual({
      index: "title",
      query: { bool: { must: [{ multi_match: { query: 'name:(dark OR "x', fields: ["name", "synopsis"], type: "best_fields" } }] } },
      sort: [{ _score: { order: "desc" } }, { titleId: { order: "asc" } }],
      size: 11,
      track_total_hits: true,
    });
    expect(JSON.stringify(params)).not.toContain("query_string");
  });

  it("compiles filters, explicit sort with the id tiebreaker, cursors and highlights", () => {
    const params = compileSearchRequest(Title.model, "title", {
      ...base,
      op,
      text: "dark",
      fields: ["synopsis"],
      filter: { genre: ["drama", "scifi"], year: 2016, releasedAt: { gte: new Date("2016-01-01T00:00:00Z") }, rating: { exists: false } },
      sort: [{ field: "year", order: "desc" }],
      limit: 2,
      position: [2016, "crown"],
      highlight: true,
    });
    expect(params).toEqual({
      index: "title",
      query: {
        bool: {
          must: [{ match: { synopsis: { query: "dark" } } }],
          filter: [{ terms: { genre: ["drama", "scifi"] } }, { term: { year: 2016 } }, { range: { releasedAt: { gte: "2016-01-01T00:00:00.000Z" } } }],
          must_not: [{ exists: { field: "rating" } }],
        },
      },
      sort: [{ year: { order: "desc" } }, { titleId: { order: "asc" } }],
      size: 3,
      track_total_hits: true,
      search_after: [2016, "crown"],
      highlight: { fields: { synopsis: {} } },
    });
  });

  it("maps consistency to the refresh policy", () => {
    expect(refreshFor({ level: "eventual" })).toBe(false);
    expect(refreshFor({ level: "strong" })).toBe("wait_for");
    expect(refreshFor({ level: "strong", native: "true" })).toBe(true);
    expect(refreshFor({ level: "eventual", native: "false" })).toBe(false);
  });
});

interface Target {
  name: string;
  adapter: StoreAdapter;
  repo: EntityRuntime;
  advance(ms: number): void;
}

// Each target has its own clock, so advancing one never refreshes the other. The real
// adapter talks to the test server, or to the cluster named by POLYXENA_TEST_ELASTICSEARCH.
const clocks = { memory: Date.UTC(2025, 0, 1), real: Date.UTC(2025, 0, 1) };
let cluster: ElasticsearchTestCluster;
let client: Client;

beforeAll(async () => {
  cluster = await createElasticsearchTestCluster("elasticsearch-adapter", { clock: () => clocks.real });
  client = new Client({ node: cluster.url, maxRetries: 0 });
});

afterAll(async () => {
  await client?.close();
  await cluster?.close();
});

describe("memory and real adapters search identically", () => {
  const targets: Target[] = [];

  beforeAll(async () => {
    const real = createElasticsearchAdapter({ client }, { indexPrefix: cluster.indexPrefix });
    await real.applySchema([Title.model]);
    const memory = createMemoryElasticsearchAdapter({ clock: () => clocks.memory });
    for (const [name, adapter] of [["memory", memory], ["real", real]] as const) {
      const repo = new PolyxenaRuntime({ stores: { elasticsearch: adapter } }, [Title]).entity(Title);
      for (const t of titles) await repo.put(t);
      targets.push({ name, adapter, repo, advance: (ms) => void (clocks[name] += ms) });
    }
  });

  it("ranks full-text results the same, with totals, scores and highlights", async () => {
    const results = await Promise.all(targets.map((t) => t.repo.search({ text: "dark secret", highlight: true })));
    const [memory, real] = results;
    // "dark" in a 2-token name (avgdl 1.6) scores 0.794; in an 8-token synopsis (avgdl 6.8) 0.817.
    expect(memory!.items.map((i) => i.titleId)).toEqual(["stranger", "dark", "mindhunter", "dark-matter"]);
    expect(real).toEqual(memory);
    expect(memory!.total).toBe(4);
    expect(memory!.hits[0]!.score).toBeGreaterThan(memory!.hits[1]!.score!);
    expect(memory!.hits[0]!.highlights).toEqual({ synopsis: ["A <em>dark</em> <em>secret</em> in a small town"] });
    expect(memory!.items[0]!.releasedAt).toEqual(titles[2].releasedAt);
  });

  it("suggests as the user types: the last word matches as a prefix, scored as the server scores it", async () => {
    for (const text of ["str", "stranger th", "dar", "the cr", "mind"]) {
      const [memory, real] = await Promise.all(targets.map((t) => t.repo.search({ text, asYouType: true })));
      expect(real, text).toEqual(memory);
    }
    const [strangerTh] = await Promise.all(targets.map((t) => t.repo.search({ text: "stranger th", asYouType: true })));
    expect(strangerTh!.items[0]!.titleId).toBe("stranger");
    const [prefixOnly] = await Promise.all(targets.map((t) => t.repo.search({ text: "dar", asYouType: true, fields: ["name"] })));
    expect(prefixOnly!.items.map((i) => i.titleId).sort()).toEqual(["dark", "dark-matter"]);
    // A prefix clause scores its boost, whatever the word it matched.
    expect(new Set(prefixOnly!.hits.map((h) => h.score))).toEqual(new Set([1]));
    // Without asYouType the same text is whole words: "dar" matches nothing.
    expect((await targets[0]!.repo.search({ text: "dar", fields: ["name"] })).total).toBe(0);
  });

  it("filters, sorts and pages with cursors the same way", async () => {
    for (const t of targets) {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await t.repo.search({ filter: { year: { gte: 2016 } }, sort: [{ field: "year", order: "desc" }], limit: 2, ...(cursor ? { cursor } : {}) });
        expect(page.total).toBe(4);
        expect(page.hits.every((h) => h.score === null)).toBe(true);
        seen.push(...page.items.map((i) => i.titleId as string));
        cursor = page.cursor;
        pages++;
      } while (cursor && pages < 5);
      expect(seen, t.name).toEqual(["dark", "mindhunter", "crown", "stranger"]);
      const filtered = await t.repo.search({ text: "dark", filter: { genre: "crime", rating: { exists: true } } });
      expect(filtered.items.map((i) => i.titleId), t.name).toEqual(["mindhunter"]);
      const byGenre = await t.repo.query("byGenre", { genre: "scifi" });
      expect(byGenre.items.map((i) => i.titleId), t.name).toEqual(["stranger", "dark-matter"]);
    }
  });

  it("returns hostile user text as plain text matches, never an error", async () => {
    for (const t of targets) {
      for (const text of ['name:(dark OR "x', "*:*", "\\", "AND NOT", "{\"match_all\":{}}"]) {
        const page = await t.repo.search({ text });
        expect(page.items.every((i) => typeof i.titleId === "string"), t.name).toBe(true);
      }
      expect((await t.repo.search({ text: 'dark:( OR "' })).total, t.name).toBe(4);
    }
  });

  it("eventual writes become searchable after the refresh interval; strong writes at once (server-only: needs the in-process server's clock)", async () => {
    cluster.requireServer("a clock the test moves, to pass the refresh interval without waiting");
    for (const t of targets) {
      const item = { titleId: `late-${t.name}`, name: "Nightfall Chronicles", synopsis: "x", genre: "drama" as const, year: 2020, releasedAt: new Date("2020-01-01T00:00:00Z") };
      await t.repo.put(item, { consistency: "eventual" });
      expect((await t.repo.get({ titleId: item.titleId }, { consistency: "strong" })).item, t.name).toEqual(item);
      expect((await t.repo.search({ text: "nightfall" })).total, t.name).toBe(0);
      expect((await t.repo.search({ text: "nightfall", consistency: "strong" })).total, t.name).toBe(1);
      const other = { ...item, titleId: `later-${t.name}`, name: "Nightfall Returns" };
      await t.repo.put(other, { consistency: "eventual" });
      expect((await t.repo.search({ text: "returns" })).total, t.name).toBe(0);
      t.advance(1_000);
      expect((await t.repo.search({ text: "returns" })).total, t.name).toBe(1);
      await t.repo.put({ ...item, titleId: `now-${t.name}`, name: "Daybreak" });
      expect((await t.repo.search({ text: "daybreak" })).total, t.name).toBe(1);
    }
  });
});

describe("conditional writes", () => {
  it("turns a concurrent change between read and write into E_CONDITION_FAILED (409)", async () => {
    const engine = new SearchEngine();
    const memory = createMemoryElasticsearchAdapter({ engine });
    const repo = new PolyxenaRuntime({ stores: { elasticsearch: memory } }, [Title]).entity(Title);
    await repo.put(titles[0]);
    // A client that lets another writer change the document right after the adapter read it.
    const racing: ElasticsearchClientPort = Object.create(memory.client) as ElasticsearchClientPort;
    racing.get = async (params, options) => {
      const doc: EsGetResponse = await memory.client.get(params, options);
      engine.index({ index: params.index, id: params.id, document: { ...(doc._source as object), name: "changed elsewhere" } });
      return doc;
    };
    const adapter = createElasticsearchAdapter({ client: racing });
    await adapter.applySchema([Title.model]);
    const racedRepo = new PolyxenaRuntime({ stores: { elasticsearch: adapter } }, [Title]).entity(Title);
    let caught: unknown;
    try {
      await racedRepo.update({ titleId: "dark" }, { year: 2018 });
    } catch (e) {
      caught = e;
    }
    expect(isPolyxenaError(caught, "E_CONDITION_FAILED")).toBe(true);
    expect((caught as { statement?: string }).statement).toBe("PUT /title/_doc/{id}?if_seq_no&if_primary_term");
    expect((await repo.get({ titleId: "dark" })).item).toMatchObject({ name: "changed elsewhere", year: 2017 });
  });
});

describe("applySchema", () => {
  it("creates the versioned index and alias once, then reports them unchanged, and moves the alias on a schema change it may not make in place only with allowDestructive", async () => {
    const prefix = `${cluster.indexPrefix}schema_`;
    const alias = `${prefix}title`;
    const adapter = createElasticsearchAdapter({ client }, { indexPrefix: prefix });
    const first = await adapter.applySchema([Title.model]);
    const index = `${prefix}title_${Title.model.schemaHash}`;
    expect(first).toEqual({ applied: [`PUT /${index}`, `POST /_aliases ${alias} -> ${index}`], unchanged: [] });
    expect(await adapter.applySchema([Title.model])).toEqual({ applied: [], unchanged: [`PUT /${index}`, `POST /_aliases ${alias} -> ${index}`] });
    const mapping = await client.indices.getMapping({ index: alias });
    expect(mapping[index]!.mappings).toMatchObject({ dynamic: "strict", properties: { name: { type: "text" }, genre: { type: "keyword" }, releasedAt: { type: "date" } } });

    const TitleV2 = defineEntity("Title", {
      store: "elasticsearch",
      schema: z.object({ titleId: z.string(), name: z.string(), seasons: z.number().int() }),
      key: { id: "titleId" },
      search: { text: ["name"] },
    });
    // Dropping genre and releasedAt cannot be done by a mapping update.
    const refused = await adapter.applySchema([TitleV2.model]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPolyxenaError(refused) && refused.code).toBe("E_DEFINITION");
    expect(Object.keys(await client.indices.getAlias({ name: alias }))).toEqual([index]);
    const second = await adapter.applySchema([TitleV2.model], { allowDestructive: true });
    const index2 = `${prefix}title_${TitleV2.model.schemaHash}`;
    expect(second.applied).toEqual([
      `PUT /${index2}`,
      `POST /_reindex ${index} -> ${index2}`,
      `POST /_aliases ${alias}: ${index} -> ${index2}`,
      `retained ${index} (no longer aliased; delete it once ${index2} is checked)`,
    ]);
    expect(Object.keys(await client.indices.getAlias({ name: alias }))).toEqual([index2]);
  });

  it("keeps adapters with different index prefixes apart on one cluster", async () => {
    const a = createElasticsearchAdapter({ client }, { indexPrefix: `${cluster.indexPrefix}a_` });
    const b = createElasticsearchAdapter({ client }, { indexPrefix: `${cluster.indexPrefix}b_` });
    await a.applySchema([Title.model]);
    await b.applySchema([Title.model]);
    const repoA = new PolyxenaRuntime({ stores: { elasticsearch: a } }, [Title]).entity(Title);
    const repoB = new PolyxenaRuntime({ stores: { elasticsearch: b } }, [Title]).entity(Title);
    await repoA.put(titles[0]);
    expect((await repoA.get({ titleId: "dark" })).item).toEqual(titles[0]);
    expect((await repoB.get({ titleId: "dark" })).item).toBeUndefined();
    expect((await repoB.search({ text: "dark", consistency: "strong" })).total).toBe(0);
    expect(Object.keys(await client.indices.getAlias({ name: `${cluster.indexPrefix}a_title` }))).toEqual([`${cluster.indexPrefix}a_title_${Title.model.schemaHash}`]);
  });

  it("refuses an index prefix that cannot start an index name", () => {
    for (const indexPrefix of ["Upper_", "_hidden", "a b", "x*"]) {
      let caught: unknown;
      try {
        createElasticsearchAdapter({ client }, { indexPrefix });
      } catch (e) {
        caught = e;
      }
      expect(isPolyxenaError(caught, "E_DEFINITION"), indexPrefix).toBe(true);
    }
  });
});

describe("transport failures", () => {
  async function expectCode(promise: Promise<unknown>, code: "E_UNAVAILABLE" | "E_TIMEOUT"): Promise<void> {
    let caught: unknown;
    try {
      await promise;
    } catch (e) {
      caught = e;
    }
    expect(isPolyxenaError(caught, code), String(caught)).toBe(true);
    expect((caught as { statement?: string }).statement).toBe("GET /title/_doc/{id}");
  }

  it("maps a refused connection to E_UNAVAILABLE", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const client = new Client({ node: `http://127.0.0.1:${port}`, maxRetries: 0 });
    const repo = new PolyxenaRuntime({ stores: { elasticsearch: createElasticsearchAdapter({ client }) } }, [Title]).entity(Title);
    await expectCode(repo.get({ titleId: "dark" }), "E_UNAVAILABLE");
    await client.close();
  });

  it("maps a node that never answers to E_TIMEOUT", async () => {
    const sockets = new Set<Socket>();
    const stalled = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => stalled.listen(0, "127.0.0.1", resolve));
    const { port } = stalled.address() as AddressInfo;
    const client = new Client({ node: `http://127.0.0.1:${port}`, maxRetries: 0, requestTimeout: 200 });
    const repo = new PolyxenaRuntime({ stores: { elasticsearch: createElasticsearchAdapter({ client }) } }, [Title]).entity(Title);
    await expectCode(repo.get({ titleId: "dark" }), "E_TIMEOUT");
    await client.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => stalled.close(() => resolve()));
  });
});
