import { Client, errors } from "@elastic/elasticsearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createElasticsearchTestCluster, type ElasticsearchTestCluster } from "../src/elasticsearch-test-cluster.js";

// Runs against the in-process Elasticsearch test server, or against a real Elasticsearch when
// POLYXENA_TEST_ELASTICSEARCH=http://host:port is set, to check the test server's fidelity.
let cluster: ElasticsearchTestCluster;
let client: Client;
/** This file's index-name prefix: a real cluster may hold other files' indices. */
let p: string;
/** Base URL for raw requests. */
let base: string;

beforeAll(async () => {
  cluster = await createElasticsearchTestCluster("elasticsearch-server-errors");
  p = cluster.indexPrefix;
  base = cluster.url.replace(/\/+$/, "");
  client = new Client({ node: cluster.url, maxRetries: 0 });
  await client.indices.create({ index: `${p}films`, mappings: { properties: { title: { type: "text" }, runtime: { type: "long" } } } });
  await client.index({ index: `${p}films`, id: "1", document: { title: "Roma", runtime: 135 }, refresh: true });
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

const ndjson = "application/vnd.elasticsearch+x-ndjson; compatible-with=9";
const json = "application/vnd.elasticsearch+json; compatible-with=9";

describe("Elasticsearch-shaped errors", () => {
  it("404 index_not_found_exception", async () => {
    const e = await responseError(client.search({ index: `${p}nowhere`, query: { match_all: {} } }));
    expect(e.statusCode).toBe(404);
    expect(e.message).toContain("index_not_found_exception");
    expect(e.body).toEqual({
      error: {
        root_cause: [{ type: "index_not_found_exception", reason: `no such index [${p}nowhere]`, "resource.type": "index_or_alias", "resource.id": `${p}nowhere`, index_uuid: "_na_", index: `${p}nowhere` }],
        type: "index_not_found_exception",
        reason: `no such index [${p}nowhere]`,
        "resource.type": "index_or_alias",
        "resource.id": `${p}nowhere`,
        index_uuid: "_na_",
        index: `${p}nowhere`,
      },
      status: 404,
    });
  });

  it("400 for unknown queries, wrong term types, text sorts and unparsable documents", async () => {
    const unknown = await responseError(client.search({ index: `${p}films`, query: { no_such_query: {} } as never }));
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toMatchObject({ error: { type: "parsing_exception", reason: "unknown query [no_such_query]" }, status: 400 });

    const wrongType = await responseError(client.search({ index: `${p}films`, query: { term: { runtime: "long" } } }));
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.body).toMatchObject({ error: { type: "search_phase_execution_exception", root_cause: [{ type: "query_shard_exception" }] } });

    const textSort = await responseError(client.search({ index: `${p}films`, sort: [{ title: "asc" }] }));
    expect(textSort.statusCode).toBe(400);
    expect(textSort.body).toMatchObject({ error: { root_cause: [{ type: "illegal_argument_exception" }], caused_by: { type: "illegal_argument_exception" } } });

    const badDoc = await responseError(client.index({ index: `${p}films`, id: "2", document: { runtime: "abc" } }));
    expect(badDoc.statusCode).toBe(400);
    expect(badDoc.body).toMatchObject({
      error: { type: "document_parsing_exception", caused_by: { type: "number_format_exception", reason: 'For input string: "abc"' } },
      status: 400,
    });
  });

  it("400 resource_already_exists_exception and invalid index names", async () => {
    const exists = await responseError(client.indices.create({ index: `${p}films` }));
    expect(exists.statusCode).toBe(400);
    expect(exists.body).toMatchObject({ error: { type: "resource_already_exists_exception", index: `${p}films` } });
    const invalid = await responseError(client.indices.create({ index: `${p}Films` }));
    expect(invalid.body).toMatchObject({ error: { type: "invalid_index_name_exception", reason: `Invalid index name [${p}Films], must be lowercase` } });
  });

  it("404 document_missing_exception for an update without upsert", async () => {
    const e = await responseError(client.update({ index: `${p}films`, id: "missing", doc: { title: "x" } }));
    expect(e.statusCode).toBe(404);
    expect(e.body).toMatchObject({ error: { type: "document_missing_exception", reason: "[missing]: document missing" } });
  });
});

describe("HTTP protocol details", () => {
  it("sends the product header and the vendored content type", async () => {
    const res = await fetch(`${base}/${p}films/_doc/1`, { headers: { accept: json } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-elastic-product")).toBe("Elasticsearch");
    expect(res.headers.get("content-type")).toBe("application/vnd.elasticsearch+json;compatible-with=9");
    const plain = await fetch(`${base}/`);
    expect(plain.headers.get("content-type")).toBe("application/json");
  });

  it("refuses unsupported compatibility versions and content types", async () => {
    const old = await fetch(`${base}/${p}films/_search`, { method: "POST", headers: { "content-type": "application/vnd.elasticsearch+json; compatible-with=6", accept: "application/vnd.elasticsearch+json; compatible-with=6" }, body: "{}" });
    expect(old.status).toBe(400);
    expect(await old.json()).toMatchObject({ error: { type: "media_type_header_exception" } });
    const text = await fetch(`${base}/${p}films/_search`, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" });
    expect(text.status).toBe(406);
  });

  it("rejects malformed JSON, malformed bulk lines and unknown endpoints without failing", async () => {
    const badJson = await fetch(`${base}/${p}films/_search`, { method: "POST", headers: { "content-type": json }, body: '{"query": {' });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ error: { type: "x_content_parse_exception" }, status: 400 });

    // A document line is read when its item runs: it fails that item, not the request.
    const badDocument = await fetch(`${base}/_bulk`, { method: "POST", headers: { "content-type": ndjson }, body: `{"index":{"_index":"${p}films","_id":"9"}}\n{"title":\n` });
    expect(badDocument.status).toBe(200);
    expect(await badDocument.json()).toMatchObject({ errors: true, items: [{ index: { status: 400, error: { type: "document_parsing_exception" } } }] });
    const badAction = await fetch(`${base}/_bulk`, { method: "POST", headers: { "content-type": ndjson }, body: `{"index":{"_index":"${p}films",\n{"title":"x"}\n` });
    expect(badAction.status).toBe(400);
    const noNewline = await fetch(`${base}/_bulk`, { method: "POST", headers: { "content-type": ndjson }, body: `{"delete":{"_index":"${p}films","_id":"9"}}` });
    expect(noNewline.status).toBe(400);
    const unknownAction = await fetch(`${base}/_bulk`, { method: "POST", headers: { "content-type": ndjson }, body: `{"explode":{"_index":"${p}films"}}\n` });
    expect(unknownAction.status).toBe(400);
    expect(await unknownAction.json()).toMatchObject({ error: { type: "illegal_argument_exception" } });

    const unknown = await fetch(`${base}/${p}films/_nothing_here`, { headers: { accept: json } });
    expect(unknown.status).toBe(400);
    const wrongMethod = await fetch(`${base}/${p}films/_search`, { method: "DELETE" });
    expect(wrongMethod.status).toBe(405);

    expect((await client.count({ index: `${p}films` })).count).toBe(1);
  });

  it("handles concurrent writes through one client consistently", async () => {
    await client.indices.create({ index: `${p}counter`, settings: { refresh_interval: "-1" } });
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => client.index({ index: `${p}counter`, id: String(i % 10), document: { i } })));
    expect(new Set(results.map((r) => r._seq_no)).size).toBe(40);
    await client.indices.refresh({ index: `${p}counter` });
    expect((await client.count({ index: `${p}counter` })).count).toBe(10);
  });
});
