/**
 * Key ordering and range planning shared by the real and the in-memory
 * adapter. DynamoDB orders S by UTF-8 bytes and N numerically, and a key
 * condition holds one comparison on the sort key: a single bound maps to
 * `<`, `<=`, `>`, `>=`, two inclusive bounds to `BETWEEN`, and two bounds
 * with an exclusive end to `BETWEEN` whose equal endpoints are dropped by
 * the adapter.
 */
import type { FieldModel, RangeCondition } from "@polyxena/core";
import { encodeValue, type DynamoNative } from "./dynamodb-codec.js";

/** How a range restricts the sort key. */
export type RangePlan =
  | { kind: "all" }
  | { kind: "empty" }
  | { kind: "single"; op: ">" | ">=" | "<" | "<="; value: DynamoNative }
  | { kind: "between"; lo: DynamoNative; hi: DynamoNative; excludeLo: boolean; excludeHi: boolean };

/** Orders two key values the way DynamoDB does (UTF-8 bytes for strings, numeric for numbers). */
export function compareKeyValues(a: DynamoNative | undefined, b: DynamoNative | undefined): number {
  if (typeof a === "string" && typeof b === "string") return compareUtf8(a, b);
  if ((typeof a === "number" || typeof a === "bigint") && (typeof b === "number" || typeof b === "bigint")) return a < b ? -1 : a > b ? 1 : 0;
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  return compareUtf8(String(a), String(b));
}

/** Compares strings by UTF-8 byte order, which equals code point order. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (0xD800-0xDFFF) encode code points above 0xFFFF, which sort after every BMP character.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Plans a range on the sort field. */
export function planRange(field: FieldModel, range: RangeCondition | undefined): RangePlan {
  if (!range) return { kind: "all" };
  const lower = range.gt !== undefined ? { value: encodeValue(field, range.gt)!, exclusive: true } : range.gte !== undefined ? { value: encodeValue(field, range.gte)!, exclusive: false } : undefined;
  const upper = range.lt !== undefined ? { value: encodeValue(field, range.lt)!, exclusive: true } : range.lte !== undefined ? { value: encodeValue(field, range.lte)!, exclusive: false } : undefined;
  if (!lower && !upper) return { kind: "all" };
  if (lower && !upper) return { kind: "single", op: lower.exclusive ? ">" : ">=", value: lower.value };
  if (upper && !lower) return { kind: "single", op: upper.exclusive ? "<" : "<=", value: upper.value };
  const order = compareKeyValues(lower!.value, upper!.value);
  if (order > 0 || (order === 0 && (lower!.exclusive || upper!.exclusive))) return { kind: "empty" };
  return { kind: "between", lo: lower!.value, hi: upper!.value, excludeLo: lower!.exclusive, excludeHi: upper!.exclusive };
}

/** Whether a sort key value satisfies a plan (used in memory, and for exclusive `BETWEEN` ends). */
export function inRange(value: DynamoNative | undefined, plan: RangePlan): boolean {
  switch (plan.kind) {
    case "all":
      return true;
    case "empty":
      return false;
    case "single": {
      const c = compareKeyValues(value, plan.value);
      return plan.op === ">" ? c > 0 : plan.op === ">=" ? c >= 0 : plan.op === "<" ? c < 0 : c <= 0;
    }
    case "between": {
      const lo = compareKeyValues(value, plan.lo);
      const hi = compareKeyValues(value, plan.hi);
      return (plan.excludeLo ? lo > 0 : lo >= 0) && (plan.excludeHi ? hi < 0 : hi <= 0);
    }
  }
}
