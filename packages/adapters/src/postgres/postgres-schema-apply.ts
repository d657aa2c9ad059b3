/**
 * Postgres `planSchema` / `applySchema`: the declared tables, columns,
 * indexes and unique constraints compared with the live database, read from
 * information_schema and pg_catalog, never from a record of what was applied
 * before. Apply runs the plan in one transaction under an advisory lock (so
 * concurrent deployers take turns and see each other's work), refuses
 * destructive changes with their reasons unless `allowDestructive`, and
 * records every statement it ran in `polyxena_schema_migrations` (history
 * only: nothing is skipped because it is recorded there).
 */
import { createHash } from "node:crypto";
import {
  qualifiedName,
  quoteIdent,
  type EntityModel,
  type SchemaApplyOptions,
  type SchemaApplyResult,
  type SchemaPlan,
} from "@polyxena/core";
import {
  postgresColumnDefinition,
  postgresColumnType,
  postgresIndexStatements,
  postgresOutboxStatements,
  postgresTableStatement,
  postgresUniqueConstraint,
} from "@polyxena/core/stores/postgres";
import type { PostgresPort } from "./postgres-port.js";
import { postgresError } from "./postgres-errors.js";
import { holdClient } from "./postgres-transaction.js";
import { assertPlanAllowed, diffSqlSchema, MIGRATIONS_TABLE, statementHash, type LiveSqlColumn, type LiveSqlIndex, type LiveSqlTable, type SqlSchemaDiffDialect } from "../sql/sql-schema-diff.js";

export { MIGRATIONS_TABLE };


/** The advisory lock key of a schema: 63 bits of a hash, as a decimal string. */
function lockKey(schema: string): string {
  const hash = createHash("sha256").update(`polyxena-schema:${schema}`).digest();
  return (hash.readBigInt64BE(0) & 0x7fffffffffffffffn).toString();
}

/** A column as the catalog describes it. */
export interface LiveColumn extends LiveSqlColumn {
  type: string;
}

/** One table as the catalog describes it. */
interface LiveTable extends LiveSqlTable<LiveColumn> {
  columns: Map<string, LiveColumn>;
  primaryKey: string[];
  uniques: Map<string, LiveSqlIndex>;
  hasRows: boolean;
}

/** The tables and index names of a schema, as the catalog describes them. */
interface LivePostgresSchema {
  tables: Map<string, LiveTable>;
  indexes: Set<string>;
}

/** The catalog's spelling of a declared column type (`format_type`). */
function catalogType(declared: string): string {
  if (declared === "timestamptz") return "timestamp with time zone";
  const varchar = /^varchar\((\d+)\)$/.exec(declared);
  if (varchar) return `character varying(${varchar[1]})`;
  return declared;
}

type Query = (text: string, values?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

/** Reads the tables of these models that exist in `schema`, with their columns, keys, unique constraints and whether they hold rows. */
async function readLiveTables(query: Query, schema: string, tables: readonly string[]): Promise<{ tables: Map<string, LiveTable>; indexes: Set<string> }> {
  const live = new Map<string, LiveTable>();
  const columns = await query(
    `SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = ANY($2) AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [schema, tables],
  );
  for (const row of columns.rows) {
    const name = row["table_name"] as string;
    let table = live.get(name);
    if (!table) live.set(name, (table = { columns: new Map(), primaryKey: [], uniques: new Map(), hasRows: false }));
    table.columns.set(row["column_name"] as string, { type: row["type"] as string, notNull: row["not_null"] === true });
  }
  const constraints = await query(
    `SELECT c.relname AS table_name, k.conname AS name, k.contype AS type,
            array(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.ord)::text[] AS columns
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = ANY($2) AND k.contype IN ('p', 'u')`,
    [schema, tables],
  );
  for (const row of constraints.rows) {
    const table = live.get(row["table_name"] as string);
    if (!table) continue;
    const cols = row["columns"] as string[];
    if (row["type"] === "p") table.primaryKey = cols;
    else table.uniques.set(row["name"] as string, { unique: true, columns: cols });
  }
  for (const [name, table] of live) {
    const rows = await query(`SELECT EXISTS (SELECT 1 FROM ${qualifiedName(schema, name)}) AS has_rows`);
    table.hasRows = rows.rows[0]?.["has_rows"] === true;
  }
  const indexes = await query("SELECT indexname FROM pg_indexes WHERE schemaname = $1", [schema]);
  return { tables: live, indexes: new Set(indexes.rows.map((r) => r["indexname"] as string)) };
}

/** Postgres' side of the shared schema diff: qualified names, `ALTER COLUMN`, `<table>_pkey`, constraints by name. */
function postgresDiffDialect(schema: string, indexes: ReadonlySet<string>): SqlSchemaDiffDialect<LiveColumn> {
  return {
    kind: "postgres",
    ident: quoteIdent,
    table: (model) => qualifiedName(schema, model.table),
    createTable: (model) => postgresTableStatement(model, schema),
    indexStatements: (model) => postgresIndexStatements(model, schema).map((statement) => ({ name: /CREATE INDEX IF NOT EXISTS "([^"]+)"/.exec(statement)?.[1] ?? "", statement })),
    hasIndex: (_model, name) => name !== "" && indexes.has(name),
    columnDefinition: (_model, field) => postgresColumnDefinition(field),
    newColumnOnRows: "the column would have no value for them",
    retype(model, field, table, column) {
      const wantType = postgresColumnType(field);
      if (column.type === catalogType(wantType)) return undefined;
      return {
        kind: "destructive",
        statement: `ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(field.column)} TYPE ${wantType} USING ${quoteIdent(field.column)}::${wantType}`,
        reason: `column ${field.column} of ${table} is ${column.type}, but ${model.name}.${field.name} declares ${catalogType(wantType)}: converting it rewrites every row and may fail or lose precision; add a new field instead, or pass --allow-destructive`,
      };
    },
    retypeSetsNullability: false,
    nullability: (_model, field, table, notNull) => `ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(field.column)} ${notNull ? "SET" : "DROP"} NOT NULL`,
    rekey: (model, table, _liveKey, wantKey) =>
      `ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${quoteIdent(`${model.table}_pkey`)}, ADD CONSTRAINT ${quoteIdent(`${model.table}_pkey`)} PRIMARY KEY (${wantKey.map(quoteIdent).join(", ")})`,
    uniqueConstraint: postgresUniqueConstraint,
    dropUnique: (name) => `DROP CONSTRAINT ${quoteIdent(name)}`,
  };
}

/** The changes that bring `live` to the declared `models`. */
function diffPostgresSchema(models: readonly EntityModel[], schema: string, live: LivePostgresSchema): SchemaPlan {
  const plan = diffSqlSchema(postgresDiffDialect(schema, live.indexes), models, live.tables);
  // The outbox tables, when an entity publishes change events: created once, never altered.
  if (models.some((m) => m.store.kind === "postgres" && m.events)) {
    for (const statement of postgresOutboxStatements(schema)) {
      const name = /CREATE (?:TABLE|INDEX) IF NOT EXISTS (?:"[^"]+"\.)?"([^"]+)"/.exec(statement)?.[1];
      if (name !== undefined && (live.tables.has(name) || live.indexes.has(name))) plan.unchanged.push(statement);
      else plan.changes.push({ kind: "additive", statement });
    }
  }
  return plan;
}

/** Tables whose live shape a plan reads: the entities' and, with events, the outbox's. */
function plannedTables(models: readonly EntityModel[]): string[] {
  const tables = models.filter((m) => m.store.kind === "postgres").map((m) => m.table);
  if (models.some((m) => m.store.kind === "postgres" && m.events)) tables.push(...OUTBOX_TABLES);
  return tables;
}

const OUTBOX_TABLES = ["polyxena_outbox", "polyxena_outbox_version", "polyxena_outbox_lease", "polyxena_outbox_dead_letter"];

/** Reads the live schema and returns the differences from the declared one; changes nothing. */
export async function planPostgresSchema(port: PostgresPort, models: readonly EntityModel[], schema: string): Promise<SchemaPlan> {
  const tables = plannedTables(models);
  const query: Query = (text, values) => port.query(text, values);
  return diffPostgresSchema(models, schema, await readLiveTables(query, schema, tables));
}

/**
 * Brings `schema` to the declared tables of `models` in one transaction:
 * additive changes always, destructive ones only with `allowDestructive`,
 * incompatible ones never (`E_DEFINITION` with the reasons, nothing changed).
 */
export async function applyPostgresSchema(port: PostgresPort, models: readonly EntityModel[], schema: string, options: SchemaApplyOptions = {}, store = "postgres"): Promise<SchemaApplyResult> {
  const migrations = qualifiedName(schema, MIGRATIONS_TABLE);
  let current = "BEGIN";
  const held = await holdClient(port).catch((error: unknown) => {
    throw postgresError(error, current);
  });
  const client = held.session;
  try {
    const run: Query = async (text, values = []) => {
      current = text;
      return client.query(text, values);
    };
    await run("BEGIN");
    await run("SELECT pg_advisory_xact_lock($1::int8)", [lockKey(schema)]);
    await run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await run(`CREATE TABLE IF NOT EXISTS ${migrations} (statement_hash text PRIMARY KEY, statement text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const tables = plannedTables(models);
    const plan = diffPostgresSchema(models, schema, await readLiveTables(run, schema, tables));
    assertPlanAllowed(plan, options, store);
    const result: SchemaApplyResult = { applied: [], unchanged: plan.unchanged };
    for (const change of plan.changes) {
      await run(change.statement);
      await run(`INSERT INTO ${migrations} (statement_hash, statement) VALUES ($1, $2) ON CONFLICT (statement_hash) DO UPDATE SET applied_at = now()`, [statementHash(change.statement), change.statement]);
      result.applied.push(change.statement);
    }
    await run("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw postgresError(error, current, false);
  } finally {
    held.release();
  }
}
