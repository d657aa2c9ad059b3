/**
 * What a real search server answered where the Elasticsearch test server once answered
 * otherwise (found by the cross-check suite, search-cross-check.real.test.ts, against
 * OpenSearch 2.19; see the "Search" rows of the testkit README's divergence table). Raw
 * HTTP, so the same requests run against the in-process server or, with
 * POLYXENA_TEST_ELASTICSEARCH set, against a real Elasticsearch.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createElasticsearchTestCluster, type ElasticsearchTestCluster } from "../src/elasticsearch-test-cluster.js";

let cluster: ElasticsearchTestCluster;
/** This file's index (prefixed, so a shared real cluster keeps other files' data apart). */
let ix: string;

beforeAll(async () => {
  cluster = await createElasticsearchTestCluster("elasticsearch-divergences");
  ix = `${cluster.indexPrefix}films`;
  const created = await call("PUT", `/${ix}`, { mappings: { properties: { title: { type: "text" }, year: { type: "integer" }, tag: { type: "keyword" } } } });
  expect(created.status).toBe(200);
});

afterAll(async () => {
  await cluster?.close();
});

interface Reply {
  status: number;
  body: any;
}

async function call(method: string, path: string, body?: unknown): Promise<Reply> {
  const init: RequestInit = { method, headers: { accept: "application/json" } };
  if (body !== undefined) {
    init.headers = { accept: "application/json", "content-type": "application/json" };
    init.body = JSON.stringify(body);
  }
  const res = await fetch(`${cluster.url.replace(/\/+$/, "")}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text === "" ? undefined : JSON.parse(text) };
}

async function bulk(lines: string[]): Promise<Reply> {
  const res = await fetch(`${cluster.url.replace(/\/+$/, "")}/_bulk`, {
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/x-ndjson" },
    body: lines.map((l) => `${l}\n`).join(""),
  });
  return { status: res.status, body: await res.json() };
}

/** The shape of a query-time failure: `search_phase_execution_exception` around the shard's cause. */
function shardFailure(rootType: string, reason: string | RegExp) {
  return {
    error: {
      type: "search_phase_execution_exception",
      reason: "all shards failed",
      root_cause: [{ type: rootType, reason: typeof reason === "string" ? reason : expect.stringMatching(reason) }],
    },
    status: 400,
  };
}

describe("search requests a real server refuses", () => {
  it("refuses search_after without a sort with 400 (it used to answer 200 with no hits)", async () => {
    await call("PUT", `/${ix}/_doc/1?refresh=true`, { title: "Roma", year: 2018 });
    const res = await call("POST", `/${ix}/_search`, { search_after: [1] });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject(shardFailure("illegal_argument_exception", "Sort must contain at least one field."));
  });

  it("reports a search_after of the wrong length, an unparsable search_after and a too-large result window as shard failures", async () => {
    const length = await call("POST", `/${ix}/_search`, { sort: [{ year: "desc" }], search_after: [1, 2] });
    expect(length.status).toBe(400);
    expect(length.body).toMatchObject(shardFailure("illegal_argument_exception", /search_after has 2 value\(s\) but sort has 1/));
    const value = await call("POST", `/${ix}/_search`, { sort: [{ year: "desc" }], search_after: ["abc"] });
    expect(value.status).toBe(400);
    expect(value.body).toMatchObject({ error: { type: "search_phase_execution_exception", root_cause: [{ type: "illegal_argument_exception" }] } });
    const window = await call("POST", `/${ix}/_search`, { from: 9_995, size: 10 });
    expect(window.status).toBe(400);
    expect(window.body).toMatchObject(shardFailure("illegal_argument_exception", /^Result window is too large, from \+ size must be less than or equal to: \[10000\] but was \[10005\]/));
  });

  it("reports an unparsable date in a range query as the date parser's parse_exception (it used to say query_shard_exception)", async () => {
    const dates = `${cluster.indexPrefix}dates`;
    expect((await call("PUT", `/${dates}`, { mappings: { properties: { at: { type: "date" } } } })).status).toBe(200);
    const res = await call("POST", `/${dates}/_search`, { query: { range: { at: { gte: "not-a-date" } } } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject(shardFailure("parse_exception", /^failed to parse date field \[not-a-date\] with format \[strict_date_optional_time\|\|epoch_millis\]/));
    expect(res.body.error.caused_by).toMatchObject({ type: "parse_exception", caused_by: { type: "illegal_argument_exception" } });
  });

  it("refuses a terms query with more values than index.max_terms_count (it used to run it)", async () => {
    const limited = `${cluster.indexPrefix}limited`;
    expect((await call("PUT", `/${limited}`, { settings: { index: { max_terms_count: 2 } }, mappings: { properties: { tag: { type: "keyword" } } } })).status).toBe(200);
    await call("PUT", `/${limited}/_doc/1?refresh=true`, { tag: "a" });
    const within = await call("POST", `/${limited}/_search`, { query: { terms: { tag: ["a", "b"] } } });
    expect(within.status).toBe(200);
    expect(within.body.hits.total).toEqual({ value: 1, relation: "eq" });
    const over = await call("POST", `/${limited}/_search`, { query: { bool: { filter: [{ terms: { tag: ["a", "b", "c"] } }] } } });
    expect(over.status).toBe(400);
    expect(over.body).toMatchObject(
      shardFailure(
        "query_shard_exception",
        "failed to create query: The number of terms [3] used in the Terms Query request has exceeded the allowed maximum of [2]. " +
          "This maximum can be set by changing the [index.max_terms_count] index level setting.",
      ),
    );
  });
});

describe("documents a real server refuses", () => {
  it("refuses _id, _index and _source inside a document, through index, update and bulk (it used to index them)", async () => {
    for (const field of ["_id", "_index", "_source"]) {
      const res = await call("PUT", `/${ix}/_doc/meta-${field}`, { [field]: "x", title: "t" });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        error: { type: "document_parsing_exception", reason: expect.stringContaining(`Field [${field}] is a metadata field and cannot be added inside a document.`) },
        status: 400,
      });
      expect((await call("GET", `/${ix}/_doc/meta-${field}`)).status).toBe(404);
    }
    await call("PUT", `/${ix}/_doc/2`, { title: "Coco" });
    const update = await call("POST", `/${ix}/_update/2`, { doc: { _id: "3" } });
    expect(update.status).toBe(400);
    expect(update.body.error.type).toBe("document_parsing_exception");
    expect((await call("GET", `/${ix}/_doc/2`)).body._source).toEqual({ title: "Coco" });
    const res = await bulk([JSON.stringify({ index: { _index: ix, _id: "b1" } }), JSON.stringify({ _id: "b1" }), JSON.stringify({ index: { _index: ix, _id: "b2" } }), JSON.stringify({ title: "ok" })]);
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: any) => [i.index.status, i.index.error?.type])).toEqual([[400, "document_parsing_exception"], [201, undefined]]);
  });

  it("fails only the item whose document line is not JSON, and the whole bulk for a malformed action line", async () => {
    const res = await bulk([JSON.stringify({ index: { _index: ix, _id: "m1" } }), '{"title":', JSON.stringify({ index: { _index: ix, _id: "m2" } }), JSON.stringify({ title: "fine" })]);
    expect(res.status).toBe(200);
    expect(res.body.errors).toBe(true);
    expect(res.body.items[0].index).toMatchObject({ _id: "m1", status: 400, error: { type: "document_parsing_exception", caused_by: { type: "json_e_o_f_exception" } } });
    expect(res.body.items[1].index).toMatchObject({ _id: "m2", status: 201, result: "created" });
    const action = await bulk(['{"index":', JSON.stringify({ title: "never" })]);
    expect(action.status).toBe(400);
    expect(action.body.error.type).toBe("x_content_parse_exception");
  });
});

describe("external versioning", () => {
  it("stores the caller's version and refuses one that is not newer, on index and delete (it used to ignore version and version_type)", async () => {
    const doc = `/${ix}/_doc/ext`;
    const first = await call("PUT", `${doc}?version=5&version_type=external`, { title: "v5" });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ result: "created", _version: 5 });
    for (const v of [5, 4]) {
      const stale = await call("PUT", `${doc}?version=${v}&version_type=external`, { title: "stale" });
      expect(stale.status).toBe(409);
      expect(stale.body.error).toMatchObject({ type: "version_conflict_engine_exception", reason: `[ext]: version conflict, current version [5] is higher or equal to the one provided [${v}]` });
    }
    const gte = await call("PUT", `${doc}?version=7&version_type=external_gte`, { title: "v7" });
    expect(gte.body).toMatchObject({ result: "updated", _version: 7 });
    const gteAgain = await call("PUT", `${doc}?version=7&version_type=external_gte`, { title: "v7 again" });
    expect(gteAgain.status).toBe(200);
    expect(gteAgain.body._version).toBe(7);
    const gteStale = await call("PUT", `${doc}?version=6&version_type=external_gte`, { title: "stale" });
    expect(gteStale.status).toBe(409);
    expect(gteStale.body.error.reason).toBe("[ext]: version conflict, current version [7] is higher than the one provided [6]");
    expect((await call("GET", doc)).body).toMatchObject({ _version: 7, _source: { title: "v7 again" } });

    const staleDelete = await call("DELETE", `${doc}?version=6&version_type=external`);
    expect(staleDelete.status).toBe(409);
    const deleted = await call("DELETE", `${doc}?version=8&version_type=external`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ result: "deleted", _version: 8 });
    // The delete's version stays: an external write must still be newer than it.
    const afterDelete = await call("PUT", `${doc}?version=8&version_type=external`, { title: "too old" });
    expect(afterDelete.status).toBe(409);
    const recreated = await call("PUT", `${doc}?version=10&version_type=external`, { title: "v10" });
    expect(recreated.body).toMatchObject({ result: "created", _version: 10 });
  });

  it("applies external versions in bulk items", async () => {
    const res = await bulk([
      JSON.stringify({ index: { _index: ix, _id: "bv", version: 3, version_type: "external" } }),
      JSON.stringify({ title: "v3" }),
      JSON.stringify({ index: { _index: ix, _id: "bv", version: 2, version_type: "external" } }),
      JSON.stringify({ title: "v2" }),
    ]);
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: any) => [i.index.status, i.index._version ?? i.index.error.type])).toEqual([
      [201, 3],
      [409, "version_conflict_engine_exception"],
    ]);
  });

  it("validates versioning parameters before writing anything", async () => {
    const cases: Array<[string, string]> = [
      [`/${ix}/_doc/val?version=7`, "internal versioning can not be used for optimistic concurrency control. Please use `if_seq_no` and `if_primary_term` instead"],
      [`/${ix}/_doc/val?version_type=external`, "illegal version value [-3] for version type [EXTERNAL]"],
      [`/${ix}/_doc/val?version=-1&version_type=external`, "illegal version value [-1] for version type [EXTERNAL]"],
      [`/${ix}/_doc/val?if_seq_no=0&if_primary_term=1&version=9&version_type=external`, "compare and write operations can not use versioning"],
      [`/${ix}/_create/val?version=3&version_type=external`, "create operations only support internal versioning. use index instead"],
    ];
    for (const [path, message] of cases) {
      const res = await call("PUT", path, { title: "x" });
      expect(res.status, path).toBe(400);
      expect(res.body.error, path).toMatchObject({ type: "action_request_validation_exception", reason: `Validation Failed: 1: ${message};` });
    }
    expect((await call("GET", `/${ix}/_doc/val`)).status).toBe(404);
  });
});

describe("index settings and requests a real server checks", () => {
  it("applies settings sent as {\"index\": {...}} (they used to be dropped) and refuses an unparsable one", async () => {
    const idx = `${cluster.indexPrefix}settings`;
    expect((await call("PUT", `/${idx}`, { mappings: { properties: { tag: { type: "keyword" } } } })).status).toBe(200);
    expect((await call("PUT", `/${idx}/_settings`, { index: { max_terms_count: 1 } })).status).toBe(200);
    const settings = await call("GET", `/${idx}/_settings`);
    expect(settings.body[idx].settings.index.max_terms_count).toBe("1");
    const over = await call("POST", `/${idx}/_search`, { query: { terms: { tag: ["a", "b"] } } });
    expect(over.status).toBe(400);
    const bogus = await call("PUT", `/${idx}/_settings`, { index: { refresh_interval: "bogus" } });
    expect(bogus.status).toBe(400);
    expect(bogus.body.error.type).toBe("illegal_argument_exception");
  });

  it("refuses to change a static setting of an open index", async () => {
    const idx = `${cluster.indexPrefix}static`;
    expect((await call("PUT", `/${idx}`, {})).status).toBe(200);
    const res = await call("PUT", `/${idx}/_settings`, { index: { number_of_shards: 2 } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: "illegal_argument_exception", reason: expect.stringMatching(/^Can't update non dynamic settings \[\[index\.number_of_shards\]\] for open indices/) });
  });

  it("refuses an unknown index setting on create and on update (it used to keep it)", async () => {
    const reason = "unknown setting [index.no_such_setting] please check that any required plugins are installed, or check the breaking changes documentation for removed settings";
    const create = await call("PUT", `/${cluster.indexPrefix}unknown_setting`, { settings: { index: { no_such_setting: 1 } } });
    expect(create.status).toBe(400);
    expect(create.body.error).toMatchObject({ type: "illegal_argument_exception", reason });
    expect((await call("HEAD", `/${cluster.indexPrefix}unknown_setting`)).status).toBe(404);
    const known = `${cluster.indexPrefix}known_settings`;
    const accepted = await call("PUT", `/${known}`, { settings: { number_of_replicas: 0, refresh_interval: "1s", analysis: { analyzer: { mine: { type: "standard" } } }, mapping: { total_fields: { limit: 100 } } } });
    expect(accepted.status).toBe(200);
    const update = await call("PUT", `/${known}/_settings`, { index: { no_such_setting: 1 } });
    expect(update.status).toBe(400);
    expect(update.body.error).toMatchObject({ type: "illegal_argument_exception", reason });
  });

  it("refuses an unknown key in a create-index body", async () => {
    const res = await call("PUT", `/${cluster.indexPrefix}unknown_key`, { bogus: {} });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: "parse_exception", reason: "unknown key [bogus] for create index" });
    expect((await call("HEAD", `/${cluster.indexPrefix}unknown_key`)).status).toBe(404);
  });

  it("matches nothing when a bool query asks for more should clauses than it has (it used to match)", async () => {
    const idx = `${cluster.indexPrefix}msm`;
    expect((await call("PUT", `/${idx}`, { mappings: { properties: { k: { type: "keyword" } } } })).status).toBe(200);
    await call("PUT", `/${idx}/_doc/1?refresh=true`, { k: "x" });
    const res = await call("POST", `/${idx}/_search`, { query: { bool: { minimum_should_match: 2, should: [{ term: { k: "x" } }] } } });
    expect(res.status).toBe(200);
    expect(res.body.hits.total).toEqual({ value: 0, relation: "eq" });
    const met = await call("POST", `/${idx}/_search`, { query: { bool: { minimum_should_match: 1, should: [{ term: { k: "x" } }] } } });
    expect(met.body.hits.total).toEqual({ value: 1, relation: "eq" });
  });

  it("refuses an upsert with if_seq_no/if_primary_term (it used to answer 409)", async () => {
    const res = await call("POST", `/${ix}/_update/upsert-cas?if_seq_no=0&if_primary_term=1`, { doc: { title: "x" }, doc_as_upsert: true });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: "action_request_validation_exception", reason: "Validation Failed: 1: compare and write operations can not be used with upsert;" });
  });
});
