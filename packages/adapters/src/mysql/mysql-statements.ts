/**
 * Compiles entity operations to MySQL statements once per process. The
 * adapter runs them as server-side prepared statements (`execute`), which
 * the driver prepares once per connection and reuses.
 *
 * MySQL has no `UPDATE ... RETURNING` (MariaDB has `DELETE ... RETURNING`
 * since 10.5, MySQL has neither): conditional writes are decided by the
 * number of rows a statement matched (the driver connects with FOUND_ROWS),
 * and an update reads its row back in the same transaction, under the lock
 * the update took.
 */
import { PolyxenaError, type EntityModel, type FieldModel, type KeyValues, type QueryModel, type RangeCondition, type StoredItem } from "@polyxena/core";
import { decodeColumn, encodeParameter } from "./mysql-codec.js";
import { mysqlIdent } from "@polyxena/core/stores/mysql";
import { keysetPredicate, RANGE_BOUNDS, RANGE_OPS } from "../sql/sql-keyset.js";
import { directed, queryOrdering, type OrderingColumn } from "../sql/sql-ordering.js";

/** Where one parameter of a query variant takes its value from. */
type QuerySlot =
  | { from: "param"; field: FieldModel }
  | { from: "range"; field: FieldModel; bound: keyof RangeCondition }
  | { from: "position"; field: FieldModel; index: number };

/** One compiled shape of a declared query (direction, bounds, position nulls, page size). */
export interface QueryVariant {
  readonly sql: string;
  readonly slots: readonly QuerySlot[];
}

/** Most statement shapes kept per entity (update field sets, query variants, getMany sizes). */
const MAX_VARIANTS = 256;

const col = (f: FieldModel) => mysqlIdent(f.column);

/** The statements of one entity. */
export class EntityStatements {
  readonly table: string;
  readonly fields: readonly FieldModel[];
  readonly keyFields: readonly FieldModel[];
  readonly nonKeyFields: readonly FieldModel[];
  readonly fieldByName: ReadonlyMap<string, FieldModel>;
  readonly get: string;
  /** The row, locked for the rest of the transaction (read before a delete that records a change event). */
  readonly getForUpdate: string;
  /** Insert or replace by primary key (`ON DUPLICATE KEY UPDATE`); only for entities without unique constraints, where the primary key is the only key a row can collide on. */
  readonly upsert: string;
  /** Insert; a taken primary key or unique value is ER_DUP_ENTRY. */
  readonly insert: string;
  /** Replace the non-key fields of an existing row: parameters are the non-key fields, then the key. */
  readonly replaceExisting: string;
  readonly replaceVersion: string;
  readonly delete: string;
  readonly deleteVersion: string;
  /** MariaDB 10.5+: the deletes returning the deleted row. */
  readonly deleteReturning: string;
  readonly deleteVersionReturning: string;
  readonly versionColumn: string;
  readonly selectList: string;
  private readonly getManyBySize = new Map<number, string>();
  private readonly updates = new Map<string, string>();

  constructor(readonly model: EntityModel) {
    this.table = mysqlIdent(model.table);
    this.fields = model.fields;
    this.fieldByName = new Map(model.fields.map((f) => [f.name, f]));
    this.keyFields = model.key.partition.map((name) => {
      const f = this.fieldByName.get(name);
      if (!f) throw new PolyxenaError("E_DEFINITION", `key field ${name} is not in the schema`, { entity: model.name, path: "key" });
      return f;
    });
    this.nonKeyFields = model.fields.filter((f) => !model.key.partition.includes(f.name));
    this.selectList = model.fields.map(col).join(", ");
    const keyWhere = this.keyFields.map((f) => `${col(f)} = ?`).join(" AND ");
    this.get = `SELECT ${this.selectList} FROM ${this.table} WHERE ${keyWhere}`;
    this.getForUpdate = `${this.get} FOR UPDATE`;

    const columns = model.fields.map(col).join(", ");
    const all = model.fields.map(() => "?").join(", ");
    this.insert = `INSERT INTO ${this.table} (${columns}) VALUES (${all})`;
    const onDuplicate = this.nonKeyFields.length ? this.nonKeyFields.map((f) => `${col(f)} = VALUES(${col(f)})`).join(", ") : `${col(this.keyFields[0]!)} = ${col(this.keyFields[0]!)}`;
    this.upsert = `${this.insert} ON DUPLICATE KEY UPDATE ${onDuplicate}`;
    const setAll = this.nonKeyFields.length ? this.nonKeyFields.map((f) => `${col(f)} = ?`).join(", ") : `${col(this.keyFields[0]!)} = ${col(this.keyFields[0]!)}`;
    const version = model.version ? this.fieldByName.get(model.version) : undefined;
    this.versionColumn = version ? col(version) : "`version`";
    this.replaceExisting = `UPDATE ${this.table} SET ${setAll} WHERE ${keyWhere}`;
    this.replaceVersion = `${this.replaceExisting} AND ${this.versionColumn} = ?`;
    this.delete = `DELETE FROM ${this.table} WHERE ${keyWhere}`;
    this.deleteVersion = `${this.delete} AND ${this.versionColumn} = ?`;
    this.deleteReturning = `${this.delete} RETURNING ${this.selectList}`;
    this.deleteVersionReturning = `${this.deleteVersion} RETURNING ${this.selectList}`;
  }

  /** Encoded key parameters, in key order. */
  keyValues(key: KeyValues): unknown[] {
    return this.keyFields.map((f) => encodeParameter(f, key[f.name]));
  }

  /** Encoded parameters of an insert or upsert: every field in order. */
  itemValues(item: StoredItem): unknown[] {
    return this.fields.map((f) => encodeParameter(f, item[f.name]));
  }

  /** Encoded parameters of a replace: the non-key fields, then the key. */
  replaceValues(item: StoredItem): unknown[] {
    const values = this.nonKeyFields.map((f) => encodeParameter(f, item[f.name]));
    values.push(...this.keyValues(item));
    return values;
  }

  /** The statement reading `count` distinct keys at once. */
  getMany(count: number): string {
    let sql = this.getManyBySize.get(count);
    if (sql) return sql;
    const one = this.keyFields.length === 1 ? "?" : `(${this.keyFields.map(() => "?").join(", ")})`;
    const tuple = this.keyFields.length === 1 ? col(this.keyFields[0]!) : `(${this.keyFields.map(col).join(", ")})`;
    sql = `SELECT ${this.selectList} FROM ${this.table} WHERE ${tuple} IN (${Array.from({ length: count }, () => one).join(", ")})`;
    if (this.getManyBySize.size < MAX_VARIANTS) this.getManyBySize.set(count, sql);
    return sql;
  }

  /** A string identifying a key's value, equal for keys MySQL considers equal. */
  keyString(key: KeyValues): string {
    let out = "";
    for (const f of this.keyFields) out += `${String(encodeParameter(f, key[f.name]))}\u0000`;
    return out;
  }

  /** Decodes a row fetched with `rowsAsArray` in this entity's select list. */
  decodeRow(row: readonly unknown[]): StoredItem {
    const item: StoredItem = {};
    const fields = this.fields;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      const v = decodeColumn(f, row[i]);
      if (v !== undefined) item[f.name] = v;
    }
    return item;
  }

  /**
   * The `UPDATE` for this set of changed fields and condition, compiled on
   * first use. Parameters: changed fields (sorted by name), then the key,
   * then the expected version.
   */
  update(changed: readonly string[], versioned: boolean, increment: string | undefined): string {
    const cacheKey = `${changed.join(",")}|${versioned ? "v" : ""}|${increment ?? ""}`;
    let sql = this.updates.get(cacheKey);
    if (sql) return sql;
    const sets = changed.map((name) => `${col(this.fieldByName.get(name)!)} = ?`);
    if (increment) {
      const c = col(this.fieldByName.get(increment)!);
      sets.push(`${c} = ${c} + 1`);
    }
    const where = this.keyFields.map((f) => `${col(f)} = ?`);
    if (versioned) where.push(`${this.versionColumn} = ?`);
    sql = `UPDATE ${this.table} SET ${sets.join(", ")} WHERE ${where.join(" AND ")}`;
    if (this.updates.size < MAX_VARIANTS) this.updates.set(cacheKey, sql);
    return sql;
  }

  /** Compiles a declared query of this entity. */
  compileQuery(query: QueryModel): CompiledQuery {
    return new CompiledQuery(this, query);
  }
}

/** A declared query: its total order and its statement variants. */
export class CompiledQuery {
  readonly ordering: readonly OrderingColumn[];
  private readonly variants = new Map<string, QueryVariant>();
  private readonly byFields: readonly FieldModel[];
  private readonly rangeField: FieldModel | undefined;

  constructor(
    private readonly entity: EntityStatements,
    query: QueryModel,
  ) {
    this.ordering = queryOrdering(entity.model, query);
    this.byFields = query.by.map((n) => entity.fieldByName.get(n)!);
    this.rangeField = query.rangeField ? entity.fieldByName.get(query.rangeField) : undefined;
  }

  /** The variant for this direction, these range bounds, this position (by which values are NULL) and this page size. */
  variant(reverse: boolean, range: RangeCondition | undefined, position: readonly unknown[] | undefined, limit: number): QueryVariant {
    let key = `${limit}${reverse ? "r" : "f"}`;
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
  values(variant: QueryVariant, params: StoredItem, range: RangeCondition | undefined, position: readonly unknown[] | undefined): unknown[] {
    return variant.slots.map((slot) => {
      switch (slot.from) {
        case "param":
          return encodeParameter(slot.field, params[slot.field.name]);
        case "range":
          return encodeParameter(slot.field, range?.[slot.bound]);
        case "position":
          return encodeParameter(slot.field, position?.[slot.index]);
      }
    });
  }

  private build(reverse: boolean, range: RangeCondition | undefined, position: readonly unknown[] | undefined, limit: number): QueryVariant {
    const slots: QuerySlot[] = [];
    const bind = (slot: QuerySlot): string => {
      slots.push(slot);
      return "?";
    };
    const where: string[] = this.byFields.map((f) => `${col(f)} = ${bind({ from: "param", field: f })}`);
    if (this.rangeField && range) {
      for (const b of RANGE_BOUNDS) {
        if (range[b] !== undefined) where.push(`${col(this.rangeField)} ${RANGE_OPS[b]} ${bind({ from: "range", field: this.rangeField, bound: b })}`);
      }
    }
    const order = directed(this.ordering, reverse);
    if (position) {
      where.push(keysetPredicate(order, (c) => col(c.field), (i) => position[i] === null, (i) => bind({ from: "position", field: order[i]!.field, index: i })));
    }
    // NULL sorts as the largest value, as on Postgres (MySQL itself sorts it first): `col IS NULL` orders it.
    const orderBy = order.flatMap((c) => [...(c.nullable ? [`${col(c.field)} IS NULL${c.desc ? " DESC" : ""}`] : []), `${col(c.field)}${c.desc ? " DESC" : ""}`]).join(", ");
    // LIMIT is inlined: a bound LIMIT parameter is refused by MySQL 8.0.22+ when the driver sends it as a double.
    const sql = `SELECT ${this.entity.selectList} FROM ${this.entity.table}${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY ${orderBy} LIMIT ${limit + 1}`;
    return { sql, slots };
  }
}
