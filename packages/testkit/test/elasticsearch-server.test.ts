import { Client, errors } from "@elastic/elasticsearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createElasticsearchTestCluster, type ElasticsearchTestCluster } from "../src/elasticsearch-test-cluster.js";

// Runs against the in-process Elasticsearch test server, or against a real Elasticsearch when
// POLYXENA_TEST_ELASTICSEARCH=http://host:port is set, to check the test server's fidelity.
// Tests named "(server-only: ...)" need the in-process server's clock and fail loudly on a real cluster.
let now = Date.UTC(2025, 0, 15, 12);
let cluster: ElasticsearchTestCluster;
let client: Client;
/** This file's index-name prefix: a real cluster may hold other files' indices. */
let p: string;

beforeAll(async () => {
  cluster = await createElasticsearchTestCluster("elasticsearch-server", { clock: () => now });
  p = cluster.indexPrefix;
  client = new Client({ node: cluster.url, maxRetries: 0 });
});

afterAll(async () => {
  await client?.close();
  await cluster?.close();
});

async function responseError(promise: Promise<unknown>): Promise<errors.ResponseError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof errors.ResponseError) return e;
    throw e;
  }
  throw new Error("expected a ResponseError");
}

describe("Elasticsearch test server through @elastic/elasticsearch", () => {
  it("answers cluster info as a 9.x node", async () => {
    const info = await client.info();
    expect(info.version.number).toMatch(/^9\./);
    expect(info.tagline).toBe("You Know, for Search");
  });

  it("manages the index lifecycle: create, exists, mapping, aliases, delete", async () => {
    await client.indices.create({
      index: `${p}shows-v1`,
      mappings: { properties: { name: { type: "text" }, genre: { type: "keyword" } } },
      settings: { number_of_shards: 1, refresh_interval: "1s" },
      aliases: { [`${p}shows`]: { is_write_index: true } },
    });
    expect(await client.indices.exists({ index: `${p}shows-v1` })).toBe(true);
    expect(await client.indices.exists({ index: `${p}shows` })).toBe(true);
    expect(await client.indices.exists({ index: `${p}nope` })).toBe(false);
    await client.indices.putMapping({ index: `${p}shows`, properties: { year: { type: "integer" } } });
    const mapping = await client.indices.getMapping({ index: `${p}shows` });
    expect(mapping[`${p}shows-v1`]!.mappings.properties).toEqual({ genre: { type: "keyword" }, name: { type: "text" }, year: { type: "integer" } });
    expect(await client.indices.getAlias({ name: `${p}shows` })).toEqual({ [`${p}shows-v1`]: { aliases: { [`${p}shows`]: { is_write_index: true } } } });
    await client.indices.create({ index: `${p}shows-v2` });
    await client.indices.updateAliases({
      actions: [{ remove: { index: `${p}shows-v1`, alias: `${p}shows` } }, { add: { index: `${p}shows-v2`, alias: `${p}shows` } }],
    });
    expect(Object.keys(await client.indices.getAlias({ name: `${p}shows` }))).toEqual([`${p}shows-v2`]);
    expect(await client.indices.existsAlias({ name: `${p}shows` })).toBe(true);
    expect(await client.indices.existsAlias({ name: `${p}no-such-alias` })).toBe(false);
    await client.indices.delete({ index: `${p}shows-v1,${p}shows-v2` });
    expect(await client.indices.exists({ index: `${p}shows` })).toBe(false);
  });

  it("does CRUD with versions, sequence numbers and partial updates", async () => {
    const created = await client.index({ index: `${p}crud`, id: "1", document: { name: "Dark", seasons: 3 } });
    expect(created).toMatchObject({ result: "created", _version: 1, _seq_no: 0, _primary_term: 1 });
    const auto = await client.index({ index: `${p}crud`, document: { name: "auto id" } });
    expect(auto._id).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(await client.exists({ index: `${p}crud`, id: "1" })).toBe(true);
    expect(await client.exists({ index: `${p}crud`, id: `${p}nope` })).toBe(false);
    const updated = await client.update({ index: `${p}crud`, id: "1", doc: { seasons: 4 } });
    expect(updated).toMatchObject({ result: "updated", _version: 2 });
    const got = await client.get<{ name: string; seasons: number }>({ index: `${p}crud`, id: "1" });
    expect(got).toMatchObject({ found: true, _version: 2, _source: { name: "Dark", seasons: 4 } });
    const upserted = await client.update({ index: `${p}crud`, id: "2", doc: { name: "Upserted" }, doc_as_upsert: true });
    expect(upserted.result).toBe("created");
    const createdOnly = await client.create({ index: `${p}crud`, id: "3", document: { name: "Three" } });
    expect(createdOnly.result).toBe("created");
    const deleted = await client.delete({ index: `${p}crud`, id: "3" });
    expect(deleted.result).toBe("deleted");
    const missing = await responseError(client.get({ index: `${p}crud`, id: "3" }));
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toEqual({ _index: `${p}crud`, _id: "3", found: false });
    const mget = await client.mget<{ name: string }>({ index: `${p}crud`, ids: ["1", "3", "2"] });
    expect(mget.docs.map((d) => ("found" in d ? d.found : "error"))).toEqual([true, false, true]);
  });

  it("rejects stale writes with 409 version_conflict_engine_exception", async () => {
    const first = await client.index({ index: `${p}occ`, id: "1", document: { v: 1 } });
    await client.index({ index: `${p}occ`, id: "1", document: { v: 2 }, if_seq_no: first._seq_no!, if_primary_term: first._primary_term! });
    const stale = await responseError(client.index({ index: `${p}occ`, id: "1", document: { v: 3 }, if_seq_no: first._seq_no!, if_primary_term: first._primary_term! }));
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toMatchObject({
      error: {
        root_cause: [{ type: "version_conflict_engine_exception" }],
        type: "version_conflict_engine_exception",
        reason: "[1]: version conflict, required seqNo [0], primary term [1]. current document has seqNo [1] and primary term [1]",
        index: `${p}occ`,
        shard: "0",
      },
      status: 409,
    });
    const staleDelete = await responseError(client.delete({ index: `${p}occ`, id: "1", if_seq_no: 0, if_primary_term: 1 }));
    expect(staleDelete.statusCode).toBe(409);
    const staleUpdate = await responseError(client.update({ index: `${p}occ`, id: "1", doc: { v: 9 }, if_seq_no: 0, if_primary_term: 1 }));
    expect(staleUpdate.statusCode).toBe(409);
    const duplicate = await responseError(client.create({ index: `${p}occ`, id: "1", document: { v: 0 } }));
    expect(duplicate.statusCode).toBe(409);
    expect((await client.get<{ v: number }>({ index: `${p}occ`, id: "1" }))._source).toEqual({ v: 2 });
  });

  it("runs bulk requests with a failing item without failing the others", async () => {
    await client.indices.create({ index: `${p}bulk`, mappings: { properties: { n: { type: "long" } } } });
    const res = await client.bulk({
      refresh: "wait_for",
      operations: [
        { index: { _index: `${p}bulk`, _id: "1" } }, { n: 1 },
        { index: { _index: `${p}bulk`, _id: "2" } }, { n: "not a number" },
        { create: { _index: `${p}bulk`, _id: "3" } }, { n: 3 },
        { update: { _index: `${p}bulk`, _id: "1" } }, { doc: { n: 10 } },
        { delete: { _index: `${p}bulk`, _id: "3" } },
      ],
    });
    expect(res.errors).toBe(true);
    expect(res.items.map((item) => Object.values(item)[0]!.status)).toEqual([201, 400, 201, 200, 200]);
    expect(res.items[1]!.index!.error).toMatchObject({ type: "document_parsing_exception" });
    expect((await client.count({ index: `${p}bulk` })).count).toBe(1);
    expect((await client.get<{ n: number }>({ index: `${p}bulk`, id: "1" }))._source).toEqual({ n: 10 });
  });

  it("makes writes searchable only after a refresh (near real time)", async () => {
    // No periodic refresh while the test looks: a real node's 1s refresh could land between two requests.
    await client.indices.create({ index: `${p}nrt`, settings: { refresh_interval: "-1" } });
    await client.index({ index: `${p}nrt`, id: "1", document: { name: "invisible for now" } });
    expect((await client.get({ index: `${p}nrt`, id: "1" })).found).toBe(true);
    expect((await client.count({ index: `${p}nrt` })).count).toBe(0);
    expect((await client.search({ index: `${p}nrt`, query: { match: { name: "invisible" } } })).hits.hits).toEqual([]);
    await client.indices.refresh({ index: `${p}nrt` });
    expect((await client.count({ index: `${p}nrt` })).count).toBe(1);

    // wait_for waits for the next periodic refresh: on a real node it never comes while refresh is disabled.
    await client.indices.putSettings({ index: `${p}nrt`, settings: { refresh_interval: "1s" } });
    await client.index({ index: `${p}nrt`, id: "2", document: { name: "waits" }, refresh: "wait_for" });
    expect((await client.count({ index: `${p}nrt` })).count).toBe(2);
  });

  it("refreshes periodically, every refresh_interval (server-only: moves the test server's clock)", async () => {
    cluster.requireServer("a clock the test moves");
    await client.indices.create({ index: `${p}periodic` });
    await client.index({ index: `${p}periodic`, id: "1", document: { name: "periodic" } });
    expect((await client.count({ index: `${p}periodic` })).count).toBe(0);
    now += 1_000; // the default refresh_interval is 1s
    expect((await client.count({ index: `${p}periodic` })).count).toBe(1);
  });
});

describe("search through the test server", () => {
  beforeAll(async () => {
    await client.indices.create({
      index: `${p}titles`,
      mappings: {
        properties: {
          name: { type: "text", fields: { raw: { type: "keyword" } } },
          synopsis: { type: "text" },
          genre: { type: "keyword" },
          year: { type: "integer" },
          releasedAt: { type: "date" },
        },
      },
    });
    const docs = [
      { name: "Dark", synopsis: "A family saga with a supernatural twist", genre: "drama", year: 2017, releasedAt: "2017-12-01" },
      { name: "Dark Matter", synopsis: "Six people wake up on a spaceship", genre: "scifi", year: 2015, releasedAt: "2015-06-12" },
      { name: "Stranger Things", synopsis: "A dark secret in a small town", genre: "scifi", year: 2016, releasedAt: "2016-07-15" },
      { name: "The Crown", synopsis: "The reign of Queen Elizabeth", genre: "drama", year: 2016, releasedAt: "2016-11-04" },
      { name: "Mindhunter", synopsis: "FBI agents interview serial killers", genre: "crime", year: 2017, releasedAt: "2017-10-13" },
    ];
    await client.bulk({ refresh: true, operations: docs.flatMap((d, i) => [{ index: { _index: `${p}titles`, _id: String(i + 1) } }, d]) });
  });

  const ids = (res: { hits: { hits: Array<{ _id?: string | null }> } }) => res.hits.hits.map((h) => h._id);

  it("searches with bool, match, multi_match, term and range", async () => {
    const res = await client.search({
      index: `${p}titles`,
      query: {
        bool: {
          must: [{ multi_match: { query: "dark", fields: ["name^2", "synopsis"] } }],
          filter: [{ term: { genre: "scifi" } }, { range: { year: { gte: 2015, lte: 2016 } } }],
        },
      },
    });
    expect(ids(res)).toEqual(["2", "3"]);
    expect(res.hits.total).toEqual({ value: 2, relation: "eq" });
    expect(res.hits.hits[0]!._score!).toBeGreaterThan(res.hits.hits[1]!._score!);
    const dated = await client.search({ index: `${p}titles`, query: { range: { releasedAt: { gte: "2017-01-01T00:00:00Z" } } }, sort: ["_doc"] });
    expect(ids(dated)).toEqual(["1", "5"]);
    const phrase = await client.search({ index: `${p}titles`, query: { match_phrase: { synopsis: "small town" } } });
    expect(ids(phrase)).toEqual(["3"]);
  });

  it("pages with search_after over a sort with a tiebreaker", async () => {
    const sort: Array<Record<string, "asc" | "desc">> = [{ year: "desc" }, { "name.raw": "asc" }];
    const seen: string[] = [];
    let after: Array<string | number> | undefined;
    for (;;) {
      const page = await client.search({ index: `${p}titles`, sort, size: 2, ...(after ? { search_after: after } : {}) });
      if (page.hits.hits.length === 0) break;
      seen.push(...page.hits.hits.map((h) => h._id!));
      after = page.hits.hits[page.hits.hits.length - 1]!.sort as Array<string | number>;
    }
    expect(seen).toEqual(["1", "5", "3", "4", "2"]);
  });

  it("counts, highlights and tracks totals", async () => {
    expect((await client.count({ index: `${p}titles`, query: { term: { genre: "drama" } } })).count).toBe(2);
    const res = await client.search({ index: `${p}titles`, query: { match: { synopsis: "secret town" } }, highlight: { fields: { synopsis: {} } } });
    expect(res.hits.hits[0]!.highlight).toEqual({ synopsis: ["A dark <em>secret</em> in a small <em>town</em>"] });
    const capped = await client.search({ index: `${p}titles`, track_total_hits: 2, size: 0 });
    expect(capped.hits.total).toEqual({ value: 2, relation: "gte" });
  });

  it("treats hostile user text inside match queries as plain text", async () => {
    for (const text of ['title:(foo OR "bar', "name:dark AND", "*:*", "\\\"", "{}[]", "%00", ""]) {
      const res = await client.search({ index: `${p}titles`, query: { multi_match: { query: text, fields: ["name", "synopsis"] } } });
      expect(res.hits.total).toEqual({ value: 0, relation: "eq" });
    }
    const res = await client.search({ index: `${p}titles`, query: { match: { name: 'dark:( OR "' } } });
    expect(ids(res).sort()).toEqual(["1", "2"]);
  });
});

describe("more endpoints through the client", () => {
  it("op_type=create, mget across indices with per-item errors, and GET search with query parameters", async () => {
    await client.index({ index: `${p}misc-a`, id: "1", document: { n: 1, label: "one" }, refresh: true });
    await client.index({ index: `${p}misc-b`, id: "1", document: { n: 2, label: "two" }, refresh: true });
    const dup = await responseError(client.index({ index: `${p}misc-a`, id: "1", document: { n: 9 }, op_type: "create" }));
    expect(dup.statusCode).toBe(409);
    const mget = await client.mget({ docs: [{ _index: `${p}misc-a`, _id: "1" }, { _index: `${p}misc-b`, _id: "1", _source: false }, { _index: `${p}misc-zzz`, _id: "1" }] });
    expect(mget.docs[0]).toMatchObject({ _index: `${p}misc-a`, found: true, _source: { n: 1, label: "one" } });
    expect(mget.docs[1]).toMatchObject({ _index: `${p}misc-b`, found: true });
    expect(mget.docs[1]).not.toHaveProperty("_source");
    expect(mget.docs[2]).toMatchObject({ _index: `${p}misc-zzz`, error: { type: "index_not_found_exception" } });
    const res = await fetch(`${cluster.url.replace(/\/+$/, "")}/${p}misc-*/_search?size=1&sort=n:desc&seq_no_primary_term=true`, { headers: { accept: "application/json" } });
    const body = (await res.json()) as { hits: { total: { value: number }; hits: Array<{ _index: string; _seq_no: number; sort: number[] }> } };
    expect(body.hits.total.value).toBe(2);
    expect(body.hits.hits).toHaveLength(1);
    expect(body.hits.hits[0]).toMatchObject({ _index: `${p}misc-b`, _seq_no: 0, sort: [2] });
  });

  it("manages aliases one by one, settings, and refuses writes to an alias without a write index", async () => {
    await client.indices.create({ index: `${p}alias-1` });
    await client.indices.create({ index: `${p}alias-2` });
    await client.indices.putAlias({ index: `${p}alias-1`, name: `${p}both` });
    await client.indices.putAlias({ index: `${p}alias-2`, name: `${p}both` });
    expect(Object.keys(await client.indices.getAlias({ name: `${p}both` })).sort()).toEqual([`${p}alias-1`, `${p}alias-2`]);
    const noWriter = await responseError(client.index({ index: `${p}both`, id: "1", document: { x: 1 } }));
    expect(noWriter.statusCode).toBe(400);
    expect(noWriter.body).toMatchObject({ error: { type: "illegal_argument_exception", reason: expect.stringContaining(`no write index is defined for alias [${p}both]`) } });
    await client.indices.deleteAlias({ index: `${p}alias-2`, name: `${p}both` });
    await client.index({ index: `${p}both`, id: "1", document: { x: 1 }, refresh: true });
    expect((await client.get({ index: `${p}alias-1`, id: "1" })).found).toBe(true);
    const missing = await responseError(client.indices.getAlias({ name: `${p}nobody` }));
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toEqual({ error: `alias [${p}nobody] missing`, status: 404 });
    const deleteViaAlias = await responseError(client.indices.delete({ index: `${p}both` }));
    expect(deleteViaAlias.statusCode).toBe(400);

    await client.indices.putSettings({ index: `${p}alias-1`, settings: { refresh_interval: "-1" } });
    const settings = await client.indices.getSettings({ index: `${p}alias-1` });
    expect(settings[`${p}alias-1`]!.settings!.index!.refresh_interval).toBe("-1");
    await client.index({ index: `${p}alias-1`, id: "2", document: { x: 2 } });
    now += 60_000;
    expect((await client.count({ index: `${p}alias-1` })).count).toBe(1);
    const index = await client.indices.get({ index: `${p}both` });
    expect(Object.keys(index)).toEqual([`${p}alias-1`]);
    expect(index[`${p}alias-1`]!.aliases).toEqual({ [`${p}both`]: {} });
  });
});
