/**
 * Compiles entity operations to MySQL statements once per process. The
 * adapter runs them as server-side prepared statements (`execute`), which
 * the driver prepares once per connection and reuses. The statements every
 * SQL store shares are built by `../sql/`; here are MySQL's `?`
 * placeholders, its NULL ordering, `ON DUPLICATE KEY UPDATE` and
 * multi-key reads.
 *
 * MySQL has no `UPDATE ... RETURNING` (MariaDB has `DELETE ... RETURNING`
 * since 10.5, MySQL has neither): conditional writes are decided by the
 * number of rows a statement matched (the driver connects with FOUND_ROWS),
 * and an update reads its row back in the same transaction, under the lock
 * the update took.
 */
import type { EntityModel, FieldModel, StoredItem } from "@polyxena/core";
import { mysqlIdent } from "@polyxena/core/stores/mysql";
import { SqlCompiledQuery } from "../sql/sql-compiled-query.js";
import { MAX_STATEMENT_VARIANTS, SqlEntityStatements } from "../sql/sql-entity-statements.js";
import type { SqlStatementDialect } from "../sql/sql-statement-dialect.js";
import { decodeColumn, encodeParameter } from "./mysql-codec.js";

/** MySQL's statement dialect: positional `?` placeholders, page sizes written in, NULL ordered last by `IS NULL`. */
const MYSQL_STATEMENT_DIALECT: SqlStatementDialect<string> = {
  ident: mysqlIdent,
  placeholder: () => "?",
  numberedPlaceholders: false,
  statement: (text) => text,
  encodeParameter,
  columnDecoder: (field) => (raw) => decodeColumn(field, raw),
  keyPart: (field, value) => String(encodeParameter(field, value)),
  // NULL sorts as the largest value, as on Postgres (MySQL itself sorts it first): `col IS NULL` orders it.
  orderTerms: (column, desc, nullable) => [...(nullable ? [`${column} IS NULL${desc ? " DESC" : ""}`] : []), `${column}${desc ? " DESC" : ""}`],
  // A bound LIMIT parameter is refused by MySQL 8.0.22+ when the driver sends it as a double.
  boundLimit: false,
  returning: () => "",
};

/** A declared MySQL query: its total order and its statement variants. */
export type CompiledQuery = SqlCompiledQuery<string>;

const col = (f: FieldModel) => mysqlIdent(f.column);

/** The statements of one entity. */
export class EntityStatements extends SqlEntityStatements<string> {
  /** Insert or replace by primary key (`ON DUPLICATE KEY UPDATE`); only for entities without unique constraints, where the primary key is the only key a row can collide on. */
  readonly upsert: string;
  /** Insert; a taken primary key or unique value is ER_DUP_ENTRY. */
  readonly insert: string;
  /** Replace the non-key fields of an existing row: parameters are the non-key fields, then the key. */
  readonly replaceExisting: string;
  /** {@link replaceExisting} when the version matches: parameters as there, then the expected version. */
  readonly replaceVersion: string;
  private readonly getManyBySize = new Map<number, string>();

  constructor(model: EntityModel) {
    super(model, mysqlIdent(model.table), MYSQL_STATEMENT_DIALECT);
    const keyWhere = this.keyWhere(0);
    const columns = model.fields.map(col).join(", ");
    const all = model.fields.map(() => "?").join(", ");
    this.insert = `INSERT INTO ${this.table} (${columns}) VALUES (${all})`;
    const onDuplicate = this.nonKeyFields.length ? this.nonKeyFields.map((f) => `${col(f)} = VALUES(${col(f)})`).join(", ") : `${col(this.keyFields[0]!)} = ${col(this.keyFields[0]!)}`;
    this.upsert = `${this.insert} ON DUPLICATE KEY UPDATE ${onDuplicate}`;
    const setAll = this.nonKeyFields.length ? this.nonKeyFields.map((f) => `${col(f)} = ?`).join(", ") : `${col(this.keyFields[0]!)} = ${col(this.keyFields[0]!)}`;
    this.replaceExisting = `UPDATE ${this.table} SET ${setAll} WHERE ${keyWhere}`;
    this.replaceVersion = `${this.replaceExisting} AND ${this.versionColumn} = ?`;
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
    if (this.getManyBySize.size < MAX_STATEMENT_VARIANTS) this.getManyBySize.set(count, sql);
    return sql;
  }
}
