import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createElasticsearchTestCluster, type ElasticsearchTestCluster } from "../src/elasticsearch-test-cluster.js";
import { seededRandom } from "../src/seeded-random.js";

// Runs against the in-process Elasticsearch test server, or against a real Elasticsearch when
// POLYXENA_TEST_ELASTICSEARCH=http://host:port is set. Tests named "(server-only: ...)" fail loudly on a real cluster.

const KEYS = [
  "query", "bool", "must", "should", "filter", "must_not", "match", "multi_match", "match_phrase", "term", "terms", "range",
  "exists", "ids", "match_all", "title", "n", "when", "tag", "gte", "lt", "fields", "operator", "minimum_should_match",
  "sort", "order", "size", "from", "search_after", "highlight", "values", "field", "boost", "slop", "doc", "upsert",
  "_source", "track_total_hits", "properties", "type", "dynamic", "constant_score", "dis_max", "queries", "prefix",
];
const SCALARS: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, "", "abc", "title", "2024-01-01", "now-1d/d", "*", "asc", "desc", "and", "75%", 'title:(foo OR "bar', "\u0000", "😀"];

function randomValue(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth > 4 || r < 0.35) return SCALARS[Math.floor(rand() * SCALARS.length)];
  if (r < 0.55) return Array.from({ length: Math.floor(rand() * 3) }, () => randomValue(rand, depth + 1));
  const out: Record<string, unknown> = {};
  const n = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < n; i++) out[KEYS[Math.floor(rand() * KEYS.length)]!] = randomValue(rand, depth + 1);
  return out;
}

const QUERY_TYPES = ["bool", "match", "multi_match", "match_phrase", "term", "terms", "range", "exists", "ids", "match_all", "prefix", "constant_score", "dis_max"];
const FIELDS = ["title", "n", "when", "tag", "missing", "_id"];

/** A search body that is well-formed at the top and random inside, to reach the query compilers. */
function structuredSearch(rand: () => number): unknown {
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  const clause = (): unknown => {
    const type = pick(QUERY_TYPES);
    if (type === "bool") return { bool: { [pick(["must", "should", "filter", "must_not"])]: [clause(), clause()], minimum_should_match: randomValue(rand, 3) } };
    if (rand() < 0.5) return { [type]: { [pick(FIELDS)]: randomValue(rand, 2) } };
    return { [type]: randomValue(rand, 2) };
  };
  const body: Record<string, unknown> = { query: clause() };
  if (rand() < 0.4) body.sort = [{ [pick(FIELDS)]: pick(["asc", "desc", { order: "desc", missing: "_first" }, randomValue(rand, 3)]) }];
  if (rand() < 0.3) body.search_after = [randomValue(rand, 4)];
  if (rand() < 0.3) body.highlight = rand() < 0.5 ? { fields: { [pick(FIELDS)]: {} } } : randomValue(rand, 3);
  if (rand() < 0.2) body.size = randomValue(rand, 4);
  return body;
}

let cluster: ElasticsearchTestCluster;
/** Base URL for raw requests. */
let base: string;
/** This file's index (prefixed: a real cluster may hold other files' indices). */
let fz: string;
const json = { "content-type": "application/json", accept: "application/json" };

beforeAll(async () => {
  cluster = await createElasticsearchTestCluster("elasticsearch-server-fuzz");
  base = cluster.url.replace(/\/+$/, "");
  fz = `${cluster.indexPrefix}fz`;
  await fetch(`${base}/${fz}`, {
    method: "PUT",
    headers: json,
    body: JSON.stringify({ mappings: { properties: { title: { type: "text" }, n: { type: "long" }, when: { type: "date" }, tag: { type: "keyword" } } } }),
  });
  await fetch(`${base}/${fz}/_doc/1?refresh=true`, { method: "PUT", headers: json, body: JSON.stringify({ title: "hello world", n: 1, when: "2024-01-01", tag: "x" }) });
});

afterAll(async () => {
  await cluster?.close();
});

describe("Elasticsearch test server under random input", () => {
  it("answers every malformed request with a 2xx or 4xx Elasticsearch body, never a 500 (server-only: random alias actions, wildcards included, must not reach a shared cluster)", async () => {
    cluster.requireServer("random _aliases actions that may name any index");
    const rand = seededRandom(20251126);
    const targets: Array<[string, string]> = [
      ["POST", `/${fz}/_search`], ["POST", `/${fz}/_count`], ["PUT", `/${fz}/_doc/r`], ["POST", `/${fz}/_update/1`],
      ["PUT", `/${fz}/_mapping`], ["PUT", `/${fz}-new`], ["POST", "/_mget"], ["POST", "/_aliases"], ["POST", `/${fz}/_doc`],
    ];
    const failures: string[] = [];
    const statuses = new Map<string, number>();
    for (let i = 0; i < 900; i++) {
      const [method, path] = targets[i % targets.length]!;
      const body = JSON.stringify(path === `/${fz}/_search` && rand() < 0.7 ? structuredSearch(rand) : randomValue(rand, 0));
      const res = await fetch(`${base}${path}`, { method, headers: json, body });
      const text = await res.text();
      statuses.set(`${path} ${res.status}`, (statuses.get(`${path} ${res.status}`) ?? 0) + 1);
      if (res.status >= 500) failures.push(`${method} ${path} ${body} -> ${res.status} ${text}`);
      else if (res.status >= 400) {
        const parsed = JSON.parse(text) as { error?: unknown; status?: number };
        if (parsed.error === undefined) failures.push(`${method} ${path} ${body} -> ${res.status} without an error body`);
      }
      if (method === "PUT" && path === `/${fz}-new` && res.status === 200) await fetch(`${base}/${fz}-new`, { method: "DELETE" });
    }
    // The structured bodies reach the query compilers: some searches succeed.
    expect(statuses.get(`/${fz}/_search 200`) ?? 0).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });

  it("answers random bulk bodies without failing the server", async () => {
    const rand = seededRandom(7);
    const failures: string[] = [];
    for (let i = 0; i < 200; i++) {
      const lines = Array.from({ length: 1 + Math.floor(rand() * 4) }, () =>
        rand() < 0.5 ? JSON.stringify({ [["index", "create", "update", "delete", "nope"][Math.floor(rand() * 5)]!]: { _index: fz, _id: String(Math.floor(rand() * 3)) } }) : JSON.stringify(randomValue(rand, 1)),
      );
      const res = await fetch(`${base}/_bulk`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: lines.join("\n") + "\n" });
      if (res.status >= 500) failures.push(`${lines.join(" | ")} -> ${res.status} ${await res.text()}`);
      else await res.text();
    }
    expect(failures).toEqual([]);
    const info = await fetch(`${base}/`);
    expect(info.status).toBe(200);
  });
});
