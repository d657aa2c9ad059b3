/**
 * The indices and aliases of the engine: index-name rules, alias membership and write
 * indices, and how an index expression (names, aliases, wildcards, comma lists, `_all`)
 * resolves to indices.
 */
import { isObject, validationFailed } from "./engine-api.js";
import { SearchEngineError, illegalArgument, indexNotFound, isSearchEngineError } from "./search-engine-error.js";
import type { SearchIndex } from "./search-index.js";
import { wildcardPattern } from "./wildcard-pattern.js";

type Json = Record<string, unknown>;

const INVALID_INDEX_CHARS = ["\\", "/", "*", "?", '"', "<", ">", "|", " ", ",", "#", ":"];

/** `invalid_index_name_exception` (400). */
export function invalidIndexName(name: string, why: string): SearchEngineError {
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

/** How an index belongs to an alias. */
export interface AliasEntry {
  isWriteIndex?: boolean;
}

/** Indices by name and aliases by name (alias -> member index -> entry). */
export class IndexCatalog {
  readonly indices = new Map<string, SearchIndex>();
  readonly aliases = new Map<string, Map<string, AliasEntry>>();

  /** Parses an alias body (`{ is_write_index }`); filters are refused. */
  aliasEntry(spec: unknown): AliasEntry {
    const entry: AliasEntry = {};
    if (isObject(spec)) {
      if (spec.filter !== undefined) throw illegalArgument("alias filters are not supported by this engine");
      if (typeof spec.is_write_index === "boolean") entry.isWriteIndex = spec.is_write_index;
    }
    return entry;
  }

  /** The member indices of an alias, created empty when missing. */
  aliasMembers(alias: string): Map<string, AliasEntry> {
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

  /** The aliases of an index, as `GET /index` lists them. */
  aliasesOf(indexName: string): Json {
    const out: Json = {};
    for (const [alias, members] of [...this.aliases].sort(([a], [b]) => a.localeCompare(b))) {
      const entry = members.get(indexName);
      if (entry) out[alias] = entry.isWriteIndex === undefined ? {} : { is_write_index: entry.isWriteIndex };
    }
    return out;
  }

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

  /** Resolves an index expression (names, aliases, wildcards, comma lists, `_all`) for reading. */
  resolveRead(expression: string, allowNoIndices: boolean): SearchIndex[] {
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
  resolveSingle(name: string): SearchIndex {
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
  resolveWrite(name: string, create: ((name: string) => SearchIndex) | undefined): SearchIndex {
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
    if (!create) throw indexNotFound(name);
    return create(name);
  }
}
