import { describe, expect, it } from "vitest";
import { SearchEngine } from "../src/search-engine/index.js";

function manualClock(start = Date.UTC(2025, 0, 15, 12)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

function catalog(engine: SearchEngine): void {
  engine.createIndex({
    index: "titles-v1",
    mappings: {
      properties: {
        name: { type: "text", fields: { raw: { type: "keyword" } } },
        genre: { type: "keyword" },
        year: { type: "integer" },
        rating: { type: "double" },
        releasedAt: { type: "date" },
        available: { type: "boolean" },
      },
    },
    aliases: { titles: {} },
  });
  const docs = [
    { id: "1", name: "Dark", genre: "drama", year: 2017, rating: 8.7, releasedAt: "2017-12-01", available: true },
    { id: "2", name: "Dark Matter", genre: "scifi", year: 2015, rating: 7.3, releasedAt: "2015-06-12T00:00:00Z", available: false },
    { id: "3", name: "Stranger Things", genre: "scifi", year: 2016, rating: 8.7, releasedAt: "2016-07-15", available: true },
    { id: "4", name: "The Crown", genre: "drama", year: 2016, rating: 8.6, releasedAt: "2016-11-04", available: true },
    { id: "5", name: "Mindhunter", genre: "crime", year: 2017, releasedAt: "2017-10-13" },
  ];
  for (const { id, ...doc } of docs) engine.index({ index: "titles", id, document: doc });
  engine.refresh({ index: "titles" });
}

const ids = (res: { hits: { hits: Array<{ _id: string }> } }) => res.hits.hits.map((h) => h._id);

describe("documents", () => {
  it("assigns versions, sequence numbers and results", () => {
    const engine = new SearchEngine();
    const created = engine.index({ index: "a", id: "x", document: { n: 1 } });
    expect(created).toMatchObject({ _index: "a", _id: "x", _version: 1, result: "created", _seq_no: 0, _primary_term: 1 });
    const updated = engine.index({ index: "a", id: "x", document: { n: 2 } });
    expect(updated).toMatchObject({ _version: 2, result: "updated", _seq_no: 1 });
    expect(engine.get({ index: "a", id: "x" })).toEqual({ _index: "a", _id: "x", _version: 2, _seq_no: 1, _primary_term: 1, found: true, _source: { n: 2 } });
    expect(engine.delete({ index: "a", id: "x" })).toMatchObject({ result: "deleted", _version: 3, _seq_no: 2 });
    expect(engine.get({ index: "a", id: "x" })).toEqual({ _index: "a", _id: "x", found: false });
    expect(engine.delete({ index: "a", id: "x" }).result).toBe("not_found");
    expect(engine.index({ index: "a", id: "x", document: { n: 3 } })).toMatchObject({ result: "created", _version: 5 });
    // One primary plus an unassigned replica by default; no replica when number_of_replicas is 0.
    expect(created._shards).toEqual({ total: 2, successful: 1, failed: 0 });
    engine.createIndex({ index: "solo", settings: { number_of_replicas: 0 } });
    expect(engine.index({ index: "solo", id: "1", document: {} })._shards).toEqual({ total: 1, successful: 1, failed: 0 });
  });

  it("merges partial updates, detects no-ops and upserts", () => {
    const engine = new SearchEngine();
    engine.index({ index: "a", id: "1", document: { name: "Dark", meta: { seasons: 3, lang: "de" } } });
    const res = engine.update({ index: "a", id: "1", doc: { meta: { seasons: 4 } } });
    expect(res.result).toBe("updated");
    expect(engine.get({ index: "a", id: "1" })._source).toEqual({ name: "Dark", meta: { seasons: 4, lang: "de" } });
    const noop = engine.update({ index: "a", id: "1", doc: { name: "Dark" } });
    expect(noop).toMatchObject({ result: "noop", _version: 2, _seq_no: 1 });
    expect(engine.update({ index: "a", id: "2", doc: { name: "New" }, doc_as_upsert: true }).result).toBe("created");
    expect(engine.update({ index: "a", id: "3", doc: { name: "x" }, upsert: { name: "initial" } }).result).toBe("created");
    expect(engine.get({ index: "a", id: "3" })._source).toEqual({ name: "initial" });
  });

  it("enforces if_seq_no / if_primary_term", () => {
    const engine = new SearchEngine();
    const first = engine.index({ index: "a", id: "1", document: { v: 1 } });
    engine.index({ index: "a", id: "1", document: { v: 2 }, if_seq_no: first._seq_no, if_primary_term: first._primary_term });
    expect(() => engine.index({ index: "a", id: "1", document: { v: 3 }, if_seq_no: first._seq_no, if_primary_term: 1 })).toThrow(
      expect.objectContaining({ statusCode: 409, type: "version_conflict_engine_exception" }),
    );
    expect(() => engine.delete({ index: "a", id: "1", if_seq_no: 0, if_primary_term: 1 })).toThrow(expect.objectContaining({ statusCode: 409 }));
    expect(() => engine.update({ index: "a", id: "1", doc: { v: 9 }, if_seq_no: 7, if_primary_term: 1 })).toThrow(expect.objectContaining({ statusCode: 409 }));
    expect(engine.get({ index: "a", id: "1" })._source).toEqual({ v: 2 });
    expect(() => engine.create({ index: "a", id: "1", document: {} })).toThrow(
      expect.objectContaining({ statusCode: 409, reason: "[1]: version conflict, document already exists (current version [2])" }),
    );
  });

  it("runs bulk items independently", () => {
    const engine = new SearchEngine();
    engine.index({ index: "a", id: "taken", document: { n: 0 } });
    const res = engine.bulk({
      index: "a",
      operations: [
        { index: { _id: "1" } }, { n: 1 },
        { create: { _id: "taken" } }, { n: 2 },
        { update: { _id: "missing" } }, { doc: { n: 3 } },
        { index: { _id: "bad" } }, { n: "not a number" },
        { delete: { _id: "taken" } },
      ],
      refresh: "wait_for",
    });
    expect(res.errors).toBe(true);
    expect(res.items.map((i) => Object.values(i)[0]!.status)).toEqual([201, 409, 404, 400, 200]);
    expect(res.items[2]!.update!.error).toMatchObject({ type: "document_missing_exception" });
    expect(res.items[3]!.index!.error).toMatchObject({ type: "document_parsing_exception" });
    expect(engine.count({ index: "a" }).count).toBe(1);
  });

  it("returns mget entries in request order, with per-item errors", () => {
    const engine = new SearchEngine();
    engine.index({ index: "a", id: "1", document: { n: 1 } });
    const res = engine.mget({ docs: [{ _index: "a", _id: "1" }, { _index: "a", _id: "2" }, { _index: "nope", _id: "1" }] });
    expect(res.docs[0]).toMatchObject({ _id: "1", found: true, _source: { n: 1 } });
    expect(res.docs[1]).toEqual({ _index: "a", _id: "2", found: false });
    expect(res.docs[2]).toMatchObject({ _index: "nope", _id: "1", error: { type: "index_not_found_exception" } });
  });
});

describe("near-real-time visibility", () => {
  it("shows writes to GET at once and to search after the refresh interval", () => {
    const clock = manualClock();
    const engine = new SearchEngine({ clock: clock.now });
    engine.createIndex({ index: "a" });
    engine.index({ index: "a", id: "1", document: { name: "dark" } });
    expect(engine.get({ index: "a", id: "1" }).found).toBe(true);
    expect(engine.count({ index: "a" }).count).toBe(0);
    clock.advance(999);
    expect(engine.search({ index: "a", query: { match: { name: "dark" } } }).hits.total).toEqual({ value: 0, relation: "eq" });
    clock.advance(1);
    expect(engine.search({ index: "a", query: { match: { name: "dark" } } }).hits.total).toEqual({ value: 1, relation: "eq" });
  });

  it("never refreshes on its own with refresh_interval -1; explicit and wait_for refreshes work", () => {
    const clock = manualClock();
    const engine = new SearchEngine({ clock: clock.now });
    engine.createIndex({ index: "a", settings: { refresh_interval: "-1" } });
    engine.index({ index: "a", id: "1", document: { n: 1 } });
    clock.advance(3_600_000);
    expect(engine.count({ index: "a" }).count).toBe(0);
    engine.refresh({ index: "a" });
    expect(engine.count({ index: "a" }).count).toBe(1);
    engine.index({ index: "a", id: "2", document: { n: 2 }, refresh: "wait_for" });
    expect(engine.count({ index: "a" }).count).toBe(2);
    expect(engine.index({ index: "a", id: "3", document: { n: 3 }, refresh: true }).forced_refresh).toBe(true);
    expect(engine.count({ index: "a" }).count).toBe(3);
    engine.delete({ index: "a", id: "1" });
    expect(engine.count({ index: "a" }).count).toBe(3);
    engine.refresh({});
    expect(engine.count({ index: "a" }).count).toBe(2);
  });

  it("keeps scoring statistics to the searchable view", () => {
    const engine = new SearchEngine({ clock: () => 0 });
    engine.createIndex({ index: "a", settings: { refresh_interval: "-1" } });
    engine.index({ index: "a", id: "1", document: { t: "alpha" }, refresh: true });
    const before = engine.search({ index: "a", query: { match: { t: "alpha" } } }).hits.max_score;
    engine.index({ index: "a", id: "2", document: { t: "alpha beta" } });
    expect(engine.search({ index: "a", query: { match: { t: "alpha" } } }).hits.max_score).toBe(before);
  });
});

describe("query DSL", () => {
  const engine = new SearchEngine({ clock: () => Date.UTC(2018, 0, 1) });
  catalog(engine);

  it("match with operator and / or", () => {
    expect(ids(engine.search({ index: "titles", query: { match: { name: "dark things" } } })).sort()).toEqual(["1", "2", "3"]);
    expect(ids(engine.search({ index: "titles", query: { match: { name: { query: "dark matter", operator: "and" } } } }))).toEqual(["2"]);
    expect(ids(engine.search({ index: "titles", query: { match: { name: { query: "dark matter crown", minimum_should_match: 2 } } } }))).toEqual(["2"]);
  });

  it("bool must / should / filter / must_not", () => {
    const res = engine.search({
      index: "titles",
      query: {
        bool: {
          filter: [{ term: { genre: "scifi" } }],
          must_not: [{ term: { available: false } }],
          should: [{ match: { name: "stranger" } }],
        },
      },
    });
    expect(ids(res)).toEqual(["3"]);
    const onlyFilter = engine.search({ index: "titles", query: { bool: { filter: { term: { genre: "drama" } } } } });
    expect(onlyFilter.hits.hits.every((h) => h._score === 0)).toBe(true);
    const shouldTwo = engine.search({
      index: "titles",
      query: { bool: { should: [{ term: { genre: "drama" } }, { term: { year: 2016 } }, { term: { available: true } }], minimum_should_match: 3 } },
    });
    expect(ids(shouldTwo)).toEqual(["4"]);
  });

  it("term, terms, range, exists, ids", () => {
    expect(ids(engine.search({ index: "titles", query: { term: { "name.raw": "Dark" } } }))).toEqual(["1"]);
    expect(ids(engine.search({ index: "titles", query: { terms: { genre: ["crime", "drama"] } }, sort: ["_doc"] }))).toEqual(["1", "4", "5"]);
    expect(ids(engine.search({ index: "titles", query: { range: { year: { gt: 2015, lt: 2017 } } }, sort: ["_doc"] }))).toEqual(["3", "4"]);
    expect(ids(engine.search({ index: "titles", query: { range: { rating: { gte: 8.7 } } }, sort: ["_doc"] }))).toEqual(["1", "3"]);
    expect(ids(engine.search({ index: "titles", query: { range: { releasedAt: { gte: "2016-07-15", lt: "2017-11-01T00:00:00Z" } } }, sort: ["_doc"] }))).toEqual(["3", "4", "5"]);
    expect(ids(engine.search({ index: "titles", query: { range: { releasedAt: { gte: "now-1y/y" } } }, sort: ["_doc"] }))).toEqual(["1", "5"]);
    expect(ids(engine.search({ index: "titles", query: { range: { "name.raw": { gte: "M", lt: "T" } } }, sort: ["_doc"] }))).toEqual(["3", "5"]);
    expect(ids(engine.search({ index: "titles", query: { bool: { must_not: { exists: { field: "rating" } } } } }))).toEqual(["5"]);
    expect(ids(engine.search({ index: "titles", query: { ids: { values: ["4", "2", "zz"] } }, sort: ["_doc"] }))).toEqual(["2", "4"]);
  });

  it("sorts by fields with _doc tiebreaker and pages with search_after", () => {
    const sort = [{ rating: { order: "desc" } }, { year: "asc" }, "_doc"];
    const page1 = engine.search({ index: "titles", sort, size: 2 });
    expect(ids(page1)).toEqual(["3", "1"]);
    expect(page1.hits.hits[0]!._score).toBeNull();
    const page2 = engine.search({ index: "titles", sort, size: 2, search_after: page1.hits.hits[1]!.sort });
    expect(ids(page2)).toEqual(["4", "2"]);
    const page3 = engine.search({ index: "titles", sort, size: 2, search_after: page2.hits.hits[1]!.sort });
    expect(ids(page3)).toEqual(["5"]);
    expect(page3.hits.hits[0]!.sort![0]).toBeNull();
    expect(page3.hits.total).toEqual({ value: 5, relation: "eq" });
  });

  it("sorts dates by epoch millis and accepts ISO strings in search_after", () => {
    const res = engine.search({ index: "titles", sort: [{ releasedAt: "asc" }], size: 1, search_after: ["2016-07-15"] });
    expect(ids(res)).toEqual(["4"]);
    expect(res.hits.hits[0]!.sort).toEqual([Date.UTC(2016, 10, 4)]);
  });

  it("from/size, track_total_hits and _source filtering", () => {
    const res = engine.search({ index: "titles", sort: ["_doc"], from: 1, size: 2, track_total_hits: 3, _source: ["name"] });
    expect(ids(res)).toEqual(["2", "3"]);
    expect(res.hits.total).toEqual({ value: 3, relation: "gte" });
    expect(res.hits.hits[0]!._source).toEqual({ name: "Dark Matter" });
    expect(engine.search({ index: "titles", track_total_hits: false }).hits.total).toBeUndefined();
  });

  it("highlights matched terms", () => {
    const res = engine.search({ index: "titles", query: { match: { name: "dark" } }, highlight: { fields: { name: {} } } });
    expect(res.hits.hits.map((h) => h.highlight)).toEqual([{ name: ["<em>Dark</em>"] }, { name: ["<em>Dark</em> Matter"] }]);
  });

  it("counts and searches through aliases and wildcards", () => {
    expect(engine.count({ index: "titles", query: { term: { genre: "scifi" } } }).count).toBe(2);
    expect(engine.count({ index: "titles-*" }).count).toBe(5);
    expect(engine.search({ index: "titles" }).hits.hits[0]!._index).toBe("titles-v1");
  });
});
