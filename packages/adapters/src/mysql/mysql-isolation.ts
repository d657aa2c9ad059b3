/**
 * MySQL isolation levels (InnoDB): the same four on MySQL and MariaDB.
 */
import { sqlIsolationLevel } from "../sql/sql-isolation.js";

/** The isolation levels InnoDB runs transactions at. */
export const MYSQL_ISOLATION_LEVELS = ["read uncommitted", "read committed", "repeatable read", "serializable"] as const;

/** A MySQL isolation level. */
export type MysqlIsolationLevel = (typeof MYSQL_ISOLATION_LEVELS)[number];

/** Validates an isolation option; `undefined` means the server's default (`transaction_isolation`, REPEATABLE READ unless configured). */
export function isolationLevel(isolation: string | undefined, store: string): MysqlIsolationLevel | undefined {
  return sqlIsolationLevel(MYSQL_ISOLATION_LEVELS, isolation, store);
}
