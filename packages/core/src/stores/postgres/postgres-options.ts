/**
 * Postgres options: the `postgres` section of `polyxena.config.ts` (the
 * database schema the tables live in) and `db.system`.
 */
import type { StoreOptionRules } from "../store-dialect.js";

/** Postgres options of the config. */
export interface PostgresOptions {
  schema?: string | undefined;
}

/** OpenTelemetry `db.system` of Postgres. */
export const POSTGRES_DB_SYSTEM = "postgresql";

/** Rules of the `postgres` config section. */
export const postgresOptions: StoreOptionRules<PostgresOptions> = {
  keys: { schema: true },
  withDefaults: (section) => ({ schema: section?.schema ?? "public" }),
};
