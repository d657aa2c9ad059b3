import { describe, expect, it } from "vitest";
import { SearchEngine, isSearchEngineError, type SearchEngineError } from "../src/search-engine/index.js";

function caught(fn: () => unknown): SearchEngineError {
  try {
    fn();
  } catch (e) {
    if (isSearchEngineError(e)) return e;
    throw e;
  }
  throw new Error("expected an error");
}

function engineWithIndex(): SearchEngine {
  const engine = new SearchEngine({ clock: () => 0 });
  engine.createIndex({
    index: "a",
    mappings: { properties: { title: { type: "text" }, count: { type: "long" }, when: { type: "date" }, flag: { type: "boolean" }, tag: { type: "keyword" } } },
  });
  engine.index({ index: "a", id: "1", document: { title: "hello", count: 1, tag: "x" }, refresh: true });
  return engine;
}

describe("search engine strictness", () => {
  it("rejects unknown query types with parsing_exception", () => {
    const e = caught(() => engineWithIndex().search({ index: "a", query: { fuzzy_wuzzy: { title: "x" } } }));
    expect(e.statusCode).toBe(400);
    expect(e.body).toMatchObject({ error: { type: "parsing_exception", reason: "unknown query [fuzzy_wuzzy]", root_cause: [{ type: "parsing_exception" }] }, status: 400 });
  });

  it("rejects unknown parameters and malformed clauses", () => {
    const engine = engineWithIndex();
    expect(caught(() => engine.search({ index: "a", query: { match: { title: { query: "x", bogus: 1 } } } })).reason).toBe("[match] query does not support [bogus]");
    expect(caught(() => engine.search({ index: "a", query: { match: { title: "x" }, term: { tag: "x" } } })).type).toBe("parsing_exception");
    expect(caught(() => engine.search({ index: "a", query: { bool: { must: "nope" } } })).type).toBe("parsing_exception");
    expect(caught(() => engine.search({ index: "a", aggs: {} })).type).toBe("parsing_exception");
  });

  it("rejects a term that does not fit the field's type", () => {
    const e = caught(() => engineWithIndex().search({ index: "a", query: { term: { count: "abc" } } }));
    expect(e.statusCode).toBe(400);
    expect(e.body).toMatchObject({
      error: { type: "search_phase_execution_exception", root_cause: [{ type: "query_shard_exception" }], caused_by: { caused_by: { type: "number_format_exception" } } },
    });
    expect(caught(() => engineWithIndex().search({ index: "a", query: { range: { when: { gte: "yesterday" } } } })).statusCode).toBe(400);
  });

  it("rejects sorting on text fields and on _id", () => {
    const text = caught(() => engineWithIndex().search({ index: "a", sort: [{ title: "asc" }] }));
    expect(text.statusCode).toBe(400);
    expect((text.body as { error: { root_cause: Array<{ type: string; reason: string }> } }).error.root_cause[0]).toMatchObject({
      type: "illegal_argument_exception",
      reason: expect.stringContaining("Text fields are not optimised"),
    });
    const id = caught(() => engineWithIndex().search({ index: "a", sort: ["_id"] }));
    expect((id.body as { error: { root_cause: Array<{ reason: string }> } }).error.root_cause[0]!.reason).toContain("Fielddata access on the _id field is disallowed");
    expect(caught(() => engineWithIndex().search({ index: "a", sort: ["nope"] })).statusCode).toBe(400);
    expect(engineWithIndex().search({ index: "a", sort: [{ nope: { unmapped_type: "keyword" } }] }).hits.hits).toHaveLength(1);
  });

  it("rejects values that do not fit the mapping and leaves the index unchanged", () => {
    const engine = engineWithIndex();
    const e = caught(() => engine.index({ index: "a", id: "2", document: { count: "abc", extra: "new field" } }));
    expect(e.statusCode).toBe(400);
    expect(e.type).toBe("document_parsing_exception");
    expect(e.reason).toContain("failed to parse field [count] of type [long] in document with id '2'");
    expect(engine.get({ index: "a", id: "2" }).found).toBe(false);
    expect(JSON.stringify(engine.getMapping({ index: "a" }))).not.toContain("extra");
    expect(caught(() => engine.index({ index: "a", id: "2", document: { when: "not a date" } })).type).toBe("document_parsing_exception");
    expect(caught(() => engine.index({ index: "a", id: "2", document: { flag: "yes" } })).type).toBe("document_parsing_exception");
    expect(caught(() => engine.index({ index: "a", id: "2", document: { title: { nested: true } } })).type).toBe("document_parsing_exception");
    engine.index({ index: "a", id: "3", document: { count: "42", flag: "false" }, refresh: true });
    expect(engine.search({ index: "a", query: { term: { count: 42 } } }).hits.hits).toHaveLength(1);
  });

  it("applies dynamic mapping like Elasticsearch, and refuses unknown fields when strict", () => {
    const engine = new SearchEngine();
    engine.index({ index: "d", id: "1", document: { name: "Dark", seasons: 3, score: 8.5, live: true, aired: "2017-12-01", cast: { lead: "Louis" } } });
    expect(engine.getMapping({ index: "d" })).toEqual({
      d: {
        mappings: {
          properties: {
            aired: { type: "date" },
            cast: { properties: { lead: { type: "text", fields: { keyword: { type: "keyword", ignore_above: 256 } } } } },
            live: { type: "boolean" },
            name: { type: "text", fields: { keyword: { type: "keyword", ignore_above: 256 } } },
            score: { type: "float" },
            seasons: { type: "long" },
          },
        },
      },
    });
    engine.createIndex({ index: "s", mappings: { dynamic: "strict", properties: { a: { type: "keyword" } } } });
    expect(caught(() => engine.index({ index: "s", id: "1", document: { a: "x", b: "y" } })).type).toBe("strict_dynamic_mapping_exception");
    expect(caught(() => engine.putMapping({ index: "s", properties: { a: { type: "long" } } })).reason).toBe("mapper [a] cannot be changed from type [keyword] to [long]");
    expect(caught(() => engine.createIndex({ index: "bad", mappings: { properties: { a: { type: "geo_shape_x" } } } })).type).toBe("mapper_parsing_exception");
  });

  it("rejects malformed bulk requests as a whole", () => {
    const engine = new SearchEngine();
    expect(caught(() => engine.bulk({ operations: [{ index: { _index: "a", _id: "1" } }, { n: 1 }, "oops"] })).type).toBe("illegal_argument_exception");
    expect(caught(() => engine.bulk({ operations: [{ upsert: { _index: "a" } }, {}] })).reason).toContain("expected field [create], [delete], [index] or [update]");
    expect(caught(() => engine.bulk({ operations: [{ index: { _id: "1" } }, {}] })).type).toBe("action_request_validation_exception");
    expect(engine.indexExists({ index: "a" })).toBe(false);
  });

  it("reports missing indices, invalid names and existing indices", () => {
    const engine = engineWithIndex();
    expect(caught(() => engine.search({ index: "missing" })).body).toEqual({
      error: {
        root_cause: [{ type: "index_not_found_exception", reason: "no such index [missing]", "resource.type": "index_or_alias", "resource.id": "missing", index_uuid: "_na_", index: "missing" }],
        type: "index_not_found_exception",
        reason: "no such index [missing]",
        "resource.type": "index_or_alias",
        "resource.id": "missing",
        index_uuid: "_na_",
        index: "missing",
      },
      status: 404,
    });
    expect(caught(() => engine.createIndex({ index: "Upper" })).type).toBe("invalid_index_name_exception");
    expect(caught(() => engine.createIndex({ index: "a" })).type).toBe("resource_already_exists_exception");
    // Checked on the shard: Elasticsearch reports it as a shard failure (OpenSearch 2.19 agrees).
    const window = caught(() => engine.search({ index: "a", from: 9_995, size: 10 }));
    expect(window.type).toBe("search_phase_execution_exception");
    expect(window.body).toMatchObject({ error: { root_cause: [{ type: "illegal_argument_exception", reason: expect.stringContaining("Result window is too large") }] }, status: 400 });
  });

  it("treats hostile user text in match queries as plain text", () => {
    const engine = engineWithIndex();
    for (const text of ['title:(foo OR "bar', "*", "\\", "AND OR NOT", "", "😀", "a".repeat(10_000)]) {
      const res = engine.search({ index: "a", query: { multi_match: { query: text, fields: ["title", "tag"] } } });
      expect(res.hits.total).toEqual({ value: 0, relation: "eq" });
    }
    expect(engine.search({ index: "a", query: { match: { title: 'hello:( OR "' } } }).hits.hits).toHaveLength(1);
  });
});
