/**
 * The schema plan of a SQL store: the declared tables, columns, primary
 * keys, unique constraints and query indexes compared with what the
 * database's catalog says, the same way on every SQL store. Each store
 * reads its own catalog into {@link LiveSqlTable}s and brings its DDL
 * through a {@link SqlSchemaDiffDialect}; applying the plan (locks,
 * transactional or not) stays with the store.
 */
import { createHash } from "node:crypto";
import { refusedSchemaChanges, type EntityModel, type FieldModel, type SchemaApplyOptions, type SchemaPlan } from "@polyxena/core";

/** Name of the table recording applied statements (history only: nothing is skipped because it is recorded there). */
export const MIGRATIONS_TABLE = "polyxena_schema_migrations";

/** One change of a plan. */
export type SqlSchemaChange = SchemaPlan["changes"][number];

/** A column as the catalog describes it; each store adds what it compares (type, collation). */
export interface LiveSqlColumn {
  readonly notNull: boolean;
}

/** A unique constraint or an index as the catalog describes it. */
export interface LiveSqlIndex {
  readonly unique: boolean;
  readonly columns: readonly string[];
}

/** One table as the catalog describes it. */
export interface LiveSqlTable<C extends LiveSqlColumn> {
  readonly columns: ReadonlyMap<string, C>;
  /** Primary-key columns in order; empty when the table has none. */
  readonly primaryKey: readonly string[];
  /** Unique constraints (and, where they share a namespace, indexes) by name. */
  readonly uniques: ReadonlyMap<string, LiveSqlIndex>;
  readonly hasRows: boolean;
}

/** The DDL and catalog comparisons of one SQL store. */
export interface SqlSchemaDiffDialect<C extends LiveSqlColumn> {
  /** The store kind whose entities the plan covers. */
  readonly kind: string;
  ident(name: string): string;
  /** The table as statements name it. */
  table(model: EntityModel): string;
  createTable(model: EntityModel): string;
  /** The entity's query indexes. */
  indexStatements(model: EntityModel): readonly { name: string; statement: string }[];
  /** Whether the database has the index `name` of the entity's table. */
  hasIndex(model: EntityModel, name: string, live: LiveSqlTable<C>): boolean;
  columnDefinition(model: EntityModel, field: FieldModel): string;
  /** What existing rows would hold in a new required column (for the reason it is refused). */
  readonly newColumnOnRows: string;
  /** The change that gives an existing column its declared type, when it has another one. */
  retype(model: EntityModel, field: FieldModel, table: string, live: C): SqlSchemaChange | undefined;
  /** Whether {@link retype}'s statement declares the column's NULL as well (no separate nullability change then). */
  readonly retypeSetsNullability: boolean;
  /** The statement letting a column hold NULL, or refusing it. */
  nullability(model: EntityModel, field: FieldModel, table: string, notNull: boolean): string;
  /** The statement replacing the live primary key with the declared one. */
  rekey(model: EntityModel, table: string, liveKey: readonly string[], wantKey: readonly string[]): string;
  uniqueConstraint(model: EntityModel, name: string): string;
  /** The ALTER TABLE clause dropping a unique constraint or index. */
  dropUnique(name: string, live: LiveSqlIndex): string;
}

function columnsOf(model: EntityModel, fields: readonly string[]): string[] {
  return fields.map((f) => model.fields.find((x) => x.name === f)!.column);
}

/** The changes that bring the `live` tables (by table name) to the declared `models` of the dialect's store. */
export function diffSqlSchema<C extends LiveSqlColumn>(dialect: SqlSchemaDiffDialect<C>, models: readonly EntityModel[], live: ReadonlyMap<string, LiveSqlTable<C>>): SchemaPlan {
  const plan: SchemaPlan = { changes: [], unchanged: [] };
  for (const model of models) {
    if (model.store.kind !== dialect.kind) continue;
    const table = dialect.table(model);
    const current = live.get(model.table);
    const createTable = dialect.createTable(model);
    const indexStatements = dialect.indexStatements(model);
    if (!current) {
      plan.changes.push({ kind: "additive", statement: createTable });
      for (const { statement } of indexStatements) plan.changes.push({ kind: "additive", statement });
      continue;
    }
    const before = plan.changes.length;
    diffColumns(dialect, model, table, current, plan.changes);
    const wantKey = columnsOf(model, model.key.partition);
    if (current.primaryKey.join(",") !== wantKey.join(",")) {
      plan.changes.push({
        kind: "destructive",
        statement: dialect.rekey(model, table, current.primaryKey, wantKey),
        reason: `the primary key of ${table} is (${current.primaryKey.join(", ")}) but ${model.name} declares (${wantKey.join(", ")}): re-keying fails on duplicate keys and changes what every key means; pass --allow-destructive`,
      });
    }
    for (const constraint of model.unique) {
      const columns = columnsOf(model, constraint.fields);
      const existing = current.uniques.get(constraint.name);
      if (existing && existing.unique && existing.columns.join(",") === columns.join(",")) continue;
      const add = `ADD ${dialect.uniqueConstraint(model, constraint.name)}`;
      if (existing) {
        plan.changes.push({
          kind: "destructive",
          statement: `ALTER TABLE ${table} ${dialect.dropUnique(constraint.name, existing)}, ${add}`,
          reason: `${existing.unique ? "unique constraint" : "index"} ${constraint.name} of ${table} is on (${existing.columns.join(", ")}) but ${model.name} declares unique (${columns.join(", ")}); pass --allow-destructive`,
        });
      } else {
        plan.changes.push({ kind: "additive", statement: `ALTER TABLE ${table} ${add}` });
      }
    }
    if (plan.changes.length === before) plan.unchanged.push(createTable);
    for (const { name, statement } of indexStatements) {
      if (dialect.hasIndex(model, name, current)) plan.unchanged.push(statement);
      else plan.changes.push({ kind: "additive", statement });
    }
  }
  return plan;
}

/** Added, retyped, relaxed, required and undeclared columns of one live table. */
function diffColumns<C extends LiveSqlColumn>(dialect: SqlSchemaDiffDialect<C>, model: EntityModel, table: string, current: LiveSqlTable<C>, changes: SqlSchemaChange[]): void {
  const declared = new Set<string>();
  for (const field of model.fields) {
    declared.add(field.column);
    const column = current.columns.get(field.column);
    const wantNotNull = !field.optional && !field.nullable;
    if (!column) {
      const statement = `ALTER TABLE ${table} ADD COLUMN ${dialect.columnDefinition(model, field)}`;
      if (wantNotNull && current.hasRows) {
        changes.push({
          kind: "incompatible",
          statement,
          reason: `${model.name}.${field.name} is required, ${table} already holds rows and ${dialect.newColumnOnRows}; make the field optional (.optional() or .nullable()), add it, fill it, then make it required`,
        });
      } else {
        changes.push({ kind: "additive", statement });
      }
      continue;
    }
    const retype = dialect.retype(model, field, table, column);
    if (retype) changes.push(retype);
    if (retype && dialect.retypeSetsNullability) continue;
    if (column.notNull && !wantNotNull) {
      changes.push({ kind: "additive", statement: dialect.nullability(model, field, table, false) });
    } else if (!column.notNull && wantNotNull) {
      changes.push({
        kind: "destructive",
        statement: dialect.nullability(model, field, table, true),
        reason: `${model.name}.${field.name} became required but column ${field.column} allows NULL: rows without a value would make the change fail; fill them first, then pass --allow-destructive`,
      });
    }
  }
  for (const column of current.columns.keys()) {
    if (declared.has(column)) continue;
    changes.push({
      kind: "destructive",
      statement: `ALTER TABLE ${table} DROP COLUMN ${dialect.ident(column)}`,
      reason: `column ${column} of ${table} is not a field of ${model.name}: dropping it deletes its data; keep the field, or pass --allow-destructive`,
    });
  }
}

/** `E_DEFINITION` with the reasons when the plan holds a change `options` do not allow (incompatible ones never are). */
export function assertPlanAllowed(plan: SchemaPlan, options: SchemaApplyOptions, store: string): void {
  const refused = plan.changes.filter((c) => c.kind === "incompatible" || (c.kind === "destructive" && !options.allowDestructive));
  if (refused.length > 0) throw refusedSchemaChanges(store, refused);
}

/** The key of an applied statement in {@link MIGRATIONS_TABLE}. */
export function statementHash(statement: string): string {
  return createHash("sha256").update(statement).digest("hex");
}
