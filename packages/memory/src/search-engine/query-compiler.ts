/**
 * Compiles Elasticsearch query DSL into matchers over one index: the dispatcher and the
 * compound queries (`bool`, `constant_score`, `dis_max`, `match_all`, `match_none`).
 */
import { FULL_TEXT_QUERIES } from "./full-text-queries.js";
import { NO_MATCH, checkParams, disMax, isObject, numberParam, resolveMinimumShouldMatch, smallestCandidates, unionCandidates, withCandidates } from "./query-context.js";
import type { Matcher, QueryCompiler, QueryContext } from "./query-context.js";
import { parsingError } from "./search-engine-error.js";
import { TERM_LEVEL_QUERIES } from "./term-level-queries.js";

export type { Matcher, QueryContext } from "./query-context.js";
export { queryShardError, resolveMinimumShouldMatch } from "./query-context.js";

/**
 * Compiles Elasticsearch query DSL into a matcher over one index. Unknown queries and
 * unknown parameters are `parsing_exception`s; values that do not fit a field's type are
 * `query_shard_exception`s, as in Elasticsearch.
 */
export function compileQuery(dsl: unknown, ctx: QueryContext): Matcher {
  if (!isObject(dsl)) throw parsingError("query malformed, must start with start_object");
  const keys = Object.keys(dsl);
  if (keys.length !== 1) {
    if (keys.length === 0) throw parsingError("query malformed, empty clause found");
    throw parsingError(`[${keys[0]}] malformed query, expected [END_OBJECT] but found [FIELD_NAME]`);
  }
  const name = keys[0]!;
  const body = dsl[name];
  const compiler = QUERIES[name];
  if (!compiler) {
    if (UNSUPPORTED_QUERIES.has(name)) throw parsingError(`[${name}] query is not supported by this engine`);
    throw parsingError(`unknown query [${name}]`);
  }
  return compiler(body, ctx);
}

const UNSUPPORTED_QUERIES = new Set([
  "query_string", "simple_query_string", "fuzzy", "regexp", "nested", "has_child", "has_parent",
  "geo_distance", "geo_bounding_box", "script", "script_score", "function_score", "more_like_this", "knn",
  "wildcard", "match_phrase_prefix", "combined_fields", "intervals", "span_term",
]);

const QUERIES: Record<string, QueryCompiler> = {
  match_all(body) {
    const params = isObject(body) ? body : {};
    checkParams("match_all", params, ["boost", "_name"]);
    const boost = numberParam("match_all", "boost", params.boost, 1);
    return () => boost;
  },
  match_none(body) {
    checkParams("match_none", isObject(body) ? body : {}, ["boost", "_name"]);
    return NO_MATCH;
  },
  bool: compileBool,
  constant_score(body, ctx) {
    if (!isObject(body)) throw parsingError("[constant_score] query malformed");
    checkParams("constant_score", body, ["filter", "boost", "_name"]);
    if (body.filter === undefined) throw parsingError("[constant_score] requires a 'filter' element");
    const filter = compileQuery(body.filter, ctx);
    const boost = numberParam("constant_score", "boost", body.boost, 1);
    return withCandidates((doc) => (filter(doc) === null ? null : boost), filter.candidates);
  },
  dis_max(body, ctx) {
    if (!isObject(body)) throw parsingError("[dis_max] query malformed");
    checkParams("dis_max", body, ["queries", "tie_breaker", "boost", "_name"]);
    if (!Array.isArray(body.queries)) throw parsingError("[dis_max] requires 'queries' field with at least one clause");
    const tie = numberParam("dis_max", "tie_breaker", body.tie_breaker, 0);
    const boost = numberParam("dis_max", "boost", body.boost, 1);
    return disMax(body.queries.map((q) => compileQuery(q, ctx)), tie, boost);
  },
  ...TERM_LEVEL_QUERIES,
  ...FULL_TEXT_QUERIES,
};

function toClauses(value: unknown, ctx: QueryContext): Matcher[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((q) => compileQuery(q, ctx));
}

function compileBool(body: unknown, ctx: QueryContext): Matcher {
  if (!isObject(body)) throw parsingError("[bool] query malformed, no start_object after query name");
  checkParams("bool", body, ["must", "should", "filter", "must_not", "minimum_should_match", "boost", "adjust_pure_negative", "_name"]);
  const must = toClauses(body.must, ctx);
  const filter = toClauses(body.filter, ctx);
  const should = toClauses(body.should, ctx);
  const highlightBefore = new Map([...ctx.highlightTerms].map(([k, v]) => [k, new Set(v)]));
  const mustNot = toClauses(body.must_not, ctx);
  ctx.highlightTerms.clear();
  for (const [k, v] of highlightBefore) ctx.highlightTerms.set(k, v);
  const boost = numberParam("bool", "boost", body.boost, 1);
  const defaultMsm = must.length === 0 && filter.length === 0 ? 1 : 0;
  const msm = body.minimum_should_match === undefined ? Math.min(defaultMsm, should.length) : resolveMinimumShouldMatch(body.minimum_should_match, should.length, false);
  if (must.length + filter.length + should.length === 0) {
    // A bool with only must_not clauses matches everything else, with a constant score.
    return (doc) => (mustNot.some((m) => m(doc) !== null) ? null : 0);
  }
  // Every match satisfies each must/filter clause, and at least one should clause when msm >= 1.
  let candidates = smallestCandidates([...must, ...filter]);
  const shouldUnion = msm >= 1 ? unionCandidates(should) : undefined;
  if (shouldUnion && (!candidates || shouldUnion.size < candidates.size)) candidates = shouldUnion;
  return withCandidates((doc) => {
    let score = 0;
    for (const m of must) {
      const s = m(doc);
      if (s === null) return null;
      score += s;
    }
    for (const f of filter) if (f(doc) === null) return null;
    for (const n of mustNot) if (n(doc) !== null) return null;
    let matched = 0;
    for (const s of should) {
      const v = s(doc);
      if (v !== null) {
        matched++;
        score += v;
      }
    }
    if (matched < msm) return null;
    // Lucene sums the clauses' float scores in double and returns a float.
    return Math.fround(Math.fround(score) * boost);
  }, candidates);
}
