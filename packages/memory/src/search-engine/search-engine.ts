import { randomBytes } from "node:crypto";
import { parseDocument } from "./document-parser.js";
import { IndexMapping } from "./index-mapping.js";
import type { MappingsBody } from "./index-mapping.js";
import { isObject, refreshRequested, validationFailed } from "./engine-api.js";
import type {
  BulkItem,
  BulkResponseBody,
  ConcurrencyParams,
  DeleteParams,
  GetResponseBody,
  IndexParams,
  MgetResponseBody,
  RefreshParam,
  SearchEngineOptions,
  UpdateParams,
  VersionType,
  WriteResponseBody,
} from "./engine-api.js";
import { isMalformedBulkLine, malformedDocument, parseBulkOperations } from "./bulk-request.js";
import { parseReindexBody } from "./reindex-request.js";
import type { ReindexOptions } from "./reindex-request.js";
import { IndexCatalog, invalidIndexName, validateIndexName } from "./index-catalog.js";
import type { AliasEntry } from "./index-catalog.js";
import { SearchEngineError, illegalArgument, isSearchEngineError } from "./search-engine-error.js";
import type { ElasticsearchErrorCause } from "./search-engine-error.js";
import { executeCount, executeSearch } from "./search-executor.js";
import type { SearchResponseBody } from "./search-executor.js";
import { PRIMARY_TERM, SearchIndex, parseTimeValue } from "./search-index.js";
import type { StoredDocument } from "./search-index.js";

type Json = Record<string, unknown>;

/** Index settings a node knows by name (`index.` prefix); any other is refused on create and update. */
const KNOWN_INDEX_SETTINGS = new Set(
  [
    "number_of_shards", "number_of_replicas", "number_of_routing_shards", "auto_expand_replicas", "refresh_interval",
    "max_result_window", "max_inner_result_window", "max_terms_count", "max_docvalue_fields_search", "max_script_fields",
    "max_ngram_diff", "max_shingle_diff", "max_refresh_listeners", "max_slices_per_scroll", "max_regex_length",
    "max_rescore_window", "codec", "routing_partition_size", "hidden", "gc_deletes", "default_pipeline", "final_pipeline",
    "priority", "mode", "query.default_field", "write.wait_for_active_shards", "shard.check_on_startup",
    "highlight.max_analyzed_offset", "search.idle.after", "load_fixed_bitset_filters_eagerly",
  ].map((name) => `index.${name}`),
);
/** Groups of index settings accepted under their prefix (analysis chains, mapping limits, ...). */
const KNOWN_INDEX_SETTING_GROUPS = [
  "analysis.", "mapping.", "sort.", "blocks.", "routing.", "translog.", "merge.", "search.slowlog.", "indexing.slowlog.",
  "similarity.", "store.", "unassigned.", "lifecycle.", "soft_deletes.", "fielddata.", "requests.", "queries.",
].map((group) => `index.${group}`);

function checkKnownSettings(flat: Record<string, string>): void {
  const unknown = Object.keys(flat).filter((key) => !KNOWN_INDEX_SETTINGS.has(key) && !KNOWN_INDEX_SETTING_GROUPS.some((g) => key.startsWith(g)));
  if (unknown.length === 0) return;
  const reason = (key: string) => `unknown setting [${key}] please check that any required plugins are installed, or check the breaking changes documentation for removed settings`;
  throw illegalArgument(reason(unknown[0]!));
}

/** Index settings fixed at creation: updating them on an open index is refused. */
const STATIC_INDEX_SETTINGS = new Set(["index.number_of_shards", "index.number_of_routing_shards", "index.codec", "index.routing_partition_size", "index.sort.field", "index.sort.order"]);

/** The `version` of a write that does not ask for one (Elasticsearch's `Versions.MATCH_ANY`). */
const MATCH_ANY_VERSION = -3;

/** Response of `POST /_reindex?wait_for_completion=true`. */
export interface ReindexResponseBody {
  took: number;
  timed_out: boolean;
  total: number;
  updated: number;
  created: number;
  deleted: number;
  batches: number;
  version_conflicts: number;
  noops: number;
  retries: { bulk: number; search: number };
  throttled_millis: number;
  requests_per_second: number;
  throttled_until_millis: number;
  failures: Array<{ index: string; id: string; cause: ElasticsearchErrorCause; status: number }>;
}

/**
 * Shard copies of an index: one primary plus its replicas, which stay unassigned on a
 * one-node cluster, so only the primary ever succeeds.
 */
function shardCopies(index: SearchIndex): number {
  const replicas = Number(index.settings["index.number_of_replicas"] ?? "1");
  return 1 + (Number.isInteger(replicas) && replicas >= 0 ? replicas : 1);
}

function flattenSettings(settings: unknown, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(settings)) return out;
  for (const [k, v] of Object.entries(settings)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isObject(v)) Object.assign(out, flattenSettings(v, key));
    else out[key.startsWith("index.") ? key : `index.${key}`] = String(v);
  }
  return out;
}

function deepMerge(target: Json, patch: Json): Json {
  const out: Json = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    const current = out[k];
    out[k] = isObject(v) && isObject(current) ? deepMerge(current, v) : v;
  }
  return out;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as Json);
  const kb = Object.keys(b as Json);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Json)[k], (b as Json)[k]));
}


/**
 * An in-memory, single-node Elasticsearch: indices with mappings, documents with
 * sequence numbers and versions, near-real-time search and the query DSL subset that
 * Polyxena uses. Every method takes the parameters the official client takes and returns
 * the body Elasticsearch returns, or throws a {@link SearchEngineError} carrying the exact
 * error body and status.
 *
 * @example
 * const engine = new SearchEngine();
 * engine.createIndex({ index: "titles", mappings: { properties: { name: { type: "text" } } } });
 * engine.index({ index: "titles", id: "1", document: { name: "Dark" }, refresh: "wait_for" });
 * engine.search({ index: "titles", query: { match: { name: "dark" } } }).hits.total; // { value: 1, relation: "eq" }
 */
export class SearchEngine {
  private readonly catalog = new IndexCatalog();
  private readonly clock: () => number;
  private readonly clusterName: string;
  private readonly clusterUuid = randomBytes(16).toString("base64url").slice(0, 22);

  constructor(options: SearchEngineOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.clusterName = options.clusterName ?? "polyxena-test-cluster";
  }

  /** `GET /`: cluster name and version. */
  info(): Json {
    return {
      name: "polyxena-node-0",
      cluster_name: this.clusterName,
      cluster_uuid: this.clusterUuid,
      version: {
        number: "9.1.0",
        build_flavor: "default",
        build_type: "tar",
        build_hash: "0000000000000000000000000000000000000000",
        build_date: "2025-07-01T00:00:00.000Z",
        build_snapshot: false,
        lucene_version: "10.2.2",
        minimum_wire_compatibility_version: "8.19.0",
        minimum_index_compatibility_version: "8.0.0",
      },
      tagline: "You Know, for Search",
    };
  }

  // ---------------------------------------------------------------- indices

  /** `PUT /index` with `mappings`, `settings` and `aliases`. */
  createIndex(params: { index: string; mappings?: MappingsBody; settings?: unknown; aliases?: Record<string, unknown> }): Json {
    const name = params.index;
    validateIndexName(name);
    const existing = this.catalog.indices.get(name);
    if (existing) {
      throw new SearchEngineError(400, "resource_already_exists_exception", `index [${name}/${existing.uuid}] already exists`, {
        details: { index_uuid: existing.uuid, index: name },
      });
    }
    if (this.catalog.aliases.has(name)) throw invalidIndexName(name, "already exists as alias");
    const index = this.buildIndex(name, params.mappings, params.settings);
    const aliasUpdates: Array<[string, AliasEntry]> = [];
    for (const [alias, spec] of Object.entries(params.aliases ?? {})) {
      if (this.catalog.indices.has(alias) || alias === name) {
        throw new SearchEngineError(400, "invalid_alias_name_exception", `Invalid alias name [${alias}]: an index or data stream exists with the same name as the alias`);
      }
      aliasUpdates.push([alias, this.catalog.aliasEntry(spec)]);
    }
    this.catalog.indices.set(name, index);
    for (const [alias, entry] of aliasUpdates) this.catalog.aliasMembers(alias).set(name, entry);
    return { acknowledged: true, shards_acknowledged: true, index: name };
  }

  private buildIndex(name: string, mappings: MappingsBody | undefined, settings: unknown): SearchIndex {
    const flat = flattenSettings(settings);
    checkKnownSettings(flat);
    if (flat["index.refresh_interval"] !== undefined) {
      try {
        parseTimeValue(flat["index.refresh_interval"]);
      } catch (e) {
        throw illegalArgument((e as Error).message);
      }
    }
    return new SearchIndex(name, new IndexMapping(mappings), flat, this.clock());
  }

  /** `HEAD /index`: true for an index or an alias. */
  indexExists(params: { index: string }): boolean {
    try {
      return this.catalog.resolveRead(params.index, false).length > 0;
    } catch (e) {
      if (isSearchEngineError(e) && e.statusCode === 404) return false;
      throw e;
    }
  }

  /** `GET /index`. */
  getIndex(params: { index: string }): Json {
    const out: Json = {};
    for (const index of this.catalog.resolveRead(params.index, false)) {
      out[index.name] = { aliases: this.catalog.aliasesOf(index.name), mappings: index.mapping.toJSON(), settings: this.settingsOf(index) };
    }
    return out;
  }

  private settingsOf(index: SearchIndex): Json {
    const settings: Json = {
      number_of_shards: "1",
      number_of_replicas: "1",
      uuid: index.uuid,
      provided_name: index.name,
      creation_date: String(index.createdAt),
      version: { created: "9009000" },
    };
    for (const [k, v] of Object.entries(index.settings)) settings[k.slice("index.".length)] = v;
    return { index: settings };
  }

  /** `GET /index/_settings`. */
  getSettings(params: { index?: string }): Json {
    const out: Json = {};
    for (const index of this.catalog.resolveRead(params.index ?? "_all", true)) out[index.name] = { settings: this.settingsOf(index) };
    return out;
  }

  /** `PUT /index/_settings` (dynamic settings such as `refresh_interval`). */
  putSettings(params: { index?: string; settings?: unknown; [k: string]: unknown }): Json {
    const { index, settings, ...rest } = params;
    const flat = flattenSettings(settings ?? rest);
    const targets = this.catalog.resolveRead(index ?? "_all", true);
    checkKnownSettings(flat);
    const fixed = Object.keys(flat).filter((key) => STATIC_INDEX_SETTINGS.has(key));
    if (fixed.length > 0) {
      throw illegalArgument(`Can't update non dynamic settings [[${fixed.join(", ")}]] for open indices [${targets.map((t) => `[${t.name}/${t.uuid}]`).join(", ")}]`);
    }
    if (flat["index.refresh_interval"] !== undefined) {
      let ms: number;
      try {
        ms = parseTimeValue(flat["index.refresh_interval"]);
      } catch (e) {
        throw illegalArgument((e as Error).message);
      }
      for (const t of targets) t.refreshIntervalMs = ms;
    }
    for (const t of targets) Object.assign(t.settings, flat);
    return { acknowledged: true };
  }

  /** `GET /index/_mapping`. */
  getMapping(params: { index?: string }): Json {
    const out: Json = {};
    for (const index of this.catalog.resolveRead(params.index ?? "_all", true)) out[index.name] = { mappings: index.mapping.toJSON() };
    return out;
  }

  /** `PUT /index/_mapping`: adds fields; changing a field's type is an error. */
  putMapping(params: { index: string; [k: string]: unknown }): Json {
    const { index, ...body } = params;
    const targets = this.catalog.resolveRead(index, false);
    for (const t of targets) {
      const probe = new IndexMapping(t.mapping.toJSON());
      probe.merge(body as MappingsBody);
    }
    for (const t of targets) t.mapping.merge(body as MappingsBody);
    return { acknowledged: true };
  }

  /** `DELETE /index` (comma lists and wildcards; aliases are refused as in Elasticsearch 8+). */
  deleteIndex(params: { index: string }): Json {
    return this.catalog.deleteIndex(params);
  }

  /** `POST /_aliases`: applies `add`, `remove` and `remove_index` actions atomically. */
  updateAliases(params: { actions?: unknown }): Json {
    return this.catalog.updateAliases(params);
  }

  /** `PUT /index/_alias/name`. */
  putAlias(params: { index: string; name: string; is_write_index?: boolean }): Json {
    return this.catalog.putAlias(params);
  }

  /** `DELETE /index/_alias/name`. */
  deleteAlias(params: { index: string; name: string }): Json {
    return this.catalog.deleteAlias(params);
  }

  /** `GET /_alias/name`, `GET /index/_alias/name`, `GET /_alias`. */
  getAlias(params: { index?: string; name?: string }): Json {
    return this.catalog.getAlias(params);
  }

  /** `HEAD /_alias/name`. */
  existsAlias(params: { name: string; index?: string }): boolean {
    return this.catalog.existsAlias(params);
  }

  /** Resolves the index a write goes to, creating a missing index like `action.auto_create_index`. */
  private resolveWrite(name: string, autoCreate: boolean): SearchIndex {
    return this.catalog.resolveWrite(
      name,
      autoCreate
        ? (missing: string) => {
            this.createIndex({ index: missing });
            return this.catalog.indices.get(missing)!;
          }
        : undefined,
    );
  }

  // ---------------------------------------------------------------- documents

  private validateId(id: string): void {
    if (id.length === 0) throw validationFailed("if _id is specified it must not be empty");
    const bytes = Buffer.byteLength(id);
    if (bytes > 512) throw validationFailed(`id [${id}] is too long, must be no longer than 512 bytes but was: ${bytes}`);
  }

  private versionConflict(index: SearchIndex, id: string, reason: string): SearchEngineError {
    return new SearchEngineError(409, "version_conflict_engine_exception", `[${id}]: version conflict, ${reason}`, {
      details: { index_uuid: index.uuid, shard: "0", index: index.name },
    });
  }

  /**
   * The request checks Elasticsearch makes before a write reaches the index
   * (`action_request_validation_exception`, every failed check numbered).
   */
  private validateVersioning(params: ConcurrencyParams, operation: "index" | "create" | "delete"): void {
    const type = params.version_type ?? "internal";
    if (!["internal", "external", "external_gte"].includes(type)) throw illegalArgument(`No version type match [${String(type)}]`);
    const version = params.version;
    const messages: string[] = [];
    if (operation === "create" && type !== "internal") messages.push("create operations only support internal versioning. use index instead");
    if (type !== "internal" && (version === undefined || version < 0)) {
      messages.push(`illegal version value [${version ?? MATCH_ANY_VERSION}] for version type [${type.toUpperCase()}]`);
    }
    if (type === "internal" && version !== undefined && version !== MATCH_ANY_VERSION) {
      messages.push("internal versioning can not be used for optimistic concurrency control. Please use `if_seq_no` and `if_primary_term` instead");
    }
    if (params.if_seq_no !== undefined && (type !== "internal" || version !== undefined)) messages.push("compare and write operations can not use versioning");
    if (params.if_seq_no !== undefined && params.if_primary_term === undefined) messages.push("ifSeqNo is set, but primary term is [0]");
    if (params.if_seq_no === undefined && params.if_primary_term !== undefined) messages.push(`ifSeqNo is unassigned, but primary term is [${params.if_primary_term}]`);
    if (messages.length > 0) throw validationFailed(...messages);
  }

  /** The version an externally versioned write stores, or undefined for internal versioning; 409 when it is not newer. */
  private externalVersion(index: SearchIndex, id: string, params: ConcurrencyParams): number | undefined {
    const type = params.version_type ?? "internal";
    if (type === "internal" || params.version === undefined) return undefined;
    const current = index.currentVersion(id);
    if (current !== undefined) {
      if (type === "external" && current >= params.version) {
        throw this.versionConflict(index, id, `current version [${current}] is higher or equal to the one provided [${params.version}]`);
      }
      if (type === "external_gte" && current > params.version) {
        throw this.versionConflict(index, id, `current version [${current}] is higher than the one provided [${params.version}]`);
      }
    }
    return params.version;
  }

  private checkConditions(index: SearchIndex, id: string, current: StoredDocument | undefined, params: ConcurrencyParams): void {
    const { if_seq_no: seqNo, if_primary_term: term } = params;
    if (seqNo === undefined && term === undefined) return;
    if (seqNo === undefined || term === undefined) {
      throw validationFailed(seqNo === undefined ? "ifSeqNo is unassigned, but primary term is [" + term + "]" : "ifSeqNo is set, but primary term is [0]");
    }
    const wanted = `required seqNo [${seqNo}], primary term [${term}].`;
    if (!current) throw this.versionConflict(index, id, `${wanted} but no document was found`);
    if (current.seqNo !== Number(seqNo) || current.primaryTerm !== Number(term)) {
      throw this.versionConflict(index, id, `${wanted} current document has seqNo [${current.seqNo}] and primary term [${current.primaryTerm}]`);
    }
  }

  private store(index: SearchIndex, id: string, source: unknown, version?: number): StoredDocument {
    if (!isObject(source)) {
      throw new SearchEngineError(400, "document_parsing_exception", "[1:1] failed to parse: the document must be a JSON object");
    }
    const parsed = parseDocument(index.mapping, source, id);
    if (parsed.dynamicUpdate) index.mapping.merge(parsed.dynamicUpdate);
    return index.put(id, structuredClone(source), parsed.fields, version);
  }

  private finishWrite(index: SearchIndex, refresh: RefreshParam, body: WriteResponseBody): WriteResponseBody {
    const mode = refreshRequested(refresh);
    if (mode) index.refresh(this.clock());
    if (mode === "now") body.forced_refresh = true;
    return body;
  }

  private writeBody(index: SearchIndex, id: string, version: number, seqNo: number, result: WriteResponseBody["result"]): WriteResponseBody {
    return { _index: index.name, _id: id, _version: version, result, _shards: { total: shardCopies(index), successful: 1, failed: 0 }, _seq_no: seqNo, _primary_term: PRIMARY_TERM };
  }

  /** `PUT /index/_doc/id` / `POST /index/_doc`: creates or replaces a document. */
  index(params: IndexParams): WriteResponseBody {
    refreshRequested(params.refresh);
    this.validateVersioning(params, params.op_type === "create" ? "create" : "index");
    const id = params.id ?? randomBytes(15).toString("base64url");
    this.validateId(id);
    const index = this.resolveWrite(params.index, true);
    const current = index.get(id);
    if (params.op_type === "create" && current) {
      throw this.versionConflict(index, id, `document already exists (current version [${current.version}])`);
    }
    this.checkConditions(index, id, current, params);
    const doc = this.store(index, id, params.document, this.externalVersion(index, id, params));
    return this.finishWrite(index, params.refresh, this.writeBody(index, id, doc.version, doc.seqNo, current ? "updated" : "created"));
  }

  /** `PUT /index/_create/id`: creates a document, 409 when it exists. */
  create(params: Omit<IndexParams, "op_type" | "if_seq_no" | "if_primary_term"> & { id: string }): WriteResponseBody {
    // Versioned creates are refused by validateVersioning, as Elasticsearch refuses them.
    return this.index({ ...params, op_type: "create" });
  }

  /** `POST /index/_update/id`: partial update (`doc`), upsert (`upsert`, `doc_as_upsert`), conditional. */
  update(params: UpdateParams): WriteResponseBody {
    refreshRequested(params.refresh);
    this.validateId(params.id);
    if (params.script !== undefined) throw illegalArgument("script updates are not supported by this engine");
    if (params.doc === undefined) throw validationFailed("script or doc is missing");
    if (!isObject(params.doc)) throw new SearchEngineError(400, "x_content_parse_exception", "[1:8] [UpdateRequest] doc doesn't support values of type: VALUE_STRING");
    const upserting = params.doc_as_upsert === true || params.upsert !== undefined;
    if (upserting && (params.if_seq_no !== undefined || params.if_primary_term !== undefined)) {
      throw validationFailed("compare and write operations can not be used with upsert");
    }
    const index = this.resolveWrite(params.index, upserting);
    const current = index.get(params.id);
    const withSource = (body: WriteResponseBody, doc: StoredDocument): WriteResponseBody => {
      if (params._source === true || params._source === "true") {
        body.get = { _seq_no: doc.seqNo, _primary_term: doc.primaryTerm, found: true, _source: structuredClone(doc.source) };
      }
      return body;
    };
    if (!current) {
      if (params.if_seq_no !== undefined || params.if_primary_term !== undefined) this.checkConditions(index, params.id, current, params);
      if (!upserting) {
        throw new SearchEngineError(404, "document_missing_exception", `[${params.id}]: document missing`, {
          details: { index_uuid: index.uuid, shard: "0", index: index.name },
        });
      }
      const doc = this.store(index, params.id, params.doc_as_upsert === true ? params.doc : params.upsert);
      return this.finishWrite(index, params.refresh, withSource(this.writeBody(index, params.id, doc.version, doc.seqNo, "created"), doc));
    }
    this.checkConditions(index, params.id, current, params);
    const merged = deepMerge(current.source, params.doc);
    if (params.detect_noop !== false && deepEqual(merged, current.source)) {
      const body = this.writeBody(index, params.id, current.version, current.seqNo, "noop");
      body._shards = { total: 0, successful: 0, failed: 0 };
      return withSource(body, current);
    }
    const doc = this.store(index, params.id, merged);
    return this.finishWrite(index, params.refresh, withSource(this.writeBody(index, params.id, doc.version, doc.seqNo, "updated"), doc));
  }

  /** `DELETE /index/_doc/id`: `result: "not_found"` (HTTP 404) when there is no such document. */
  delete(params: DeleteParams): WriteResponseBody {
    refreshRequested(params.refresh);
    this.validateId(params.id);
    this.validateVersioning(params, "delete");
    const index = this.resolveWrite(params.index, false);
    const current = index.get(params.id);
    this.checkConditions(index, params.id, current, params);
    const external = this.externalVersion(index, params.id, params);
    if (!current) {
      const { version, seqNo } = index.noteMissingDelete(params.id, external);
      return this.finishWrite(index, params.refresh, this.writeBody(index, params.id, version, seqNo, "not_found"));
    }
    const { version, seqNo } = index.remove(params.id, external);
    return this.finishWrite(index, params.refresh, this.writeBody(index, params.id, version, seqNo, "deleted"));
  }

  /** `GET /index/_doc/id` (realtime: sees writes not yet refreshed). */
  get(params: { index: string; id: string; _source?: unknown }): GetResponseBody {
    const index = this.catalog.resolveSingle(params.index);
    const doc = index.get(params.id);
    if (!doc) return { _index: index.name, _id: params.id, found: false };
    const body: GetResponseBody = {
      _index: index.name,
      _id: doc.id,
      _version: doc.version,
      _seq_no: doc.seqNo,
      _primary_term: doc.primaryTerm,
      found: true,
    };
    if (params._source !== false && params._source !== "false") body._source = structuredClone(doc.source);
    return body;
  }

  /** `HEAD /index/_doc/id`. */
  exists(params: { index: string; id: string }): boolean {
    return this.get(params).found;
  }

  /** `POST /_mget` or `/index/_mget` with `docs` or `ids`. */
  mget(params: { index?: string; docs?: unknown; ids?: unknown }): MgetResponseBody {
    let requests: Array<{ index: string | undefined; id: string; source: unknown }>;
    if (params.ids !== undefined) {
      if (!Array.isArray(params.ids)) throw illegalArgument("[ids] must be an array");
      requests = params.ids.map((id) => ({ index: params.index, id: String(id), source: undefined }));
    } else if (Array.isArray(params.docs)) {
      requests = params.docs.map((d) => {
        if (!isObject(d)) throw illegalArgument("[docs] entries must be objects");
        return { index: typeof d._index === "string" ? d._index : params.index, id: String(d._id), source: d._source };
      });
    } else {
      throw validationFailed("no documents to get");
    }
    const missing = requests.map((r, i) => (r.index === undefined ? `index is missing for doc ${i}` : "")).filter((m) => m);
    if (missing.length > 0) throw validationFailed(...missing);
    return {
      docs: requests.map((r) => {
        try {
          return this.get({ index: r.index!, id: r.id, _source: r.source });
        } catch (e) {
          if (!isSearchEngineError(e)) throw e;
          const body = e.body as { error?: Json };
          return { _index: r.index!, _id: r.id, error: (body.error ?? e.toCause()) as ElasticsearchErrorCause };
        }
      }),
    };
  }

  /**
   * `POST /_bulk`: `operations` is the parsed NDJSON (action lines and sources). The whole
   * request is validated first (a malformed line fails it with 400); then every item runs
   * on its own and failed items are reported without failing the others.
   */
  bulk(params: { index?: string; operations: unknown[]; refresh?: RefreshParam }): BulkResponseBody {
    refreshRequested(params.refresh);
    const ops = parseBulkOperations(params.operations, params.index);
    const touched = new Set<SearchIndex>();
    let errors = false;
    const items: BulkItem[] = ops.map((op) => {
      const indexName = String(op.meta._index ?? params.index);
      const id = op.meta._id === undefined ? undefined : String(op.meta._id);
      const cond: ConcurrencyParams = {};
      if (op.meta.if_seq_no !== undefined) cond.if_seq_no = Number(op.meta.if_seq_no);
      if (op.meta.if_primary_term !== undefined) cond.if_primary_term = Number(op.meta.if_primary_term);
      if (op.meta.version !== undefined) cond.version = Number(op.meta.version);
      if (op.meta.version_type !== undefined) cond.version_type = String(op.meta.version_type) as VersionType;
      try {
        let body: WriteResponseBody;
        let status: number;
        if (isMalformedBulkLine(op.source)) throw malformedDocument(op.source);
        if (op.action === "index" || op.action === "create") {
          body = this.index({ index: indexName, id, document: op.source, op_type: op.action === "create" ? "create" : "index", ...cond });
          status = body.result === "created" ? 201 : 200;
        } else if (op.action === "update") {
          const u = op.source as Json;
          for (const key of Object.keys(u)) {
            if (!["doc", "upsert", "doc_as_upsert", "detect_noop", "_source", "script", "scripted_upsert"].includes(key)) {
              throw illegalArgument(`[UpdateRequest] unknown field [${key}]`);
            }
          }
          body = this.update({ index: indexName, id: id!, doc: u.doc, upsert: u.upsert, doc_as_upsert: u.doc_as_upsert === true, detect_noop: u.detect_noop !== false, script: u.script, _source: u._source, ...cond });
          status = body.result === "created" ? 201 : 200;
        } else {
          body = this.delete({ index: indexName, id: id!, ...cond });
          status = body.result === "not_found" ? 404 : 200;
        }
        const resolved = this.catalog.indices.get(body._index);
        if (resolved) touched.add(resolved);
        return { [op.action]: { ...body, status } };
      } catch (e) {
        if (!isSearchEngineError(e)) throw e;
        errors = true;
        const concrete = this.catalog.indices.get(indexName)?.name ?? indexName;
        const item: Json = { _index: concrete };
        if (id !== undefined) item._id = id;
        item.status = e.statusCode;
        item.error = e.toCause();
        return { [op.action]: item };
      }
    });
    const mode = refreshRequested(params.refresh);
    if (mode) for (const index of touched) index.refresh(this.clock());
    if (mode === "now") for (const item of items) for (const v of Object.values(item)) if (v.error === undefined) v.forced_refresh = true;
    return { took: 1, errors, items };
  }

  /**
   * `POST /_reindex?wait_for_completion=true`: copies the `_source` of every searchable
   * document of the source into the destination through the destination's mapping, in
   * batches of `source.size`. Refused documents are listed in `failures` (the answer is
   * still 200, as in Elasticsearch) and end the reindex after their batch.
   */
  reindex(body: unknown, options: ReindexOptions = {}): ReindexResponseBody {
    const spec = parseReindexBody(body);
    const refresh = refreshRequested(options.refresh);
    if (options.wait_for_completion === false) throw illegalArgument("wait_for_completion=false (a reindex task) is not supported by this engine");
    const sources = this.searchTargets(spec.source);
    const destName = this.catalog.aliases.has(spec.dest) ? this.catalog.resolveWrite(spec.dest, undefined).name : spec.dest;
    if (sources.some((s) => s.name === destName)) throw validationFailed(`reindex cannot write into an index its reading from [${destName}]`);
    const docs = sources.flatMap((s) => [...s.searchableDocuments()]);
    const limit = Math.min(docs.length, spec.maxDocs ?? docs.length);
    const out: ReindexResponseBody = {
      took: 1, timed_out: false, total: limit, updated: 0, created: 0, deleted: 0, batches: 0, version_conflicts: 0, noops: 0,
      retries: { bulk: 0, search: 0 }, throttled_millis: 0, requests_per_second: -1, throttled_until_millis: 0, failures: [],
    };
    const touched = new Set<SearchIndex>();
    for (let start = 0; start < limit && out.failures.length === 0; start += spec.batchSize) {
      out.batches++;
      for (const doc of docs.slice(start, Math.min(limit, start + spec.batchSize))) {
        try {
          const res = this.index({ index: spec.dest, id: doc.id, document: structuredClone(doc.source), op_type: spec.opType });
          if (res.result === "created") out.created++;
          else out.updated++;
          const written = this.catalog.indices.get(res._index);
          if (written) touched.add(written);
        } catch (e) {
          if (!isSearchEngineError(e)) throw e;
          if (e.statusCode === 409) {
            out.version_conflicts++;
            if (spec.conflicts === "proceed") continue;
          }
          out.failures.push({ index: destName, id: doc.id, cause: e.toCause(), status: e.statusCode });
        }
      }
    }
    if (refresh) for (const index of touched) index.refresh(this.clock());
    return out;
  }

  /** `POST /index/_refresh` (all indices when `index` is omitted). */
  refresh(params: { index?: string } = {}): Json {
    const targets = this.catalog.resolveRead(params.index ?? "_all", true);
    for (const t of targets) t.refresh(this.clock());
    const total = targets.reduce((sum, t) => sum + shardCopies(t), 0);
    return { _shards: { total, successful: targets.length, failed: 0 } };
  }

  // ---------------------------------------------------------------- search

  private searchTargets(index: string | string[] | undefined): SearchIndex[] {
    const expression = index === undefined ? "_all" : Array.isArray(index) ? index.join(",") : index;
    const targets = this.catalog.resolveRead(expression, true);
    const now = this.clock();
    for (const t of targets) t.maybeRefresh(now);
    return targets;
  }

  /** `POST /index/_search`: the body's keys (query, sort, from, size, ...) sit beside `index`. */
  search(params: { index?: string | string[]; [key: string]: unknown }): SearchResponseBody {
    const { index, ...body } = params;
    return executeSearch(this.searchTargets(index), body, this.clock());
  }

  /** `POST /index/_count`. */
  count(params: { index?: string | string[]; query?: unknown }): { count: number; _shards: Json } {
    const { index, ...body } = params;
    return executeCount(this.searchTargets(index), body, this.clock());
  }
}
