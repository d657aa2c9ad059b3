import { describe, expect, it } from "vitest";
import { SearchEngine } from "../src/search-engine/index.js";

function engine(): SearchEngine {
  const e = new SearchEngine({ clock: () => Date.UTC(2025, 5, 1) });
  e.createIndex({
    index: "media",
    mappings: {
      properties: {
        title: { type: "text", fields: { raw: { type: "keyword" } } },
        kind: { type: "keyword" },
        labels: { type: "flattened" },
        cast: { properties: { lead: { type: "keyword" }, support: { type: "keyword" } } },
        secret: { type: "keyword", index: false },
        views: { type: "long" },
      },
    },
  });
  const docs = [
    { title: "Alpha Centauri", kind: "film", labels: { lang: "en", region: "us" }, cast: { lead: "Ann" }, views: 10, secret: "s1" },
    { title: "Alpha Beta", kind: "series", labels: { lang: "de" }, views: 5 },
    { title: "Gamma", kind: "film", cast: { support: "Bob" }, views: 50 },
  ];
  docs.forEach((d, i) => e.index({ index: "media", id: String(i + 1), document: d }));
  e.refresh({});
  return e;
}

const ids = (res: { hits: { hits: Array<{ _id: string }> } }) => res.hits.hits.map((h) => h._id);

describe("search engine: less common features", () => {
  it("constant_score, dis_max, prefix, min_score and post_filter", () => {
    const e = engine();
    const constant = e.search({ index: "media", query: { constant_score: { filter: { term: { kind: "film" } }, boost: 3 } } });
    expect(constant.hits.hits.map((h) => h._score)).toEqual([3, 3]);
    const dis = e.search({ index: "media", query: { dis_max: { queries: [{ match: { title: "alpha" } }, { term: { kind: "series" } }], tie_breaker: 0.5 } } });
    expect(ids(dis)[0]).toBe("2");
    expect(ids(e.search({ index: "media", query: { prefix: { "title.raw": "Alpha" } }, sort: ["_doc"] }))).toEqual(["1", "2"]);
    expect(ids(e.search({ index: "media", query: { prefix: { title: { value: "CENT", case_insensitive: true } } } }))).toEqual(["1"]);
    const all = e.search({ index: "media", query: { match: { title: "alpha centauri" } } });
    expect(all.hits.total!.value).toBe(2);
    const cut = e.search({ index: "media", query: { match: { title: "alpha centauri" } }, min_score: all.hits.hits[0]!._score! });
    expect(cut.hits.total!.value).toBe(1);
    const post = e.search({ index: "media", query: { match_all: {} }, post_filter: { term: { kind: "film" } }, sort: ["_doc"] });
    expect(ids(post)).toEqual(["1", "3"]);
  });

  it("flattened fields match on their leaf values, objects on their sub-fields", () => {
    const e = engine();
    expect(ids(e.search({ index: "media", query: { term: { labels: "de" } } }))).toEqual(["2"]);
    expect(ids(e.search({ index: "media", query: { exists: { field: "cast" } }, sort: ["_doc"] }))).toEqual(["1", "3"]);
    expect(ids(e.search({ index: "media", query: { term: { "cast.lead": "Ann" } } }))).toEqual(["1"]);
    expect(e.getMapping({ index: "media" }).media).toMatchObject({ mappings: { properties: { labels: { type: "flattened" } } } });
  });

  it("refuses searches on fields that are not indexed", () => {
    const e = engine();
    expect(() => e.search({ index: "media", query: { term: { secret: "s1" } } })).toThrow(expect.objectContaining({ statusCode: 400 }));
    expect(e.get({ index: "media", id: "1" })._source).toMatchObject({ secret: "s1" });
  });

  it("filters _source with includes and excludes", () => {
    const e = engine();
    const res = e.search({ index: "media", query: { ids: { values: ["1"] } }, _source: { includes: ["cast.*", "title"], excludes: ["cast.support"] } });
    expect(res.hits.hits[0]!._source).toEqual({ title: "Alpha Centauri", cast: { lead: "Ann" } });
    const excluded = e.search({ index: "media", query: { ids: { values: ["1"] } }, _source: { excludes: ["labels", "cast", "secret", "views"] } });
    expect(excluded.hits.hits[0]!._source).toEqual({ title: "Alpha Centauri", kind: "film" });
    const none = e.search({ index: "media", query: { ids: { values: ["1"] } }, _source: false });
    expect(none.hits.hits[0]).not.toHaveProperty("_source");
    expect(e.get({ index: "media", id: "1", _source: false })).not.toHaveProperty("_source");
  });

  it("returns versions and sequence numbers on request, and sorts missing values first when asked", () => {
    const e = engine();
    e.index({ index: "media", id: "2", document: { title: "Alpha Beta", kind: "series" }, refresh: true });
    const res = e.search({ index: "media", sort: [{ views: { order: "asc", missing: "_first" } }], seq_no_primary_term: true, version: true });
    expect(ids(res)).toEqual(["2", "1", "3"]);
    expect(res.hits.hits[0]).toMatchObject({ _version: 2, _seq_no: 3, _primary_term: 1, sort: [null] });
  });

  it("writes through an alias with a write index and reads through it", () => {
    const e = engine();
    e.createIndex({ index: "media-2" });
    e.updateAliases({ actions: [{ add: { index: "media", alias: "all-media", is_write_index: true } }, { add: { index: "media-2", alias: "all-media" } }] });
    const written = e.index({ index: "all-media", id: "9", document: { title: "Delta", kind: "film" }, refresh: true });
    expect(written._index).toBe("media");
    expect(e.count({ index: "all-media" }).count).toBe(4);
    expect(() => e.get({ index: "all-media", id: "9" })).toThrow(expect.objectContaining({ statusCode: 400 }));
    expect(e.getAlias({ name: "all-media" })).toEqual({ media: { aliases: { "all-media": { is_write_index: true } } }, "media-2": { aliases: { "all-media": {} } } });
  });

  it("counts matches beyond the default total-hits limit as gte", () => {
    const e = new SearchEngine();
    e.bulk({ index: "many", operations: Array.from({ length: 10_001 }, (_, i) => [{ index: { _id: String(i) } }, { n: i }]).flat(), refresh: true });
    expect(e.search({ index: "many", size: 0 }).hits.total).toEqual({ value: 10_000, relation: "gte" });
    expect(e.search({ index: "many", size: 0, track_total_hits: true }).hits.total).toEqual({ value: 10_001, relation: "eq" });
    expect(e.count({ index: "many" }).count).toBe(10_001);
  });
});

describe("postings-based candidate selection", () => {
  it("returns exactly what a full scan returns", () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const words = ["red", "green", "blue", "dark", "light", "sea", "sky", "night", "day", "star"];
    const e = new SearchEngine({ clock: () => 0 });
    e.createIndex({ index: "c", mappings: { properties: { text: { type: "text" }, tag: { type: "keyword" }, n: { type: "long" } } } });
    for (let i = 0; i < 300; i++) {
      const text = Array.from({ length: 2 + Math.floor(rand() * 8) }, () => words[Math.floor(rand() * words.length)]).join(" ");
      e.index({ index: "c", id: String(i), document: { text, tag: words[i % 4], n: i % 7 } });
      if (i % 50 === 0) e.refresh({});
    }
    for (let i = 0; i < 40; i++) e.delete({ index: "c", id: String(i * 3) });
    e.index({ index: "c", id: "1", document: { text: "brand new sky", tag: "x", n: 1 } });
    e.refresh({});
    const queries: unknown[] = [
      { match: { text: "dark sky" } },
      { match: { text: { query: "dark sky night", operator: "and" } } },
      { match: { text: { query: "dark sky night star", minimum_should_match: "50%" } } },
      { match_phrase: { text: "dark sky" } },
      { term: { tag: "red" } },
      { terms: { tag: ["green", "blue"] } },
      { ids: { values: ["1", "2", "3", "999"] } },
      { multi_match: { query: "sea star", fields: ["text", "tag^2"] } },
      { multi_match: { query: "sea star", fields: ["text", "tag"], type: "most_fields" } },
      { bool: { must: [{ match: { text: "sea" } }], filter: [{ range: { n: { gte: 3 } } }] } },
      { bool: { should: [{ term: { tag: "red" } }, { match: { text: "light" } }], must_not: [{ term: { n: 2 } }] } },
      { bool: { filter: [{ range: { n: { lt: 4 } } }], should: [{ match: { text: "day" } }], minimum_should_match: 1 } },
      { constant_score: { filter: { match: { text: "night" } }, boost: 2 } },
      { dis_max: { queries: [{ match: { text: "red" } }, { term: { tag: "blue" } }], tie_breaker: 0.3 } },
    ];
    for (const query of queries) {
      const fast = e.search({ index: "c", query, size: 1000, sort: ["_score", "_doc"] });
      // A dis_max with a clause that has no postings forces a full scan; the other clause never matches.
      const scan = e.search({ index: "c", query: { dis_max: { queries: [query, { bool: { must_not: { match_all: {} } } }] } }, size: 1000, sort: ["_score", "_doc"] });
      expect(fast.hits.hits.map((h) => [h._id, h._score]), JSON.stringify(query)).toEqual(scan.hits.hits.map((h) => [h._id, h._score]));
      expect(fast.hits.total, JSON.stringify(query)).toEqual(scan.hits.total);
    }
  });
});
