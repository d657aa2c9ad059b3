/**
 * Postgres DDL: one table per entity (primary key `<table>_pkey`, one UNIQUE
 * constraint per declared unique field set) and one index per `index`-kind query.
 */
import type { EntityModel, FieldModel } from "../../entity-model.js";
import { PolyxenaError } from "../../errors.js";
import { fitsInt32 } from "../../physical/field-shapes.js";
import { qualifiedName, quoteIdent, quoteLiteral } from "../../physical/identifiers.js";
import { sqlColumnDefinition, sqlColumns, sqlIndexStatements, sqlUniqueConstraint, type SqlQuoting } from "../sql/sql-schema.js";

/** Postgres quoting: double-quoted identifiers, single-quoted literals. */
const POSTGRES_QUOTING: SqlQuoting = { ident: quoteIdent, literal: quoteLiteral };

/** Postgres' largest `varchar(n)`. */
const PG_MAX_VARCHAR = 10_485_760;

/**
 * The Postgres column type of a field, without constraints:
 * `text`/`varchar(n)`, `uuid`, `integer`/`bigint`, `double precision`,
 * `numeric(39,0)`, `boolean`, `timestamptz`, `text` (enum), `jsonb`.
 */
export function postgresColumnType(field: FieldModel): string {
  switch (field.type) {
    case "string":
      return field.maxLength !== undefined && field.maxLength > 0 && field.maxLength <= PG_MAX_VARCHAR ? `varchar(${field.maxLength})` : "text";
    case "uuid":
      return "uuid";
    case "int":
      return fitsInt32(field) ? "integer" : "bigint";
    case "number":
      return "double precision";
    case "bigint":
      return "numeric(39,0)";
    case "boolean":
      return "boolean";
    case "date":
      return "timestamptz";
    case "enum":
      return "text";
    case "list":
    case "map":
    case "object":
      return "jsonb";
  }
}


/** Options of {@link buildPostgresSchema}. */
export interface PostgresSchemaOptions {
  /** Database schema the tables live in (default `public`). */
  schema?: string | undefined;
}

/** The column definition of one field: `"col" type [NOT NULL] [CHECK (...)]`. */
export function postgresColumnDefinition(field: FieldModel): string {
  return sqlColumnDefinition(field, postgresColumnType(field), POSTGRES_QUOTING);
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

function checkSchemaName(schema: string): void {
  if (typeof schema !== "string" || !SCHEMA_NAME.test(schema)) {
    throw new PolyxenaError("E_DEFINITION", `Postgres schema name ${JSON.stringify(schema)} is not a plain identifier`, {
      path: "postgres.schema",
      fix: "use letters, digits and underscores (at most 63), starting with a letter or underscore",
    });
  }
}

/** `CREATE TABLE IF NOT EXISTS` for one entity. */
export function postgresTableStatement(model: EntityModel, schema = "public"): string {
  checkSchemaName(schema);
  const lines = model.fields.map((f) => `  ${postgresColumnDefinition(f)},`);
  lines.push(`  CONSTRAINT ${quoteIdent(`${model.table}_pkey`)} PRIMARY KEY (${sqlColumns(model, model.key.partition, POSTGRES_QUOTING)})${model.unique.length ? "," : ""}`);
  model.unique.forEach((c, i) => lines.push(`  ${postgresUniqueConstraint(model, c.name)}${i < model.unique.length - 1 ? "," : ""}`));
  return `CREATE TABLE IF NOT EXISTS ${qualifiedName(schema, model.table)} (\n${lines.join("\n")}\n)`;
}

/** The table constraint clause of one declared unique constraint: `CONSTRAINT "name" UNIQUE ("col", ...)`. */
export function postgresUniqueConstraint(model: EntityModel, name: string): string {
  return sqlUniqueConstraint(model, name, POSTGRES_QUOTING);
}

/** `CREATE INDEX IF NOT EXISTS` statements for the entity's `index`-kind queries, in declaration order. */
export function postgresIndexStatements(model: EntityModel, schema = "public"): string[] {
  checkSchemaName(schema);
  return sqlIndexStatements(model, qualifiedName(schema, model.table), POSTGRES_QUOTING, true).map((i) => i.statement);
}

/**
 * The statements that create the tables and indexes of these Postgres
 * entities (entities of other stores are ignored), without trailing semicolons.
 */
export function buildPostgresSchema(models: readonly EntityModel[], options: PostgresSchemaOptions = {}): string[] {
  const schema = options.schema ?? "public";
  const statements: string[] = [];
  for (const model of models) {
    if (model.store.kind !== "postgres") continue;
    statements.push(postgresTableStatement(model, schema), ...postgresIndexStatements(model, schema));
  }
  if (models.some((m) => m.store.kind === "postgres" && m.events)) statements.push(...postgresOutboxStatements(schema));
  return statements;
}

/**
 * The outbox tables of a Postgres store whose entities publish change
 * events: pending events (read per partition in id order), the latest
 * version per key, partition leases and dead letters.
 */
export function postgresOutboxStatements(schema = "public"): string[] {
  const t = (name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;
  return [
    `CREATE TABLE IF NOT EXISTS ${t("polyxena_outbox")} (id bigserial PRIMARY KEY, partition smallint NOT NULL, entity text NOT NULL, entity_key text NOT NULL, version bigint NOT NULL, event jsonb NOT NULL, recorded_at timestamptz NOT NULL DEFAULT clock_timestamp())`,
    `CREATE INDEX IF NOT EXISTS ${quoteIdent("polyxena_outbox_partition_idx")} ON ${t("polyxena_outbox")} (partition, id)`,
    `CREATE TABLE IF NOT EXISTS ${t("polyxena_outbox_version")} (entity text NOT NULL, entity_key text NOT NULL, version bigint NOT NULL, PRIMARY KEY (entity, entity_key))`,
    `CREATE TABLE IF NOT EXISTS ${t("polyxena_outbox_lease")} (partition smallint PRIMARY KEY, owner text NOT NULL, epoch bigint NOT NULL, expires_at timestamptz NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${t("polyxena_outbox_dead_letter")} (id bigserial PRIMARY KEY, sink text NOT NULL, code text NOT NULL, message text NOT NULL, event jsonb NOT NULL, at timestamptz NOT NULL)`,
  ];
}
