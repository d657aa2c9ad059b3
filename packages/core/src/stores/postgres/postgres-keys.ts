/**
 * Postgres key rules: the relational primary key (`{ primary: [...] }`).
 */
import { sqlKeys } from "../sql/sql-keys.js";
import type { StoreKeyRules } from "../store-dialect.js";

/** Postgres key rules. */
export const postgresKeys: StoreKeyRules = sqlKeys("postgres");
