/** Postgres isolation levels. */
import { PolyxenaError } from "@polyxena/core";

/** The isolation levels Postgres runs transactions at. */
export const POSTGRES_ISOLATION_LEVELS = ["read committed", "repeatable read", "serializable"] as const;

/** A Postgres isolation level. */
export type PostgresIsolationLevel = (typeof POSTGRES_ISOLATION_LEVELS)[number];

/** Validates an isolation option; `undefined` means the server default (read committed). */
export function isolationLevel(isolation: string | undefined, store: string): PostgresIsolationLevel | undefined {
  if (isolation === undefined) return undefined;
  const level = isolation.trim().toLowerCase().replace(/[_\s]+/g, " ");
  if ((POSTGRES_ISOLATION_LEVELS as readonly string[]).includes(level)) return level as PostgresIsolationLevel;
  throw new PolyxenaError("E_VALIDATION", `unknown isolation level ${JSON.stringify(isolation)}`, {
    operation: "transaction",
    store,
    issues: [{ path: ["isolation"], message: `use one of: ${POSTGRES_ISOLATION_LEVELS.join(", ")}` }],
    fix: `use one of: ${POSTGRES_ISOLATION_LEVELS.join(", ")}`,
  });
}
