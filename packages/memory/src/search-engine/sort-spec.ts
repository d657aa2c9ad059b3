import { parseDateValue } from "./date-parser.js";
import type { IndexMapping } from "./index-mapping.js";
import { queryShardError } from "./query-compiler.js";
import { illegalArgument, parsingError } from "./search-engine-error.js";
import type { StoredDocument } from "./search-index.js";

/** One key of a search's sort. */
export interface SortKey {
  kind: "score" | "doc" | "field";
  field: string;
  /** 1 ascending, -1 descending. */
  order: 1 | -1;
  missing: "_last" | "_first";
  mode: "min" | "max";
}

/** A value a document sorts by (null when the field is missing). */
export type SortValue = number | string | null;

function parseOrder(value: unknown, field: string): 1 | -1 {
  if (value === "asc") return 1;
  if (value === "desc") return -1;
  throw parsingError(`[${field}] sort order [${String(value)}] is not supported, use [asc] or [desc]`);
}

/**
 * Parses the `sort` of a search (`"field"`, `{ field: "desc" }`, `{ field: { order, missing, mode } }`,
 * `_score`, `_doc`, or an array of these) and checks each field is sortable in every index.
 * Text fields and `_id` cannot be sorted on, as in Elasticsearch 8+.
 */
export function parseSort(spec: unknown, mappings: IndexMapping[]): SortKey[] {
  if (spec === undefined) return [{ kind: "score", field: "_score", order: -1, missing: "_last", mode: "max" }];
  const list = Array.isArray(spec) ? spec : [spec];
  return list.map((entry) => {
    let field: string;
    let params: Record<string, unknown> = {};
    if (typeof entry === "string") field = entry;
    else if (typeof entry === "object" && entry !== null && Object.keys(entry).length === 1) {
      const [k, v] = Object.entries(entry)[0]!;
      field = k;
      if (typeof v === "string") params = { order: v };
      else if (typeof v === "object" && v !== null) params = v as Record<string, unknown>;
      else throw parsingError(`[sort] malformed sort for field [${k}]`);
    } else throw parsingError("[sort] malformed sort, expected a field name or an object with one field");
    for (const key of Object.keys(params)) {
      if (!["order", "missing", "mode", "unmapped_type", "format", "numeric_type"].includes(key)) {
        throw parsingError(`[field_sort] unknown field [${key}]`);
      }
    }
    if (field === "_score") {
      return { kind: "score", field, order: params.order === undefined ? -1 : parseOrder(params.order, field), missing: "_last", mode: "max" };
    }
    if (field === "_doc") {
      return { kind: "doc", field, order: params.order === undefined ? 1 : parseOrder(params.order, field), missing: "_last", mode: "min" };
    }
    const order = params.order === undefined ? 1 : parseOrder(params.order, field);
    if (field === "_id") {
      throw illegalArgument(
        "Fielddata access on the _id field is disallowed, you can re-enable it by updating the dynamic cluster setting: indices.id_field_data.enabled",
      );
    }
    let mappedSomewhere = false;
    for (const mapping of mappings) {
      const leaf = mapping.field(field);
      if (!leaf) continue;
      mappedSomewhere = true;
      if (leaf.type === "text") {
        throw illegalArgument(
          `Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [${field}] in order to load field data by uninverting the inverted index. Note that this can use significant memory.`,
        );
      }
    }
    if (!mappedSomewhere && params.unmapped_type === undefined) throw queryShardError(`No mapping found for [${field}] in order to sort on`);
    const missing = params.missing === "_first" ? "_first" : "_last";
    const mode = params.mode === "min" || params.mode === "max" ? params.mode : order === 1 ? "min" : "max";
    return { kind: "field", field, order, missing, mode };
  });
}

/** The value a document sorts by for one key. */
export function sortValue(key: SortKey, doc: StoredDocument, score: number): SortValue {
  // Lucene scores are 32-bit floats: two scores equal as floats tie, as they do in Elasticsearch.
  if (key.kind === "score") return Math.fround(score);
  if (key.kind === "doc") return doc.seqNo;
  const values = doc.fields.get(key.field);
  if (!values || values.kind === "text") return null;
  const list: Array<number | string> = values.values;
  if (list.length === 0) return null;
  return list.reduce((a, b) => ((key.mode === "min" ? b < a : b > a) ? b : a));
}

/** Compares two values of one sort key, honouring order and where missing values go. */
export function compareSortValues(key: SortKey, a: SortValue, b: SortValue): number {
  if (a === null || b === null) {
    if (a === b) return 0;
    const missingFirst = key.missing === "_first";
    return (a === null) === missingFirst ? -1 : 1;
  }
  if (a === b) return 0;
  return (a < b ? -1 : 1) * key.order;
}

/** Converts a `search_after` value to the comparable form of its sort key (dates as epoch millis). */
export function normalizeAfterValue(key: SortKey, value: unknown, mappings: IndexMapping[]): SortValue {
  if (value === null || value === undefined) return null;
  if (key.kind !== "field") {
    const n = Number(value);
    if (!Number.isFinite(n)) throw illegalArgument(`Failed to parse search_after value for field [${key.field}].`);
    return key.kind === "score" ? Math.fround(n) : n;
  }
  const leaf = mappings.map((m) => m.field(key.field)).find((l) => l !== undefined);
  if (!leaf || leaf.type === "keyword") return String(value);
  if (leaf.type === "date") {
    const millis = parseDateValue(value);
    if (millis === undefined) throw illegalArgument(`Failed to parse search_after value for field [${key.field}].`);
    return millis;
  }
  if (leaf.type === "boolean") return value === true || value === "true" || value === 1 ? 1 : 0;
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(n)) throw illegalArgument(`Failed to parse search_after value for field [${key.field}].`);
  return n;
}
