import type { ConcurrencyParams, RefreshParam, SearchEngine, VersionType } from "@polyxena/memory/search-engine";
import { SearchEngineError, illegalArgument } from "@polyxena/memory/search-engine";
import type { HttpReply } from "./http-exchange.js";

type Json = Record<string, unknown>;

/** A decoded request: method, path segments, query parameters and the parsed body. */
export interface RoutedRequest {
  method: string;
  segments: string[];
  path: string;
  query: URLSearchParams;
  body: unknown;
  /** NDJSON lines for `_bulk`. */
  lines: unknown[] | undefined;
}

type Handler = (engine: SearchEngine, req: RoutedRequest, params: Record<string, string>) => HttpReply;

interface Route {
  pattern: string[];
  methods: Record<string, Handler>;
}

function asObject(body: unknown): Json {
  if (body === undefined) return {};
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new SearchEngineError(400, "parsing_exception", "request body must be a JSON object", { details: { line: 1, col: 1 } });
  }
  return body as Json;
}

function refreshParam(q: URLSearchParams): RefreshParam {
  const v = q.get("refresh");
  return v === null ? undefined : (v as RefreshParam);
}

function longParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw illegalArgument(`Failed to parse long parameter [${name}] with value [${v}]`);
  return n;
}

function boolParam(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (v === "" || v === "true") return true;
  if (v === "false") return false;
  throw illegalArgument(`Failed to parse value [${v}] as only [true] or [false] are allowed.`);
}

function conditions(q: URLSearchParams): ConcurrencyParams {
  const out: ConcurrencyParams = {};
  const seqNo = longParam(q, "if_seq_no");
  const term = longParam(q, "if_primary_term");
  if (seqNo !== undefined) out.if_seq_no = seqNo;
  if (term !== undefined) out.if_primary_term = term;
  return out;
}

/** `version` and `version_type` of an index, create or delete (the update API takes neither). */
function versioning(q: URLSearchParams): ConcurrencyParams {
  const out: ConcurrencyParams = {};
  const version = longParam(q, "version");
  const type = q.get("version_type");
  if (version !== undefined) out.version = version;
  if (type !== null) out.version_type = type as VersionType;
  return out;
}

function ok(body: unknown): HttpReply {
  return { status: 200, body };
}

function writeStatus(result: string): number {
  if (result === "created") return 201;
  if (result === "not_found") return 404;
  return 200;
}

function sourceParam(q: URLSearchParams): unknown {
  const v = q.get("_source");
  if (v === null) return undefined;
  return v === "false" ? false : v === "true" || v === "" ? true : v.split(",");
}

/** Query parameters of `_search` that map onto body keys. */
function searchBody(req: RoutedRequest): Json {
  const body = { ...asObject(req.body) };
  const q = req.query;
  if (q.get("q") !== null) throw illegalArgument("the [q] parameter (query_string) is not supported by this engine");
  for (const name of ["size", "from"]) if (q.get(name) !== null && body[name] === undefined) body[name] = Number(q.get(name));
  const tth = q.get("track_total_hits");
  if (tth !== null && body.track_total_hits === undefined) body.track_total_hits = tth === "true" ? true : tth === "false" ? false : Number(tth);
  for (const name of ["seq_no_primary_term", "version", "track_scores"]) {
    const b = boolParam(q, name);
    if (b !== undefined && body[name] === undefined) body[name] = b;
  }
  const source = sourceParam(q);
  if (source !== undefined && body._source === undefined) body._source = source;
  const sort = q.get("sort");
  if (sort !== null && body.sort === undefined) {
    body.sort = sort.split(",").map((s) => {
      const [field = "", order] = s.split(":");
      return order ? { [field]: order } : field;
    });
  }
  return body;
}

const search: Handler = (engine, req, p) => ok(engine.search({ ...searchBody(req), ...(p.index ? { index: p.index } : {}) }));
const count: Handler = (engine, req, p) => ok(engine.count({ ...asObject(req.body), ...(p.index ? { index: p.index } : {}) }));
const bulk: Handler = (engine, req, p) => {
  const params: { index?: string; operations: unknown[]; refresh?: RefreshParam } = { operations: req.lines ?? [], refresh: refreshParam(req.query) };
  if (p.index) params.index = p.index;
  return ok(engine.bulk(params));
};
const mget: Handler = (engine, req, p) => ok(engine.mget({ ...asObject(req.body), ...(p.index ? { index: p.index } : {}) }));
const refresh: Handler = (engine, _req, p) => ok(engine.refresh(p.index ? { index: p.index } : {}));
const getAlias: Handler = (engine, _req, p) => {
  const params: { index?: string; name?: string } = {};
  if (p.index) params.index = p.index;
  if (p.name) params.name = p.name;
  return ok(engine.getAlias(params));
};
const headAlias: Handler = (engine, _req, p) => {
  const params: { index?: string; name: string } = { name: p.name ?? "*" };
  if (p.index) params.index = p.index;
  return { status: engine.existsAlias(params) ? 200 : 404 };
};
const putAlias: Handler = (engine, req, p) => {
  const body = asObject(req.body);
  const params: { index: string; name: string; is_write_index?: boolean } = { index: p.index!, name: p.name! };
  if (typeof body.is_write_index === "boolean") params.is_write_index = body.is_write_index;
  return ok(engine.putAlias(params));
};
const indexDoc: Handler = (engine, req, p) => {
  const opType = req.query.get("op_type");
  if (opType !== null && opType !== "index" && opType !== "create") throw illegalArgument(`opType must be 'create' or 'index', found: [${opType}]`);
  const params = { index: p.index!, document: req.body, refresh: refreshParam(req.query), ...conditions(req.query), ...versioning(req.query), ...(p.id !== undefined ? { id: p.id } : {}), ...(opType ? { op_type: opType as "index" | "create" } : {}) };
  const body = engine.index(params);
  return { status: writeStatus(body.result), body };
};
const createDoc: Handler = (engine, req, p) => {
  const body = engine.create({ index: p.index!, id: p.id!, document: req.body, refresh: refreshParam(req.query), ...versioning(req.query) });
  return { status: 201, body };
};

const reindex: Handler = (engine, req) => {
  const refresh = refreshParam(req.query);
  if (refresh === "wait_for") throw illegalArgument("[refresh] of _reindex is true or false, not wait_for");
  const report = engine.reindex(asObject(req.body), { refresh, wait_for_completion: boolParam(req.query, "wait_for_completion") });
  // A reindex that some documents failed answers with the highest status among them (400 for a
  // document the destination's mapping refuses), the report still in the body.
  const failed = Math.max(200, ...(report.failures ?? []).map((f) => f.status));
  return { status: failed, body: report };
};

const ROUTES: Route[] = [
  { pattern: [], methods: { GET: (e) => ok(e.info()), HEAD: () => ({ status: 200 }) } },
  { pattern: ["_cluster", "health"], methods: { GET: () => ok({ cluster_name: "polyxena-test-cluster", status: "green", timed_out: false, number_of_nodes: 1, number_of_data_nodes: 1 }) } },
  { pattern: ["_bulk"], methods: { POST: bulk, PUT: bulk } },
  { pattern: [":index", "_bulk"], methods: { POST: bulk, PUT: bulk } },
  { pattern: ["_mget"], methods: { POST: mget, GET: mget } },
  { pattern: [":index", "_mget"], methods: { POST: mget, GET: mget } },
  { pattern: ["_search"], methods: { POST: search, GET: search } },
  { pattern: [":index", "_search"], methods: { POST: search, GET: search } },
  { pattern: ["_count"], methods: { POST: count, GET: count } },
  { pattern: [":index", "_count"], methods: { POST: count, GET: count } },
  { pattern: ["_refresh"], methods: { POST: refresh, GET: refresh } },
  { pattern: [":index", "_refresh"], methods: { POST: refresh, GET: refresh } },
  { pattern: ["_reindex"], methods: { POST: reindex } },
  { pattern: ["_aliases"], methods: { POST: (e, r) => ok(e.updateAliases(asObject(r.body))) } },
  { pattern: ["_alias"], methods: { GET: getAlias } },
  { pattern: ["_alias", ":name"], methods: { GET: getAlias, HEAD: headAlias } },
  { pattern: [":index", "_alias"], methods: { GET: getAlias } },
  { pattern: [":index", "_alias", ":name"], methods: { GET: getAlias, HEAD: headAlias, PUT: putAlias, POST: putAlias, DELETE: (e, _r, p) => ok(e.deleteAlias({ index: p.index!, name: p.name! })) } },
  { pattern: [":index", "_aliases", ":name"], methods: { PUT: putAlias, POST: putAlias, DELETE: (e, _r, p) => ok(e.deleteAlias({ index: p.index!, name: p.name! })) } },
  { pattern: ["_mapping"], methods: { GET: (e) => ok(e.getMapping({})) } },
  { pattern: [":index", "_mapping"], methods: {
    GET: (e, _r, p) => ok(e.getMapping({ index: p.index! })),
    PUT: (e, r, p) => ok(e.putMapping({ ...asObject(r.body), index: p.index! })),
    POST: (e, r, p) => ok(e.putMapping({ ...asObject(r.body), index: p.index! })),
  } },
  { pattern: ["_settings"], methods: { GET: (e) => ok(e.getSettings({})) } },
  { pattern: [":index", "_settings"], methods: {
    GET: (e, _r, p) => ok(e.getSettings({ index: p.index! })),
    // The body is the settings themselves (`{"index": {...}}` or flat keys), never request parameters.
    PUT: (e, r, p) => ok(e.putSettings({ index: p.index!, settings: asObject(r.body) })),
  } },
  { pattern: [":index", "_doc"], methods: { POST: indexDoc } },
  { pattern: [":index", "_doc", ":id"], methods: {
    GET: (e, r, p) => {
      const body = e.get({ index: p.index!, id: p.id!, _source: sourceParam(r.query) });
      return { status: body.found ? 200 : 404, body };
    },
    HEAD: (e, _r, p) => ({ status: e.exists({ index: p.index!, id: p.id! }) ? 200 : 404 }),
    PUT: indexDoc,
    POST: indexDoc,
    DELETE: (e, r, p) => {
      const body = e.delete({ index: p.index!, id: p.id!, refresh: refreshParam(r.query), ...conditions(r.query), ...versioning(r.query) });
      return { status: writeStatus(body.result), body };
    },
  } },
  { pattern: [":index", "_create", ":id"], methods: { PUT: createDoc, POST: createDoc } },
  { pattern: [":index", "_update", ":id"], methods: {
    POST: (e, r, p) => {
      const body = asObject(r.body);
      const allowed = ["doc", "upsert", "doc_as_upsert", "detect_noop", "script", "scripted_upsert", "_source"];
      for (const key of Object.keys(body)) if (!allowed.includes(key)) throw new SearchEngineError(400, "x_content_parse_exception", `[1:2] [UpdateRequest] unknown field [${key}]`);
      const result = e.update({ ...body, index: p.index!, id: p.id!, refresh: refreshParam(r.query), ...conditions(r.query), ...(sourceParam(r.query) !== undefined ? { _source: sourceParam(r.query) } : {}) });
      return { status: writeStatus(result.result), body: result };
    },
  } },
  { pattern: [":index"], methods: {
    PUT: (e, r, p) => {
      const body = asObject(r.body);
      for (const key of Object.keys(body)) {
        if (key !== "mappings" && key !== "settings" && key !== "aliases") throw new SearchEngineError(400, "parse_exception", `unknown key [${key}] for create index`);
      }
      return ok(e.createIndex({ ...(body as { mappings?: Json; settings?: Json; aliases?: Json }), index: p.index! }));
    },
    DELETE: (e, _r, p) => ok(e.deleteIndex({ index: p.index! })),
    HEAD: (e, _r, p) => ({ status: e.indexExists({ index: p.index! }) ? 200 : 404 }),
    GET: (e, _r, p) => ok(e.getIndex({ index: p.index! })),
  } },
];

function matchRoute(route: Route, segments: string[]): Record<string, string> | undefined {
  if (route.pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const pattern = route.pattern[i]!;
    const segment = segments[i]!;
    if (pattern.startsWith(":")) {
      // A path parameter never starts with "_" unless it is a document id.
      if (segment.startsWith("_") && pattern !== ":id") return undefined;
      params[pattern.slice(1)] = segment;
    } else if (pattern !== segment) return undefined;
  }
  return params;
}

/**
 * Dispatches a request to the engine. Unknown endpoints are 400 and a known endpoint with
 * the wrong method is 405, with Elasticsearch's bodies.
 */
export function routeRequest(engine: SearchEngine, req: RoutedRequest): HttpReply {
  const allowed: string[] = [];
  for (const route of ROUTES) {
    const params = matchRoute(route, req.segments);
    if (!params) continue;
    const handler = route.methods[req.method];
    if (handler) return handler(engine, req, params);
    allowed.push(...Object.keys(route.methods));
  }
  if (allowed.length > 0) {
    return { status: 405, body: { error: `Incorrect HTTP method for uri [${req.path}] and method [${req.method}], allowed: [${allowed.join(", ")}]`, status: 405 } };
  }
  return { status: 400, body: { error: `no handler found for uri [${req.path}] and method [${req.method}]` } };
}
