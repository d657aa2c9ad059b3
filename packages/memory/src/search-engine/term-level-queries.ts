/**
 * Term-level queries: exact values against the indexed form of a field (`term`, `terms`,
 * `range`, `exists`, `ids`, `prefix`). A value that does not fit the field's type is a
 * `query_shard_exception`, as in Elasticsearch.
 */
import { parseDateValue, resolveDateBound } from "./date-parser.js";
import type { LeafField } from "./index-mapping.js";
import { NO_MATCH, addHighlight, unionCandidates, withCandidates, checkParams, fieldPattern, isObject, notIndexed, numberParam, queryShardError, singleField, termScorer } from "./query-context.js";
import type { Matcher, QueryCompiler, QueryContext } from "./query-context.js";
import { SearchEngineError, isSearchEngineError, parsingError } from "./search-engine-error.js";

/** `index.max_terms_count` when the index does not set it. */
const DEFAULT_MAX_TERMS_COUNT = 65_536;

/** Parses a query value for a numeric, date or boolean field (`query_shard_exception` when it does not fit). */
export function parseNumberForField(leaf: LeafField, value: unknown): number {
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

/** An exact-value match on any field type (`_id` included); text fields match indexed terms. */
export function termMatcher(field: string, value: unknown, boost: number, caseInsensitive: boolean, ctx: QueryContext): Matcher {
  if (field === "_id") {
    const id = String(value);
    return withCandidates((doc) => (doc.id === id ? boost : null), new Set([id]));
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

/** `range`: bounds on numbers, dates (with date math) and strings. */
export function compileRange(body: unknown, ctx: QueryContext): Matcher {
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
        // A real node reports the date parser's own parse_exception as the shard's failure, not a query_shard_exception.
        if (!isSearchEngineError(e)) throw e;
        const plain = `failed to parse date field [${String(raw)}] with format [strict_date_optional_time||epoch_millis]`;
        throw new SearchEngineError(400, "parse_exception", e.type === "parse_exception" ? e.reason : plain, { causedBy: { type: "illegal_argument_exception", reason: plain } });
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

/** Compilers of the term-level queries, by query name. */
export const TERM_LEVEL_QUERIES: Record<string, QueryCompiler> = {
  ids(body) {
    if (!isObject(body)) throw parsingError("[ids] query malformed");
    checkParams("ids", body, ["values", "boost", "_name"]);
    const values = body.values;
    if (!Array.isArray(values)) throw parsingError("[ids] query malformed, [values] must be an array");
    const ids = new Set(values.map(String));
    const boost = numberParam("ids", "boost", body.boost, 1);
    return withCandidates((doc) => (ids.has(doc.id) ? boost : null), ids);
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
    const maxTerms = Number(ctx.index.settings["index.max_terms_count"] ?? DEFAULT_MAX_TERMS_COUNT);
    if (values.length > maxTerms) {
      const reason =
        `The number of terms [${values.length}] used in the Terms Query request has exceeded the allowed maximum of [${maxTerms}]. ` +
        "This maximum can be set by changing the [index.max_terms_count] index level setting.";
      throw queryShardError(`failed to create query: ${reason}`, { type: "illegal_argument_exception", reason });
    }
    const matchers = values.map((v) => termMatcher(field, v, 1, false, ctx));
    return withCandidates((doc) => (matchers.some((m) => m(doc) !== null) ? boost : null), unionCandidates(matchers));
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
};
