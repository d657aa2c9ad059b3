/**
 * MySQL key rules: the relational primary key (`{ primary: [...] }`).
 */
import { sqlKeys } from "../sql/sql-keys.js";
import type { StoreKeyRules } from "../store-dialect.js";

/** MySQL key rules. */
export const mysqlKeys: StoreKeyRules = sqlKeys("mysql");
