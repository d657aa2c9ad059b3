/**
 * Compiles entity operations to SQL once per process. Every statement is a
 * named prepared statement (`pg` `{ name, text }`), its name derived from
 * its text so that two adapters on one pool never clash.
 */
import { createHash } from "node:crypto";
import { PolyxenaError, quoteIdent, type EntityModel, type FieldModel, type KeyValues, type QueryModel, type RangeCondition, type StoredItem } from "@polyxena/core";
import { decodeColumn, encodeParameter, parameterType } from "./postgres-codec.js";
import { keysetPredicate, RANGE_BOUNDS, RANGE_OPS } from "../sql/sql-keyset.js";
import { directed, queryOrdering, type OrderingColumn } from "../sql/sql-ordering.js";

/** A named prepared statement. */
export interface PgStatement {
  readonly name: string;
  readonly text: string;
}

/** Makes a statement whose name is a hash of its text. */
export function pgStatement(text: string): PgStatement {
  return { name: `px_${createHash("sha1").update(text).digest("hex").slice(0, 28)}`, text };
}

/** Where one parameter of a query variant takes its value from. */
type QuerySlot =
  | { from: "param"; field: FieldModel }
  | { from: "range"; field: FieldModel; bound: keyof RangeCondition }
  | { from: "position"; field: FieldModel; index: number }
  | { from: "limit" };

/** One compiled shape of a declared query (direction, bounds, position nulls). */
export interface QueryVariant {
  readonly statement: PgStatement;
  readonly slots: readonly QuerySlot[];
}

/** Most update/query shapes kept per entity; beyond that statements run unnamed. */
const MAX_VARIANTS = 256;

/** The statements of one entity in one database schema. */
export class EntityStatements {
  readonly table: string;
  readonly fields: readonly FieldModel[];
  readonly keyFields: readonly FieldModel[];
  readonly nonKeyFields: readonly FieldModel[];
  readonly fieldByName: ReadonlyMap<string, FieldModel>;
  readonly get: PgStatement;
  readonly getMany: PgStatement;
  readonly upsert: PgStatement;
  /** Insert unless the key exists (affects no row then). */
  readonly insert: PgStatement;
  readonly replaceVersion: PgStatement;
  readonly delete: PgStatement;
  readonly deleteVersion: PgStatement;
  /** The deletes returning the deleted row (for the change event of an entity with events). */
  readonly deleteReturning: PgStatement;
  readonly deleteVersionReturning: PgStatement;
  private readonly selectList: string;
  private readonly keyWhere: string;
  private readonly fieldIndex: ReadonlyMap<string, number>;
  private readonly updates = new Map<string, PgStatement>();

  constructor(
    readonly model: EntityModel,
    schema: string,
  ) {
    this.table = `${quoteIdent(schema)}.${quoteIdent(model.table)}`;
    this.fields = model.fields;
    this.fieldIndex = new Map(model.fields.map((f, i) => [f.name, i]));
    this.fieldByName = new Map(model.fields.map((f) => [f.name, f]));
    const field = (name: string) => {
      const f = model.fields.find((x) => x.name === name);
      if (!f) throw new PolyxenaError("E_DEFINITION", `key field ${name} is not in the schema`, { entity: model.name, path: "key" });
      return f;
    };
    this.keyFields = model.key.partition.map(field);
    this.nonKeyFields = model.fields.filter((f) => !model.key.partition.includes(f.name));
    this.selectList = model.fields.map((f) => quoteIdent(f.column)).join(", ");
    const col = (f: FieldModel) => quoteIdent(f.column);
    const param = (i: number, f: FieldModel) => `$${i}::${parameterType(f)}`;

    this.keyWhere = this.keyFields.map((f, i) => `${col(f)} = ${param(i + 1, f)}`).join(" AND ");
    this.get = pgStatement(`SELECT ${this.selectList} FROM ${this.table} WHERE ${this.keyWhere}`);
    if (this.keyFields.length === 1) {
      const k = this.keyFields[0]!;
      this.getMany = pgStatement(`SELECT ${this.selectList} FROM ${this.table} WHERE ${col(k)} = ANY($1::${parameterType(k)}[])`);
    } else {
      const tuple = this.keyFields.map(col).join(", ");
      const arrays = this.keyFields.map((f, i) => `$${i + 1}::${parameterType(f)}[]`).join(", ");
      this.getMany = pgStatement(`SELECT ${this.selectList} FROM ${this.table} WHERE (${tuple}) IN (SELECT * FROM unnest(${arrays}))`);
    }

    // Put statements take every field as $1..$n in field order; version puts add the expected version last.
    const all = model.fields.map((f, i) => param(i + 1, f)).join(", ");
    const columns = model.fields.map(col).join(", ");
    const keyColumns = this.keyFields.map(col).join(", ");
    const putKeyWhere = this.keyFields.map((f) => `${col(f)} = ${param(this.fieldIndex.get(f.name)! + 1, f)}`).join(" AND ");
    const setAll = this.nonKeyFields.length
      ? this.nonKeyFields.map((f) => `${col(f)} = ${param(this.fieldIndex.get(f.name)! + 1, f)}`).join(", ")
      : `${col(this.keyFields[0]!)} = ${col(this.keyFields[0]!)}`;
    this.insert = pgStatement(`INSERT INTO ${this.table} (${columns}) VALUES (${all}) ON CONFLICT (${keyColumns}) DO NOTHING`);
    this.upsert = pgStatement(
      this.nonKeyFields.length
        ? `INSERT INTO ${this.table} (${columns}) VALUES (${all}) ON CONFLICT (${keyColumns}) DO UPDATE SET ${this.nonKeyFields.map((f) => `${col(f)} = EXCLUDED.${col(f)}`).join(", ")}`
        : `INSERT INTO ${this.table} (${columns}) VALUES (${all}) ON CONFLICT (${keyColumns}) DO NOTHING`,
    );
    const version = model.version ? model.fields.find((f) => f.name === model.version) : undefined;
    const versionColumn = version ? col(version) : '"version"';
    this.replaceVersion = pgStatement(`UPDATE ${this.table} SET ${setAll} WHERE ${putKeyWhere} AND ${versionColumn} = $${model.fields.length + 1}::int8`);
    this.delete = pgStatement(`DELETE FROM ${this.table} WHERE ${this.keyWhere}`);
    this.deleteVersion = pgStatement(`DELETE FROM ${this.table} WHERE ${this.keyWhere} AND ${versionColumn} = $${this.keyFields.length + 1}::int8`);
    this.deleteReturning = pgStatement(`${this.delete.text} RETURNING ${this.selectList}`);
    this.deleteVersionReturning = pgStatement(`${this.deleteVersion.text} RETURNING ${this.selectList}`);
  }

  /** Encoded key parameters, in key order. */
  keyValues(key: KeyValues): unknown[] {
    return this.keyFields.map((f) => encodeParameter(f, key[f.name]));
  }

  /** Encoded parameters of a `getMany` statement. */
  getManyValues(keys: readonly KeyValues[]): unknown[] {
    return this.keyFields.map((f) => keys.map((k) => encodeParameter(f, k[f.name])));
  }

  /** Encoded parameters of a put statement: every field in order. */
  itemValues(item: StoredItem): unknown[] {
    return this.fields.map((f) => encodeParameter(f, item[f.name]));
  }

  /** A string identifying a key's value, equal for keys Postgres considers equal. */
  keyString(key: KeyValues): string {
    let out = "";
    for (const f of this.keyFields) out += `${keyPart(f, key[f.name])}\u0000`;
    return out;
  }

  /** Decodes a row fetched in `rowMode: "array"` with this entity's select list. */
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
   * The `UPDATE ... RETURNING` statement for this set of changed fields and
   * condition, compiled on first use. Parameters: changed fields (sorted by
   * name), then the key, then the expected version.
   */
  update(changed: readonly string[], versioned: boolean, increment: string | undefined): PgStatement {
    const cacheKey = `${changed.join(",")}|${versioned ? "v" : ""}|${increment ?? ""}`;
    let statement = this.updates.get(cacheKey);
    if (statement) return statement;
    const byName = this.fieldByName;
    const sets = changed.map((name, i) => {
      const f = byName.get(name)!;
      return `${quoteIdent(f.column)} = $${i + 1}::${parameterType(f)}`;
    });
    if (increment) {
      const col = quoteIdent(byName.get(increment)!.column);
      sets.push(`${col} = ${col} + 1`);
    }
    const offset = changed.length;
    const where = this.keyFields.map((f, i) => `${quoteIdent(f.column)} = $${offset + i + 1}::${parameterType(f)}`);
    if (versioned && this.model.version) where.push(`${quoteIdent(byName.get(this.model.version)!.column)} = $${offset + this.keyFields.length + 1}::int8`);
    statement = pgStatement(`UPDATE ${this.table} SET ${sets.join(", ")} WHERE ${where.join(" AND ")} RETURNING ${this.selectList}`);
    if (this.updates.size < MAX_VARIANTS) this.updates.set(cacheKey, statement);
    return statement;
  }

  /** Compiles a declared query of this entity. */
  compileQuery(query: QueryModel): CompiledQuery {
    return new CompiledQuery(this, query, this.selectList);
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
    private readonly query: QueryModel,
    private readonly selectList: string,
  ) {
    this.ordering = queryOrdering(entity.model, query);
    const byName = new Map(entity.fields.map((f) => [f.name, f]));
    this.byFields = query.by.map((n) => byName.get(n)!);
    this.rangeField = query.rangeField ? byName.get(query.rangeField) : undefined;
  }

  /** The variant for this direction, these range bounds and this position (by which values are NULL). */
  variant(reverse: boolean, range: RangeCondition | undefined, position: readonly unknown[] | undefined): QueryVariant {
    let key = reverse ? "r" : "f";
    for (const b of RANGE_BOUNDS) key += range?.[b] !== undefined ? "1" : "0";
    if (position) for (const v of position) key += v === null ? "n" : "v";
    else key += "-";
    let variant = this.variants.get(key);
    if (!variant) {
      variant = this.build(reverse, range, position);
      if (this.variants.size < MAX_VARIANTS) this.variants.set(key, variant);
    }
    return variant;
  }

  /** Encoded parameters of a variant. */
  values(variant: QueryVariant, params: StoredItem, range: RangeCondition | undefined, position: readonly unknown[] | undefined, limit: number): unknown[] {
    return variant.slots.map((slot) => {
      switch (slot.from) {
        case "param":
          return encodeParameter(slot.field, params[slot.field.name]);
        case "range":
          return encodeParameter(slot.field, range?.[slot.bound]);
        case "position":
          return encodeParameter(slot.field, position?.[slot.index]);
        case "limit":
          return limit + 1;
      }
    });
  }

  private build(reverse: boolean, range: RangeCondition | undefined, position: readonly unknown[] | undefined): QueryVariant {
    const slots: QuerySlot[] = [];
    const bind = (slot: QuerySlot, field: FieldModel | undefined): string => {
      slots.push(slot);
      return field ? `$${slots.length}::${parameterType(field)}` : `$${slots.length}::int4`;
    };
    const col = (f: FieldModel) => quoteIdent(f.column);
    const where: string[] = this.byFields.map((f) => `${col(f)} = ${bind({ from: "param", field: f }, f)}`);
    if (this.rangeField && range) {
      for (const b of RANGE_BOUNDS) {
        if (range[b] !== undefined) where.push(`${col(this.rangeField)} ${RANGE_OPS[b]} ${bind({ from: "range", field: this.rangeField, bound: b }, this.rangeField)}`);
      }
    }
    const order = directed(this.ordering, reverse);
    if (position) {
      const params = order.map((c, i) => (position[i] === null ? undefined : bind({ from: "position", field: c.field, index: i }, c.field)));
      where.push(keysetPredicate(order, (c) => col(c.field), (i) => params[i] === undefined, (i) => params[i]!));
    }
    const orderBy = order.map((c) => `${col(c.field)}${c.desc ? " DESC" : ""}`).join(", ");
    const limit = bind({ from: "limit" }, undefined);
    const text = `SELECT ${this.selectList} FROM ${this.entity.table}${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY ${orderBy} LIMIT ${limit}`;
    return { statement: pgStatement(text), slots };
  }

  /** The query's id, for statement listings. */
  get name(): string {
    return this.query.name;
  }
}

function keyPart(field: FieldModel, value: unknown): string {
  if (value instanceof Date) return String(value.getTime());
  if (typeof value === "bigint") return value.toString();
  if (field.type === "uuid" && typeof value === "string") return value.toLowerCase();
  return String(value);
}
