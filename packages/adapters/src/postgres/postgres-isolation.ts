/** Postgres isolation levels. */
import { sqlIsolationLevel } from "../sql/sql-isolation.js";

/** The isolation levels Postgres runs transactions at. */
export const POSTGRES_ISOLATION_LEVELS = ["read committed", "repeatable read", "serializable"] as const;

/** A Postgres isolation level. */
export type PostgresIsolationLevel = (typeof POSTGRES_ISOLATION_LEVELS)[number];

/** Validates an isolation option; `undefined` means the server default (read committed). */
export function isolationLevel(isolation: string | undefined, store: string): PostgresIsolationLevel | undefined {
  return sqlIsolationLevel(POSTGRES_ISOLATION_LEVELS, isolation, store);
}
