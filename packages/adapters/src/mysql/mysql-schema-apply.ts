/**
 * MySQL `planSchema` / `applySchema`: the declared tables, columns, indexes
 * and unique constraints compared with the live database, read from
 * information_schema, never from a record of what was applied before.
 *
 * MySQL commits every DDL statement on its own (there is no transactional
 * DDL), so apply runs under a named lock (`GET_LOCK`, so concurrent
 * deployers take turns and see each other's work), refuses destructive
 * changes with their reasons before making any change unless
 * `allowDestructive`, and reports exactly the statements that ran: when one
 * fails, the error lists the ones already applied. Every applied statement
 * is recorded in `polyxena_schema_migrations` (history only).
 */
import { PolyxenaError, type EntityModel, type FieldModel, type SchemaApplyOptions, type SchemaApplyResult, type SchemaPlan } from "@polyxena/core";
import { mysqlColumnDefinition, mysqlColumnType, mysqlIdent, mysqlIndexStatements, mysqlPrimaryKey, mysqlTableStatement, mysqlUniqueConstraint, type MysqlTextCollation } from "@polyxena/core/stores/mysql";
import { mysqlError } from "./mysql-errors.js";
import type { MysqlPoolPort, MysqlQueryablePort } from "./mysql-port.js";
import { holdConnection } from "./mysql-transaction.js";
import { assertPlanAllowed, diffSqlSchema, MIGRATIONS_TABLE, statementHash, type LiveSqlColumn, type LiveSqlTable, type SqlSchemaDiffDialect } from "../sql/sql-schema-diff.js";

export { MIGRATIONS_TABLE };


/** A column as information_schema describes it. */
interface LiveColumn extends LiveSqlColumn {
  /** `COLUMN_TYPE`, lower case, integer display widths removed. */
  type: string;
  collation: string | null;
}

/** One table as information_schema describes it. */
interface LiveTable extends LiveSqlTable<LiveColumn> {
  columns: Map<string, LiveColumn>;
  primaryKey: string[];
  /** Every index by name (unique constraints and query indexes share one namespace), `PRIMARY` included. */
  uniques: Map<string, { unique: boolean; columns: string[] }>;
  hasRows: boolean;
}

/** `int(11)` -> `int` (MariaDB and MySQL 5.7 print display widths, MySQL 8.0.19+ does not; `tinyint(1)` keeps its width everywhere). */
function normalizeType(columnType: string): string {
  return columnType.toLowerCase().replace(/^(smallint|mediumint|int|bigint)\(\d+\)/, "$1");
}

/** A declared type split into the catalog's type and collation. */
function declaredType(model: EntityModel, field: EntityModel["fields"][number], collation: MysqlTextCollation): { type: string; collation: string | undefined } {
  const full = mysqlColumnType(model, field, collation);
  const match = /^(.*?) CHARACTER SET \w+ COLLATE (\w+)$/.exec(full);
  return match ? { type: match[1]!, collation: match[2]! } : { type: full, collation: undefined };
}

/** Whether the catalog type is what the declared one becomes: MariaDB keeps `json` as `longtext` (with a JSON_VALID check). */
function sameType(declared: string, live: string): boolean {
  return declared === live || (declared === "json" && live === "longtext");
}

async function readLiveTables(db: MysqlQueryablePort, tables: readonly string[]): Promise<Map<string, LiveTable>> {
  const live = new Map<string, LiveTable>();
  if (tables.length === 0) return live;
  const marks = tables.map(() => "?").join(", ");
  const [columns] = await db.query({
    sql: `SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, COLLATION_NAME, IS_NULLABLE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${marks}) ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    values: [...tables],
    rowsAsArray: true,
  });
  for (const [table, column, type, collation, nullable] of columns as [string, string, string, string | null, string][]) {
    let t = live.get(table);
    if (!t) live.set(table, (t = { columns: new Map(), primaryKey: [], uniques: new Map(), hasRows: false }));
    t.columns.set(column, { type: normalizeType(type), collation, notNull: nullable === "NO" });
  }
  const [indexes] = await db.query({
    sql: `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${marks}) ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    values: [...tables],
    rowsAsArray: true,
  });
  for (const [table, name, nonUnique, column] of indexes as [string, string, number | string, string][]) {
    const t = live.get(table);
    if (!t) continue;
    let index = t.uniques.get(name);
    if (!index) t.uniques.set(name, (index = { unique: Number(nonUnique) === 0, columns: [] }));
    index.columns.push(column);
    if (name === "PRIMARY") t.primaryKey = index.columns;
  }
  for (const [name, table] of live) {
    const [rows] = await db.query({ sql: `SELECT EXISTS (SELECT 1 FROM ${mysqlIdent(name)}) AS has_rows`, rowsAsArray: true });
    table.hasRows = Number((rows as unknown[][])[0]?.[0]) === 1;
  }
  return live;
}

/** MySQL's side of the shared schema diff: `MODIFY COLUMN` (type, collation and NULL at once), `PRIMARY`, indexes by name. */
function mysqlDiffDialect(collation: MysqlTextCollation): SqlSchemaDiffDialect<LiveColumn> {
  const modify = (model: EntityModel, field: FieldModel, table: string) => `ALTER TABLE ${table} MODIFY COLUMN ${mysqlColumnDefinition(model, field, collation)}`;
  return {
    kind: "mysql",
    ident: mysqlIdent,
    table: (model) => mysqlIdent(model.table),
    createTable: (model) => mysqlTableStatement(model, collation),
    indexStatements: mysqlIndexStatements,
    hasIndex: (_model, name, live) => live.uniques.has(name),
    columnDefinition: (model, field) => mysqlColumnDefinition(model, field, collation),
    newColumnOnRows: "MySQL would give them an invented value ('' or 0)",
    retype(model, field, table, column) {
      const want = declaredType(model, field, collation);
      if (sameType(want.type, column.type) && (want.collation === undefined || column.collation === want.collation)) return undefined;
      return {
        kind: "destructive",
        statement: modify(model, field, table),
        reason: `column ${field.column} of ${table} is ${column.type}${column.collation ? ` (${column.collation})` : ""}, but ${model.name}.${field.name} declares ${want.type}${want.collation ? ` (${want.collation})` : ""}: converting it rewrites every row and may fail, truncate or change how values compare; add a new field instead, or pass --allow-destructive`,
      };
    },
    retypeSetsNullability: true,
    nullability: (model, field, table) => modify(model, field, table),
    rekey: (model, table, liveKey) => `ALTER TABLE ${table} ${liveKey.length ? "DROP PRIMARY KEY, " : ""}ADD ${mysqlPrimaryKey(model)}`,
    uniqueConstraint: mysqlUniqueConstraint,
    dropUnique: (name) => `DROP INDEX ${mysqlIdent(name)}`,
  };
}

/** The changes that bring the live tables to the declared `models`. */
export function diffMysqlSchema(models: readonly EntityModel[], live: ReadonlyMap<string, LiveTable>, collation: MysqlTextCollation): SchemaPlan {
  return diffSqlSchema(mysqlDiffDialect(collation), models, live);
}

function mysqlTables(models: readonly EntityModel[]): string[] {
  return models.filter((m) => m.store.kind === "mysql").map((m) => m.table);
}

/** Reads the live schema and returns the differences from the declared one; changes nothing. */
export async function planMysqlSchema(pool: MysqlPoolPort, models: readonly EntityModel[], collation: MysqlTextCollation): Promise<SchemaPlan> {
  return diffMysqlSchema(models, await readLiveTables(pool, mysqlTables(models)), collation);
}

/** Seconds apply waits for a concurrent apply of the same database to finish. */
const LOCK_WAIT_SECONDS = 60;

/**
 * Brings the database to the declared tables of `models`: additive changes
 * always, destructive ones only with `allowDestructive`, incompatible ones
 * never (`E_DEFINITION` with the reasons, nothing changed).
 */
export async function applyMysqlSchema(pool: MysqlPoolPort, models: readonly EntityModel[], collation: MysqlTextCollation, options: SchemaApplyOptions = {}, store = "mysql"): Promise<SchemaApplyResult> {
  let current = "GET_LOCK";
  const held = await holdConnection(pool).catch((error: unknown) => {
    throw mysqlError(error, current);
  });
  const db = held.session;
  const result: SchemaApplyResult = { applied: [], unchanged: [] };
  let locked = false;
  try {
    const run = async (sql: string, values: unknown[] = []) => {
      current = sql;
      return db.query({ sql, values });
    };
    const [lock] = await run("SELECT GET_LOCK(CONCAT('polyxena-schema:', DATABASE()), ?) AS locked", [LOCK_WAIT_SECONDS]);
    locked = Number((lock as { locked: unknown }[])[0]?.locked) === 1;
    if (!locked) {
      throw new PolyxenaError("E_UNAVAILABLE", `another schema apply held the database's lock for ${LOCK_WAIT_SECONDS} s`, {
        store,
        operation: "applySchema",
        outcome: "not-applied",
        fix: "wait for the other deployment to finish, then apply again",
      });
    }
    await run(`CREATE TABLE IF NOT EXISTS ${mysqlIdent(MIGRATIONS_TABLE)} (statement_hash char(64) CHARACTER SET ascii PRIMARY KEY, statement longtext NOT NULL, applied_at datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    const plan = diffMysqlSchema(models, await readLiveTables(db, mysqlTables(models)), collation);
    assertPlanAllowed(plan, options, store);
    result.unchanged.push(...plan.unchanged);
    for (const change of plan.changes) {
      await run(change.statement);
      result.applied.push(change.statement);
      await run(`INSERT INTO ${mysqlIdent(MIGRATIONS_TABLE)} (statement_hash, statement) VALUES (?, ?) ON DUPLICATE KEY UPDATE applied_at = CURRENT_TIMESTAMP(3)`, [statementHash(change.statement), change.statement]);
    }
    return result;
  } catch (error) {
    const mapped = mysqlError(error, current, false);
    // MySQL commits each DDL statement: say exactly which changes were made before the failure.
    if (result.applied.length === 0) throw mapped;
    throw new PolyxenaError(mapped.code, `${mapped.message}; applied before the failure (MySQL commits each DDL statement): ${result.applied.join("; ")}`, {
      store,
      operation: "applySchema",
      statement: mapped.statement,
      constraint: mapped.constraint,
      fix: "fix the cause and apply again: the statements already applied are not repeated",
      cause: mapped.cause ?? mapped,
    });
  } finally {
    if (locked) await db.query({ sql: "SELECT RELEASE_LOCK(CONCAT('polyxena-schema:', DATABASE()))" }).catch(() => undefined);
    held.release();
  }
}
