/**
 * The Postgres dialect: relational primary keys, an index per query, strong
 * reads and writes with isolation levels, SQL DDL with UNIQUE constraints,
 * an outbox written atomically with each write, Kysely row types.
 */
import { quoteIdent } from "../../physical/identifiers.js";
import type { StoreDialect } from "../store-dialect.js";
import { postgresConsistency, type PostgresIsolation } from "./postgres-consistency.js";
import { postgresKeys } from "./postgres-keys.js";
import { POSTGRES_DB_SYSTEM, postgresOptions, type PostgresOptions } from "./postgres-options.js";
import { planPostgresQuery } from "./postgres-query-plan.js";
import { buildPostgresSchema } from "./postgres-schema.js";
import { postgresStatements } from "./postgres-statements.js";

/** Postgres' rules behind the {@link StoreDialect} interface. */
export const postgresDialect: StoreDialect<PostgresOptions, PostgresIsolation> = {
  kind: "postgres",
  dbSystem: POSTGRES_DB_SYSTEM,
  keys: postgresKeys,
  planQuery: planPostgresQuery,
  consistency: postgresConsistency,
  features: { rowTtl: false, fullTextSearch: false, uniqueConstraints: true, changeEvents: true },
  options: postgresOptions,
  physicalSchema: { file: "postgres.sql", format: "statements", build: buildPostgresSchema },
  listStatements: (model, options) => postgresStatements(model, options?.schema),
  statementLanguage: "sql",
  changeEventRecording(options) {
    const t = (name: string) => `${quoteIdent(options.schema ?? "public")}.${quoteIdent(name)}`;
    const statements =
      `WITH w AS (<the put> RETURNING 1),\n` +
      `v AS (INSERT INTO ${t("polyxena_outbox_version")} AS cur (entity, entity_key, version) SELECT $e, $k, 1 FROM w ON CONFLICT (entity, entity_key) DO UPDATE SET version = cur.version + 1 RETURNING version)\n` +
      `INSERT INTO ${t("polyxena_outbox")} (partition, entity, entity_key, version, event) SELECT $p, $e, $k, v.version, jsonb_set($event::jsonb, '{version}', to_jsonb(v.version)) FROM v RETURNING version`;
    return {
      where: "a put in one statement with its write (below: the event only when the write wrote); an update or a delete after its write, in one transaction, by the same statement with VALUES in place of `w`",
      statements,
    };
  },
  adapterWarnings(adapter, options) {
    const live = (adapter as unknown as { schema?: unknown }).schema;
    if (options?.schema === undefined || typeof live !== "string" || live === options.schema) return [];
    return [`${adapter.name}: the adapter uses schema "${live}", but the config generates for schema "${options.schema}"`];
  },
  rowTypes: {
    databaseInterface: "Database",
    label: "Postgres",
    tableKey: (model, options) => (options.schema === undefined || options.schema === "public" ? model.table : `${options.schema}.${model.table}`),
    tableLabel: (model, options) => `${options.schema ?? "public"}.${model.table}`,
  },
};
