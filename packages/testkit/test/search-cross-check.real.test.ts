/**
 * Holds the Elasticsearch test server to a real search server: every step sends the same
 * raw HTTP request to both and compares status codes, error types and hits. The real
 * server is the one POLYXENA_TEST_SEARCH_REFERENCE names (`pnpm test:real search` starts
 * OpenSearch 2.19 and sets it). Where Elasticsearch 9 and OpenSearch answer differently,
 * the test server follows Elasticsearch and the step names the difference and asserts it.
 *
 * A `.real.test.ts` file: the default test command leaves it out (it needs a real server).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startElasticsearchTestServer, type ElasticsearchTestServer } from "../src/elasticsearch-server/index.js";

/** The environment variable naming the real search server (`http://127.0.0.1:9200`). */
const REFERENCE_ENV = "POLYXENA_TEST_SEARCH_REFERENCE";

let server: ElasticsearchTestServer;
let reference: string;
let distribution: string;
/** Prefix of every index this file creates, on both sides (the real server may be shared). */
const prefix = `px_xcheck_${randomBytes(4).toString("hex")}_`;

beforeAll(async () => {
  const target = process.env[REFERENCE_ENV];
  if (target === undefined || target === "") {
    throw new Error(
      `${REFERENCE_ENV} is not set: this suite compares the Elasticsearch test server with a real server. ` +
        `Run it with \`pnpm test:real search\` (starts OpenSearch from Maven Central and sets ${REFERENCE_ENV}), ` +
        `or set ${REFERENCE_ENV}=http://host:port and run \`POLYXENA_TEST_REAL=1 npx vitest run ${"packages/testkit/test/search-cross-check.real.test.ts"}\`.`,
    );
  }
  reference = target.replace(/\/+$/, "");
  const info = (await (await fetch(`${reference}/`)).json()) as { version: { number: string; distribution?: string } };
  distribution = info.version.distribution ?? "elasticsearch";
  server = await startElasticsearchTestServer();
});

afterAll(async () => {
  await server?.close();
  if (!reference) return;
  const res = await fetch(`${reference}/${prefix}*`);
  if (!res.ok) return;
  const names = Object.keys((await res.json()) as Record<string, unknown>);
  if (names.length > 0) await fetch(`${reference}/${names.join(",")}`, { method: "DELETE" });
});

const opensearch = () => distribution === "opensearch";

type Json = Record<string, any>;

/** One request: method, path (`IX` stands for this file's prefix), and a JSON body or NDJSON lines. */
interface Request {
  method: string;
  path: string;
  body?: unknown;
  lines?: unknown[];
}

async function send(base: string, req: Request): Promise<{ status: number; body: any }> {
  const path = req.path.replaceAll("IX", prefix);
  const headers: Record<string, string> = { accept: "application/json" };
  let body: string | undefined;
  if (req.lines) {
    headers["content-type"] = "application/x-ndjson";
    body = req.lines.map((l) => `${typeof l === "string" ? l.replaceAll("IX", prefix) : JSON.stringify(l).replaceAll("IX", prefix)}\n`).join("");
  } else if (req.body !== undefined) {
    headers["content-type"] = "application/json";
    body = typeof req.body === "string" ? req.body : JSON.stringify(req.body);
  }
  const res = await fetch(`${base}${path}`, { method: req.method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: compared as text.
  }
  return { status: res.status, body: parsed };
}

/** The parts of an answer both servers must agree on. */
function summary(reply: { status: number; body: any }, detail: { causes?: boolean; seqNo?: boolean }): Json {
  const b = reply.body;
  const out: Json = { status: reply.status };
  if (b === undefined || typeof b !== "object") return out;
  const error = (e: any): Json | string => {
    if (typeof e !== "object" || e === null) return typeof e;
    const s: Json = { type: e.type };
    if (e.root_cause) s.root_cause = e.root_cause.map((c: any) => c.type);
    if (detail.causes && e.caused_by) s.caused_by = e.caused_by.type;
    return s;
  };
  if (b.error !== undefined) out.error = error(b.error);
  if (b.hits) {
    out.total = b.hits.total;
    out.hits = b.hits.hits.map((h: any) => (h.sort ? [h._id, h.sort] : h._id));
  }
  if (b.count !== undefined) out.count = b.count;
  if (b.found !== undefined) out.found = b.found;
  if (b.result !== undefined) {
    out.result = b.result;
    out.version = b._version;
    if (detail.seqNo !== false) out.seqNo = b._seq_no;
  }
  if (b._source !== undefined) out.source = b._source;
  if (b.docs) out.docs = b.docs.map((d: any) => (d.error ? error(d.error) : d.found));
  if (b.items) {
    out.errors = b.errors;
    out.items = b.items.map((item: any) => {
      const [action, r] = Object.entries(item)[0] as [string, any];
      return r.error ? [action, r.status, error(r.error)] : [action, r.status, r.result, r._version];
    });
  }
  return out;
}

/** How OpenSearch's answer differs from Elasticsearch 9's for a step (checked, then mapped onto Elasticsearch's). */
interface OpenSearchDifference {
  because: string;
  /** Renames OpenSearch's error types to Elasticsearch's (checked: each must occur in OpenSearch's answer). */
  renames?: Record<string, string>;
}

interface Step extends Request {
  causes?: boolean;
  /** Compare `_seq_no` of writes (default true). */
  seqNo?: boolean;
  openSearchDiffers?: OpenSearchDifference;
}

/** Sends a step to both servers and expects the same summary. */
async function step(s: Step): Promise<Json> {
  const detail = { causes: s.causes ?? false, seqNo: s.seqNo ?? true };
  const ours = summary(await send(server.url, s), detail);
  let theirs = summary(await send(reference, s), detail);
  const label = `${s.method} ${s.path} ${JSON.stringify(s.body ?? s.lines ?? "")}`.slice(0, 300);
  if (s.openSearchDiffers && opensearch()) {
    let text = JSON.stringify(theirs);
    for (const [from, to] of Object.entries(s.openSearchDiffers.renames ?? {})) {
      expect(text, `${label}: OpenSearch says ${from} (${s.openSearchDiffers.because})`).toContain(`"${from}"`);
      text = text.replaceAll(`"${from}"`, `"${to}"`);
    }
    theirs = JSON.parse(text) as Json;
  }
  expect(ours, label).toEqual(theirs);
  return ours;
}

/** Document parse failures: Elasticsearch 8 renamed mapper_parsing_exception. */
const DOCUMENT_PARSING: OpenSearchDifference = {
  because: "Elasticsearch 8+ reports document parse failures as document_parsing_exception, OpenSearch keeps the older mapper_parsing_exception",
  renames: { mapper_parsing_exception: "document_parsing_exception" },
};

describe("index lifecycle and mappings", () => {
  it("creates an index, refuses a duplicate and an invalid name, and reports the mapping", async () => {
    await step({
      method: "PUT",
      path: "/IXtitles",
      body: {
        settings: { index: { refresh_interval: "-1", max_terms_count: 3, number_of_replicas: 0 } },
        mappings: {
          properties: {
            name: { type: "text", fields: { raw: { type: "keyword" } } },
            genre: { type: "keyword" },
            year: { type: "integer" },
            at: { type: "date" },
            n: { type: "long" },
          },
        },
      },
    });
    await step({ method: "PUT", path: "/IXtitles", body: {} });
    await step({ method: "PUT", path: "/IXTitles", body: {} });
    const mapping = async (base: string) => (await send(base, { method: "GET", path: "/IXtitles/_mapping" })).body;
    expect(await mapping(server.url)).toEqual(await mapping(reference));
    await step({ method: "PUT", path: "/IXtitles/_mapping", body: { properties: { n: { type: "keyword" } } } });
    await step({ method: "PUT", path: "/IXtitles/_mapping", body: { properties: { m: { type: "no_such_type" } } } });
    await step({ method: "PUT", path: "/IXother", body: { bogus: {} } });
    await step({ method: "PUT", path: "/IXother", body: { settings: { index: { no_such_setting: 1 } } } });
    await step({ method: "PUT", path: "/IXtitles/_settings", body: { index: { no_such_setting: 1 } } });
    await step({ method: "PUT", path: "/IXtitles/_settings", body: { index: { number_of_shards: 2 } } });
    await step({ method: "PUT", path: "/IXtitles/_settings", body: { index: { refresh_interval: "bogus" } } });
    await step({ method: "PUT", path: "/IXtitles/_settings", body: { index: { max_terms_count: 3 } } });
  });
});

describe("documents: index, get, refresh", () => {
  const docs: Array<[string, Json]> = [
    ["1", { name: "Dark", genre: "drama", year: 2017, at: "2017-12-01" }],
    ["2", { name: "Dark Matter", genre: "scifi", year: 2015, at: "2015-06-12" }],
    ["3", { name: "Stranger Things", genre: "scifi", year: 2016, at: "2016-07-15", n: 3 }],
    ["4", { name: "The Crown", genre: "drama", year: 2016, at: "2016-11-04" }],
    ["5", { name: "Mindhunter dark", genre: "crime", year: 2017 }],
  ];

  it("indexes documents, gets them in real time, and searches them only after a refresh", async () => {
    for (const [id, doc] of docs) await step({ method: "PUT", path: `/IXtitles/_doc/${id}`, body: doc });
    await step({ method: "GET", path: "/IXtitles/_doc/3" });
    await step({ method: "GET", path: "/IXtitles/_doc/nope" });
    await step({ method: "GET", path: "/IXmissing/_doc/1" });
    await step({ method: "POST", path: "/IXtitles/_search", body: { query: { match_all: {} } } });
    await step({ method: "POST", path: "/IXtitles/_refresh" });
    await step({ method: "POST", path: "/IXtitles/_search", body: { query: { match_all: {} }, sort: ["_doc"] } });
    // refresh=wait_for on an index with refresh_interval -1 blocks on a real server until something refreshes (see the README's table).
    await step({ method: "PUT", path: "/IXtitles/_doc/6?refresh=true", body: { name: "Ozark", genre: "crime", year: 2017 } });
    await step({ method: "POST", path: "/IXtitles/_count", body: { query: { term: { genre: "crime" } } } });
    await step({ method: "PUT", path: "/IXtitles/_doc/7?refresh=bogus", body: { name: "never" } });
    await step({ method: "POST", path: "/IXtitles/_mget", body: { ids: ["1", "nope", "6"] } });
    await step({ method: "POST", path: "/_mget", body: { docs: [{ _index: "IXtitles", _id: "1" }, { _index: "IXmissing", _id: "1" }] } });
  });

  it("refuses documents a real server refuses, and writes nothing for them", async () => {
    const refused: Json[] = [
      { _id: "5", name: "metadata" },
      { _index: "elsewhere" },
      { _source: { a: 1 } },
      { n: "abc" },
      { year: 3_000_000_000 },
      { year: "12abc" },
      { at: "garbage" },
      { genre: { nested: 1 } },
    ];
    for (const [i, doc] of refused.entries()) {
      await step({ method: "PUT", path: `/IXtitles/_doc/bad${i}`, body: doc, openSearchDiffers: DOCUMENT_PARSING });
      await step({ method: "GET", path: `/IXtitles/_doc/bad${i}` });
    }
    // Coerced the same way on both sides.
    await step({ method: "PUT", path: "/IXtitles/_doc/coerced", body: { year: "2017", n: 7.9 } });
    await step({ method: "PUT", path: "/IXtitles/_doc/", body: { name: "no id" } });
    await step({ method: "PUT", path: "/IXtitles/_create/1", body: { name: "again" } });
    await step({ method: "PUT", path: "/IXtitles/_doc/1?op_type=create", body: { name: "again" } });
    await step({ method: "POST", path: "/IXtitles/_update/1", body: { doc: { _id: "9" } }, openSearchDiffers: DOCUMENT_PARSING });
    await step({ method: "POST", path: "/IXtitles/_update/nope", body: { doc: { name: "x" } } });
    await step({ method: "POST", path: "/IXtitles/_update/1", body: { doc: { name: "Dark" } } });
    await step({ method: "POST", path: "/IXtitles/_update/coerced", body: { doc: { name: "Coerced" } } });
    await step({ method: "DELETE", path: "/IXtitles/_doc/coerced" });
    await step({ method: "DELETE", path: "/IXtitles/_doc/coerced" });
    await step({ method: "POST", path: "/IXtitles/_refresh" });
  });
});

describe("search", () => {
  it("matches with bool, match, term, terms, range, exists, ids, prefix and match_phrase", async () => {
    const queries: unknown[] = [
      { match: { name: "dark" } },
      { match: { name: { query: "dark matter", operator: "and" } } },
      { bool: { must: [{ match: { name: "dark" } }], filter: [{ term: { genre: "scifi" } }, { range: { year: { gte: 2015, lte: 2016 } } }] } },
      { bool: { should: [{ term: { genre: "drama" } }, { term: { genre: "crime" } }], must_not: [{ term: { year: 2016 } }] } },
      { bool: { should: [{ match: { name: "dark" } }, { match: { name: "crown" } }], minimum_should_match: 1 } },
      { bool: { should: [{ term: { genre: "drama" } }], minimum_should_match: 2 } },
      { bool: { should: [{ term: { genre: "drama" } }, { term: { year: 2017 } }], minimum_should_match: "100%" } },
      { term: { genre: "scifi" } },
      { term: { year: 2017 } },
      { terms: { genre: ["drama", "crime"] } },
      { range: { at: { gte: "2016-01-01", lt: "2017-01-01" } } },
      { range: { year: { gt: 2015 } } },
      { exists: { field: "n" } },
      { ids: { values: ["1", "3", "nope"] } },
      { prefix: { genre: "sci" } },
      { match_phrase: { name: "dark matter" } },
    ];
    for (const query of queries) {
      await step({ method: "POST", path: "/IXtitles/_search", body: { query, sort: ["_doc"] } });
      // Relevance order (BM25 on one shard) as well as membership.
      await step({ method: "POST", path: "/IXtitles/_search", body: { query } });
    }
  });

  it("sorts and pages with search_after, counts totals, and refuses what a real server refuses", async () => {
    const sort = [{ year: "desc" }, { "name.raw": "asc" }];
    let after: unknown;
    for (let page = 0; page < 5; page++) {
      const res = await step({ method: "POST", path: "/IXtitles/_search", body: { sort, size: 2, ...(after ? { search_after: after } : {}) } });
      const hits = res.hits as Array<[string, unknown]>;
      if (hits.length === 0) break;
      after = hits[hits.length - 1]![1];
    }
    await step({ method: "POST", path: "/IXtitles/_search", body: { track_total_hits: 2, size: 0 } });
    await step({ method: "POST", path: "/IXtitles/_search", body: { size: 0 } });
    await step({ method: "POST", path: "/IXtitles/_search", body: { from: 2, size: 2, sort: [{ year: "asc" }, { "name.raw": "desc" }] } });
    // The known probes, and more of their kind.
    await step({ method: "POST", path: "/IXtitles/_search", body: { search_after: [1] } });
    await step({ method: "POST", path: "/IXtitles/_search", body: { sort: [{ year: "desc" }], search_after: [1, 2] } });
    await step({ method: "POST", path: "/IXtitles/_search", body: { sort: [{ year: "desc" }], search_after: ["abc"] } });
    await step({ method: "POST", path: "/IXtitles/_search", body: { query: { terms: { genre: ["a", "b", "c", "d"] } } }, causes: true });
    await step({ method: "POST", path: "/IXtitles/_search", body: { query: { terms: { genre: ["a", "b", "c"] } } } });
    await step({ method: "POST", path: "/IXtitles/_search", body: { sort: [{ name: "asc" }] } });
    await step({ method: "POST", path: "/IXtitles/_search", body: { sort: [{ no_such_field: "asc" }] } });
    await step({ method: "POST", path: "/IXtitles/_search", body: { query: { term: { year: "abc" } } } });
    await step({ method: "POST", path: "/IXtitles/_search", body: { query: { range: { at: { gte: "not-a-date" } } } }, causes: true });
    await step({ method: "POST", path: "/IXtitles/_search", body: { query: { no_such_query: {} } } });
    await step({ method: "POST", path: "/IXtitles/_search", body: { query: { match: { name: { query: "dark", bogus: 1 } } } } });
    await step({ method: "POST", path: "/IXtitles/_search", body: { from: 10_001, size: 1 } });
    await step({ method: "POST", path: "/IXtitles/_search", body: { from: -1 } });
    await step({ method: "POST", path: "/IXtitles/_search", body: { size: -1 } });
    await step({ method: "POST", path: "/IXmissing/_search", body: {} });
  });
});

describe("bulk", () => {
  it("runs every item on its own, reports failed items, and fails the request only for a malformed request", async () => {
    await step({ method: "PUT", path: "/IXbulk", body: { mappings: { properties: { n: { type: "long" }, tag: { type: "keyword" } } } } });
    await step({
      method: "POST",
      path: "/_bulk",
      lines: [
        { index: { _index: "IXbulk", _id: "1" } }, { n: 1 },
        { index: { _index: "IXbulk", _id: "2" } }, { n: "not a number" },
        { create: { _index: "IXbulk", _id: "1" } }, { n: 1 },
        { update: { _index: "IXbulk", _id: "nope" } }, { doc: { n: 1 } },
        { update: { _index: "IXbulk", _id: "1" } }, { doc: { n: 10 } },
        { delete: { _index: "IXbulk", _id: "nope" } },
        { index: { _index: "IXbulk", _id: "3" } }, { _id: "3" },
        { index: { _index: "IXbulk", _id: "4" } }, '{"n":',
        { index: { _index: "IXbulk", _id: "5", if_seq_no: 99, if_primary_term: 1 } }, { n: 5 },
        { index: { _index: "IXbulk", _id: "6" } }, { n: 6 },
      ],
      openSearchDiffers: DOCUMENT_PARSING,
    });
    await step({
      method: "POST",
      path: "/_bulk",
      lines: ['{"index":', { n: 1 }],
      openSearchDiffers: {
        because: "OpenSearch passes the JSON parser's json_e_o_f_exception through for a malformed action line; the test server keeps Elasticsearch's x-content error type",
        renames: { json_e_o_f_exception: "x_content_parse_exception" },
      },
    });
    await step({ method: "POST", path: "/_bulk", lines: [{ index: { _id: "x" } }, { n: 1 }] });
    await step({ method: "POST", path: "/_bulk", lines: [{ index: { _index: "IXbulk", _id: "x", bogus: 1 } }, { n: 1 }] });
    await step({ method: "POST", path: "/_bulk", lines: [{ explode: { _index: "IXbulk" } }] });
    await step({ method: "POST", path: "/_bulk?refresh=true", lines: [{ index: { _index: "IXbulk", _id: "7" } }, { n: 7 }] });
    await step({ method: "PUT", path: "/IXbulk/_doc/8?refresh=wait_for", body: { n: 8 } });
    await step({ method: "POST", path: "/IXbulk/_search", body: { sort: ["_doc"] } });
  });
});

describe("versions", () => {
  it("refuses stale sequence-number conditions with 409 and mismatched conditions with 400", async () => {
    await step({ method: "PUT", path: "/IXocc", body: {} });
    await step({ method: "PUT", path: "/IXocc/_doc/1", body: { v: 1 } });
    await step({ method: "PUT", path: "/IXocc/_doc/1?if_seq_no=0&if_primary_term=1", body: { v: 2 } });
    await step({ method: "PUT", path: "/IXocc/_doc/1?if_seq_no=0&if_primary_term=1", body: { v: 3 } });
    await step({ method: "PUT", path: "/IXocc/_doc/1?if_seq_no=0", body: { v: 3 } });
    await step({ method: "DELETE", path: "/IXocc/_doc/1?if_seq_no=0&if_primary_term=1" });
    await step({ method: "POST", path: "/IXocc/_update/1?if_seq_no=0&if_primary_term=1", body: { doc: { v: 9 } } });
    await step({ method: "PUT", path: "/IXocc/_doc/missing?if_seq_no=0&if_primary_term=1", body: { v: 1 } });
    await step({ method: "POST", path: "/IXocc/_update/missing?if_seq_no=0&if_primary_term=1", body: { doc: { v: 1 }, doc_as_upsert: true } });
    await step({ method: "GET", path: "/IXocc/_doc/1" });
  });

  it("applies external and external_gte versions on index, delete and bulk, and validates versioning parameters", async () => {
    const doc = "/IXocc/_doc/ext";
    await step({ method: "PUT", path: `${doc}?version=5&version_type=external`, body: { v: 5 } });
    await step({ method: "PUT", path: `${doc}?version=5&version_type=external`, body: { v: 5 } });
    await step({ method: "PUT", path: `${doc}?version=4&version_type=external`, body: { v: 4 } });
    await step({ method: "PUT", path: `${doc}?version=7&version_type=external_gte`, body: { v: 7 } });
    await step({ method: "PUT", path: `${doc}?version=7&version_type=external_gte`, body: { v: 7 } });
    await step({ method: "PUT", path: `${doc}?version=6&version_type=external_gte`, body: { v: 6 } });
    await step({ method: "DELETE", path: `${doc}?version=6&version_type=external` });
    await step({ method: "DELETE", path: `${doc}?version=8&version_type=external` });
    await step({ method: "DELETE", path: doc });
    await step({ method: "PUT", path: `${doc}?version=9&version_type=external`, body: { v: 9 } });
    await step({ method: "PUT", path: `${doc}?version=12&version_type=external`, body: { v: 12 } });
    await step({ method: "GET", path: doc });
    await step({ method: "PUT", path: `${doc}?version=7`, body: {} });
    await step({ method: "PUT", path: `${doc}?version_type=external`, body: {} });
    await step({ method: "PUT", path: `${doc}?version=-1&version_type=external`, body: {} });
    await step({ method: "PUT", path: `${doc}?if_seq_no=2&if_primary_term=1&version=20&version_type=external`, body: {} });
    await step({ method: "PUT", path: "/IXocc/_create/ext2?version=3&version_type=external", body: {} });
    await step({
      method: "POST",
      path: "/_bulk",
      lines: [
        { index: { _index: "IXocc", _id: "bv", version: 3, version_type: "external" } }, { v: 3 },
        { index: { _index: "IXocc", _id: "bv", version: 2, version_type: "external" } }, { v: 2 },
        { delete: { _index: "IXocc", _id: "bv", version: 4, version_type: "external" } },
      ],
    });
  });
});
