/**
 * What a SQL store's statements differ by: quoting, placeholders, the
 * statement object its driver runs, value conversion, how NULL sorts and
 * whether a page size is bound or written into the statement. The shared
 * statement builders (`sql-entity-statements.ts`, `sql-compiled-query.ts`)
 * take one of these; each store's folder declares its own.
 */
import type { FieldModel } from "@polyxena/core";

/** What a placeholder is bound to: a field's value, an expected version or a page size. */
export type SqlParameterKind = FieldModel | "version" | "limit";

/** A SQL store's statement dialect; `S` is the statement object its driver runs. */
export interface SqlStatementDialect<S> {
  /** Quotes an identifier. */
  ident(name: string): string;
  /** The placeholder of the `n`-th (1-based) parameter of a statement (`$2::uuid`, `?`). */
  placeholder(n: number, kind: SqlParameterKind): string;
  /** Whether a placeholder names its parameter by number, so a value used twice is bound once. */
  readonly numberedPlaceholders: boolean;
  /** Makes the statement object the driver runs from its text. */
  statement(text: string): S;
  /** Encodes a domain value as a statement parameter. */
  encodeParameter(field: FieldModel, value: unknown): unknown;
  /** The decoder of a field's column values as the driver returns them (`undefined` for an absent optional value), chosen once per field. */
  columnDecoder(field: FieldModel): (raw: unknown) => unknown;
  /** A string for one key value, equal for values the store considers the same key. */
  keyPart(field: FieldModel, value: unknown): string;
  /** The ORDER BY terms of one column, NULL sorting as the largest value. */
  orderTerms(column: string, desc: boolean, nullable: boolean): string[];
  /** Whether LIMIT is a bound parameter (one statement for every page size) or written into the text. */
  readonly boundLimit: boolean;
  /** The clause an update appends to hand back the row it wrote (`RETURNING ...`), or none. */
  returning(selectList: string): string;
}
