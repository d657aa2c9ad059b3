/**
 * MySQL consistency: reads and writes go to the primary and are strong; the
 * native levels are InnoDB's transaction isolation levels.
 */
import type { StoreConsistencyRules } from "../store-dialect.js";

/** InnoDB isolation levels (MySQL and MariaDB). */
export type MysqlIsolation = "read uncommitted" | "read committed" | "repeatable read" | "serializable";

/** MySQL consistency rules. */
export const mysqlConsistency: StoreConsistencyRules<MysqlIsolation> = {
  // READ UNCOMMITTED may read rows no transaction committed: weaker than strong, so it is not called strong.
  native: { "read uncommitted": "eventual", "read committed": "strong", "repeatable read": "strong", serializable: "strong" },
  defaults: { read: { level: "strong" }, write: { level: "strong" } },
  isolationOrder: ["read uncommitted", "read committed", "repeatable read", "serializable"],
};
