import { randomBytes } from "node:crypto";
import { parseDocument } from "./document-parser.js";
import { IndexMapping } from "./index-mapping.js";
import type { MappingsBody } from "./index-mapping.js";
import { SearchEngineError, illegalArgument, indexNotFound, isSearchEngineError } from "./search-engine-error.js";
import type { ElasticsearchErrorCause } from "./search-engine-error.js";
import { executeCount, executeSearch } from "./search-executor.js";
import type { SearchResponseBody } from "./search-executor.js";
import { PRIMARY_TERM, SearchIndex, parseTimeValue } from "./search-index.js";
import type { StoredDocument } from "./search-index.js";
import { wildcardPattern } from "./wildcard-pattern.js";

type Json = Record<string, unknown>;

/** The `refresh` parameter of a write: `true`/`""` refreshes now, `wait_for` returns once visible. */
export type RefreshParam = boolean | "true" | "false" | "wait_for" | "" | undefined;

/** Options of a {@link SearchEngine}. */
export interface SearchEngineOptions {
  /** Clock for periodic refreshes and `now` in date math; inject one to make time deterministic. */
  clock?: () => number;
  /** Reported by `info()`. */
  clusterName?: string;
}

/** Shard header of write responses: one primary, one (unassigned) replica, like a one-node cluster. */
const WRITE_SHARDS = { total: 2, successful: 1, failed: 0 };

/** The response of an index, create, update or delete. */
export interface WriteResponseBody {
  _index: string;
  _id: string;
  _version: number;
  result: "created" | "updated" | "deleted" | "not_found" | "noop";
  _shards: { total: number; successful: number; failed: number };
  _seq_no: number;
  _primary_term: number;
  forced_refresh?: boolean;
  get?: Json;
}

/** The response of a get (also each entry of `_mget`). */
export interface GetResponseBody {
  _index: string;
  _id: string;
  found: boolean;
  _version?: number;
  _seq_no?: number;
  _primary_term?: number;
  _source?: Record<string, unknown>;
}

/** Conditions shared by index, update and delete. */
export interface ConcurrencyParams {
  if_seq_no?: number | undefined;
  if_primary_term?: number | undefined;
}

/** Parameters of {@link SearchEngine.index}, named like the official client's. */
export interface IndexParams extends ConcurrencyParams {
  index: string;
  id?: string | undefined;
  document: unknown;
  refresh?: RefreshParam | undefined;
  op_type?: "index" | "create" | undefined;
}

/** Parameters of {@link SearchEngine.update}. */
export interface UpdateParams extends ConcurrencyParams {
  index: string;
  id: string;
  doc?: unknown | undefined;
  upsert?: unknown | undefined;
  doc_as_upsert?: boolean | undefined;
  detect_noop?: boolean | undefined;
  script?: unknown | undefined;
  refresh?: RefreshParam | undefined;
  _source?: unknown | undefined;
}

/** Parameters of {@link SearchEngine.delete}. */
export interface DeleteParams extends ConcurrencyParams {
  index: string;
  id: string;
  refresh?: RefreshParam | undefined;
}

/** One item of a bulk response. */
export type BulkItem = Record<string, Json>;

/** Response of `_bulk`. */
export interface BulkResponseBody {
  took: number;
  errors: boolean;
  items: BulkItem[];
}

/** Response of `_mget`. */
export interface MgetResponseBody {
  docs: Array<GetResponseBody | { _index: string; _id: string; error: ElasticsearchErrorCause }>;
}

interface AliasEntry {
  isWriteIndex?: boolean;
}

const INVALID_INDEX_CHARS = ["\\", "/", "*", "?", '"', "<", ">", "|", " ", ",", "#", ":"];

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function validationFailed(...messages: string[]): SearchEngineError {
  return new SearchEngineError(400, "action_request_validation_exception", `Validation Failed: ${messages.map((m, i) => `${i + 1}: ${m};`).join("")}`);
}

function invalidIndexName(name: string, why: string): SearchEngineError {
  return new SearchEngineError(400, "invalid_index_name_exception", `Invalid index name [${name}], ${why}`, {
    details: { index_uuid: "_na_", index: name },
  });
}

/** Checks an index name against Elasticsearch's rules. */
export function validateIndexName(name: string): void {
  if (name.length === 0) throw invalidIndexName(name, "must not be empty");
  if (name !== name.toLowerCase()) throw invalidIndexName(name, "must be lowercase");
  if (name === "." || name === "..") throw invalidIndexName(name, "must not be '.' or '..'");
  if (/^[-_+]/.test(name)) throw invalidIndexName(name, "must not start with '_', '-', or '+'");
  const bad = INVALID_INDEX_CHARS.find((c) => name.includes(c));
  if (bad !== undefined) throw invalidIndexName(name, `must not contain the following characters [${INVALID_INDEX_CHARS.join(", ")}]`);
  if (Buffer.byteLength(name) > 255) throw invalidIndexName(name, "index name is too long, (" + Buffer.byteLength(name) + " > 255)");
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


function refreshRequested(refresh: RefreshParam): "now" | "wait_for" | undefined {
  if (refresh === true || refresh === "true" || refresh === "") return "now";
  if (refresh === "wait_for") return "wait_for";
  if (refresh === undefined || refresh === false || refresh === "false") return undefined;
  throw illegalArgument(`Unknown value for refresh: [${String(refresh)}].`);
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
  private readonly indices = new Map<string, SearchIndex>();
  private readonly aliases = new Map<string, Map<string, AliasEntry>>();
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
    const existing = this.indices.get(name);
    if (existing) {
      throw new SearchEngineError(400, "resource_already_exists_exception", `index [${name}/${existing.uuid}] already exists`, {
        details: { index_uuid: existing.uuid, index: name },
      });
    }
    if (this.aliases.has(name)) throw invalidIndexName(name, "already exists as alias");
    const index = this.buildIndex(name, params.mappings, params.settings);
    const aliasUpdates: Array<[string, AliasEntry]> = [];
    for (const [alias, spec] of Object.entries(params.aliases ?? {})) {
      if (this.indices.has(alias) || alias === name) {
        throw new SearchEngineError(400, "invalid_alias_name_exception", `Invalid alias name [${alias}]: an index or data stream exists with the same name as the alias`);
      }
      aliasUpdates.push([alias, this.aliasEntry(spec)]);
    }
    this.indices.set(name, index);
    for (const [alias, entry] of aliasUpdates) this.aliasMembers(alias).set(name, entry);
    return { acknowledged: true, shards_acknowledged: true, index: name };
  }

  private buildIndex(name: string, mappings: MappingsBody | undefined, settings: unknown): SearchIndex {
    const flat = flattenSettings(settings);
    if (flat["index.refresh_interval"] !== undefined) {
      try {
        parseTimeValue(flat["index.refresh_interval"]);
      } catch (e) {
        throw illegalArgument((e as Error).message);
      }
    }
    return new SearchIndex(name, new IndexMapping(mappings), flat, this.clock());
  }

  private aliasEntry(spec: unknown): AliasEntry {
    const entry: AliasEntry = {};
    if (isObject(spec)) {
      if (spec.filter !== undefined) throw illegalArgument("alias filters are not supported by this engine");
      if (typeof spec.is_write_index === "boolean") entry.isWriteIndex = spec.is_write_index;
    }
    return entry;
  }

  private aliasMembers(alias: string): Map<string, AliasEntry> {
    let members = this.aliases.get(alias);
    if (!members) {
      members = new Map();
      this.aliases.set(alias, members);
    }
    return members;
  }

  /** `DELETE /index` (comma lists and wildcards; aliases are refused as in Elasticsearch 8+). */
  deleteIndex(params: { index: string }): Json {
    const names = new Set<string>();
    for (const part of params.index.split(",")) {
      if (part.includes("*") || part === "_all") {
        const re = wildcardPattern(part === "_all" ? "*" : part);
        for (const n of this.indices.keys()) if (re.test(n)) names.add(n);
        continue;
      }
      if (this.aliases.has(part) && !this.indices.has(part)) {
        throw illegalArgument(`The provided expression [${part}] matches an alias, specify the corresponding concrete indices instead.`);
      }
      if (!this.indices.has(part)) throw indexNotFound(part);
      names.add(part);
    }
    for (const n of names) {
      this.indices.delete(n);
      for (const [alias, members] of this.aliases) {
        members.delete(n);
        if (members.size === 0) this.aliases.delete(alias);
      }
    }
    return { acknowledged: true };
  }

  /** `HEAD /index`: true for an index or an alias. */
  indexExists(params: { index: string }): boolean {
    try {
      return this.resolveRead(params.index, false).length > 0;
    } catch (e) {
      if (isSearchEngineError(e) && e.statusCode === 404) return false;
      throw e;
    }
  }

  /** `GET /index`. */
  getIndex(params: { index: string }): Json {
    const out: Json = {};
    for (const index of this.resolveRead(params.index, false)) {
      out[index.name] = { aliases: this.aliasesOf(index.name), mappings: index.mapping.toJSON(), settings: this.settingsOf(index) };
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

  private aliasesOf(indexName: string): Json {
    const out: Json = {};
    for (const [alias, members] of [...this.aliases].sort(([a], [b]) => a.localeCompare(b))) {
      const entry = members.get(indexName);
      if (entry) out[alias] = entry.isWriteIndex === undefined ? {} : { is_write_index: entry.isWriteIndex };
    }
    return out;
  }

  /** `GET /index/_settings`. */
  getSettings(params: { index?: string }): Json {
    const out: Json = {};
    for (const index of this.resolveRead(params.index ?? "_all", true)) out[index.name] = { settings: this.settingsOf(index) };
    return out;
  }

  /** `PUT /index/_settings` (dynamic settings such as `refresh_interval`). */
  putSettings(params: { index?: string; settings?: unknown; [k: string]: unknown }): Json {
    const { index, settings, ...rest } = params;
    const flat = flattenSettings(settings ?? rest);
    const targets = this.resolveRead(index ?? "_all", true);
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
    for (const index of this.resolveRead(params.index ?? "_all", true)) out[index.name] = { mappings: index.mapping.toJSON() };
    return out;
  }

  /** `PUT /index/_mapping`: adds fields; changing a field's type is an error. */
  putMapping(params: { index: string; [k: string]: unknown }): Json {
    const { index, ...body } = params;
    const targets = this.resolveRead(index, false);
    for (const t of targets) {
      const probe = new IndexMapping(t.mapping.toJSON());
      probe.merge(body as MappingsBody);
    }
    for (const t of targets) t.mapping.merge(body as MappingsBody);
    return { acknowledged: true };
  }

  // ---------------------------------------------------------------- aliases

  /** `POST /_aliases`: applies `add`, `remove` and `remove_index` actions atomically. */
  updateAliases(params: { actions?: unknown }): Json {
    if (!Array.isArray(params.actions) || params.actions.length === 0) throw validationFailed("no actions specified");
    const plan: Array<() => void> = [];
    const list = (spec: Json, one: string, many: string): string[] => {
      const v = spec[one] ?? spec[many];
      const values = Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)];
      if (values.length === 0) throw validationFailed(`[${one}] is required`);
      return values;
    };
    for (const action of params.actions) {
      if (!isObject(action) || Object.keys(action).length !== 1) throw illegalArgument("[aliases] each action must hold exactly one of [add, remove, remove_index]");
      const [type, raw] = Object.entries(action)[0]!;
      if (!isObject(raw)) throw illegalArgument(`[${type}] action must be an object`);
      if (type === "add") {
        const entry = this.aliasEntry(raw);
        for (const indexName of list(raw, "index", "indices")) {
          const targets = this.resolveRead(indexName, false);
          for (const alias of list(raw, "alias", "aliases")) {
            if (this.indices.has(alias)) {
              throw new SearchEngineError(400, "invalid_alias_name_exception", `Invalid alias name [${alias}]: an index or data stream exists with the same name as the alias`);
            }
            for (const t of targets) plan.push(() => this.aliasMembers(alias).set(t.name, entry));
          }
        }
      } else if (type === "remove") {
        for (const indexName of list(raw, "index", "indices")) {
          const targets = this.resolveRead(indexName, false);
          for (const alias of list(raw, "alias", "aliases")) {
            for (const t of targets) {
              if (!this.aliases.get(alias)?.has(t.name)) {
                if (raw.must_exist === false) continue;
                throw new SearchEngineError(404, "aliases_not_found_exception", `aliases [${alias}] missing`, {
                  details: { "resource.type": "aliases", "resource.id": alias },
                });
              }
              plan.push(() => {
                const members = this.aliases.get(alias);
                members?.delete(t.name);
                if (members?.size === 0) this.aliases.delete(alias);
              });
            }
          }
        }
      } else if (type === "remove_index") {
        for (const indexName of list(raw, "index", "indices")) {
          if (!this.indices.has(indexName)) throw indexNotFound(indexName);
          plan.push(() => this.deleteIndex({ index: indexName }));
        }
      } else {
        throw illegalArgument(`[aliases] unknown action [${type}]`);
      }
    }
    for (const step of plan) step();
    return { acknowledged: true, errors: false };
  }

  /** `PUT /index/_alias/name`. */
  putAlias(params: { index: string; name: string; is_write_index?: boolean }): Json {
    const add: Json = { index: params.index, alias: params.name };
    if (params.is_write_index !== undefined) add.is_write_index = params.is_write_index;
    return this.updateAliases({ actions: [{ add }] });
  }

  /** `DELETE /index/_alias/name`. */
  deleteAlias(params: { index: string; name: string }): Json {
    this.updateAliases({ actions: [{ remove: { index: params.index, alias: params.name } }] });
    return { acknowledged: true };
  }

  /** `GET /_alias/name`, `GET /index/_alias/name`, `GET /_alias`. */
  getAlias(params: { index?: string; name?: string }): Json {
    const indices = params.index === undefined ? [...this.indices.values()] : this.resolveRead(params.index, false);
    const patterns = params.name === undefined ? undefined : params.name.split(",").map((p) => wildcardPattern(p));
    const out: Json = {};
    let found = false;
    for (const index of indices) {
      const aliases = Object.fromEntries(Object.entries(this.aliasesOf(index.name)).filter(([a]) => !patterns || patterns.some((p) => p.test(a))));
      if (Object.keys(aliases).length > 0) found = true;
      // Without a name filter every index is listed (with `{}` when it has no alias).
      if (Object.keys(aliases).length > 0 || patterns === undefined) out[index.name] = { aliases };
    }
    if (params.name !== undefined && !found) {
      throw new SearchEngineError(404, "aliases_not_found_exception", `alias [${params.name}] missing`, {
        body: { error: `alias [${params.name}] missing`, status: 404 },
      });
    }
    return out;
  }

  /** `HEAD /_alias/name`. */
  existsAlias(params: { name: string; index?: string }): boolean {
    try {
      this.getAlias(params);
      return true;
    } catch (e) {
      if (isSearchEngineError(e) && e.statusCode === 404) return false;
      throw e;
    }
  }

  // ---------------------------------------------------------------- resolution

  /** Resolves an index expression (names, aliases, wildcards, comma lists, `_all`) for reading. */
  private resolveRead(expression: string, allowNoIndices: boolean): SearchIndex[] {
    const out = new Map<string, SearchIndex>();
    for (const part of expression.split(",").map((p) => p.trim()).filter((p) => p.length > 0)) {
      if (part === "_all" || part.includes("*")) {
        const re = wildcardPattern(part === "_all" ? "*" : part);
        for (const [n, ix] of this.indices) if (re.test(n)) out.set(n, ix);
        for (const [alias, members] of this.aliases) {
          if (re.test(alias)) for (const n of members.keys()) out.set(n, this.indices.get(n)!);
        }
        continue;
      }
      const index = this.indices.get(part);
      if (index) {
        out.set(part, index);
        continue;
      }
      const members = this.aliases.get(part);
      if (!members) throw indexNotFound(part);
      for (const n of members.keys()) out.set(n, this.indices.get(n)!);
    }
    if (out.size === 0 && !allowNoIndices && !expression.includes("*")) throw indexNotFound(expression);
    return [...out.values()];
  }

  /** Resolves the one index a single-document read addresses. */
  private resolveSingle(name: string): SearchIndex {
    const index = this.indices.get(name);
    if (index) return index;
    const members = this.aliases.get(name);
    if (!members) throw indexNotFound(name);
    if (members.size > 1) {
      throw illegalArgument(`alias [${name}] has more than one index associated with it [${[...members.keys()].sort().join(", ")}], can't execute a single index op`);
    }
    return this.indices.get([...members.keys()][0]!)!;
  }

  /** Resolves the index a write goes to, creating a missing index like `action.auto_create_index`. */
  private resolveWrite(name: string, autoCreate: boolean): SearchIndex {
    const index = this.indices.get(name);
    if (index) return index;
    const members = this.aliases.get(name);
    if (members) {
      const writers = [...members].filter(([, e]) => e.isWriteIndex === true);
      if (writers.length === 1) return this.indices.get(writers[0]![0])!;
      if (members.size === 1 && [...members.values()][0]!.isWriteIndex !== false) return this.indices.get([...members.keys()][0]!)!;
      throw illegalArgument(
        `no write index is defined for alias [${name}]. The write index may be explicitly disabled using is_write_index=false or the alias points to multiple indices without one being designated as a write index`,
      );
    }
    if (!autoCreate) throw indexNotFound(name);
    this.createIndex({ index: name });
    return this.indices.get(name)!;
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

  private store(index: SearchIndex, id: string, source: unknown): StoredDocument {
    if (!isObject(source)) {
      throw new SearchEngineError(400, "document_parsing_exception", "[1:1] failed to parse: the document must be a JSON object");
    }
    const parsed = parseDocument(index.mapping, source, id);
    if (parsed.dynamicUpdate) index.mapping.merge(parsed.dynamicUpdate);
    return index.put(id, structuredClone(source), parsed.fields);
  }

  private finishWrite(index: SearchIndex, refresh: RefreshParam, body: WriteResponseBody): WriteResponseBody {
    const mode = refreshRequested(refresh);
    if (mode) index.refresh(this.clock());
    if (mode === "now") body.forced_refresh = true;
    return body;
  }

  private writeBody(index: SearchIndex, id: string, version: number, seqNo: number, result: WriteResponseBody["result"]): WriteResponseBody {
    return { _index: index.name, _id: id, _version: version, result, _shards: { ...WRITE_SHARDS }, _seq_no: seqNo, _primary_term: PRIMARY_TERM };
  }

  /** `PUT /index/_doc/id` / `POST /index/_doc`: creates or replaces a document. */
  index(params: IndexParams): WriteResponseBody {
    refreshRequested(params.refresh);
    const id = params.id ?? randomBytes(15).toString("base64url");
    this.validateId(id);
    const index = this.resolveWrite(params.index, true);
    const current = index.get(id);
    if (params.op_type === "create" && current) {
      throw this.versionConflict(index, id, `document already exists (current version [${current.version}])`);
    }
    this.checkConditions(index, id, current, params);
    const doc = this.store(index, id, params.document);
    return this.finishWrite(index, params.refresh, this.writeBody(index, id, doc.version, doc.seqNo, current ? "updated" : "created"));
  }

  /** `PUT /index/_create/id`: creates a document, 409 when it exists. */
  create(params: Omit<IndexParams, "op_type" | "if_seq_no" | "if_primary_term"> & { id: string }): WriteResponseBody {
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
    const index = this.resolveWrite(params.index, false);
    const current = index.get(params.id);
    this.checkConditions(index, params.id, current, params);
    if (!current) {
      const { version, seqNo } = index.noteMissingDelete(params.id);
      return this.finishWrite(index, params.refresh, this.writeBody(index, params.id, version, seqNo, "not_found"));
    }
    const { version, seqNo } = index.remove(params.id);
    return this.finishWrite(index, params.refresh, this.writeBody(index, params.id, version, seqNo, "deleted"));
  }

  /** `GET /index/_doc/id` (realtime: sees writes not yet refreshed). */
  get(params: { index: string; id: string; _source?: unknown }): GetResponseBody {
    const index = this.resolveSingle(params.index);
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
    type Op = { action: string; meta: Json; source: unknown; line: number };
    const ops: Op[] = [];
    const lines = params.operations;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (!isObject(line)) {
        throw illegalArgument(`Malformed action/metadata line [${i + 1}], expected START_OBJECT or END_OBJECT but found [${Array.isArray(line) ? "START_ARRAY" : "VALUE_STRING"}]`);
      }
      const keys = Object.keys(line);
      if (keys.length !== 1) {
        throw illegalArgument(`Malformed action/metadata line [${i + 1}], expected a simple value for field [${keys[1] ?? ""}] but found [START_OBJECT]`);
      }
      const action = keys[0]!;
      if (!["index", "create", "update", "delete"].includes(action)) {
        throw illegalArgument(`Malformed action/metadata line [${i + 1}], expected field [create], [delete], [index] or [update] but found [${action}]`);
      }
      const meta = line[action];
      if (!isObject(meta)) throw illegalArgument(`Malformed action/metadata line [${i + 1}], expected START_OBJECT but found [${typeof meta}]`);
      for (const key of Object.keys(meta)) {
        if (!["_index", "_id", "if_seq_no", "if_primary_term", "routing", "require_alias", "retry_on_conflict", "_source", "pipeline", "dynamic_templates"].includes(key)) {
          throw illegalArgument(`Action/metadata line [${i + 1}] contains an unknown parameter [${key}]`);
        }
      }
      if (meta._index === undefined && params.index === undefined) throw validationFailed("index is missing");
      if ((action === "update" || action === "delete") && meta._id === undefined) throw validationFailed("id is missing");
      let source: unknown;
      if (action !== "delete") {
        i++;
        if (i >= lines.length) throw illegalArgument(`The bulk request must be terminated by a newline [\\n]`);
        source = lines[i];
        if (!isObject(source)) throw illegalArgument(`Malformed request body at line [${i + 1}]: expected a JSON object`);
      }
      ops.push({ action, meta, source, line: i + 1 });
    }
    const touched = new Set<SearchIndex>();
    let errors = false;
    const items: BulkItem[] = ops.map((op) => {
      const indexName = String(op.meta._index ?? params.index);
      const id = op.meta._id === undefined ? undefined : String(op.meta._id);
      const cond: ConcurrencyParams = {};
      if (op.meta.if_seq_no !== undefined) cond.if_seq_no = Number(op.meta.if_seq_no);
      if (op.meta.if_primary_term !== undefined) cond.if_primary_term = Number(op.meta.if_primary_term);
      try {
        let body: WriteResponseBody;
        let status: number;
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
        const resolved = this.indices.get(body._index);
        if (resolved) touched.add(resolved);
        return { [op.action]: { ...body, status } };
      } catch (e) {
        if (!isSearchEngineError(e)) throw e;
        errors = true;
        const concrete = this.indices.get(indexName)?.name ?? indexName;
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

  /** `POST /index/_refresh` (all indices when `index` is omitted). */
  refresh(params: { index?: string } = {}): Json {
    const targets = this.resolveRead(params.index ?? "_all", true);
    for (const t of targets) t.refresh(this.clock());
    return { _shards: { total: targets.length * 2, successful: targets.length, failed: 0 } };
  }

  // ---------------------------------------------------------------- search

  private searchTargets(index: string | string[] | undefined): SearchIndex[] {
    const expression = index === undefined ? "_all" : Array.isArray(index) ? index.join(",") : index;
    const targets = this.resolveRead(expression, true);
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
