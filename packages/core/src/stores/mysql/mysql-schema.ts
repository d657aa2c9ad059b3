/**
 * MySQL DDL: one InnoDB table per entity (the primary key, one UNIQUE
 * constraint per declared unique field set, one index per `index`-kind
 * query), with column types chosen so that every index fits InnoDB's key
 * limit and text compares byte for byte, without padding.
 */
import type { EntityModel, FieldModel } from "../../entity-model.js";
import { PolyxenaError } from "../../errors.js";
import { fitsInt32 } from "../../physical/field-shapes.js";
import { sqlColumnDefinition, sqlColumns, sqlIndexStatements, sqlUniqueConstraint, type SqlQuoting } from "../sql/sql-schema.js";

/** InnoDB's largest index key (DYNAMIC and COMPRESSED row formats, the default since MySQL 5.7 and MariaDB 10.2). */
export const INNODB_MAX_KEY_BYTES = 3072;
/** Bytes InnoDB reserves per character of a utf8mb4 column in an index key. */
export const UTF8MB4_MAX_BYTES = 4;
/** Longest indexed `varchar` a single-column index allows. */
const MAX_INDEXED_CHARS = INNODB_MAX_KEY_BYTES / UTF8MB4_MAX_BYTES;

/**
 * A binary, NO PAD utf8mb4 collation: text keys compare byte for byte, so
 * `a` and `A`, `a` and `a `, NFC and NFD are different keys (as on every
 * other store). MariaDB spells it `utf8mb4_nopad_bin`, MySQL 8 `utf8mb4_0900_bin`.
 */
export type MysqlTextCollation = (typeof MYSQL_TEXT_COLLATIONS)[number];

/** The binary NO PAD collations of MySQL 8 and MariaDB. */
export const MYSQL_TEXT_COLLATIONS = ["utf8mb4_0900_bin", "utf8mb4_nopad_bin"] as const;

/** The collation DDL uses when the server is not known (MySQL 8). */
export const DEFAULT_TEXT_COLLATION: MysqlTextCollation = "utf8mb4_0900_bin";

/** Backquotes an identifier, doubling embedded backquotes. */
export function mysqlIdent(name: string): string {
  return `\`${name.replace(/`/g, "``")}\``;
}

/** Single-quotes a string literal; backslashes are doubled too (MySQL treats them as escapes unless NO_BACKSLASH_ESCAPES). */
export function mysqlLiteral(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

/** MySQL quoting: backquoted identifiers, literals with backslashes escaped. */
const MYSQL_QUOTING: SqlQuoting = { ident: mysqlIdent, literal: mysqlLiteral };

/** The name of an index or constraint of the entity and the fields it covers, in order. */
export interface MysqlIndex {
  readonly name: string;
  readonly fields: readonly FieldModel[];
  readonly kind: "primary" | "unique" | "index";
  /** Descending columns (declared query order), by field name. */
  readonly descending?: ReadonlySet<string> | undefined;
}

const INDEXES = new WeakMap<EntityModel, readonly MysqlIndex[]>();

/** The primary key, the unique constraints and the declared query indexes of an entity. */
export function mysqlIndexes(model: EntityModel): readonly MysqlIndex[] {
  let indexes = INDEXES.get(model);
  if (indexes) return indexes;
  const byName = new Map(model.fields.map((f) => [f.name, f]));
  const fieldsOf = (names: readonly string[]) =>
    names.map((n) => {
      const field = byName.get(n);
      if (!field) throw new PolyxenaError("E_DEFINITION", `field ${n} is not in the schema`, { entity: model.name, path: "key" });
      return field;
    });
  const list: MysqlIndex[] = [{ name: "PRIMARY", kind: "primary", fields: fieldsOf(model.key.partition) }];
  for (const c of model.unique) list.push({ name: c.name, kind: "unique", fields: fieldsOf(c.fields) });
  for (const q of model.queries) {
    if (q.index.kind !== "index") continue;
    const descending = new Set(q.index.columns.filter((c) => c.order === "desc").map((c) => c.field));
    list.push({ name: q.index.name, kind: "index", fields: fieldsOf(q.index.columns.map((c) => c.field)), descending });
  }
  indexes = list;
  INDEXES.set(model, indexes);
  return indexes;
}

/** Key bytes of a non-text column in an index entry. */
function fixedKeyBytes(field: FieldModel): number {
  switch (field.type) {
    case "uuid":
      return 36;
    case "int":
      return fitsInt32(field) ? 4 : 8;
    case "number":
    case "date":
      return 8;
    case "bigint":
      return 18;
    case "boolean":
      return 1;
    case "enum":
      return UTF8MB4_MAX_BYTES * enumLength(field);
    default:
      return 0;
  }
}

function enumLength(field: FieldModel): number {
  return Math.max(1, ...(field.values ?? []).map((v) => [...v].length));
}

const LENGTHS = new WeakMap<EntityModel, ReadonlyMap<string, number>>();

/**
 * The `varchar` length of every indexed string field: its declared maximum,
 * or for an unbounded one the share of InnoDB's 3072 key bytes that each
 * index it is in leaves it (at most 768 characters). `E_DEFINITION` when the
 * declared maxima of an index pass the limit.
 */
export function indexedStringLengths(model: EntityModel): ReadonlyMap<string, number> {
  let lengths = LENGTHS.get(model);
  if (lengths) return lengths;
  const result = new Map<string, number>();
  for (const index of mysqlIndexes(model)) {
    let fixed = 0;
    const unbounded: FieldModel[] = [];
    for (const f of index.fields) {
      if (f.type === "string") {
        if (f.maxLength !== undefined && f.maxLength > 0) fixed += UTF8MB4_MAX_BYTES * f.maxLength;
        else unbounded.push(f);
      } else if (f.type === "list" || f.type === "map" || f.type === "object") {
        throw new PolyxenaError("E_DEFINITION", `${f.name} is a JSON column and cannot be in index ${index.name}`, { entity: model.name, path: index.name, fix: "index scalar fields only" });
      } else {
        fixed += fixedKeyBytes(f);
      }
    }
    const share = unbounded.length ? Math.min(MAX_INDEXED_CHARS, Math.floor((INNODB_MAX_KEY_BYTES - fixed) / (UTF8MB4_MAX_BYTES * unbounded.length))) : 0;
    if (fixed > INNODB_MAX_KEY_BYTES || (unbounded.length > 0 && share < 1)) {
      throw new PolyxenaError("E_DEFINITION", `index ${index.name} of ${model.table} needs ${fixed} key bytes; InnoDB allows at most ${INNODB_MAX_KEY_BYTES}`, {
        entity: model.name,
        path: index.name,
        fix: `lower the .max() of its string fields (each character takes ${UTF8MB4_MAX_BYTES} key bytes in utf8mb4)`,
      });
    }
    for (const f of index.fields) {
      if (f.type !== "string") continue;
      const length = f.maxLength !== undefined && f.maxLength > 0 ? f.maxLength : share;
      result.set(f.name, Math.min(result.get(f.name) ?? length, length));
    }
  }
  lengths = result;
  LENGTHS.set(model, lengths);
  return lengths;
}

/** Largest `varchar` that stays off the 65,535-byte row limit in practice; longer text goes to a TEXT type. */
const MAX_VARCHAR_CHARS = 255;

/** The MySQL column type of a field, without NULL or CHECK clauses. */
export function mysqlColumnType(model: EntityModel, field: FieldModel, collation: MysqlTextCollation = DEFAULT_TEXT_COLLATION): string {
  const text = (type: string) => `${type} CHARACTER SET utf8mb4 COLLATE ${collation}`;
  switch (field.type) {
    case "string": {
      const indexed = indexedStringLengths(model).get(field.name);
      if (indexed !== undefined) return text(`varchar(${indexed})`);
      const max = field.maxLength !== undefined && field.maxLength > 0 ? field.maxLength : undefined;
      if (max === undefined) return text("longtext");
      if (max <= MAX_VARCHAR_CHARS) return text(`varchar(${max})`);
      if (max * UTF8MB4_MAX_BYTES <= 65_535) return text("text");
      if (max * UTF8MB4_MAX_BYTES <= 16_777_215) return text("mediumtext");
      return text("longtext");
    }
    case "uuid":
      return "char(36) CHARACTER SET ascii COLLATE ascii_bin";
    case "int":
      return fitsInt32(field) ? "int" : "bigint";
    case "number":
      return "double";
    case "bigint":
      return "decimal(39,0)";
    case "boolean":
      return "tinyint(1)";
    case "date":
      return "datetime(3)";
    case "enum":
      return text(`varchar(${enumLength(field)})`);
    case "list":
    case "map":
    case "object":
      return "json";
  }
}

/** The column definition of one field: `` `col` type [NOT NULL] [CHECK (...)] ``. */
export function mysqlColumnDefinition(model: EntityModel, field: FieldModel, collation: MysqlTextCollation = DEFAULT_TEXT_COLLATION): string {
  return sqlColumnDefinition(field, mysqlColumnType(model, field, collation), MYSQL_QUOTING);
}

/** `CONSTRAINT name UNIQUE (cols)` of one declared unique constraint. */
export function mysqlUniqueConstraint(model: EntityModel, name: string): string {
  return sqlUniqueConstraint(model, name, MYSQL_QUOTING);
}

/** `PRIMARY KEY (cols)` of the entity. */
export function mysqlPrimaryKey(model: EntityModel): string {
  return `PRIMARY KEY (${sqlColumns(model, model.key.partition, MYSQL_QUOTING)})`;
}

/** `CREATE TABLE IF NOT EXISTS` for one entity. */
export function mysqlTableStatement(model: EntityModel, collation: MysqlTextCollation = DEFAULT_TEXT_COLLATION): string {
  const lines = model.fields.map((f) => `  ${mysqlColumnDefinition(model, f, collation)}`);
  lines.push(`  ${mysqlPrimaryKey(model)}`);
  for (const c of model.unique) lines.push(`  ${mysqlUniqueConstraint(model, c.name)}`);
  return `CREATE TABLE IF NOT EXISTS ${mysqlIdent(model.table)} (\n${lines.join(",\n")}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`;
}

/** `CREATE INDEX` statements for the entity's `index`-kind queries, in declaration order (MySQL has no `IF NOT EXISTS` here: plan/apply read the live indexes). */
export function mysqlIndexStatements(model: EntityModel): { name: string; statement: string }[] {
  return sqlIndexStatements(model, mysqlIdent(model.table), MYSQL_QUOTING, false);
}

/** The statements that create the tables and indexes of these MySQL entities (others are ignored). */
export function buildMysqlSchema(models: readonly EntityModel[], collation: MysqlTextCollation = DEFAULT_TEXT_COLLATION): string[] {
  const statements: string[] = [];
  for (const model of models) {
    if (model.store.kind !== "mysql") continue;
    statements.push(mysqlTableStatement(model, collation), ...mysqlIndexStatements(model).map((i) => i.statement));
  }
  return statements;
}
