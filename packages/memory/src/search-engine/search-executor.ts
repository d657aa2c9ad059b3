import { wildcardPattern } from "./wildcard-pattern.js";
import { highlightHit, parseHighlight } from "./highlighter.js";
import type { HighlightSpec } from "./highlighter.js";
import { compileQuery } from "./query-compiler.js";
import type { Matcher, QueryContext } from "./query-compiler.js";
import { illegalArgument, isSearchEngineError, parsingError, searchPhaseFailure } from "./search-engine-error.js";
import type { SearchEngineError } from "./search-engine-error.js";
import type { SearchIndex, StoredDocument } from "./search-index.js";
import { compareSortValues, normalizeAfterValue, parseSort, sortValue } from "./sort-spec.js";
import type { SortKey, SortValue } from "./sort-spec.js";

type Json = Record<string, unknown>;

/** Elasticsearch's `index.max_result_window`. */
export const MAX_RESULT_WINDOW = 10_000;

const SEARCH_KEYS = new Set([
  "query", "from", "size", "sort", "search_after", "track_total_hits", "highlight", "_source", "track_scores",
  "seq_no_primary_term", "version", "timeout", "min_score", "post_filter", "explain", "stored_fields", "terminate_after",
]);

/** One hit of a search response. */
export interface SearchHit {
  _index: string;
  _id: string;
  _score: number | null;
  _source?: Record<string, unknown>;
  _version?: number;
  _seq_no?: number;
  _primary_term?: number;
  sort?: SortValue[];
  highlight?: Record<string, string[]>;
}

/** The body of a search response. */
export interface SearchResponseBody {
  took: number;
  timed_out: boolean;
  _shards: { total: number; successful: number; skipped: number; failed: number };
  hits: {
    total?: { value: number; relation: "eq" | "gte" };
    max_score: number | null;
    hits: SearchHit[];
  };
}

interface Candidate {
  index: SearchIndex;
  doc: StoredDocument;
  score: number;
  sortValues: SortValue[];
  terms: Map<string, Set<string>>;
}

function intParam(name: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n)) throw parsingError(`[${name}] failed to parse, expected an integer but got [${String(value)}]`);
  return n;
}

/** Runs a query over every searchable document of each index, wrapping field-level errors like a shard failure. */
function matchAll(indices: SearchIndex[], query: unknown, postFilter: unknown, now: number): Array<{ index: SearchIndex; doc: StoredDocument; score: number; terms: Map<string, Set<string>> }> {
  const out: Array<{ index: SearchIndex; doc: StoredDocument; score: number; terms: Map<string, Set<string>> }> = [];
  for (const index of indices) {
    const ctx: QueryContext = { index, now, highlightTerms: new Map() };
    let matcher: Matcher;
    let filter: Matcher | undefined;
    try {
      matcher = query === undefined ? () => 1 : compileQuery(query, ctx);
      filter = postFilter === undefined ? undefined : compileQuery(postFilter, { ...ctx, highlightTerms: new Map() });
    } catch (e) {
      if (isSearchEngineError(e) && e.type !== "parsing_exception") throw searchPhaseFailure(e, index.name);
      throw e;
    }
    const docs = matcher.candidates
      ? [...matcher.candidates].flatMap((id) => index.searchableDocument(id) ?? [])
      : index.searchableDocuments();
    for (const doc of docs) {
      const score = matcher(doc);
      if (score === null) continue;
      if (filter && filter(doc) === null) continue;
      out.push({ index, doc, score: Math.fround(score), terms: ctx.highlightTerms });
    }
  }
  return out;
}

function filterSource(source: Record<string, unknown>, spec: unknown): Record<string, unknown> | undefined {
  if (spec === undefined || spec === true) return source;
  if (spec === false) return undefined;
  let includes: string[] = [];
  let excludes: string[] = [];
  if (typeof spec === "string") includes = [spec];
  else if (Array.isArray(spec)) includes = spec.map(String);
  else if (typeof spec === "object" && spec !== null) {
    const s = spec as Json;
    includes = s.includes === undefined ? [] : ([] as unknown[]).concat(s.includes).map(String);
    excludes = s.excludes === undefined ? [] : ([] as unknown[]).concat(s.excludes).map(String);
  }
  // A pattern also selects everything under a matching object.
  const toRe = (p: string) => wildcardPattern(p, "(\\..*)?");
  const inc = includes.map(toRe);
  const exc = excludes.map(toRe);
  const walk = (obj: Json, prefix: string): Json => {
    const out: Json = {};
    for (const [k, v] of Object.entries(obj)) {
      const path = prefix ? `${prefix}.${k}` : k;
      if (exc.some((r) => r.test(path))) continue;
      const included = inc.length === 0 || inc.some((r) => r.test(path));
      if (included) out[k] = v;
      else if (typeof v === "object" && v !== null && !Array.isArray(v)) {
        const sub = walk(v as Json, path);
        if (Object.keys(sub).length > 0) out[k] = sub;
      }
    }
    return out;
  };
  return walk(source, "");
}

/** Executes a `_search` body over the given indices (their searchable views). */
export function executeSearch(indices: SearchIndex[], body: Json, now: number): SearchResponseBody {
  for (const key of Object.keys(body)) {
    if (!SEARCH_KEYS.has(key)) {
      if (key === "aggs" || key === "aggregations") throw parsingError(`[${key}] aggregations are not supported by this engine`);
      throw parsingError(`Unknown key for a START_OBJECT in [${key}].`);
    }
  }
  const from = intParam("from", body.from, 0);
  const size = intParam("size", body.size, 10);
  if (from < 0) throw illegalArgument(`[from] parameter cannot be negative but was [${from}]`);
  if (size < 0) throw illegalArgument(`[size] parameter cannot be negative, found [${size}]`);
  // Checked on the shard, so reported as a shard failure.
  const shardFailure = (e: SearchEngineError) => searchPhaseFailure(e, indices[0]?.name ?? "_all");
  if (from + size > MAX_RESULT_WINDOW) {
    throw shardFailure(illegalArgument(
      `Result window is too large, from + size must be less than or equal to: [${MAX_RESULT_WINDOW}] but was [${from + size}]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.`,
    ));
  }
  const mappings = indices.map((i) => i.mapping);
  let sortKeys: SortKey[];
  let highlight: HighlightSpec | undefined;
  try {
    sortKeys = parseSort(body.sort, mappings);
    highlight = body.highlight === undefined ? undefined : parseHighlight(body.highlight);
  } catch (e) {
    if (isSearchEngineError(e) && e.type !== "parsing_exception") throw searchPhaseFailure(e, indices[0]?.name ?? "_all");
    throw e;
  }
  const explicitSort = body.sort !== undefined;
  const scoring = !explicitSort || sortKeys.some((k) => k.kind === "score") || body.track_scores === true;
  let after: SortValue[] | undefined;
  if (body.search_after !== undefined) {
    if (!Array.isArray(body.search_after)) throw parsingError("[search_after] must be an array");
    if (from > 0) throw illegalArgument("[from] parameter must be set to 0 when [search_after] is used");
    if (!explicitSort) throw shardFailure(illegalArgument("Sort must contain at least one field."));
    if (body.search_after.length !== sortKeys.length) {
      throw shardFailure(illegalArgument(`search_after has ${body.search_after.length} value(s) but sort has ${sortKeys.length}.`));
    }
    try {
      after = sortKeys.map((k, i) => normalizeAfterValue(k, (body.search_after as unknown[])[i], mappings));
    } catch (e) {
      if (isSearchEngineError(e)) throw shardFailure(e);
      throw e;
    }
  }
  const minScore = body.min_score === undefined ? undefined : Number(body.min_score);

  let candidates: Candidate[] = matchAll(indices, body.query, body.post_filter, now)
    .filter((c) => minScore === undefined || c.score >= minScore)
    .map((c) => ({ ...c, sortValues: sortKeys.map((k) => sortValue(k, c.doc, c.score)) }));
  const totalMatches = candidates.length;
  const indexOrder = new Map(indices.map((ix, i) => [ix, i]));
  const compare = (a: Candidate, b: Candidate): number => {
    for (let i = 0; i < sortKeys.length; i++) {
      const c = compareSortValues(sortKeys[i]!, a.sortValues[i]!, b.sortValues[i]!);
      if (c !== 0) return c;
    }
    return indexOrder.get(a.index)! - indexOrder.get(b.index)! || a.doc.seqNo - b.doc.seqNo;
  };
  candidates.sort(compare);
  if (after) {
    const afterValues = after;
    candidates = candidates.filter((c) => {
      for (let i = 0; i < sortKeys.length; i++) {
        const cmp = compareSortValues(sortKeys[i]!, c.sortValues[i]!, afterValues[i]!);
        if (cmp !== 0) return cmp > 0;
      }
      return false;
    });
  }
  const page = candidates.slice(from, from + size);
  const hits: SearchHit[] = page.map((c) => {
    const hit: SearchHit = { _index: c.index.name, _id: c.doc.id, _score: scoring ? floatScore(c.score) : null };
    if (body.version === true) hit._version = c.doc.version;
    if (body.seq_no_primary_term === true) {
      hit._seq_no = c.doc.seqNo;
      hit._primary_term = c.doc.primaryTerm;
    }
    const source = filterSource(c.doc.source, body._source);
    if (source !== undefined) hit._source = structuredClone(source);
    if (explicitSort) hit.sort = c.sortValues.map((v, i) => (sortKeys[i]!.kind === "score" && v !== null ? floatScore(v as number) : v));
    if (highlight) {
      const h = highlightHit(highlight, c.doc.source, c.index.mapping, c.terms);
      if (h) hit.highlight = h;
    }
    return hit;
  });
  const response: SearchResponseBody = {
    took: 1,
    timed_out: false,
    _shards: { total: indices.length, successful: indices.length, skipped: 0, failed: 0 },
    hits: { max_score: null, hits: [] },
  };
  const track = body.track_total_hits ?? MAX_RESULT_WINDOW;
  let total: { value: number; relation: "eq" | "gte" } | undefined;
  if (track !== false) {
    const limit = track === true ? Infinity : Number(track);
    if (!Number.isFinite(limit) && track !== true) throw parsingError("[track_total_hits] must be a boolean or an integer");
    total = totalMatches > limit ? { value: limit, relation: "gte" } : { value: totalMatches, relation: "eq" };
  }
  const maxScoreValue = scoring && candidates.length > 0 ? floatScore(maxScore(candidates)) : null;
  response.hits = total ? { total, max_score: maxScoreValue, hits } : { max_score: maxScoreValue, hits };
  return response;
}

function maxScore(candidates: Candidate[]): number {
  let max = -Infinity;
  for (const c of candidates) if (c.score > max) max = c.score;
  return max;
}

/** Executes a `_count` body (`{ query }`). */
export function executeCount(indices: SearchIndex[], body: Json, now: number): { count: number; _shards: SearchResponseBody["_shards"] } {
  for (const key of Object.keys(body)) {
    if (key !== "query") throw parsingError(`request does not support [${key}]`);
  }
  const count = matchAll(indices, body.query, undefined, now).length;
  return { count, _shards: { total: indices.length, successful: indices.length, skipped: 0, failed: 0 } };
}


/**
 * A score as Elasticsearch writes it: Lucene scores are 32-bit floats, which the
 * server prints in the fewest digits that read back as the same float
 * (`2.234873`, not the double `2.234872817993164`).
 */
export function floatScore(score: number): number {
  const single = Math.fround(score);
  if (!Number.isFinite(single)) return single;
  for (let digits = 1; digits < 9; digits++) {
    const shortest = Number(single.toPrecision(digits));
    if (Math.fround(shortest) === single) return shortest;
  }
  return Number(single.toPrecision(9));
}
