/**
 * MySQL isolation levels (InnoDB): the same four on MySQL and MariaDB.
 */
import { PolyxenaError } from "@polyxena/core";

/** The isolation levels InnoDB runs transactions at. */
export const MYSQL_ISOLATION_LEVELS = ["read uncommitted", "read committed", "repeatable read", "serializable"] as const;

/** A MySQL isolation level. */
export type MysqlIsolationLevel = (typeof MYSQL_ISOLATION_LEVELS)[number];

/** Validates an isolation option; `undefined` means the server's default (`transaction_isolation`, REPEATABLE READ unless configured). */
export function isolationLevel(isolation: string | undefined, store: string): MysqlIsolationLevel | undefined {
  if (isolation === undefined) return undefined;
  const level = isolation.trim().toLowerCase().replace(/[_\s-]+/g, " ");
  if ((MYSQL_ISOLATION_LEVELS as readonly string[]).includes(level)) return level as MysqlIsolationLevel;
  throw new PolyxenaError("E_VALIDATION", `unknown isolation level ${JSON.stringify(isolation)}`, {
    operation: "transaction",
    store,
    issues: [{ path: ["isolation"], message: `use one of: ${MYSQL_ISOLATION_LEVELS.join(", ")}` }],
    fix: `use one of: ${MYSQL_ISOLATION_LEVELS.join(", ")}`,
  });
}
