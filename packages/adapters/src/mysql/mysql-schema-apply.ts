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
import { createHash } from "node:crypto";
import { PolyxenaError, refusedSchemaChanges, type EntityModel, type SchemaApplyOptions, type SchemaApplyResult, type SchemaPlan } from "@polyxena/core";
import { mysqlColumnDefinition, mysqlColumnType, mysqlIdent, mysqlIndexes, mysqlIndexStatements, mysqlPrimaryKey, mysqlTableStatement, mysqlUniqueConstraint, type MysqlTextCollation } from "@polyxena/core/stores/mysql";
import { mysqlError } from "./mysql-errors.js";
import type { MysqlPoolPort, MysqlQueryablePort } from "./mysql-port.js";
import { holdConnection } from "./mysql-transaction.js";

/** Name of the table recording applied statements. */
export const MIGRATIONS_TABLE = "polyxena_schema_migrations";

/** A column as information_schema describes it. */
interface LiveColumn {
  /** `COLUMN_TYPE`, lower case, integer display widths removed. */
  type: string;
  collation: string | null;
  notNull: boolean;
}

/** One table as information_schema describes it. */
interface LiveTable {
  columns: Map<string, LiveColumn>;
  /** Index name (`PRIMARY` for the primary key) -> columns in order, and whether it is unique. */
  indexes: Map<string, { unique: boolean; columns: string[] }>;
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
    if (!t) live.set(table, (t = { columns: new Map(), indexes: new Map(), hasRows: false }));
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
    let index = t.indexes.get(name);
    if (!index) t.indexes.set(name, (index = { unique: Number(nonUnique) === 0, columns: [] }));
    index.columns.push(column);
  }
  for (const [name, table] of live) {
    const [rows] = await db.query({ sql: `SELECT EXISTS (SELECT 1 FROM ${mysqlIdent(name)}) AS has_rows`, rowsAsArray: true });
    table.hasRows = Number((rows as unknown[][])[0]?.[0]) === 1;
  }
  return live;
}

/** The changes that bring the live tables to the declared `models`. */
export function diffMysqlSchema(models: readonly EntityModel[], live: ReadonlyMap<string, LiveTable>, collation: MysqlTextCollation): SchemaPlan {
  const plan: SchemaPlan = { changes: [], unchanged: [] };
  for (const model of models) {
    if (model.store.kind !== "mysql") continue;
    const table = mysqlIdent(model.table);
    const current = live.get(model.table);
    const createTable = mysqlTableStatement(model, collation);
    const indexStatements = mysqlIndexStatements(model);
    if (!current) {
      plan.changes.push({ kind: "additive", statement: createTable });
      for (const { statement } of indexStatements) plan.changes.push({ kind: "additive", statement });
      continue;
    }
    const before = plan.changes.length;
    const declared = new Set<string>();
    for (const field of model.fields) {
      declared.add(field.column);
      const column = current.columns.get(field.column);
      const definition = mysqlColumnDefinition(model, field, collation);
      const wantNotNull = !field.optional && !field.nullable;
      if (!column) {
        const statement = `ALTER TABLE ${table} ADD COLUMN ${definition}`;
        if (wantNotNull && current.hasRows) {
          plan.changes.push({
            kind: "incompatible",
            statement,
            reason: `${model.name}.${field.name} is required, ${table} already holds rows and MySQL would give them an invented value ('' or 0); make the field optional (.optional() or .nullable()), add it, fill it, then make it required`,
          });
        } else {
          plan.changes.push({ kind: "additive", statement });
        }
        continue;
      }
      const want = declaredType(model, field, collation);
      const modify = `ALTER TABLE ${table} MODIFY COLUMN ${definition}`;
      if (!sameType(want.type, column.type) || (want.collation !== undefined && column.collation !== want.collation)) {
        plan.changes.push({
          kind: "destructive",
          statement: modify,
          reason: `column ${field.column} of ${table} is ${column.type}${column.collation ? ` (${column.collation})` : ""}, but ${model.name}.${field.name} declares ${want.type}${want.collation ? ` (${want.collation})` : ""}: converting it rewrites every row and may fail, truncate or change how values compare; add a new field instead, or pass --allow-destructive`,
        });
      } else if (column.notNull && !wantNotNull) {
        plan.changes.push({ kind: "additive", statement: modify });
      } else if (!column.notNull && wantNotNull) {
        plan.changes.push({
          kind: "destructive",
          statement: modify,
          reason: `${model.name}.${field.name} became required but column ${field.column} allows NULL: rows without a value would make the change fail; fill them first, then pass --allow-destructive`,
        });
      }
    }
    for (const column of current.columns.keys()) {
      if (declared.has(column)) continue;
      plan.changes.push({
        kind: "destructive",
        statement: `ALTER TABLE ${table} DROP COLUMN ${mysqlIdent(column)}`,
        reason: `column ${column} of ${table} is not a field of ${model.name}: dropping it deletes its data; keep the field, or pass --allow-destructive`,
      });
    }
    const indexes = mysqlIndexes(model);
    const wantKey = indexes[0]!.fields.map((f) => f.column);
    const liveKey = current.indexes.get("PRIMARY")?.columns ?? [];
    if (liveKey.join(",") !== wantKey.join(",")) {
      plan.changes.push({
        kind: "destructive",
        statement: `ALTER TABLE ${table} ${liveKey.length ? "DROP PRIMARY KEY, " : ""}ADD ${mysqlPrimaryKey(model)}`,
        reason: `the primary key of ${table} is (${liveKey.join(", ")}) but ${model.name} declares (${wantKey.join(", ")}): re-keying fails on duplicate keys and changes what every key means; pass --allow-destructive`,
      });
    }
    for (const index of indexes) {
      if (index.kind !== "unique") continue;
      const columns = index.fields.map((f) => f.column);
      const existing = current.indexes.get(index.name);
      if (existing && existing.unique && existing.columns.join(",") === columns.join(",")) continue;
      if (existing) {
        plan.changes.push({
          kind: "destructive",
          statement: `ALTER TABLE ${table} DROP INDEX ${mysqlIdent(index.name)}, ADD ${mysqlUniqueConstraint(model, index.name)}`,
          reason: `index ${index.name} of ${table} is ${existing.unique ? "unique " : ""}on (${existing.columns.join(", ")}) but ${model.name} declares unique (${columns.join(", ")}); pass --allow-destructive`,
        });
      } else {
        plan.changes.push({ kind: "additive", statement: `ALTER TABLE ${table} ADD ${mysqlUniqueConstraint(model, index.name)}` });
      }
    }
    if (plan.changes.length === before) plan.unchanged.push(createTable);
    for (const { name, statement } of indexStatements) {
      if (current.indexes.has(name)) plan.unchanged.push(statement);
      else plan.changes.push({ kind: "additive", statement });
    }
  }
  return plan;
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
    const refused = plan.changes.filter((c) => c.kind === "incompatible" || (c.kind === "destructive" && !options.allowDestructive));
    if (refused.length > 0) throw refusedSchemaChanges(store, refused);
    result.unchanged.push(...plan.unchanged);
    for (const change of plan.changes) {
      await run(change.statement);
      result.applied.push(change.statement);
      const hash = createHash("sha256").update(change.statement).digest("hex");
      await run(`INSERT INTO ${mysqlIdent(MIGRATIONS_TABLE)} (statement_hash, statement) VALUES (?, ?) ON DUPLICATE KEY UPDATE applied_at = CURRENT_TIMESTAMP(3)`, [hash, change.statement]);
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
