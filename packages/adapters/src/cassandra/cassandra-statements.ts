/**
 * The CQL of one entity, compiled once per process: reads, writes and the
 * lightweight-transaction variants on the base table, writes to each
 * denormalized query table, and one SELECT per declared query and direction.
 */
import {
  PolyxenaError,
  qualifiedName,
  quoteIdent,
  type EntityModel,
  type FieldModel,
  type OrderedField,
  type QueryModel,
  type RangeCondition,
  type StoredItem,
} from "@polyxena/core";
import { cassandraTables, type CassandraTable } from "@polyxena/core/stores/cassandra";
import type { CqlStatement, NeutralValue, ReaderColumn, RowReader } from "./cassandra-session.js";
import { columnType, compileFieldDecoder, encodeField, fieldEncoder, neutralIsDomain, type FieldEncoder } from "./cassandra-values.js";

const statement = (cql: string, types: string[]): CqlStatement => Object.freeze({ cql, types: Object.freeze(types) });

type RowDecoder = (row: Record<string, NeutralValue>) => StoredItem;

/**
 * A row decoder for one entity. Generated code with constant property names
 * keeps the property loads and stores monomorphic: on a 50-row page that is
 * about a third of the decoding time compared with the loop below. Names are
 * embedded as JSON string literals. Where code generation is disabled
 * (`--disallow-code-generation-from-strings`), the loop is used.
 */
function compileRowDecoder(columns: readonly ReaderColumn[]): RowDecoder {
  const decoders = columns.map((c) => c.decode);
  const loop: RowDecoder = (row) => {
    const item: StoredItem = {};
    for (const c of columns) {
      const v = c.decode(row[c.column]);
      if (v !== undefined) item[c.field] = v;
    }
    return item;
  };
  const body = [
    "const item = {};",
    "let v;",
    ...columns.map((c, i) => `v = decoders[${i}](row[${JSON.stringify(c.column)}]);\nif (v !== undefined) item[${JSON.stringify(c.field)}] = v;`),
    "return item;",
  ].join("\n");
  try {
    const generated = new Function("decoders", "row", body) as (decoders: ReadonlyArray<ReaderColumn["decode"]>, row: Record<string, NeutralValue>) => StoredItem;
    return (row) => generated(decoders, row);
  } catch {
    return loop;
  }
}

/**
 * The reader of an entity's rows (every field, in field order); `bound` names
 * the fields a statement binds by equality, in the order of their bind markers.
 */
function rowReader(fields: readonly FieldModel[], bound: readonly string[]): RowReader {
  const columns = fields.map(
    (f): ReaderColumn => ({
      column: f.column,
      field: f.name,
      decode: compileFieldDecoder(f),
      neutralIsDomain: neutralIsDomain(f),
      boundParam: bound.includes(f.name) ? bound.indexOf(f.name) : undefined,
    }),
  );
  return Object.freeze({ columns: Object.freeze(columns), decode: compileRowDecoder(columns) });
}

/** One physical table of the entity with its key fields. */
export interface CompiledTable {
  table: CassandraTable;
  keyFields: string[];
  insert: CqlStatement;
  insertWithTtl: CqlStatement;
  delete: CqlStatement;
}

/** A declared query compiled for both directions and every range shape. */
export class CompiledQuery {
  private readonly variants = new Map<string, CqlStatement>();
  private eqEncodersCache: ReadonlyArray<{ name: string; encode: FieldEncoder }> | undefined;
  private readerCache: RowReader | undefined;
  /** The range-less variants, natural and reversed (the common case skips the key lookup). */
  private readonly unbounded: Array<CqlStatement | undefined> = [undefined, undefined];

  constructor(
    private readonly s: EntityStatements,
    readonly query: QueryModel,
    private readonly tableName: string,
    private readonly partition: readonly string[],
    private readonly clustering: readonly OrderedField[],
  ) {
    const missing = partition.filter((f) => !query.by.includes(f));
    if (missing.length > 0) {
      throw new PolyxenaError("E_DEFINITION", `query ${query.name} does not restrict partition key ${missing.join(", ")}`, {
        entity: s.model.name,
        path: `queries.${query.name}`,
        fix: "query by every partition key field",
      });
    }
  }

  /** Equality fields in WHERE order: partition key, then the clustering prefix. */
  private eqFields(): string[] {
    return [...this.partition, ...this.clustering.map((c) => c.field).filter((f) => this.query.by.includes(f))];
  }

  /** The equality fields and their encoders, looked up once (bind values are built on every call). */
  private get eqEncoders(): ReadonlyArray<{ name: string; encode: FieldEncoder }> {
    this.eqEncodersCache ??= this.eqFields().map((f) => ({ name: f, encode: fieldEncoder(this.s.field(f)) }));
    return this.eqEncodersCache;
  }

  /** The reader of this query's rows: its equality fields (the first bind markers of every variant) hold one value per page. */
  get reader(): RowReader {
    this.readerCache ??= rowReader(this.s.fields, this.eqFields());
    return this.readerCache;
  }

  /** The SELECT for this direction and range shape (compiled on first use, then reused). */
  variant(reverse: boolean, range: RangeCondition | undefined): CqlStatement {
    if (range === undefined) {
      const slot = reverse ? 1 : 0;
      return (this.unbounded[slot] ??= this.compileVariant(reverse, undefined));
    }
    return this.compileVariant(reverse, range);
  }

  private compileVariant(reverse: boolean, range: RangeCondition | undefined): CqlStatement {
    const lower = range?.gt !== undefined ? ">" : range?.gte !== undefined ? ">=" : "";
    const upper = range?.lt !== undefined ? "<" : range?.lte !== undefined ? "<=" : "";
    const key = `${reverse ? "r" : "f"}|${lower}|${upper}`;
    let compiled = this.variants.get(key);
    if (compiled) return compiled;
    const eq = this.eqFields();
    const where = eq.map((f) => `${this.s.col(f)} = ?`);
    const types = eq.map((f) => columnType(this.s.field(f)));
    const rangeField = this.query.rangeField;
    if ((lower || upper) && !rangeField) {
      throw new PolyxenaError("E_VALIDATION", `query ${this.query.name} has no range field`, { issues: [{ path: ["range"], message: "this query cannot be restricted by range" }] });
    }
    if (rangeField && lower) {
      where.push(`${this.s.col(rangeField)} ${lower} ?`);
      types.push(columnType(this.s.field(rangeField)));
    }
    if (rangeField && upper) {
      where.push(`${this.s.col(rangeField)} ${upper} ?`);
      types.push(columnType(this.s.field(rangeField)));
    }
    let cql = `SELECT ${this.s.columnList} FROM ${this.s.qualified(this.tableName)} WHERE ${where.join(" AND ")}`;
    // ORDER BY from the first clustering column through the first ordered one; all natural or all reversed.
    const first = this.query.order[0];
    const rest = this.clustering.filter((c) => !this.query.by.includes(c.field));
    if (rest.length > 0) {
      const natural = rest[0]!;
      const declared = first && first.field === natural.field ? first.order : natural.order;
      const flip = (declared !== natural.order) !== reverse;
      const upTo = this.clustering.indexOf(natural);
      const order = this.clustering.slice(0, upTo + 1).map((c) => {
        const dir = flip ? (c.order === "asc" ? "DESC" : "ASC") : c.order.toUpperCase();
        return `${this.s.col(c.field)} ${dir}`;
      });
      cql += ` ORDER BY ${order.join(", ")}`;
    }
    compiled = statement(cql, types);
    this.variants.set(key, compiled);
    return compiled;
  }

  /** Bind values for a variant: equality values, then the range bounds. */
  values(params: StoredItem, range: RangeCondition | undefined): NeutralValue[] {
    const eq = this.eqEncoders;
    const values = new Array<NeutralValue>(eq.length);
    for (let i = 0; i < eq.length; i++) values[i] = eq[i]!.encode(params[eq[i]!.name]);
    const rangeField = this.query.rangeField;
    if (rangeField && range) {
      const field = this.s.field(rangeField);
      const lower = range.gt ?? range.gte;
      const upper = range.lt ?? range.lte;
      if (lower !== undefined) values.push(encodeField(field, lower));
      if (upper !== undefined) values.push(encodeField(field, upper));
    }
    return values;
  }
}

/** Every statement of one entity. */
export class EntityStatements {
  readonly fields: readonly FieldModel[];
  readonly columnList: string;
  readonly base: CompiledTable;
  readonly queryTables: CompiledTable[];
  readonly get: CqlStatement;
  readonly insertIfNotExists: CqlStatement;
  readonly insertIfNotExistsWithTtl: CqlStatement;
  readonly deleteIfExists: CqlStatement;
  readonly deleteIfVersion: CqlStatement | undefined;
  private readonly byName: Map<string, FieldModel>;
  /** The reader of whole rows (every field, none bound). */
  readonly reader: RowReader;
  private readonly primaryKey: readonly FieldModel[];
  private readonly primaryKeyEncoders: readonly FieldEncoder[];
  private readonly fieldEncoders: readonly FieldEncoder[];
  private readonly updates = new Map<string, CqlStatement>();
  private rowMarkerCache: CqlStatement | undefined;
  private readonly queries = new Map<QueryModel, CompiledQuery>();

  constructor(
    readonly model: EntityModel,
    readonly keyspace: string,
  ) {
    this.fields = model.fields;
    this.byName = new Map(model.fields.map((f) => [f.name, f]));
    this.reader = rowReader(model.fields, []);
    this.columnList = model.fields.map((f) => quoteIdent(f.column)).join(", ");
    const [base, ...others] = cassandraTables(model).map((t) => this.compileTable(t));
    this.base = base!;
    this.queryTables = others;
    this.primaryKey = model.key.fields.map((f) => this.field(f));
    this.primaryKeyEncoders = this.primaryKey.map(fieldEncoder);
    this.fieldEncoders = model.fields.map(fieldEncoder);
    const keyWhere = this.where(model.key.fields);
    this.get = statement(`SELECT ${this.columnList} FROM ${this.qualified(model.table)} WHERE ${keyWhere}`, this.keyTypes(model.key.fields));
    this.insertIfNotExists = statement(`${this.base.insert.cql} IF NOT EXISTS`, [...this.base.insert.types]);
    this.insertIfNotExistsWithTtl = statement(`${this.base.insert.cql} IF NOT EXISTS USING TTL ?`, [...this.base.insert.types, "int"]);
    this.deleteIfExists = statement(`${this.base.delete.cql} IF EXISTS`, [...this.base.delete.types]);
    this.deleteIfVersion = model.version
      ? statement(`${this.base.delete.cql} IF ${this.col(model.version)} = ?`, [...this.base.delete.types, columnType(this.field(model.version))])
      : undefined;
  }

  /** The field model of a field name. */
  field(name: string): FieldModel {
    const f = this.byName.get(name);
    if (!f) throw new PolyxenaError("E_VALIDATION", `unknown field ${name}`, { issues: [{ path: [name], message: "unknown field" }] });
    return f;
  }

  /** Quoted column of a field. */
  col(name: string): string {
    return quoteIdent(this.field(name).column);
  }

  /** `"keyspace"."table"`. */
  qualified(table: string): string {
    return qualifiedName(this.keyspace, table);
  }

  private where(fields: readonly string[]): string {
    return fields.map((f) => `${this.col(f)} = ?`).join(" AND ");
  }

  private keyTypes(fields: readonly string[]): string[] {
    return fields.map((f) => columnType(this.field(f)));
  }

  private compileTable(table: CassandraTable): CompiledTable {
    const keyFields = [...table.partition, ...table.clustering.map((c) => c.field)];
    const types = this.fields.map(columnType);
    const insert = `INSERT INTO ${this.qualified(table.name)} (${this.columnList}) VALUES (${this.fields.map(() => "?").join(", ")})`;
    return {
      table,
      keyFields,
      insert: statement(insert, types),
      insertWithTtl: statement(`${insert} USING TTL ?`, [...types, "int"]),
      delete: statement(`DELETE FROM ${this.qualified(table.name)} WHERE ${this.where(keyFields)}`, this.keyTypes(keyFields)),
    };
  }

  /**
   * `UPDATE ... SET <changed> WHERE <key>` with its condition, compiled once
   * per set of changed fields and condition shape: `IF EXISTS`,
   * `IF version = ?`, or `IF <every non-key column> = ?` ("unchanged": a
   * compare-and-set against the row as last read, in field order).
   */
  update(changed: readonly string[], condition: "exists" | "version" | "unchanged", withTtl: boolean): CqlStatement {
    const key = `${changed.join(",")}|${condition}|${withTtl ? "t" : ""}`;
    let s = this.updates.get(key);
    if (s) return s;
    const types: string[] = [];
    if (withTtl) types.push("int");
    const sets = changed.map((f) => {
      types.push(columnType(this.field(f)));
      return `${this.col(f)} = ?`;
    });
    types.push(...this.keyTypes(this.model.key.fields));
    let cql = `UPDATE ${this.qualified(this.model.table)}${withTtl ? " USING TTL ?" : ""} SET ${sets.join(", ")} WHERE ${this.where(this.model.key.fields)}`;
    if (condition === "version") {
      cql += ` IF ${this.col(this.model.version!)} = ?`;
      types.push(columnType(this.field(this.model.version!)));
    } else if (condition === "unchanged") {
      const fields = this.nonKeyFields();
      cql += ` IF ${fields.map((f) => `${this.col(f.name)} = ?`).join(" AND ")}`;
      types.push(...fields.map(columnType));
    } else {
      cql += " IF EXISTS";
    }
    s = statement(cql, types);
    this.updates.set(key, s);
    return s;
  }

  /** The fields outside the primary key, in field order. */
  nonKeyFields(): FieldModel[] {
    return this.fields.filter((f) => !this.model.key.fields.includes(f.name));
  }

  /**
   * `INSERT INTO <base> (<key>) VALUES (...) USING TTL ?`: gives the row's
   * marker a TTL. An UPDATE never writes the marker, so a row rewritten with
   * a TTL by UPDATE alone would outlive its cells as a key without fields.
   */
  get rowMarkerWithTtl(): CqlStatement {
    this.rowMarkerCache ??= statement(
      `INSERT INTO ${this.qualified(this.model.table)} (${this.model.key.fields.map((f) => this.col(f)).join(", ")}) VALUES (${this.model.key.fields.map(() => "?").join(", ")}) USING TTL ?`,
      [...this.keyTypes(this.model.key.fields), "int"],
    );
    return this.rowMarkerCache;
  }

  /** The compiled statements of a declared query. */
  query(query: QueryModel): CompiledQuery {
    let q = this.queries.get(query);
    if (q) return q;
    if (query.index.kind === "table") {
      q = new CompiledQuery(this, query, query.index.name, query.index.partition, query.index.clustering);
    } else {
      q = new CompiledQuery(this, query, this.model.table, this.model.key.partition, this.model.key.clustering);
    }
    this.queries.set(query, q);
    return q;
  }

  /** All column values of an item, in column order. */
  itemValues(item: StoredItem): NeutralValue[] {
    const fields = this.fields;
    const encode = this.fieldEncoders;
    const values = new Array<NeutralValue>(fields.length);
    for (let i = 0; i < fields.length; i++) values[i] = encode[i]!(item[fields[i]!.name]);
    return values;
  }

  /** Bind values of the primary key (the base table's key fields, in order) of an item or key. */
  primaryKeyValues(key: StoredItem): NeutralValue[] {
    const fields = this.primaryKey;
    const encode = this.primaryKeyEncoders;
    const values = new Array<NeutralValue>(fields.length);
    for (let i = 0; i < fields.length; i++) values[i] = encode[i]!(key[fields[i]!.name]);
    return values;
  }

  /** Key values of an item for a table's key fields. */
  keyValues(fields: readonly string[], item: StoredItem): NeutralValue[] {
    return fields.map((f) => encodeField(this.field(f), item[f]));
  }

  /** A row (by column name) to a domain item; absent optional fields are left out. */
  decodeRow(row: Record<string, NeutralValue>): StoredItem {
    return this.reader.decode(row);
  }

  /** A stable string of an item's values for some fields (to compare keys). */
  keyString(fields: readonly string[], item: StoredItem): string {
    return JSON.stringify(this.keyValues(fields, item), (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
  }
}
