/**
 * The statements every SQL store compiles for an entity the same way, once
 * per process: read by key, delete (with an optional expected version),
 * update of a set of changed fields, and the row and key conversions.
 * Each store's `<kind>-statements.ts` extends it with the statements whose
 * syntax is its own (upserts, multi-key reads).
 */
import { PolyxenaError, type EntityModel, type FieldModel, type KeyValues, type QueryModel, type StoredItem } from "@polyxena/core";
import { SqlCompiledQuery } from "./sql-compiled-query.js";
import type { SqlParameterKind, SqlStatementDialect } from "./sql-statement-dialect.js";

/** Most statement shapes kept per entity (update field sets, query variants); beyond that they are compiled per call. */
export const MAX_STATEMENT_VARIANTS = 256;

/** The statements of one entity on one SQL store; `S` is the statement object the store's driver runs. */
export class SqlEntityStatements<S> {
  readonly fields: readonly FieldModel[];
  readonly keyFields: readonly FieldModel[];
  readonly nonKeyFields: readonly FieldModel[];
  readonly fieldByName: ReadonlyMap<string, FieldModel>;
  /** The quoted columns of every field, in field order (the order rows are decoded in). */
  readonly selectList: string;
  /** The quoted version column (`version` when the entity declares none). */
  readonly versionColumn: string;
  /** The row of a key. Parameters: the key. */
  readonly get: S;
  /** Parameters: the key. */
  readonly delete: S;
  /** Parameters: the key, then the expected version. */
  readonly deleteVersion: S;
  private readonly updates = new Map<string, S>();
  private readonly fieldNames: readonly string[];
  private readonly decoders: readonly ((raw: unknown) => unknown)[];

  /**
   * @param table the table as statements name it (quoted, qualified where the store has schemas)
   */
  constructor(
    readonly model: EntityModel,
    readonly table: string,
    protected readonly dialect: SqlStatementDialect<S>,
  ) {
    this.fields = model.fields;
    this.fieldByName = new Map(model.fields.map((f) => [f.name, f]));
    this.keyFields = model.key.partition.map((name) => {
      const f = this.fieldByName.get(name);
      if (!f) throw new PolyxenaError("E_DEFINITION", `key field ${name} is not in the schema`, { entity: model.name, path: "key" });
      return f;
    });
    this.nonKeyFields = model.fields.filter((f) => !model.key.partition.includes(f.name));
    this.fieldNames = model.fields.map((f) => f.name);
    this.decoders = model.fields.map((f) => dialect.columnDecoder(f));
    this.selectList = model.fields.map((f) => this.column(f)).join(", ");
    const version = model.version ? this.fieldByName.get(model.version) : undefined;
    this.versionColumn = dialect.ident(version ? version.column : "version");
    const keyWhere = this.keyWhere(0);
    this.get = dialect.statement(`SELECT ${this.selectList} FROM ${table} WHERE ${keyWhere}`);
    this.delete = dialect.statement(`DELETE FROM ${table} WHERE ${keyWhere}`);
    this.deleteVersion = dialect.statement(`DELETE FROM ${table} WHERE ${keyWhere} AND ${this.versionColumn} = ${dialect.placeholder(this.keyFields.length + 1, "version")}`);
  }

  /** The quoted column of a field. */
  column(field: FieldModel): string {
    return this.dialect.ident(field.column);
  }

  /** `key1 = <p>, ...` with the key's placeholders numbered after `offset` parameters. */
  protected keyWhere(offset: number): string {
    return this.keyFields.map((f, i) => `${this.column(f)} = ${this.dialect.placeholder(offset + i + 1, f)}`).join(" AND ");
  }

  /** Encodes a domain value of a field as a statement parameter. */
  encode(field: FieldModel, value: unknown): unknown {
    return this.dialect.encodeParameter(field, value);
  }

  /** Encoded key parameters, in key order. */
  keyValues(key: KeyValues): unknown[] {
    return this.keyFields.map((f) => this.dialect.encodeParameter(f, key[f.name]));
  }

  /** Encoded parameters of an insert: every field in order. */
  itemValues(item: StoredItem): unknown[] {
    return this.fields.map((f) => this.dialect.encodeParameter(f, item[f.name]));
  }

  /** A string identifying a key's value, equal for keys the store considers equal. */
  keyString(key: KeyValues): string {
    let out = "";
    for (const f of this.keyFields) out += `${this.dialect.keyPart(f, key[f.name])}\u0000`;
    return out;
  }

  /** Decodes a row fetched as an array in this entity's select list. */
  decodeRow(row: readonly unknown[]): StoredItem {
    const item: StoredItem = {};
    const names = this.fieldNames;
    const decoders = this.decoders;
    for (let i = 0; i < decoders.length; i++) {
      const v = decoders[i]!(row[i]);
      if (v !== undefined) item[names[i]!] = v;
    }
    return item;
  }

  /**
   * The `UPDATE` for this set of changed fields and condition (returning the
   * row where the store can), compiled on first use. Parameters: changed
   * fields (sorted by name), then the key, then the expected version.
   */
  update(changed: readonly string[], versioned: boolean, increment: string | undefined): S {
    const cacheKey = `${changed.join(",")}|${versioned ? "v" : ""}|${increment ?? ""}`;
    let statement = this.updates.get(cacheKey);
    if (statement) return statement;
    const p = (n: number, kind: SqlParameterKind) => this.dialect.placeholder(n, kind);
    const sets = changed.map((name, i) => {
      const f = this.fieldByName.get(name)!;
      return `${this.column(f)} = ${p(i + 1, f)}`;
    });
    if (increment) {
      const c = this.column(this.fieldByName.get(increment)!);
      sets.push(`${c} = ${c} + 1`);
    }
    let where = this.keyWhere(changed.length);
    if (versioned && this.model.version) where += ` AND ${this.versionColumn} = ${p(changed.length + this.keyFields.length + 1, "version")}`;
    statement = this.dialect.statement(`UPDATE ${this.table} SET ${sets.join(", ")} WHERE ${where}${this.dialect.returning(this.selectList)}`);
    if (this.updates.size < MAX_STATEMENT_VARIANTS) this.updates.set(cacheKey, statement);
    return statement;
  }

  /** Compiles a declared query of this entity. */
  compileQuery(query: QueryModel): SqlCompiledQuery<S> {
    return new SqlCompiledQuery(this, query, this.dialect);
  }
}
