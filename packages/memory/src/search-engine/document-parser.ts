import { POSITION_INCREMENT_GAP, standardAnalyze } from "./analyzer.js";
import { DEFAULT_DATE_FORMAT, parseDateValue } from "./date-parser.js";
import { isObject } from "./engine-api.js";
import { dynamicMappingFor, leafOf } from "./index-mapping.js";
import type { FieldMapping, IndexMapping, LeafField, MappingsBody } from "./index-mapping.js";
import { SearchEngineError } from "./search-engine-error.js";
import type { ElasticsearchErrorCause } from "./search-engine-error.js";

/** The indexed values of one field of one document. */
export type FieldValues =
  | { kind: "text"; terms: Map<string, number[]>; length: number; nextPosition: number }
  | { kind: "keyword"; values: string[] }
  | { kind: "number"; values: number[] };

/** A document turned into indexed fields, plus the mapping additions it caused. */
export interface ParsedDocument {
  fields: Map<string, FieldValues>;
  dynamicUpdate: MappingsBody | undefined;
}

const INTEGER_RANGES: Record<string, [number, number]> = {
  long: [-9223372036854775808, 9223372036854775807],
  integer: [-2147483648, 2147483647],
  short: [-32768, 32767],
  byte: [-128, 127],
};

function preview(value: unknown): string {
  if (typeof value === "object" && value !== null) {
    return "{" + Object.entries(value).map(([k, v]) => `${k}=${String(v)}`).join(", ") + "}";
  }
  return String(value);
}


/** Expands dotted keys (`{"a.b": 1}`) into nested objects, as Elasticsearch does. */
function entriesOf(obj: Record<string, unknown>): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(obj)) {
    const dot = key.indexOf(".");
    if (dot > 0 && dot < key.length - 1) out.push([key.slice(0, dot), { [key.slice(dot + 1)]: value }]);
    else out.push([key, value]);
  }
  return out;
}

/** Fields a node keeps about a document: a document that sets one at its top level is refused. */
const METADATA_FIELDS = new Set(["_id", "_index", "_source", "_routing", "_ignored", "_seq_no", "_version", "_primary_term", "_field_names", "_tier"]);

/**
 * Parses a document against an index mapping: validates and coerces every value like
 * Elasticsearch (`"abc"` into a `long` is a `document_parsing_exception`), analyzes text,
 * and maps unseen fields dynamically (or rejects them when the mapping is `strict`).
 */
export function parseDocument(mapping: IndexMapping, source: Record<string, unknown>, id: string): ParsedDocument {
  for (const key of Object.keys(source)) {
    if (METADATA_FIELDS.has(key)) {
      throw new SearchEngineError(
        400,
        "document_parsing_exception",
        `[1:1] Field [${key}] is a metadata field and cannot be added inside a document. Use the index API request parameters.`,
      );
    }
  }
  const fields = new Map<string, FieldValues>();
  const addedLeaves = new Map<string, LeafField>();
  const addedObjects = new Set<string>();
  const update: Record<string, FieldMapping> = {};

  const fail = (leaf: LeafField, value: unknown, cause: ElasticsearchErrorCause): never => {
    throw new SearchEngineError(
      400,
      "document_parsing_exception",
      `[1:1] failed to parse field [${leaf.path}] of type [${leaf.type}] in document with id '${id}'. Preview of field's value: '${preview(value)}'`,
      { causedBy: cause },
    );
  };

  const recordDynamic = (path: string, node: FieldMapping) => {
    const parts = path.split(".");
    let props = update;
    for (const part of parts.slice(0, -1)) {
      const parent = (props[part] ??= { properties: {} });
      props = parent.properties ??= {};
    }
    props[parts[parts.length - 1]!] = node;
  };

  const indexLeaf = (leaf: LeafField, value: unknown): void => {
    if (leaf.flattened && (isObject(value) || Array.isArray(value))) {
      for (const inner of Array.isArray(value) ? value : Object.values(value)) if (inner !== null && inner !== undefined) indexLeaf(leaf, inner);
      return;
    }
    if (!leaf.indexed) {
      coerce(leaf, value);
      return;
    }
    const coerced = coerce(leaf, value);
    if (coerced === undefined) return;
    const existing = fields.get(leaf.path);
    if (typeof coerced === "string" && leaf.type === "text") {
      const entry = existing?.kind === "text" ? existing : { kind: "text" as const, terms: new Map<string, number[]>(), length: 0, nextPosition: 0 };
      const tokens = standardAnalyze(coerced, entry.nextPosition);
      for (const token of tokens) {
        const positions = entry.terms.get(token.term);
        if (positions) positions.push(token.position);
        else entry.terms.set(token.term, [token.position]);
      }
      entry.length += tokens.length;
      const last = tokens[tokens.length - 1];
      entry.nextPosition = (last ? last.position + 1 : entry.nextPosition) + POSITION_INCREMENT_GAP;
      fields.set(leaf.path, entry);
    } else if (typeof coerced === "string") {
      if (leaf.ignoreAbove === undefined || coerced.length <= leaf.ignoreAbove) {
        const entry = existing?.kind === "keyword" ? existing : { kind: "keyword" as const, values: [] };
        entry.values.push(coerced);
        fields.set(leaf.path, entry);
      }
    } else {
      const entry = existing?.kind === "number" ? existing : { kind: "number" as const, values: [] };
      entry.values.push(coerced);
      fields.set(leaf.path, entry);
    }
    for (const sub of leaf.multiFields) indexLeaf(sub, value);
  };

  const coerce = (leaf: LeafField, value: unknown): string | number | undefined => {
    if (isObject(value)) {
      return fail(leaf, value, { type: "illegal_state_exception", reason: `Can't get text on a START_OBJECT at 1:1` });
    }
    switch (leaf.type) {
      case "text":
      case "keyword":
        return String(value);
      case "boolean":
        if (value === true || value === "true") return 1;
        if (value === false || value === "false" || value === "") return 0;
        return fail(leaf, value, {
          type: "illegal_argument_exception",
          reason: `Failed to parse value [${String(value)}] as only [true] or [false] are allowed.`,
        });
      case "date": {
        const millis = parseDateValue(value);
        if (millis === undefined) {
          return fail(leaf, value, {
            type: "illegal_argument_exception",
            reason: `failed to parse date field [${String(value)}] with format [${DEFAULT_DATE_FORMAT}]`,
          });
        }
        return millis;
      }
      case "double":
      case "float": {
        const n = toNumber(value);
        if (n === undefined) return fail(leaf, value, numberFormat(value));
        return leaf.type === "float" ? Math.fround(n) : n;
      }
      default: {
        const n = toNumber(value);
        if (n === undefined) return fail(leaf, value, numberFormat(value));
        const [min, max] = INTEGER_RANGES[leaf.type] ?? INTEGER_RANGES.long!;
        const truncated = Math.trunc(n);
        if (truncated < min || truncated > max) {
          return fail(leaf, value, {
            type: "illegal_argument_exception",
            reason: `Value [${String(value)}] is out of range for ${leaf.type === "integer" ? "an" : "a"} ${leaf.type}`,
          });
        }
        return truncated;
      }
    }
  };

  const visit = (path: string, parent: string, value: unknown) => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      for (const item of value) visit(path, parent, item);
      return;
    }
    if (mapping.isObject(path) || addedObjects.has(path)) {
      if (!isObject(value)) {
        throw new SearchEngineError(
          400,
          "document_parsing_exception",
          `[1:1] object mapping for [${path}] tried to parse field [${path.split(".").pop()}] as object, but found a concrete value`,
        );
      }
      walk(value, path);
      return;
    }
    const leaf = mapping.field(path) ?? addedLeaves.get(path);
    if (leaf) {
      indexLeaf(leaf, value);
      return;
    }
    const mode = mapping.dynamicAt(parent);
    if (mode === "false") return;
    if (mode === "strict") {
      throw new SearchEngineError(
        400,
        "strict_dynamic_mapping_exception",
        `[1:1] mapping set to strict, dynamic introduction of [${path.split(".").pop()}] within [${parent || "_doc"}] is not allowed`,
      );
    }
    const node = dynamicMappingFor(value);
    if (!node) return;
    recordDynamic(path, node);
    if (node.properties) addedObjects.add(path);
    else addedLeaves.set(path, leafOf(path, node));
    visit(path, parent, value);
  };

  const walk = (obj: Record<string, unknown>, prefix: string) => {
    for (const [key, value] of entriesOf(obj)) visit(prefix ? `${prefix}.${key}` : key, prefix, value);
  };

  walk(source, "");
  return { fields, dynamicUpdate: Object.keys(update).length > 0 ? { properties: update } : undefined };
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value.trim());
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function numberFormat(value: unknown): ElasticsearchErrorCause {
  if (typeof value === "boolean") {
    return { type: "illegal_argument_exception", reason: `Current token (VALUE_${String(value).toUpperCase()}) not numeric, can not use numeric value accessors` };
  }
  return { type: "number_format_exception", reason: `For input string: "${String(value)}"` };
}
