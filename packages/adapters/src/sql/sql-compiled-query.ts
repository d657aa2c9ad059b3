/**
 * A declared query compiled to keyset-paged SQL, the same on every SQL
 * store: equality on the query's fields, the range bounds given, "after the
 * position" in the query's total order, ORDER BY that order, LIMIT one more
 * than the page. One statement per shape (direction, bounds, which position
 * values are NULL, and the page size where the store writes it in).
 */
import type { FieldModel, QueryModel, RangeCondition, StoredItem } from "@polyxena/core";
import { keysetPredicate, RANGE_BOUNDS, RANGE_OPS } from "./sql-keyset.js";
import { directed, queryOrdering, type OrderingColumn } from "./sql-ordering.js";
import type { SqlEntityStatements } from "./sql-entity-statements.js";
import type { SqlParameterKind, SqlStatementDialect } from "./sql-statement-dialect.js";

/** Where one parameter of a query variant takes its value from. */
type QuerySlot =
  | { from: "param"; field: FieldModel }
  | { from: "range"; field: FieldModel; bound: keyof RangeCondition }
  | { from: "position"; field: FieldModel; index: number }
  | { from: "limit" };

/** One compiled shape of a declared query. */
export interface SqlQueryVariant<S> {
  readonly statement: S;
  readonly slots: readonly QuerySlot[];
}

/** Most variants kept per query; beyond that they are compiled per call. */
const MAX_VARIANTS = 256;

/** A declared query: its total order and its statement variants. */
export class SqlCompiledQuery<S> {
  readonly ordering: readonly OrderingColumn[];
  private readonly variants = new Map<string, SqlQueryVariant<S>>();
  private readonly byFields: readonly FieldModel[];
  private readonly rangeField: FieldModel | undefined;

  constructor(
    private readonly entity: SqlEntityStatements<S>,
    private readonly query: QueryModel,
    private readonly dialect: SqlStatementDialect<S>,
  ) {
    this.ordering = queryOrdering(entity.model, query);
    this.byFields = query.by.map((n) => entity.fieldByName.get(n)!);
    this.rangeField = query.rangeField ? entity.fieldByName.get(query.rangeField) : undefined;
  }

  /** The query's name, for statement listings. */
  get name(): string {
    return this.query.name;
  }

  /** The variant for this direction, these range bounds, this position (by which values are NULL) and this page size. */
  variant(reverse: boolean, range: RangeCondition | undefined, position: readonly unknown[] | undefined, limit: number): SqlQueryVariant<S> {
    let key = `${this.dialect.boundLimit ? "" : limit}${reverse ? "r" : "f"}`;
    for (const b of RANGE_BOUNDS) key += range?.[b] !== undefined ? "1" : "0";
    if (position) for (const v of position) key += v === null ? "n" : "v";
    else key += "-";
    let variant = this.variants.get(key);
    if (!variant) {
      variant = this.build(reverse, range, position, limit);
      if (this.variants.size < MAX_VARIANTS) this.variants.set(key, variant);
    }
    return variant;
  }

  /** Encoded parameters of a variant. */
  values(variant: SqlQueryVariant<S>, params: StoredItem, range: RangeCondition | undefined, position: readonly unknown[] | undefined, limit: number): unknown[] {
    const encode = (field: FieldModel, value: unknown) => this.dialect.encodeParameter(field, value);
    return variant.slots.map((slot) => {
      switch (slot.from) {
        case "param":
          return encode(slot.field, params[slot.field.name]);
        case "range":
          return encode(slot.field, range?.[slot.bound]);
        case "position":
          return encode(slot.field, position?.[slot.index]);
        case "limit":
          return limit + 1;
      }
    });
  }

  private build(reverse: boolean, range: RangeCondition | undefined, position: readonly unknown[] | undefined, limit: number): SqlQueryVariant<S> {
    const dialect = this.dialect;
    const slots: QuerySlot[] = [];
    const bind = (slot: QuerySlot, kind: SqlParameterKind): string => {
      slots.push(slot);
      return dialect.placeholder(slots.length, kind);
    };
    const col = (f: FieldModel) => dialect.ident(f.column);
    const where: string[] = this.byFields.map((f) => `${col(f)} = ${bind({ from: "param", field: f }, f)}`);
    if (this.rangeField && range) {
      for (const b of RANGE_BOUNDS) {
        if (range[b] !== undefined) where.push(`${col(this.rangeField)} ${RANGE_OPS[b]} ${bind({ from: "range", field: this.rangeField, bound: b }, this.rangeField)}`);
      }
    }
    const order = directed(this.ordering, reverse);
    if (position) {
      // Numbered placeholders are bound once per position value and reused; positional ones are bound at each use.
      const bound = new Map<number, string>();
      const param = (i: number): string => {
        const existing = dialect.numberedPlaceholders ? bound.get(i) : undefined;
        if (existing !== undefined) return existing;
        const placeholder = bind({ from: "position", field: order[i]!.field, index: i }, order[i]!.field);
        bound.set(i, placeholder);
        return placeholder;
      };
      where.push(keysetPredicate(order, (c) => col(c.field), (i) => position[i] === null, param));
    }
    const orderBy = order.flatMap((c) => dialect.orderTerms(col(c.field), c.desc, c.nullable)).join(", ");
    const limitText = dialect.boundLimit ? bind({ from: "limit" }, "limit") : String(limit + 1);
    const text = `SELECT ${this.entity.selectList} FROM ${this.entity.table}${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY ${orderBy} LIMIT ${limitText}`;
    return { statement: dialect.statement(text), slots };
  }
}
