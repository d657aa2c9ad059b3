import { describe, expect, it } from "vitest";
import { SearchEngine, quantizeFieldLength, standardAnalyze } from "../src/search-engine/index.js";

describe("standard analyzer", () => {
  it("splits on Unicode word boundaries and lowercases", () => {
    const terms = standardAnalyze("The Quick-Brown fox's 3.14 Résumé, wi_fi!").map((t) => t.term);
    expect(terms).toEqual(["the", "quick", "brown", "fox's", "3.14", "résumé", "wi_fi"]);
  });

  it("keeps positions and offsets of the source text", () => {
    const tokens = standardAnalyze("  Hello,   World");
    expect(tokens).toEqual([
      { term: "hello", position: 0, start: 2, end: 7 },
      { term: "world", position: 1, start: 11, end: 16 },
    ]);
  });

  it("drops punctuation-only input", () => {
    expect(standardAnalyze('title:(  OR "')).toEqual([{ term: "title", position: 0, start: 0, end: 5 }, { term: "or", position: 1, start: 9, end: 11 }]);
    expect(standardAnalyze("!!! ... ---")).toEqual([]);
  });
});

describe("Lucene norm quantization", () => {
  it("is exact below 32 and lossy above", () => {
    expect(quantizeFieldLength(7)).toBe(7);
    expect(quantizeFieldLength(31)).toBe(31);
    expect(quantizeFieldLength(40)).toBe(40);
    expect(quantizeFieldLength(41)).toBe(40);
    expect(quantizeFieldLength(100)).toBe(96);
  });
});

describe("BM25 scoring", () => {
  function corpus(): SearchEngine {
    const engine = new SearchEngine({ clock: () => 0 });
    engine.createIndex({ index: "docs", mappings: { properties: { body: { type: "text" }, tag: { type: "keyword" } } } });
    engine.index({ index: "docs", id: "1", document: { body: "the quick brown fox", tag: "animal" } });
    engine.index({ index: "docs", id: "2", document: { body: "quick quick dogs", tag: "animal" } });
    engine.index({ index: "docs", id: "3", document: { body: "lazy brown dog sleeps all day long", tag: "sleep" } });
    engine.refresh({ index: "docs" });
    return engine;
  }

  it("ranks by term frequency and length with hand-computed scores", () => {
    // N = 3, n(quick) = 2: idf = ln(1 + 1.5 / 2.5) = ln(1.6) = 0.4700036
    // avgdl = 14 / 3. doc 2 (freq 2, dl 3): tf = 2 / (2 + 1.2 * (0.25 + 0.75 * 3 / 4.6667)) = 0.6947891
    //   score = 2.2 * 0.4700036 * 0.6947891 = 0.7184175
    // doc 1 (freq 1, dl 4): tf = 1 / (1 + 1.2 * (0.25 + 0.75 * 4 / 4.6667)) = 0.4827586
    //   score = 2.2 * 0.4700036 * 0.4827586 = 0.4991763
    const res = corpus().search({ index: "docs", query: { match: { body: "quick" } } });
    expect(res.hits.hits.map((h) => h._id)).toEqual(["2", "1"]);
    expect(res.hits.hits[0]!._score).toBeCloseTo(0.7184175, 5);
    expect(res.hits.hits[1]!._score).toBeCloseTo(0.4991763, 5);
    expect(res.hits.max_score).toBeCloseTo(0.7184175, 5);
  });

  it("sums term scores for an OR match and favours the rarer term", () => {
    // "sleeps" appears once: idf = ln(1 + 2.5 / 1.5) = 0.9808293; doc 3 (dl 7):
    //   tf = 1 / (1 + 1.2 * (0.25 + 0.75 * 7 / 4.6667)) = 1 / 2.65 = 0.3773585, score = 2.2 * 0.9808293 * 0.3773585 = 0.8142734
    // plus "brown" (n = 2): 2.2 * 0.4700036 * 0.3773585 = 0.3901917 -> 1.2044651
    const res = corpus().search({ index: "docs", query: { match: { body: "sleeps brown" } } });
    expect(res.hits.hits.map((h) => h._id)).toEqual(["3", "1"]);
    expect(res.hits.hits[0]!._score).toBeCloseTo(1.2044651, 5);
    expect(res.hits.hits[1]!._score).toBeCloseTo(0.4991763, 5);
  });

  it("scores keyword terms by idf only (no norms, no frequencies)", () => {
    const res = corpus().search({ index: "docs", query: { term: { tag: "sleep" } } });
    // n = 1, N = 3: idf = 0.9808293; tf = 1 / (1 + 1.2) so 2.2 * idf * tf = idf
    expect(res.hits.hits[0]!._score).toBeCloseTo(0.9808293, 5);
  });

  it("applies multi_match field boosts with best_fields taking the best field", () => {
    const engine = new SearchEngine({ clock: () => 0 });
    engine.createIndex({ index: "titles", mappings: { properties: { name: { type: "text" }, synopsis: { type: "text" } } } });
    engine.index({ index: "titles", id: "in-name", document: { name: "Dark", synopsis: "a town with a secret" } });
    engine.index({ index: "titles", id: "in-synopsis", document: { name: "Mystery Town", synopsis: "dark secrets of a town" } });
    engine.refresh({});
    const plain = engine.search({ index: "titles", query: { multi_match: { query: "dark", fields: ["name", "synopsis"] } } });
    expect(plain.hits.hits.map((h) => h._id)).toEqual(["in-name", "in-synopsis"]);
    const boosted = engine.search({ index: "titles", query: { multi_match: { query: "dark", fields: ["name", "synopsis^10"] } } });
    expect(boosted.hits.hits.map((h) => h._id)).toEqual(["in-synopsis", "in-name"]);
    const a = plain.hits.hits.find((h) => h._id === "in-synopsis")!._score!;
    const b = boosted.hits.hits.find((h) => h._id === "in-synopsis")!._score!;
    expect(b / a).toBeCloseTo(10, 4);
  });

  it("scores phrases and only matches adjacent terms", () => {
    const res = corpus().search({ index: "docs", query: { match_phrase: { body: "brown fox" } } });
    expect(res.hits.hits.map((h) => h._id)).toEqual(["1"]);
    const sloppy = corpus().search({ index: "docs", query: { match_phrase: { body: { query: "quick fox", slop: 1 } } } });
    expect(sloppy.hits.hits.map((h) => h._id)).toEqual(["1"]);
    const tooFar = corpus().search({ index: "docs", query: { match_phrase: { body: "quick fox" } } });
    expect(tooFar.hits.hits).toEqual([]);
  });
});
