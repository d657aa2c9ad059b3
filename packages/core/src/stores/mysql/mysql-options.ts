/**
 * MySQL options: the `mysql` section of `polyxena.config.ts` (the collation
 * the generated DDL gives text columns) and `db.system`.
 */
import type { StoreOptionRules } from "../store-dialect.js";
import { DEFAULT_TEXT_COLLATION, MYSQL_TEXT_COLLATIONS, type MysqlTextCollation } from "./mysql-schema.js";

/** MySQL options of the config. */
export interface MysqlOptions {
  /** The binary NO PAD collation of text columns in `mysql.sql`: `utf8mb4_0900_bin` (MySQL 8, default) or `utf8mb4_nopad_bin` (MariaDB). */
  textCollation?: MysqlTextCollation | undefined;
}

/** OpenTelemetry `db.system` of MySQL (and MariaDB). */
export const MYSQL_DB_SYSTEM = "mysql";

/** Rules of the `mysql` config section. */
export const mysqlOptions: StoreOptionRules<MysqlOptions> = {
  keys: { textCollation: true },
  check(section) {
    const collation = (section as MysqlOptions | undefined)?.textCollation;
    if (collation === undefined || (MYSQL_TEXT_COLLATIONS as readonly string[]).includes(collation)) return undefined;
    return `mysql.textCollation must be one of ${MYSQL_TEXT_COLLATIONS.join(", ")}`;
  },
  withDefaults: (section) => ({ textCollation: section?.textCollation ?? DEFAULT_TEXT_COLLATION }),
};
