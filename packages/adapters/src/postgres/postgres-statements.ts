/**
 * Compiles entity operations to SQL once per process. Every statement is a
 * named prepared statement (`pg` `{ name, text }`), its name derived from
 * its text so that two adapters on one pool never clash. The statements
 * every SQL store shares are built by `../sql/`; here are Postgres'
 * placeholders (`$1::uuid`), `RETURNING`, `ON CONFLICT` and array reads.
 */
import { createHash } from "node:crypto";
import { quoteIdent, type EntityModel, type FieldModel, type KeyValues, type PutCondition } from "@polyxena/core";
import { SqlCompiledQuery } from "../sql/sql-compiled-query.js";
import { SqlEntityStatements } from "../sql/sql-entity-statements.js";
import type { SqlStatementDialect } from "../sql/sql-statement-dialect.js";
import { columnDecoder, encodeParameter, parameterType } from "./postgres-codec.js";

/** A named prepared statement. */
export interface PgStatement {
  readonly name: string;
  readonly text: string;
}

/** Makes a statement whose name is a hash of its text. */
export function pgStatement(text: string): PgStatement {
  return { name: `px_${createHash("sha1").update(text).digest("hex").slice(0, 28)}`, text };
}

function keyPart(field: FieldModel, value: unknown): string {
  if (value instanceof Date) return String(value.getTime());
  if (typeof value === "bigint") return value.toString();
  if (field.type === "uuid" && typeof value === "string") return value.toLowerCase();
  return String(value);
}

/** Postgres' statement dialect: numbered, typed placeholders; NULL already sorts as the largest value. */
const POSTGRES_STATEMENT_DIALECT: SqlStatementDialect<PgStatement> = {
  ident: quoteIdent,
  placeholder: (n, kind) => `$${n}::${kind === "version" ? "int8" : kind === "limit" ? "int4" : parameterType(kind)}`,
  numberedPlaceholders: true,
  statement: pgStatement,
  encodeParameter,
  columnDecoder,
  keyPart,
  orderTerms: (column, desc) => [`${column}${desc ? " DESC" : ""}`],
  boundLimit: true,
  returning: (selectList) => ` RETURNING ${selectList}`,
};

/** A declared Postgres query: its total order and its statement variants. */
export type CompiledQuery = SqlCompiledQuery<PgStatement>;

/** The statements of one entity in one database schema. */
export class EntityStatements extends SqlEntityStatements<PgStatement> {
  readonly getMany: PgStatement;
  readonly upsert: PgStatement;
  /** Insert unless the key exists (affects no row then). */
  readonly insert: PgStatement;
  /** Replace every non-key field when the version matches. Parameters: every field in order, then the expected version. */
  readonly replaceVersion: PgStatement;
  /** The deletes returning the deleted row (for the change event of an entity with events). */
  readonly deleteReturning: PgStatement;
  readonly deleteVersionReturning: PgStatement;
  /** `INSERT INTO ... VALUES (...) ON CONFLICT (key)` of the puts. */
  private readonly insertOnConflict: string;
  private appliedPuts: { upsert: PgStatement; insert: PgStatement; replaceVersion: PgStatement } | undefined;

  constructor(model: EntityModel, schema: string) {
    super(model, `${quoteIdent(schema)}.${quoteIdent(model.table)}`, POSTGRES_STATEMENT_DIALECT);
    const col = (f: FieldModel) => quoteIdent(f.column);
    const param = (i: number, f: FieldModel) => `$${i}::${parameterType(f)}`;
    if (this.keyFields.length === 1) {
      const k = this.keyFields[0]!;
      this.getMany = pgStatement(`SELECT ${this.selectList} FROM ${this.table} WHERE ${col(k)} = ANY($1::${parameterType(k)}[])`);
    } else {
      const tuple = this.keyFields.map(col).join(", ");
      const arrays = this.keyFields.map((f, i) => `$${i + 1}::${parameterType(f)}[]`).join(", ");
      this.getMany = pgStatement(`SELECT ${this.selectList} FROM ${this.table} WHERE (${tuple}) IN (SELECT * FROM unnest(${arrays}))`);
    }

    // Put statements take every field as $1..$n in field order; version puts add the expected version last.
    const fieldIndex = new Map(model.fields.map((f, i) => [f.name, i]));
    const all = model.fields.map((f, i) => param(i + 1, f)).join(", ");
    const columns = model.fields.map(col).join(", ");
    const keyColumns = this.keyFields.map(col).join(", ");
    const putKeyWhere = this.keyFields.map((f) => `${col(f)} = ${param(fieldIndex.get(f.name)! + 1, f)}`).join(" AND ");
    const setAll = this.nonKeyFields.length
      ? this.nonKeyFields.map((f) => `${col(f)} = ${param(fieldIndex.get(f.name)! + 1, f)}`).join(", ")
      : `${col(this.keyFields[0]!)} = ${col(this.keyFields[0]!)}`;
    this.insertOnConflict = `INSERT INTO ${this.table} (${columns}) VALUES (${all}) ON CONFLICT (${keyColumns})`;
    this.insert = pgStatement(`${this.insertOnConflict} DO NOTHING`);
    this.upsert = this.nonKeyFields.length ? pgStatement(`${this.insertOnConflict} DO UPDATE SET ${this.nonKeyFields.map((f) => `${col(f)} = EXCLUDED.${col(f)}`).join(", ")}`) : this.insert;
    this.replaceVersion = pgStatement(`UPDATE ${this.table} SET ${setAll} WHERE ${putKeyWhere} AND ${this.versionColumn} = $${model.fields.length + 1}::int8`);
    this.deleteReturning = pgStatement(`${this.delete.text} RETURNING ${this.selectList}`);
    this.deleteVersionReturning = pgStatement(`${this.deleteVersion.text} RETURNING ${this.selectList}`);
  }

  /** The put statement for a condition: parameters are every field in order, then the expected version. */
  put(condition: PutCondition | undefined): PgStatement {
    return condition === undefined ? this.upsert : condition.kind === "notExists" ? this.insert : this.replaceVersion;
  }

  /**
   * {@link put}'s statements returning one row exactly when they wrote, so a
   * statement built around them can act on that write alone (the change
   * event of an entity with events). The upsert of an entity whose fields
   * are all key fields rewrites the key instead of doing nothing, so it
   * always returns its row, as a put always applies.
   */
  putReturning(condition: PutCondition | undefined): PgStatement {
    this.appliedPuts ??= {
      upsert: pgStatement(
        this.nonKeyFields.length
          ? `${this.upsert.text} RETURNING 1`
          : `${this.insertOnConflict} DO UPDATE SET ${this.keyFields.map((f) => `${quoteIdent(f.column)} = EXCLUDED.${quoteIdent(f.column)}`).join(", ")} RETURNING 1`,
      ),
      insert: pgStatement(`${this.insert.text} RETURNING 1`),
      replaceVersion: pgStatement(`${this.replaceVersion.text} RETURNING 1`),
    };
    return condition === undefined ? this.appliedPuts.upsert : condition.kind === "notExists" ? this.appliedPuts.insert : this.appliedPuts.replaceVersion;
  }

  /** Encoded parameters of a `getMany` statement: one array per key field. */
  getManyValues(keys: readonly KeyValues[]): unknown[] {
    return this.keyFields.map((f) => keys.map((k) => encodeParameter(f, k[f.name])));
  }
}
