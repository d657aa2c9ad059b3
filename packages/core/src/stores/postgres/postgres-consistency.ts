/**
 * Postgres consistency: every read and write is strong; the native levels
 * are the transaction isolation levels.
 */
import type { StoreConsistencyRules } from "../store-dialect.js";

/** Postgres isolation levels. */
export type PostgresIsolation = "read committed" | "repeatable read" | "serializable";

/** Postgres consistency rules. */
export const postgresConsistency: StoreConsistencyRules<PostgresIsolation> = {
  native: { "read committed": "strong", "repeatable read": "strong", serializable: "strong" },
  defaults: { read: { level: "strong" }, write: { level: "strong" } },
  isolationOrder: ["read committed", "repeatable read", "serializable"],
};
