/**
 * The total order of a declared relational query and its keyset `position`
 * (Postgres, MySQL).
 *
 * A query orders by its declared order, then by the primary-key fields it
 * does not already fix, ascending, so ties are broken the same way on every
 * page. NULL sorts as the largest value on every relational store (Postgres'
 * default: last when ascending, first when descending; MySQL is told so in
 * its ORDER BY).
 */
import { PolyxenaError, type EntityModel, type FieldModel, type QueryModel } from "@polyxena/core";

/** One column of a query's total order. */
export interface OrderingColumn {
  field: FieldModel;
  desc: boolean;
  /** Whether the column can hold NULL (optional or nullable field). */
  nullable: boolean;
}

/** The total order of `query` (declared order + key tiebreakers), before any reversal. */
export function queryOrdering(entity: EntityModel, query: QueryModel): OrderingColumn[] {
  const byName = new Map(entity.fields.map((f) => [f.name, f]));
  const columns: OrderingColumn[] = [];
  const used = new Set<string>(query.by);
  const add = (name: string, desc: boolean) => {
    if (used.has(name)) return;
    const field = byName.get(name);
    if (!field) throw new PolyxenaError("E_DEFINITION", `field ${name} is not in the schema`, { entity: entity.name, path: `queries.${query.name}` });
    used.add(name);
    columns.push({ field, desc, nullable: field.optional || field.nullable });
  };
  for (const o of query.order) add(o.field, o.order === "desc");
  for (const k of entity.key.partition) add(k, false);
  return columns;
}

/** The ordering with every direction flipped when `reverse`. */
export function directed(columns: readonly OrderingColumn[], reverse: boolean): OrderingColumn[] {
  return reverse ? columns.map((c) => ({ ...c, desc: !c.desc })) : [...columns];
}

/** The JSON-serializable position of a row: its ordering values, dates and bigints tagged. */
export function encodePosition(columns: readonly OrderingColumn[], item: Record<string, unknown>): unknown[] {
  return columns.map((c) => {
    const v = item[c.field.name];
    if (v === undefined || v === null) return null;
    if (v instanceof Date) return { $date: v.toISOString() };
    if (typeof v === "bigint") return { $bigint: v.toString() };
    if (typeof v === "number" && !Number.isFinite(v)) return { $number: String(v) };
    return v;
  });
}

/** Decodes a position produced by {@link encodePosition}; `E_VALIDATION` when it does not fit the ordering. */
export function decodePosition(columns: readonly OrderingColumn[], position: unknown): unknown[] {
  const invalid = (why: string) =>
    new PolyxenaError("E_VALIDATION", `invalid cursor position: ${why}`, {
      issues: [{ path: ["cursor"], message: why }],
      fix: "pass the cursor returned by the previous page of the same query, unchanged",
    });
  if (!Array.isArray(position) || position.length !== columns.length) throw invalid("wrong shape");
  return columns.map((c, i) => {
    const v: unknown = position[i];
    if (v === null) {
      if (!c.nullable) throw invalid(`${c.field.name} cannot be null`);
      return null;
    }
    const tagged = (tag: string): string => {
      const inner = typeof v === "object" && v !== null ? (v as Record<string, unknown>)[tag] : undefined;
      if (typeof inner !== "string") throw invalid(`${c.field.name} has the wrong type`);
      return inner;
    };
    switch (c.field.type) {
      case "date": {
        const d = new Date(tagged("$date"));
        if (Number.isNaN(d.getTime())) throw invalid(`${c.field.name} is not a date`);
        return d;
      }
      case "bigint": {
        const s = tagged("$bigint");
        if (!/^-?\d{1,40}$/.test(s)) throw invalid(`${c.field.name} is not an integer`);
        return BigInt(s);
      }
      case "int":
      case "number":
        if (typeof v === "number") return v;
        return Number(tagged("$number"));
      case "boolean":
        if (typeof v !== "boolean") throw invalid(`${c.field.name} has the wrong type`);
        return v;
      default:
        if (typeof v !== "string") throw invalid(`${c.field.name} has the wrong type`);
        return v;
    }
  });
}
