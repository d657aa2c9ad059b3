import { SearchEngineError, illegalArgument } from "./search-engine-error.js";
import { looksLikeDate } from "./date-parser.js";

/** Field types the engine implements. */
export const LEAF_TYPES = ["text", "keyword", "long", "integer", "short", "byte", "double", "float", "date", "boolean", "flattened"] as const;
/** A leaf field type. */
export type LeafType = (typeof LEAF_TYPES)[number];

/** A field's mapping as written in `properties` (unknown parameters are kept and echoed back). */
export interface FieldMapping {
  type?: string;
  properties?: Record<string, FieldMapping>;
  fields?: Record<string, FieldMapping>;
  ignore_above?: number;
  index?: boolean;
  dynamic?: boolean | "strict" | "true" | "false";
  [param: string]: unknown;
}

/** An index's `mappings` body. */
export interface MappingsBody {
  dynamic?: boolean | "strict" | "true" | "false";
  properties?: Record<string, FieldMapping>;
  [param: string]: unknown;
}

/** A resolved, searchable leaf field (multi-fields such as `title.keyword` included). */
export interface LeafField {
  path: string;
  type: LeafType;
  /** Keyword values longer than this are not indexed. */
  ignoreAbove: number | undefined;
  indexed: boolean;
  /** Multi-fields indexed from the same value (`title.keyword`). */
  multiFields: LeafField[];
  /** A `flattened` field: an object whose leaf values are indexed as keywords of this field. */
  flattened: boolean;
}

/** How unknown fields are handled. */
export type DynamicMode = "true" | "false" | "strict";

function mapperParsing(reason: string): SearchEngineError {
  return new SearchEngineError(400, "mapper_parsing_exception", reason);
}

function normalizeDynamic(value: unknown, where: string): DynamicMode | undefined {
  if (value === undefined) return undefined;
  if (value === true || value === "true") return "true";
  if (value === false || value === "false") return "false";
  if (value === "strict") return "strict";
  throw mapperParsing(`Could not convert [${where}.dynamic] to boolean`);
}

const LEAF_SET = new Set<string>(LEAF_TYPES);

function validateProperties(properties: unknown, prefix: string): Record<string, FieldMapping> {
  if (properties === undefined) return {};
  if (typeof properties !== "object" || properties === null || Array.isArray(properties)) {
    throw mapperParsing(`Expected map for property [properties] on field [${prefix || "_doc"}] but got a ${typeof properties}`);
  }
  const out: Record<string, FieldMapping> = {};
  for (const [name, raw] of Object.entries(properties as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (name === "" || name.trim() === "") throw illegalArgument("field name cannot be an empty string");
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw mapperParsing(`Expected map for property [fields] on field [${path}] but got a class java.lang.String`);
    }
    out[name] = validateField(raw as FieldMapping, path);
  }
  return out;
}

function validateField(raw: FieldMapping, path: string): FieldMapping {
  const type = raw.type ?? "object";
  if (type === "object" || type === "nested") {
    if (raw.fields !== undefined) throw mapperParsing(`unknown parameter [fields] on mapper [${path}] of type [${type}]`);
    normalizeDynamic(raw.dynamic, path);
    return { ...raw, properties: validateProperties(raw.properties, path) };
  }
  if (!LEAF_SET.has(type)) throw mapperParsing(`No handler for type [${type}] declared on field [${path}]`);
  if (raw.properties !== undefined) throw mapperParsing(`unknown parameter [properties] on mapper [${path}] of type [${type}]`);
  const out: FieldMapping = { ...raw, type };
  if (raw.fields !== undefined) {
    const fields: Record<string, FieldMapping> = {};
    if (typeof raw.fields !== "object" || raw.fields === null) throw mapperParsing(`Expected map for property [fields] on field [${path}]`);
    for (const [sub, subRaw] of Object.entries(raw.fields)) {
      const subType = subRaw?.type;
      if (!subType || !LEAF_SET.has(subType)) throw mapperParsing(`No handler for type [${String(subType)}] declared on field [${sub}]`);
      fields[sub] = { ...subRaw };
    }
    out.fields = fields;
  }
  return out;
}

/** The dynamic mapping Elasticsearch gives an unseen string value. */
function dynamicStringMapping(value: string): FieldMapping {
  if (looksLikeDate(value)) return { type: "date" };
  return { type: "text", fields: { keyword: { type: "keyword", ignore_above: 256 } } };
}

/** The dynamic mapping for an unseen JSON value, or undefined for null / empty arrays. */
export function dynamicMappingFor(value: unknown): FieldMapping | undefined {
  if (Array.isArray(value)) {
    const first = value.find((v) => v !== null);
    return first === undefined ? undefined : dynamicMappingFor(first);
  }
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string") return dynamicStringMapping(value);
  if (typeof value === "boolean") return { type: "boolean" };
  if (typeof value === "number") return Number.isInteger(value) ? { type: "long" } : { type: "float" };
  if (typeof value === "object") return { properties: {} };
  return undefined;
}

function cloneProps(props: Record<string, FieldMapping>): Record<string, FieldMapping> {
  return structuredClone(props);
}

/** Elasticsearch lists properties (and multi-fields) in alphabetical order. */
function sortedProps(props: Record<string, FieldMapping>): Record<string, FieldMapping> {
  const out: Record<string, FieldMapping> = {};
  for (const name of Object.keys(props).sort()) {
    const node = { ...props[name]! };
    if (node.properties) node.properties = sortedProps(node.properties);
    if (node.fields) node.fields = sortedProps(node.fields);
    out[name] = node;
  }
  return out;
}

/**
 * The mapping of one index: its field tree, how unknown fields are handled, and a flat
 * lookup of leaf fields (including multi-fields).
 */
export class IndexMapping {
  private dynamic: DynamicMode;
  private properties: Record<string, FieldMapping>;
  private extra: Record<string, unknown>;
  private leaves = new Map<string, LeafField>();
  private objects = new Set<string>();

  constructor(body: MappingsBody | undefined) {
    const { dynamic, properties, ...extra } = body ?? {};
    this.dynamic = normalizeDynamic(dynamic, "_doc") ?? "true";
    this.properties = validateProperties(properties, "");
    this.extra = extra;
    this.rebuild();
  }

  /** The mapping as `GET /index/_mapping` shows it. */
  toJSON(): MappingsBody {
    const out: MappingsBody = { ...this.extra };
    if (this.dynamic !== "true") out.dynamic = this.dynamic === "strict" ? "strict" : "false";
    if (Object.keys(this.properties).length > 0) out.properties = sortedProps(cloneProps(this.properties));
    return out;
  }

  /** The leaf field at a path (`title`, `title.keyword`, `author.name`). */
  field(path: string): LeafField | undefined {
    return this.leaves.get(path);
  }

  /** True when the path is an object field. */
  isObject(path: string): boolean {
    return this.objects.has(path);
  }

  /** Every leaf path, in mapping order. */
  leafPaths(): string[] {
    return [...this.leaves.keys()];
  }

  /** Leaf paths under an object path (for `exists` on an object). */
  leafPathsUnder(prefix: string): string[] {
    return this.leafPaths().filter((p) => p.startsWith(prefix + "."));
  }

  /** The raw properties tree (read-only use). */
  rawProperties(): Record<string, FieldMapping> {
    return this.properties;
  }

  /** The dynamic mode of an object path ("" is the root), inherited from parents. */
  dynamicAt(path: string): DynamicMode {
    let mode = this.dynamic;
    let props = this.properties;
    if (path === "") return mode;
    for (const part of path.split(".")) {
      const node = props[part];
      if (!node) break;
      mode = normalizeDynamic(node.dynamic, part) ?? mode;
      props = node.properties ?? {};
    }
    return mode;
  }

  /**
   * Merges a `PUT _mapping` body (or a dynamic update). Adding fields and sub-fields is
   * allowed; changing a field's type is rejected like Elasticsearch does.
   */
  merge(body: MappingsBody): void {
    const { dynamic, properties, ...extra } = body;
    const incoming = validateProperties(properties, "");
    const merged = cloneProps(this.properties);
    mergeInto(merged, incoming, "");
    this.properties = merged;
    const mode = normalizeDynamic(dynamic, "_doc");
    if (mode) this.dynamic = mode;
    Object.assign(this.extra, extra);
    this.rebuild();
  }

  private rebuild(): void {
    this.leaves.clear();
    this.objects.clear();
    const walk = (props: Record<string, FieldMapping>, prefix: string) => {
      for (const [name, node] of Object.entries(props)) {
        const path = prefix ? `${prefix}.${name}` : name;
        const type = node.type ?? "object";
        if (type === "object" || type === "nested") {
          this.objects.add(path);
          walk(node.properties ?? {}, path);
          continue;
        }
        const leaf = leafOf(path, node);
        this.leaves.set(path, leaf);
        for (const sub of leaf.multiFields) this.leaves.set(sub.path, sub);
      }
    };
    walk(this.properties, "");
  }
}

/** The resolved leaf for a field mapping at a path (with its multi-fields). */
export function leafOf(path: string, node: FieldMapping): LeafField {
  return {
    path,
    type: (node.type === "flattened" ? "keyword" : node.type) as LeafType,
    flattened: node.type === "flattened",
    ignoreAbove: typeof node.ignore_above === "number" ? node.ignore_above : undefined,
    indexed: node.index !== false,
    multiFields: Object.entries(node.fields ?? {}).map(([sub, subNode]) => leafOf(`${path}.${sub}`, subNode)),
  };
}

function mergeInto(target: Record<string, FieldMapping>, incoming: Record<string, FieldMapping>, prefix: string): void {
  for (const [name, node] of Object.entries(incoming)) {
    const path = prefix ? `${prefix}.${name}` : name;
    const existing = target[name];
    if (!existing) {
      target[name] = node;
      continue;
    }
    const oldType = existing.type ?? "object";
    const newType = node.type ?? "object";
    if (oldType !== newType) {
      throw illegalArgument(`mapper [${path}] cannot be changed from type [${oldType}] to [${newType}]`);
    }
    if (newType === "object" || newType === "nested") {
      const props = existing.properties ?? {};
      mergeInto(props, node.properties ?? {}, path);
      existing.properties = props;
      if (node.dynamic !== undefined) existing.dynamic = node.dynamic;
      continue;
    }
    if (node.fields) existing.fields = { ...(existing.fields ?? {}), ...node.fields };
  }
}
