/**
 * The Postgres dialect: relational primary keys, an index per query, strong
 * reads and writes with isolation levels, SQL DDL with UNIQUE constraints,
 * an outbox written in the same transaction, Kysely row types.
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
    const statements = `INSERT INTO ${t("polyxena_outbox_version")} (entity, entity_key, version) VALUES ($1, $2, 1) ON CONFLICT (entity, entity_key) DO UPDATE SET version = version + 1 RETURNING version;\nINSERT INTO ${t("polyxena_outbox")} (partition, entity, entity_key, version, event) VALUES ($3, $1, $2, <version>, $4::jsonb)`;
    return { where: "in its transaction", statements };
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
