import type { FieldModel } from "./entity-model.js";
import type { ValidationIssue } from "./errors.js";

/**
 * Object keys that reach or replace a prototype when a value is copied by
 * assignment (`out[key] = value`). No store needs them, so input holding one
 * anywhere is refused before any code copies it.
 */
export const HOSTILE_OBJECT_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** Deepest nesting of objects and arrays accepted in one input value. */
export const MAX_INPUT_DEPTH = 64;

/** What a declaration says about fields its schema does not know. */
export type UnknownFieldsRule = "reject" | "strip";

/** A path built only when an issue needs it (inputs are walked on every call). */
interface PathNode {
  readonly parent: PathNode | undefined;
  readonly key: PropertyKey;
}

function pathOf(base: readonly PropertyKey[], node: PathNode | undefined): PropertyKey[] {
  const tail: PropertyKey[] = [];
  for (let n = node; n; n = n.parent) tail.push(n.key);
  return [...base, ...tail.reverse()];
}

interface WellFormedString {
  isWellFormed(): boolean;
}

/** True when `s` is valid UTF-16 (no lone surrogate), so every store encodes it to the same UTF-8. */
export function isWellFormedText(s: string): boolean {
  return (s as unknown as WellFormedString).isWellFormed();
}

const fieldIndexes = new WeakMap<readonly FieldModel[], ReadonlyMap<string, FieldModel>>();

function indexOf(fields: readonly FieldModel[]): ReadonlyMap<string, FieldModel> {
  let index = fieldIndexes.get(fields);
  if (!index) {
    index = new Map(fields.map((f) => [f.name, f]));
    fieldIndexes.set(fields, index);
  }
  return index;
}

/** The declared shape of a value being inspected: a field, the fields of an object, or nothing known. */
export type InputShape = { field: FieldModel } | { fields: readonly FieldModel[] } | undefined;

/**
 * Walks one caller value before validation parses it and reports, as
 * validation issues, what no store may receive: object keys that reach a
 * prototype (`__proto__`, `constructor`, `prototype`), strings that are not
 * well-formed UTF-16 (stores disagree on lone surrogates: Postgres and the
 * Cassandra driver replace them, others keep them), nesting deeper than
 * {@link MAX_INPUT_DEPTH}, and, when `unknownFields` is `"reject"`, object
 * fields the declared schema does not have. Returns the issues found (empty
 * when the value is clean); `base` prefixes every issue path.
 */
export function inspectInput(value: unknown, shape: InputShape, base: readonly PropertyKey[], unknownFields: UnknownFieldsRule): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const fields = shape && "fields" in shape ? indexOf(shape.fields) : undefined;
  visit(value, shape && "field" in shape ? shape.field : undefined, fields, undefined, 0);
  return issues;

  function visit(v: unknown, field: FieldModel | undefined, known: ReadonlyMap<string, FieldModel> | undefined, at: PathNode | undefined, depth: number): void {
    if (typeof v === "string") {
      if (!isWellFormedText(v)) issues.push({ path: pathOf(base, at), message: "text holds invalid Unicode (a lone surrogate)", code: "invalid_unicode" });
      return;
    }
    if (typeof v !== "object" || v === null || v instanceof Date) return;
    if (depth >= MAX_INPUT_DEPTH) {
      issues.push({ path: pathOf(base, at), message: `nested deeper than ${MAX_INPUT_DEPTH} levels`, code: "too_deep" });
      return;
    }
    const element = field?.type === "list" || field?.type === "map" ? field.element : undefined;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) visit(v[i], element, undefined, { parent: at, key: i }, depth + 1);
      return;
    }
    if (v instanceof Map) {
      for (const [k, item] of v) {
        visit(k, undefined, undefined, at, depth + 1);
        visit(item, element, undefined, { parent: at, key: String(k) }, depth + 1);
      }
      return;
    }
    if (v instanceof Set) {
      for (const item of v) visit(item, element, undefined, at, depth + 1);
      return;
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) return;
    const closed = known ?? (field?.type === "object" && field.fields && !field.open ? indexOf(field.fields) : undefined);
    for (const key of Object.keys(v)) {
      const node: PathNode = { parent: at, key };
      if (HOSTILE_OBJECT_KEYS.has(key)) {
        issues.push({ path: pathOf(base, node), message: `the key ${key} is not accepted anywhere in input (it can reach an object prototype)`, code: "hostile_key" });
        continue;
      }
      if (!isWellFormedText(key)) {
        issues.push({ path: pathOf(base, node), message: "key holds invalid Unicode (a lone surrogate)", code: "invalid_unicode" });
        continue;
      }
      let child: FieldModel | undefined;
      if (closed) {
        child = closed.get(key);
        if (!child) {
          if (unknownFields === "reject") {
            issues.push({ path: pathOf(base, node), message: `unknown field ${key} (not in the schema; known: ${[...closed.keys()].join(", ")})`, code: "unrecognized_keys" });
          }
          continue;
        }
      } else {
        child = element;
      }
      visit((v as Record<string, unknown>)[key], child, undefined, node, depth + 1);
    }
  }
}
