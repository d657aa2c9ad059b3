/**
 * What every query compiler shares: the compiled-query type, the context of the index it
 * runs on, parameter checking, and BM25 term scoring over the searchable view.
 */
import { bm25Idf, bm25Score } from "./bm25.js";
import { isObject } from "./engine-api.js";
import type { LeafField } from "./index-mapping.js";
import { SearchEngineError, parsingError } from "./search-engine-error.js";
import type { SearchIndex, StoredDocument } from "./search-index.js";
import { wildcardPattern } from "./wildcard-pattern.js";

/**
 * A compiled query: the document's score, or null when it does not match. `candidates`,
 * when present, holds the ids of every document that can match (from the postings), so
 * the executor checks those instead of scanning the index.
 */
export type Matcher = ((doc: StoredDocument) => number | null) & { candidates?: ReadonlySet<string> | undefined };

/** Attaches the candidate ids to a matcher. */
export function withCandidates(matcher: (doc: StoredDocument) => number | null, candidates: ReadonlySet<string> | undefined): Matcher {
  return candidates === undefined ? matcher : Object.assign(matcher, { candidates });
}

/** Candidates of a disjunction: the union, known only when every clause knows its own. */
export function unionCandidates(matchers: readonly Matcher[]): ReadonlySet<string> | undefined {
  if (matchers.some((m) => m.candidates === undefined)) return undefined;
  const out = new Set<string>();
  for (const m of matchers) for (const id of m.candidates!) out.add(id);
  return out;
}

/** Candidates of a conjunction: the smallest clause's candidates (a superset of the matches). */
export function smallestCandidates(matchers: readonly Matcher[]): ReadonlySet<string> | undefined {
  let best: ReadonlySet<string> | undefined;
  for (const m of matchers) if (m.candidates && (!best || m.candidates.size < best.size)) best = m.candidates;
  return best;
}

/** What a compiled query needs from the index it runs on. */
export interface QueryContext {
  index: SearchIndex;
  /** `now` for date math, from the engine's clock. */
  now: number;
  /** Filled while compiling: terms per text field, for highlighting. */
  highlightTerms: Map<string, Set<string>>;
}

/** A JSON object. */
export type Json = Record<string, unknown>;

/** Matches nothing. */
export const NO_MATCH: Matcher = withCandidates(() => null, new Set<string>());

/** `query_shard_exception`, Elasticsearch's error for a query that cannot run against a field. */
export function queryShardError(reason: string, causedBy?: { type: string; reason: string }): SearchEngineError {
  return new SearchEngineError(400, "query_shard_exception", reason, causedBy ? { causedBy } : {});
}

export { isObject };

/** Refuses parameters a query does not support, with Elasticsearch's `parsing_exception`. */
export function checkParams(queryName: string, params: Json, allowed: readonly string[]): void {
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) throw parsingError(`[${queryName}] query does not support [${key}]`);
  }
}

/** A numeric query parameter (numbers or numeric strings), or the default. */
export function numberParam(queryName: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n)) throw parsingError(`[${queryName}] failed to parse field [${name}]`);
  return n;
}

/** Splits `{ field: value }` / `{ field: { ... } }` forms used by match, term, range... */
export function singleField(queryName: string, body: unknown): [string, unknown] {
  if (!isObject(body)) throw parsingError(`[${queryName}] query malformed, no start_object after query name`);
  const entries = Object.entries(body).filter(([k]) => k !== "boost" && k !== "_name");
  if (entries.length !== 1) {
    throw parsingError(`[${queryName}] query doesn't support multiple fields, found [${entries.map(([k]) => k).join("] and [")}]`);
  }
  return entries[0]!;
}

/** Resolves `minimum_should_match` (`2`, `-1`, `"75%"`, `"-25%"`) against a clause count. */
export function resolveMinimumShouldMatch(spec: unknown, optionalClauses: number, clampToClauses = true): number {
  if (spec === undefined || spec === null) return 0;
  const text = String(spec).trim();
  let result: number;
  if (text.endsWith("%")) {
    const pct = Number(text.slice(0, -1));
    if (!Number.isFinite(pct)) throw parsingError(`failed to parse minimum_should_match [${text}]`);
    const calc = Math.trunc((optionalClauses * pct) / 100);
    result = pct < 0 ? optionalClauses + calc : calc;
  } else {
    const n = Number(text);
    if (!Number.isInteger(n)) throw parsingError(`failed to parse minimum_should_match [${text}]`);
    result = n < 0 ? optionalClauses + n : n;
  }
  // A bool query asking for more should clauses than it has matches nothing, as in Lucene.
  return Math.max(0, clampToClauses ? Math.min(result, optionalClauses) : result);
}

/** Compiles one query type's body. */
export type QueryCompiler = (body: unknown, ctx: QueryContext) => Matcher;

/** The leaf fields a field name or wildcard pattern (`title*`) designates. */
export function fieldPattern(pattern: string, ctx: QueryContext): string[] {
  if (!pattern.includes("*")) return [pattern];
  const re = wildcardPattern(pattern);
  return ctx.index.mapping.leafPaths().filter((p) => re.test(p));
}

/** The error for a query on a field mapped with `index: false`. */
export function notIndexed(leaf: LeafField): SearchEngineError {
  return queryShardError(`failed to create query: Cannot search on field [${leaf.path}] since it is not indexed.`);
}

/** Records query terms of a text field, for highlighting. */
export function addHighlight(ctx: QueryContext, field: string, terms: string[]): void {
  let set = ctx.highlightTerms.get(field);
  if (!set) {
    set = new Set();
    ctx.highlightTerms.set(field, set);
  }
  for (const t of terms) set.add(t);
}

/** Scores one term in a text or keyword field with BM25 over the searchable view's statistics. */
export function termScorer(leaf: LeafField, term: string, boost: number, ctx: QueryContext): Matcher {
  const stats = ctx.index.fieldStats(leaf.path);
  const docFreq = stats.docFreq.get(term) ?? 0;
  if (docFreq === 0) return NO_MATCH;
  const idf = bm25Idf(stats.docCount, docFreq);
  const avgdl = stats.sumTotalTermFreq / stats.docCount;
  return withCandidates((doc) => {
    const values = doc.fields.get(leaf.path);
    if (!values) return null;
    if (values.kind === "text") {
      const positions = values.terms.get(term);
      return positions ? bm25Score(idf, positions.length, values.length, avgdl, boost) : null;
    }
    if (values.kind === "keyword") {
      // Keyword fields index no frequencies and no norms: freq 1, length 1.
      return values.values.includes(term) ? bm25Score(idf, 1, 1, avgdl, boost) : null;
    }
    return null;
  }, ctx.index.postingsOf(leaf.path, term));
}

/** `dis_max` scoring: the best clause plus `tieBreaker` times the others. */
export function disMax(matchers: Matcher[], tieBreaker: number, boost: number): Matcher {
  return withCandidates((doc) => {
    let max: number | null = null;
    let sum = 0;
    for (const m of matchers) {
      const s = m(doc);
      if (s === null) continue;
      sum += s;
      if (max === null || s > max) max = s;
    }
    return max === null ? null : Math.fround(Math.fround(max + tieBreaker * (sum - max)) * boost);
  }, unionCandidates(matchers));
}
