import { wildcardPattern } from "./wildcard-pattern.js";
import { keywordAnalyze, standardAnalyze } from "./analyzer.js";
import { bm25Idf, bm25Score } from "./bm25.js";
import { parseDateValue, resolveDateBound } from "./date-parser.js";
import type { LeafField } from "./index-mapping.js";
import { SearchEngineError, parsingError } from "./search-engine-error.js";
import type { SearchIndex, StoredDocument } from "./search-index.js";

/** A compiled query: the document's score, or null when it does not match. */
export type Matcher = (doc: StoredDocument) => number | null;

/** What a compiled query needs from the index it runs on. */
export interface QueryContext {
  index: SearchIndex;
  /** `now` for date math, from the engine's clock. */
  now: number;
  /** Filled while compiling: terms per text field, for highlighting. */
  highlightTerms: Map<string, Set<string>>;
}

type Json = Record<string, unknown>;

const NO_MATCH: Matcher = () => null;

/** `query_shard_exception`, Elasticsearch's error for a query that cannot run against a field. */
export function queryShardError(reason: string, causedBy?: { type: string; reason: string }): SearchEngineError {
  return new SearchEngineError(400, "query_shard_exception", reason, causedBy ? { causedBy } : {});
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkParams(queryName: string, params: Json, allowed: readonly string[]): void {
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) throw parsingError(`[${queryName}] query does not support [${key}]`);
  }
}

function numberParam(queryName: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n)) throw parsingError(`[${queryName}] failed to parse field [${name}]`);
  return n;
}

/** Splits `{ field: value }` / `{ field: { ... } }` forms used by match, term, range... */
function singleField(queryName: string, body: unknown): [string, unknown] {
  if (!isObject(body)) throw parsingError(`[${queryName}] query malformed, no start_object after query name`);
  const entries = Object.entries(body).filter(([k]) => k !== "boost" && k !== "_name");
  if (entries.length !== 1) {
    throw parsingError(`[${queryName}] query doesn't support multiple fields, found [${entries.map(([k]) => k).join("] and [")}]`);
  }
  return entries[0]!;
}

/** Resolves `minimum_should_match` (`2`, `-1`, `"75%"`, `"-25%"`) against a clause count. */
export function resolveMinimumShouldMatch(spec: unknown, optionalClauses: number): number {
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
  return Math.max(0, Math.min(result, optionalClauses));
}

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
  "wildcard", "match_bool_prefix", "match_phrase_prefix", "combined_fields", "intervals", "span_term",
]);

type QueryCompiler = (body: unknown, ctx: QueryContext) => Matcher;

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
    return (doc) => (filter(doc) === null ? null : boost);
  },
  dis_max(body, ctx) {
    if (!isObject(body)) throw parsingError("[dis_max] query malformed");
    checkParams("dis_max", body, ["queries", "tie_breaker", "boost", "_name"]);
    if (!Array.isArray(body.queries)) throw parsingError("[dis_max] requires 'queries' field with at least one clause");
    const tie = numberParam("dis_max", "tie_breaker", body.tie_breaker, 0);
    const boost = numberParam("dis_max", "boost", body.boost, 1);
    return disMax(body.queries.map((q) => compileQuery(q, ctx)), tie, boost);
  },
  ids(body) {
    if (!isObject(body)) throw parsingError("[ids] query malformed");
    checkParams("ids", body, ["values", "boost", "_name"]);
    const values = body.values;
    if (!Array.isArray(values)) throw parsingError("[ids] query malformed, [values] must be an array");
    const ids = new Set(values.map(String));
    const boost = numberParam("ids", "boost", body.boost, 1);
    return (doc) => (ids.has(doc.id) ? boost : null);
  },
  exists(body, ctx) {
    if (!isObject(body)) throw parsingError("[exists] query malformed");
    checkParams("exists", body, ["field", "boost", "_name"]);
    if (typeof body.field !== "string") throw parsingError("[exists] must be provided with a [field]");
    const boost = numberParam("exists", "boost", body.boost, 1);
    const paths = fieldPattern(body.field, ctx).flatMap((p) => (ctx.index.mapping.isObject(p) ? ctx.index.mapping.leafPathsUnder(p) : [p]));
    if (body.field === "_id") return () => boost;
    return (doc) => (paths.some((p) => doc.fields.has(p)) ? boost : null);
  },
  term(body, ctx) {
    const [field, spec] = singleField("term", body);
    const params = isObject(spec) ? spec : { value: spec };
    checkParams("term", params, ["value", "boost", "case_insensitive", "_name"]);
    if (params.value === undefined || params.value === null || isObject(params.value)) {
      throw parsingError("[term] query malformed, no value specified");
    }
    const boost = numberParam("term", "boost", params.boost, 1);
    return termMatcher(field, params.value, boost, params.case_insensitive === true, ctx);
  },
  terms(body, ctx) {
    if (!isObject(body)) throw parsingError("[terms] query malformed");
    const entries = Object.entries(body).filter(([k]) => k !== "boost" && k !== "_name");
    if (entries.length !== 1) throw parsingError("[terms] query does not support multiple fields");
    const [field, values] = entries[0]!;
    if (!Array.isArray(values)) throw parsingError(`[terms] query does not support [${field}]`);
    const boost = numberParam("terms", "boost", body.boost, 1);
    const matchers = values.map((v) => termMatcher(field, v, 1, false, ctx));
    return (doc) => (matchers.some((m) => m(doc) !== null) ? boost : null);
  },
  prefix(body, ctx) {
    const [field, spec] = singleField("prefix", body);
    const params = isObject(spec) ? spec : { value: spec };
    checkParams("prefix", params, ["value", "boost", "case_insensitive", "rewrite", "_name"]);
    const value = String(params.value);
    const boost = numberParam("prefix", "boost", params.boost, 1);
    const insensitive = params.case_insensitive === true;
    const leaf = ctx.index.mapping.field(field);
    if (!leaf) return NO_MATCH;
    if (leaf.type !== "text" && leaf.type !== "keyword") {
      throw queryShardError(`Can only use prefix queries on keyword and text fields - not on [${field}] which is of type [${leaf.type}]`);
    }
    const wanted = insensitive ? value.toLowerCase() : value;
    return (doc) => {
      const values = doc.fields.get(field);
      if (!values || values.kind === "number") return null;
      const terms = values.kind === "text" ? values.terms.keys() : values.values.values();
      for (const term of terms) if ((insensitive ? term.toLowerCase() : term).startsWith(wanted)) return boost;
      return null;
    };
  },
  range: compileRange,
  match(body, ctx) {
    const [field, spec] = singleField("match", body);
    const params = isObject(spec) ? spec : { query: spec };
    checkParams("match", params, [
      "query", "operator", "minimum_should_match", "boost", "lenient", "analyzer", "zero_terms_query",
      "fuzziness", "prefix_length", "max_expansions", "auto_generate_synonyms_phrase_query", "_name",
    ]);
    if (params.query === undefined || params.query === null || isObject(params.query)) {
      throw parsingError("[match] requires query value");
    }
    const operator = parseOperator("match", params.operator);
    return matchField(field, params.query, {
      operator,
      minimumShouldMatch: params.minimum_should_match,
      boost: numberParam("match", "boost", params.boost, 1),
      lenient: params.lenient === true,
      zeroTermsAll: params.zero_terms_query === "all",
    }, ctx);
  },
  match_phrase(body, ctx) {
    const [field, spec] = singleField("match_phrase", body);
    const params = isObject(spec) ? spec : { query: spec };
    checkParams("match_phrase", params, ["query", "slop", "boost", "analyzer", "zero_terms_query", "_name"]);
    if (params.query === undefined || params.query === null || isObject(params.query)) {
      throw parsingError("[match_phrase] requires query value");
    }
    return phraseField(field, String(params.query), numberParam("match_phrase", "slop", params.slop, 0), numberParam("match_phrase", "boost", params.boost, 1), false, ctx);
  },
  multi_match: compileMultiMatch,
};

function parseOperator(queryName: string, value: unknown): "or" | "and" {
  if (value === undefined) return "or";
  const op = String(value).toLowerCase();
  if (op !== "or" && op !== "and") throw parsingError(`[${queryName}] query does not support [operator] value [${String(value)}]`);
  return op;
}

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
  const msm = body.minimum_should_match === undefined ? Math.min(defaultMsm, should.length) : resolveMinimumShouldMatch(body.minimum_should_match, should.length);
  if (must.length + filter.length + should.length === 0) {
    // A bool with only must_not clauses matches everything else, with a constant score.
    return (doc) => (mustNot.some((m) => m(doc) !== null) ? null : 0);
  }
  return (doc) => {
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
    return score * boost;
  };
}

function disMax(matchers: Matcher[], tieBreaker: number, boost: number): Matcher {
  return (doc) => {
    let max: number | null = null;
    let sum = 0;
    for (const m of matchers) {
      const s = m(doc);
      if (s === null) continue;
      sum += s;
      if (max === null || s > max) max = s;
    }
    return max === null ? null : (max + tieBreaker * (sum - max)) * boost;
  };
}

function fieldPattern(pattern: string, ctx: QueryContext): string[] {
  if (!pattern.includes("*")) return [pattern];
  const re = wildcardPattern(pattern);
  return ctx.index.mapping.leafPaths().filter((p) => re.test(p));
}

function notIndexed(leaf: LeafField): SearchEngineError {
  return queryShardError(`failed to create query: Cannot search on field [${leaf.path}] since it is not indexed.`);
}

function addHighlight(ctx: QueryContext, field: string, terms: string[]): void {
  let set = ctx.highlightTerms.get(field);
  if (!set) {
    set = new Set();
    ctx.highlightTerms.set(field, set);
  }
  for (const t of terms) set.add(t);
}

/** Scores one term in a text or keyword field with BM25 over the searchable view's statistics. */
function termScorer(leaf: LeafField, term: string, boost: number, ctx: QueryContext): Matcher {
  const stats = ctx.index.fieldStats(leaf.path);
  const docFreq = stats.docFreq.get(term) ?? 0;
  if (docFreq === 0) return NO_MATCH;
  const idf = bm25Idf(stats.docCount, docFreq);
  const avgdl = stats.sumTotalTermFreq / stats.docCount;
  return (doc) => {
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
  };
}

function parseNumberForField(leaf: LeafField, value: unknown): number {
  if (leaf.type === "date") {
    const millis = parseDateValue(value);
    if (millis === undefined) {
      throw queryShardError(`failed to create query: failed to parse date field [${String(value)}] with format [strict_date_optional_time||epoch_millis]`, {
        type: "illegal_argument_exception",
        reason: `failed to parse date field [${String(value)}] with format [strict_date_optional_time||epoch_millis]`,
      });
    }
    return millis;
  }
  if (leaf.type === "boolean") {
    if (value === true || value === "true") return 1;
    if (value === false || value === "false" || value === "") return 0;
    throw queryShardError(`failed to create query: Can't parse boolean value [${String(value)}], expected [true] or [false]`, {
      type: "illegal_argument_exception",
      reason: `Can't parse boolean value [${String(value)}], expected [true] or [false]`,
    });
  }
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  if (!Number.isFinite(n)) {
    throw queryShardError(`failed to create query: For input string: "${String(value)}"`, {
      type: "number_format_exception",
      reason: `For input string: "${String(value)}"`,
    });
  }
  if (leaf.type === "float") return Math.fround(n);
  return n;
}

function termMatcher(field: string, value: unknown, boost: number, caseInsensitive: boolean, ctx: QueryContext): Matcher {
  if (field === "_id") {
    const id = String(value);
    return (doc) => (doc.id === id ? boost : null);
  }
  const leaf = ctx.index.mapping.field(field);
  if (!leaf) return NO_MATCH;
  if (!leaf.indexed) throw notIndexed(leaf);
  if (leaf.type === "text" || leaf.type === "keyword") {
    const term = String(value);
    if (leaf.type === "text") addHighlight(ctx, field, [term]);
    if (caseInsensitive) {
      const lower = term.toLowerCase();
      return (doc) => {
        const values = doc.fields.get(field);
        if (!values || values.kind === "number") return null;
        const terms = values.kind === "text" ? [...values.terms.keys()] : values.values;
        return terms.some((t) => t.toLowerCase() === lower) ? boost : null;
      };
    }
    return termScorer(leaf, term, boost, ctx);
  }
  const wanted = parseNumberForField(leaf, value);
  // Integer fields hold no fractions: a fractional term matches nothing.
  if (["long", "integer", "short", "byte"].includes(leaf.type) && !Number.isInteger(wanted)) return NO_MATCH;
  return (doc) => {
    const values = doc.fields.get(field);
    return values?.kind === "number" && values.values.includes(wanted) ? boost : null;
  };
}

function compileRange(body: unknown, ctx: QueryContext): Matcher {
  const [field, spec] = singleField("range", body);
  if (!isObject(spec)) throw parsingError(`[range] query malformed, no start_object after query name`);
  checkParams("range", spec, ["gt", "gte", "lt", "lte", "boost", "format", "time_zone", "relation", "_name"]);
  const boost = numberParam("range", "boost", spec.boost, 1);
  const leaf = field === "_id" ? undefined : ctx.index.mapping.field(field);
  if (!leaf) return NO_MATCH;
  if (!leaf.indexed) throw notIndexed(leaf);
  type Bound = { value: number | string; inclusive: boolean } | undefined;
  const bound = (key: "gt" | "gte" | "lt" | "lte"): unknown => (spec[key] === null ? undefined : spec[key]);
  const lowerRaw = bound("gte") ?? bound("gt");
  const upperRaw = bound("lte") ?? bound("lt");
  const lowerInclusive = bound("gte") !== undefined;
  const upperInclusive = bound("lte") !== undefined;
  const convert = (raw: unknown, roundUp: boolean): number | string => {
    if (leaf.type === "text" || leaf.type === "keyword") return String(raw);
    if (leaf.type === "date") {
      try {
        return resolveDateBound(raw, ctx.now, roundUp, field);
      } catch (e) {
        const err = e as SearchEngineError;
        throw queryShardError(`failed to create query: ${err.reason ?? err.message}`, { type: "parse_exception", reason: err.reason ?? err.message });
      }
    }
    return parseNumberForField(leaf, raw);
  };
  const lower: Bound = lowerRaw === undefined ? undefined : { value: convert(lowerRaw, !lowerInclusive), inclusive: lowerInclusive };
  const upper: Bound = upperRaw === undefined ? undefined : { value: convert(upperRaw, upperInclusive), inclusive: upperInclusive };
  const inRange = (v: number | string): boolean => {
    if (lower && (lower.inclusive ? v < lower.value : v <= lower.value)) return false;
    if (upper && (upper.inclusive ? v > upper.value : v >= upper.value)) return false;
    return true;
  };
  return (doc) => {
    const values = doc.fields.get(field);
    if (!values) return null;
    const list: Array<number | string> = values.kind === "text" ? [...values.terms.keys()] : values.values;
    return list.some(inRange) ? boost : null;
  };
}

interface MatchOptions {
  operator: "or" | "and";
  minimumShouldMatch: unknown;
  boost: number;
  lenient: boolean;
  zeroTermsAll: boolean;
}

function matchField(field: string, query: unknown, options: MatchOptions, ctx: QueryContext): Matcher {
  const leaf = ctx.index.mapping.field(field);
  if (field === "_id") return termMatcher(field, query, options.boost, false, ctx);
  if (!leaf) return NO_MATCH;
  if (!leaf.indexed) {
    if (options.lenient) return NO_MATCH;
    throw notIndexed(leaf);
  }
  if (leaf.type !== "text" && leaf.type !== "keyword") {
    try {
      return termMatcher(field, query, options.boost, false, ctx);
    } catch (e) {
      if (options.lenient) return NO_MATCH;
      throw e;
    }
  }
  const text = String(query);
  const tokens = leaf.type === "text" ? standardAnalyze(text) : keywordAnalyze(text);
  if (tokens.length === 0) return options.zeroTermsAll ? () => 0 : NO_MATCH;
  if (leaf.type === "text") addHighlight(ctx, field, tokens.map((t) => t.term));
  const scorers = tokens.map((t) => termScorer(leaf, t.term, options.boost, ctx));
  if (scorers.length === 1) return scorers[0]!;
  const required =
    options.operator === "and" ? scorers.length : Math.max(1, resolveMinimumShouldMatch(options.minimumShouldMatch ?? 1, scorers.length));
  return (doc) => {
    let score = 0;
    let matched = 0;
    for (const scorer of scorers) {
      const s = scorer(doc);
      if (s !== null) {
        score += s;
        matched++;
      }
    }
    return matched >= required ? score : null;
  };
}

function phraseField(field: string, query: string, slop: number, boost: number, lenient: boolean, ctx: QueryContext): Matcher {
  const leaf = ctx.index.mapping.field(field);
  if (!leaf) return NO_MATCH;
  if (leaf.type !== "text") {
    if (leaf.type === "keyword") return termMatcher(field, query, boost, false, ctx);
    if (lenient) return NO_MATCH;
    return termMatcher(field, query, boost, false, ctx);
  }
  if (!leaf.indexed) throw notIndexed(leaf);
  const tokens = standardAnalyze(query);
  if (tokens.length === 0) return NO_MATCH;
  addHighlight(ctx, field, tokens.map((t) => t.term));
  if (tokens.length === 1) return termScorer(leaf, tokens[0]!.term, boost, ctx);
  const stats = ctx.index.fieldStats(field);
  let idfSum = 0;
  for (const t of tokens) {
    const n = stats.docFreq.get(t.term) ?? 0;
    if (n === 0) return NO_MATCH;
    idfSum += bm25Idf(stats.docCount, n);
  }
  const avgdl = stats.sumTotalTermFreq / stats.docCount;
  return (doc) => {
    const values = doc.fields.get(field);
    if (values?.kind !== "text") return null;
    const lists = tokens.map((t) => values.terms.get(t.term));
    if (lists.some((l) => l === undefined)) return null;
    const freq = phraseFrequency(lists as number[][], tokens.map((t) => t.position), slop);
    return freq > 0 ? bm25Score(idfSum, freq, values.length, avgdl, boost) : null;
  };
}

/**
 * Exact phrases count 1 per occurrence; sloppy phrases count `1 / (1 + distance)` per
 * occurrence, where the distance is how far the terms sit from their query positions.
 */
function phraseFrequency(positions: number[][], queryPositions: number[], slop: number): number {
  let freq = 0;
  for (const start of positions[0]!) {
    let distance = 0;
    let ok = true;
    for (let i = 1; i < positions.length && ok; i++) {
      const expected = start + (queryPositions[i]! - queryPositions[0]!);
      let best = Infinity;
      for (const p of positions[i]!) best = Math.min(best, Math.abs(p - expected));
      if (best > slop) ok = false;
      else distance += best;
    }
    if (ok && distance <= slop) freq += 1 / (1 + distance);
  }
  return freq;
}

function compileMultiMatch(body: unknown, ctx: QueryContext): Matcher {
  if (!isObject(body)) throw parsingError("[multi_match] query malformed");
  checkParams("multi_match", body, [
    "query", "fields", "type", "operator", "minimum_should_match", "tie_breaker", "boost", "lenient", "slop",
    "analyzer", "zero_terms_query", "fuzziness", "prefix_length", "max_expansions", "auto_generate_synonyms_phrase_query", "_name",
  ]);
  if (body.query === undefined || body.query === null || isObject(body.query)) throw parsingError("No text specified for multi_match query");
  const type = body.type === undefined ? "best_fields" : String(body.type);
  if (!["best_fields", "most_fields", "phrase"].includes(type)) {
    if (["cross_fields", "phrase_prefix", "bool_prefix"].includes(type)) throw parsingError(`[multi_match] type [${type}] is not supported by this engine`);
    throw parsingError(`failed to parse [multi_match] query type [${type}]. unknown type.`);
  }
  const rawFields = body.fields === undefined ? ["*"] : Array.isArray(body.fields) ? body.fields : [body.fields];
  const boost = numberParam("multi_match", "boost", body.boost, 1);
  const fields: Array<{ path: string; boost: number; lenient: boolean }> = [];
  for (const raw of rawFields) {
    const [pattern = "", boostText] = String(raw).split("^");
    const fieldBoost = boostText === undefined ? 1 : Number(boostText);
    if (!Number.isFinite(fieldBoost)) throw parsingError(`[multi_match] invalid boost in field [${String(raw)}]`);
    const wildcard = pattern.includes("*");
    for (const path of fieldPattern(pattern, ctx)) {
      const leaf = ctx.index.mapping.field(path);
      if (wildcard && (!leaf || (leaf.type !== "text" && leaf.type !== "keyword"))) continue;
      fields.push({ path, boost: fieldBoost * boost, lenient: wildcard || body.lenient === true });
    }
  }
  const operator = parseOperator("multi_match", body.operator);
  const matchers = fields.map((f) =>
    type === "phrase"
      ? phraseField(f.path, String(body.query), numberParam("multi_match", "slop", body.slop, 0), f.boost, f.lenient, ctx)
      : matchField(f.path, body.query, { operator, minimumShouldMatch: body.minimum_should_match, boost: f.boost, lenient: f.lenient, zeroTermsAll: false }, ctx),
  );
  if (type === "most_fields") {
    return (doc) => {
      let score: number | null = null;
      for (const m of matchers) {
        const s = m(doc);
        if (s !== null) score = (score ?? 0) + s;
      }
      return score;
    };
  }
  return disMax(matchers, numberParam("multi_match", "tie_breaker", body.tie_breaker, 0), 1);
}
