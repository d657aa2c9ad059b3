import { wildcardPattern } from "./wildcard-pattern.js";
import { standardAnalyze } from "./analyzer.js";
import type { IndexMapping } from "./index-mapping.js";
import { parsingError } from "./search-engine-error.js";

/** A search's `highlight` section (the subset the engine implements). */
export interface HighlightSpec {
  fields: Array<{ pattern: string; fragmentSize: number; fragments: number; preTag: string; postTag: string }>;
}

type Json = Record<string, unknown>;

function tag(value: unknown, fallback: string): string {
  if (Array.isArray(value) && typeof value[0] === "string") return value[0];
  if (typeof value === "string") return value;
  return fallback;
}

/** Parses `highlight: { fields: { title: {} }, pre_tags, post_tags, fragment_size, number_of_fragments }`. */
export function parseHighlight(raw: unknown): HighlightSpec {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw parsingError("[highlight] must be an object");
  const h = raw as Json;
  const defaults = {
    fragmentSize: typeof h.fragment_size === "number" ? h.fragment_size : 100,
    fragments: typeof h.number_of_fragments === "number" ? h.number_of_fragments : 5,
    preTag: tag(h.pre_tags, "<em>"),
    postTag: tag(h.post_tags, "</em>"),
  };
  const rawFields = h.fields;
  const entries: Array<[string, Json]> = [];
  if (Array.isArray(rawFields)) {
    for (const f of rawFields) for (const [k, v] of Object.entries(f as Json)) entries.push([k, (v ?? {}) as Json]);
  } else if (typeof rawFields === "object" && rawFields !== null) {
    for (const [k, v] of Object.entries(rawFields)) entries.push([k, (v ?? {}) as Json]);
  } else throw parsingError("[highlight] requires [fields]");
  return {
    fields: entries.map(([pattern, f]) => ({
      pattern,
      fragmentSize: typeof f.fragment_size === "number" ? f.fragment_size : defaults.fragmentSize,
      fragments: typeof f.number_of_fragments === "number" ? f.number_of_fragments : defaults.fragments,
      preTag: f.pre_tags === undefined ? defaults.preTag : tag(f.pre_tags, "<em>"),
      postTag: f.post_tags === undefined ? defaults.postTag : tag(f.post_tags, "</em>"),
    })),
  };
}

function valuesAt(source: unknown, path: string[]): string[] {
  if (source === null || source === undefined) return [];
  if (Array.isArray(source)) return source.flatMap((s) => valuesAt(s, path));
  if (path.length === 0) return typeof source === "object" ? [] : [String(source)];
  if (typeof source !== "object") return [];
  const obj = source as Json;
  const [head, ...rest] = path;
  const out = valuesAt(obj[head!], rest);
  // Dotted keys in the source (`{"a.b": ...}`) address the same field.
  for (let i = 2; i <= path.length; i++) {
    const key = path.slice(0, i).join(".");
    if (key in obj) out.push(...valuesAt(obj[key], path.slice(i)));
  }
  return out;
}

function highlightValue(value: string, terms: Set<string>, field: HighlightSpec["fields"][number]): string[] {
  const hits = standardAnalyze(value).filter((t) => terms.has(t.term));
  if (hits.length === 0) return [];
  const mark = (start: number, end: number) => {
    let out = "";
    let cursor = start;
    for (const h of hits) {
      if (h.start < start || h.end > end) continue;
      out += value.slice(cursor, h.start) + field.preTag + value.slice(h.start, h.end) + field.postTag;
      cursor = h.end;
    }
    return out + value.slice(cursor, end);
  };
  if (field.fragments === 0 || value.length <= field.fragmentSize) return [mark(0, value.length)];
  const fragments: string[] = [];
  let coveredUntil = 0;
  for (const h of hits) {
    if (h.start < coveredUntil) continue;
    let start = Math.max(0, h.start - Math.floor(field.fragmentSize / 4));
    while (start > 0 && !/\s/.test(value[start - 1]!)) start--;
    let end = Math.min(value.length, start + field.fragmentSize);
    while (end < value.length && !/\s/.test(value[end]!)) end++;
    fragments.push(mark(start, end).trim());
    coveredUntil = end;
    if (fragments.length >= field.fragments) break;
  }
  return fragments;
}

/**
 * Builds a hit's `highlight` section: for every requested field that the query searched,
 * the field's text with matched terms wrapped in tags (`<em>` by default).
 */
export function highlightHit(
  spec: HighlightSpec,
  source: Record<string, unknown>,
  mapping: IndexMapping,
  terms: Map<string, Set<string>>,
): Record<string, string[]> | undefined {
  const out: Record<string, string[]> = {};
  for (const field of spec.fields) {
    const re = wildcardPattern(field.pattern);
    for (const path of mapping.leafPaths()) {
      if (!re.test(path) || out[path]) continue;
      const leaf = mapping.field(path);
      const wanted = terms.get(path);
      if (!leaf || leaf.type !== "text" || !wanted || wanted.size === 0) continue;
      const fragments = valuesAt(source, path.split(".")).flatMap((v) => highlightValue(v, wanted, field));
      if (fragments.length > 0) out[path] = field.fragments === 0 ? fragments : fragments.slice(0, field.fragments);
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
