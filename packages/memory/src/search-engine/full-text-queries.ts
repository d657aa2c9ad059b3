/**
 * Full-text queries: the query text is analyzed with the field's analyzer and each term
 * scored with BM25 (`match`, `match_phrase`, `match_bool_prefix`, `multi_match`). User text is only ever text:
 * there is no query syntax to inject.
 */
import { keywordAnalyze, standardAnalyze } from "./analyzer.js";
import { bm25Idf, bm25IdfSum, bm25Score } from "./bm25.js";
import { NO_MATCH, addHighlight, smallestCandidates, unionCandidates, withCandidates, checkParams, disMax, fieldPattern, isObject, notIndexed, numberParam, resolveMinimumShouldMatch, singleField, termScorer } from "./query-context.js";
import type { Matcher, QueryCompiler, QueryContext } from "./query-context.js";
import { parsingError } from "./search-engine-error.js";
import { termMatcher } from "./term-level-queries.js";

function parseOperator(queryName: string, value: unknown): "or" | "and" {
  if (value === undefined) return "or";
  const op = String(value).toLowerCase();
  if (op !== "or" && op !== "and") throw parsingError(`[${queryName}] query does not support [operator] value [${String(value)}]`);
  return op;
}

interface MatchOptions {
  operator: "or" | "and";
  minimumShouldMatch: unknown;
  boost: number;
  lenient: boolean;
  zeroTermsAll: boolean;
  /**
   * Leave the clauses' sum unrounded: Lucene flattens the per-field disjunctions of a
   * `most_fields` or `bool_prefix` query into one, which rounds the whole sum to a float once.
   */
  flattened?: boolean;
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
  const candidates = required === scorers.length ? smallestCandidates(scorers) : unionCandidates(scorers);
  return withCandidates(disjunction(scorers, required, options.flattened === true), candidates);
}

/**
 * `match_bool_prefix` on one field: every analyzed word but the last is a scored term, the last
 * matches the start of an indexed word with a constant score (the boost), as Lucene's prefix
 * query scores; the clauses are `should` clauses (`operator: and` makes them all required).
 */
function boolPrefixField(field: string, query: unknown, options: { operator: "or" | "and"; boost: number; lenient: boolean; flattened?: boolean }, ctx: QueryContext): Matcher {
  const leaf = ctx.index.mapping.field(field);
  if (!leaf) return NO_MATCH;
  if (!leaf.indexed) {
    if (options.lenient) return NO_MATCH;
    throw notIndexed(leaf);
  }
  if (leaf.type !== "text") {
    if (options.lenient) return NO_MATCH;
    throw parsingError(`[match_bool_prefix] is supported on text fields by this engine, not on [${field}] of type [${leaf.type}]`);
  }
  const tokens = standardAnalyze(String(query));
  if (tokens.length === 0) return NO_MATCH;
  const words = tokens.map((t) => t.term);
  const last = words[words.length - 1]!;
  addHighlight(ctx, field, words.slice(0, -1));
  const scorers: Matcher[] = words.slice(0, -1).map((term) => termScorer(leaf, term, options.boost, ctx));
  scorers.push((doc) => {
    const values = doc.fields.get(field);
    if (values?.kind !== "text") return null;
    for (const term of values.terms.keys()) if (term.startsWith(last)) return Math.fround(options.boost);
    return null;
  });
  const required = options.operator === "and" ? scorers.length : 1;
  return disjunction(scorers, required, options.flattened === true);
}

/**
 * A boolean query of scored clauses, at least `required` of which match: the matching clauses'
 * scores summed in double and returned as a float, as Lucene does, or left unrounded when the
 * query is flattened into an enclosing sum.
 */
function disjunction(scorers: readonly Matcher[], required: number, flattened: boolean): Matcher {
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
    if (matched < required) return null;
    return flattened ? score : Math.fround(score);
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
  const idfs: number[] = [];
  for (const t of tokens) {
    const n = stats.docFreq.get(t.term) ?? 0;
    if (n === 0) return NO_MATCH;
    idfs.push(bm25Idf(stats.docCount, n));
  }
  const idfSum = bm25IdfSum(idfs);
  const avgdl = stats.sumTotalTermFreq / stats.docCount;
  // A phrase match holds every term: the rarest term's postings bound the candidates.
  const candidates = smallestCandidates(tokens.map((t) => withCandidates(() => null, ctx.index.postingsOf(field, t.term))));
  return withCandidates((doc) => {
    const values = doc.fields.get(field);
    if (values?.kind !== "text") return null;
    const lists = tokens.map((t) => values.terms.get(t.term));
    if (lists.some((l) => l === undefined)) return null;
    const freq = phraseFrequency(lists as number[][], tokens.map((t) => t.position), slop);
    return freq > 0 ? bm25Score(idfSum, freq, values.length, avgdl, boost) : null;
  }, candidates);
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
  if (!["best_fields", "most_fields", "phrase", "bool_prefix"].includes(type)) {
    if (["cross_fields", "phrase_prefix"].includes(type)) throw parsingError(`[multi_match] type [${type}] is not supported by this engine`);
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
  // Lucene inlines a field's pure disjunction (operator or, no minimum_should_match) into the
  // sum over fields: the sum is rounded to a float once, not once per field.
  const flattened = (type === "most_fields" || type === "bool_prefix") && operator === "or" && body.minimum_should_match === undefined;
  const matchers = fields.map((f) =>
    type === "phrase"
      ? phraseField(f.path, String(body.query), numberParam("multi_match", "slop", body.slop, 0), f.boost, f.lenient, ctx)
      : type === "bool_prefix"
        ? boolPrefixField(f.path, body.query, { operator, boost: f.boost, lenient: f.lenient, flattened }, ctx)
        : matchField(f.path, body.query, { operator, minimumShouldMatch: body.minimum_should_match, boost: f.boost, lenient: f.lenient, zeroTermsAll: false, flattened }, ctx),
  );
  // bool_prefix scores like most_fields: the fields' scores add up.
  if (type === "most_fields" || type === "bool_prefix") {
    return withCandidates((doc) => {
      let score: number | null = null;
      for (const m of matchers) {
        const s = m(doc);
        if (s !== null) score = (score ?? 0) + s;
      }
      return score === null ? null : Math.fround(score);
    }, unionCandidates(matchers));
  }
  return disMax(matchers, numberParam("multi_match", "tie_breaker", body.tie_breaker, 0), 1);
}

/** Compilers of the full-text queries, by query name. */
export const FULL_TEXT_QUERIES: Record<string, QueryCompiler> = {
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
  match_bool_prefix(body, ctx) {
    const [field, spec] = singleField("match_bool_prefix", body);
    const params = isObject(spec) ? spec : { query: spec };
    checkParams("match_bool_prefix", params, ["query", "operator", "boost", "analyzer", "_name"]);
    if (params.query === undefined || params.query === null || isObject(params.query)) {
      throw parsingError("[match_bool_prefix] requires query value");
    }
    const operator = parseOperator("match_bool_prefix", params.operator);
    return boolPrefixField(field, params.query, { operator, boost: numberParam("match_bool_prefix", "boost", params.boost, 1), lenient: false }, ctx);
  },
  multi_match: compileMultiMatch,
};
