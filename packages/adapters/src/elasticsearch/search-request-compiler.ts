/**
 * Compiles the SDK's search and declared-query requests to Elasticsearch query DSL. Pure
 * and driver-free, so the real adapter and the in-memory adapter send the same requests.
 *
 * - Full text goes through `match` / `multi_match` over the entity's declared text fields,
 *   never `query_string`, so user text is never parsed as query syntax.
 * - Filters become `term`, `terms`, `range` and `exists` clauses in `bool.filter`.
 * - Sorting always ends with the key fields as a tiebreaker, so `search_after` cursors are
 *   stable; pages fetch one extra hit to know whether another page exists.
 */
import { PolyxenaError, type EntityModel, type FieldModel, type QueryModel, type QueryRequest, type SearchFilterValue, type SearchRequest } from "@polyxena/core";
import { encodeScalar } from "./elasticsearch-codec.js";
import { checkSearchClauses } from "./elasticsearch-limits.js";
import type { EsFieldValue, EsSearchParams, EsSortKey } from "./elasticsearch-client-port.js";

type Clause = Record<string, unknown>;

function fieldOf(model: EntityModel, name: string): FieldModel | undefined {
  return model.fields.find((f) => f.name === name);
}

function isRange(value: SearchFilterValue): value is { gt?: unknown; gte?: unknown; lt?: unknown; lte?: unknown } {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date) && !("exists" in value);
}

function rangeClause(model: EntityModel, field: string, bounds: Record<string, unknown>): Clause {
  const spec: Record<string, unknown> = {};
  for (const op of ["gt", "gte", "lt", "lte"] as const) {
    if (bounds[op] !== undefined) spec[op] = encodeScalar(fieldOf(model, field), bounds[op]);
  }
  return { range: { [field]: spec } };
}

/** The `bool` filter and must_not clauses of a filter map. */
export function compileFilters(model: EntityModel, filter: Readonly<Record<string, SearchFilterValue>>): { filter: Clause[]; mustNot: Clause[] } {
  const out: Clause[] = [];
  const mustNot: Clause[] = [];
  for (const [field, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    const model_ = fieldOf(model, field);
    if (Array.isArray(value)) {
      out.push({ terms: { [field]: value.map((v) => encodeScalar(model_, v)) } });
    } else if (typeof value === "object" && value !== null && !(value instanceof Date) && "exists" in value) {
      (value.exists ? out : mustNot).push({ exists: { field } });
    } else if (isRange(value)) {
      out.push(rangeClause(model, field, value));
    } else {
      out.push({ term: { [field]: encodeScalar(model_, value) } });
    }
  }
  return { filter: out, mustNot };
}

/**
 * The full-text clause for user text over some of the entity's text fields; undefined for blank
 * text. As the user types (`asYouType`), the last word matches as a prefix: `match_bool_prefix`,
 * and `multi_match` of type `bool_prefix` over several fields.
 */
export function compileText(model: EntityModel, text: string | undefined, fields: readonly string[] | undefined, asYouType = false): Clause | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const targets = fields && fields.length > 0 ? fields : model.textFields;
  if (targets.length === 0) return undefined;
  checkSearchClauses(model, text, targets.length);
  if (targets.length === 1) return asYouType ? { match_bool_prefix: { [targets[0]!]: { query: text } } } : { match: { [targets[0]!]: { query: text } } };
  return { multi_match: { query: text, fields: [...targets], type: asYouType ? "bool_prefix" : "best_fields" } };
}

/** Whether `value` can be a sort value of `field` as Elasticsearch returns it (dates as epoch millis). */
function fitsSortKey(model: EntityModel, field: string, value: unknown): boolean {
  if (field === "_score") return typeof value === "number" && Number.isFinite(value);
  if (value === null) return true;
  let type = fieldOf(model, field);
  if (type?.type === "list" && type.element) type = type.element;
  switch (type?.type) {
    case "int":
    case "number":
    case "date":
      return typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return typeof value === "boolean" || value === 0 || value === 1;
    default:
      return typeof value === "string";
  }
}

/**
 * A page position (the last hit's sort values) as `search_after`. Positions come back
 * inside signed cursors, so a bad one means a forged cursor (a leaked secret) or a
 * changed sort: it fails with `E_VALIDATION` here instead of as a 400 from the store.
 */
export function searchAfter(model: EntityModel, position: unknown, sort: readonly EsSortKey[]): EsFieldValue[] | undefined {
  if (position === undefined) return undefined;
  const fields = sort.map((key) => Object.keys(key)[0]!);
  if (!Array.isArray(position) || position.length !== fields.length || !position.every((v, i) => fitsSortKey(model, fields[i]!, v))) {
    throw new PolyxenaError("E_VALIDATION", "invalid cursor: its position does not fit the query's sort", {
      entity: model.name,
      issues: [{ path: ["cursor"], message: "position does not fit the sort" }],
      fix: "pass the cursor returned by the previous page of the same query, unchanged",
    });
  }
  return position as EsFieldValue[];
}

function keyTiebreaker(model: EntityModel, order: "asc" | "desc"): EsSortKey[] {
  return model.key.partition.map((f) => ({ [f]: { order } }));
}

/** Compiles a `search()` request against the entity's alias. */
export function compileSearchRequest(model: EntityModel, index: string, request: SearchRequest): EsSearchParams {
  const { filter, mustNot } = compileFilters(model, request.filter);
  const text = compileText(model, request.text, request.fields, request.asYouType === true);
  const bool: Record<string, unknown> = {};
  if (text) bool.must = [text];
  if (filter.length > 0) bool.filter = filter;
  if (mustNot.length > 0) bool.must_not = mustNot;
  const sort: EsSortKey[] =
    request.sort.length > 0
      ? [...request.sort.map((s) => ({ [s.field]: { order: s.order } })), ...keyTiebreaker(model, "asc")]
      : [{ _score: { order: "desc" } }, ...keyTiebreaker(model, "asc")];
  const params: EsSearchParams = {
    index,
    query: Object.keys(bool).length > 0 ? { bool } : { match_all: {} },
    sort,
    size: request.limit + 1,
    track_total_hits: true,
  };
  const after = searchAfter(model, request.position, sort);
  if (after) params.search_after = after;
  if (request.highlight && text) {
    const fields = request.fields && request.fields.length > 0 ? request.fields : model.textFields;
    params.highlight = { fields: Object.fromEntries(fields.map((f) => [f, {}])) };
  }
  return params;
}

/** The static part of a declared query: its sort (declared order + key tiebreaker) in both directions. */
export interface CompiledQueryShape {
  query: QueryModel;
  sort: EsSortKey[];
  reverseSort: EsSortKey[];
}

/** Compiles a declared query's order once; {@link compileQueryRequest} fills in the values. */
export function compileQueryShape(model: EntityModel, query: QueryModel): CompiledQueryShape {
  const orderFields = new Set(query.order.map((o) => o.field));
  const tiebreak = model.key.partition.filter((f) => !orderFields.has(f)).map((f) => ({ field: f, order: "asc" as const }));
  const all = [...query.order, ...tiebreak];
  const flip = (o: "asc" | "desc"): "asc" | "desc" => (o === "asc" ? "desc" : "asc");
  return {
    query,
    sort: all.map((o) => ({ [o.field]: { order: o.order } })),
    reverseSort: all.map((o) => ({ [o.field]: { order: flip(o.order) } })),
  };
}

/** Compiles a declared-query request: equality filters, the range, order and `search_after`. */
export function compileQueryRequest(model: EntityModel, index: string, shape: CompiledQueryShape, request: QueryRequest): EsSearchParams {
  const filters: Clause[] = shape.query.by.map((field) => ({ term: { [field]: encodeScalar(fieldOf(model, field), request.params[field]) } }));
  if (request.range && shape.query.rangeField) {
    const bounds = Object.fromEntries(Object.entries(request.range).filter(([, v]) => v !== undefined));
    if (Object.keys(bounds).length > 0) filters.push(rangeClause(model, shape.query.rangeField, bounds));
  }
  const params: EsSearchParams = {
    index,
    query: { bool: { filter: filters } },
    sort: request.reverse ? shape.reverseSort : shape.sort,
    size: request.limit + 1,
    track_total_hits: false,
  };
  const after = searchAfter(model, request.position, params.sort);
  if (after) params.search_after = after;
  return params;
}
