/**
 * The WHERE clauses of a keyset-paged relational query that are the same on
 * every SQL store: range bounds on the range field, and "rows strictly
 * after the position" in the directed order. Each store brings its quoting
 * and its placeholders.
 */
import type { RangeCondition } from "@polyxena/core";
import type { OrderingColumn } from "./sql-ordering.js";

/** The bounds a range condition can carry, in the order their parameters are bound. */
export const RANGE_BOUNDS = ["gt", "gte", "lt", "lte"] as const satisfies readonly (keyof RangeCondition)[];

/** The SQL operator of each range bound. */
export const RANGE_OPS: Readonly<Record<(typeof RANGE_BOUNDS)[number], string>> = { gt: ">", gte: ">=", lt: "<", lte: "<=" };

/**
 * Rows strictly after the position in the directed order. `column(c)` is the
 * quoted column; `isNull(i)` says whether the i-th position value is NULL;
 * `param(i)` is the placeholder of the i-th value, asked for in text order
 * each time the value is used (a store with positional `?` placeholders
 * binds it again on every call, one that numbers them may hand back the same
 * placeholder). NULL is the largest value: last when ascending, first when
 * descending.
 */
export function keysetPredicate(
  order: readonly OrderingColumn[],
  column: (c: OrderingColumn) => string,
  isNull: (i: number) => boolean,
  param: (i: number) => string,
): string {
  const sameDirection = order.every((o) => o.desc === order[0]!.desc);
  if (sameDirection && order.every((o, i) => !o.nullable && !isNull(i))) {
    return `(${order.map(column).join(", ")}) ${order[0]!.desc ? "<" : ">"} (${order.map((_, i) => param(i)).join(", ")})`;
  }
  const disjuncts: string[] = [];
  for (let i = 0; i < order.length; i++) {
    const o = order[i]!;
    // Nothing sorts after NULL in an ascending column.
    if (isNull(i) && !o.desc) continue;
    const equal = order.slice(0, i).map((e, j) => (isNull(j) ? `${column(e)} IS NULL` : `${column(e)} = ${param(j)}`));
    let after: string;
    if (isNull(i)) after = `${column(o)} IS NOT NULL`;
    else if (o.desc) after = `${column(o)} < ${param(i)}`;
    else if (o.nullable) after = `(${column(o)} > ${param(i)} OR ${column(o)} IS NULL)`;
    else after = `${column(o)} > ${param(i)}`;
    disjuncts.push([...equal, after].join(" AND "));
  }
  return disjuncts.length ? `(${disjuncts.map((d) => `(${d})`).join(" OR ")})` : "FALSE";
}
