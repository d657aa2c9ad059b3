/**
 * MySQL's request limits, checked before anything is sent, so that a
 * caller's oversized key is refused with `E_VALIDATION` naming the limit and
 * never reaches the server as "Data too long" or counts against its health.
 *
 * InnoDB limits an index key to 3072 bytes and counts 4 bytes per character
 * of a utf8mb4 column. The DDL sizes every indexed `varchar` so that each
 * index fits (`mysql-ddl.ts`); a value longer than its column cannot be
 * stored or found, so it is refused here.
 */
import { checkLimit, type EntityModel, type StoreLimit } from "@polyxena/core";
import { indexedStringLengths, INNODB_MAX_KEY_BYTES, mysqlIndexes, UTF8MB4_MAX_BYTES } from "@polyxena/core/stores/mysql";

/** MySQL's limits a single request can break. */
export const MYSQL_LIMITS = {
  indexKeyBytes: {
    name: "mysql.indexKeyBytes",
    subject: "a MySQL InnoDB index key",
    max: INNODB_MAX_KEY_BYTES,
    unit: "bytes",
    fix: "keep primary key, unique and indexed values short (hash long natural keys, e.g. SHA-256 of the value, and keep the original in an unindexed field), or declare a .max() on the field",
  },
} as const satisfies Record<string, StoreLimit>;

/**
 * Refuses text values longer than their indexed column: a key, a unique
 * value or an indexed value whose key bytes (4 per character) pass the
 * share of the 3072-byte key its column was given. `values` holds domain
 * values by field name (a key, an item, query parameters or changes).
 */
export function assertIndexKeySizes(model: EntityModel, values: Readonly<Record<string, unknown>>, where: "key" | "item" | "params" | "changes"): void {
  const lengths = indexedStringLengths(model);
  for (const index of mysqlIndexes(model)) {
    for (const field of index.fields) {
      const length = lengths.get(field.name);
      const value = values[field.name];
      if (length === undefined || typeof value !== "string") continue;
      let chars = 0;
      for (const _ of value) chars++;
      if (chars > length) {
        checkLimit(
          { ...MYSQL_LIMITS.indexKeyBytes, subject: `${MYSQL_LIMITS.indexKeyBytes.subject} (column ${field.column}: varchar(${length}) of utf8mb4, ${length * UTF8MB4_MAX_BYTES} key bytes)`, max: length * UTF8MB4_MAX_BYTES },
          chars * UTF8MB4_MAX_BYTES,
          { entity: model.name, path: [where, index.name, field.name] },
        );
      }
    }
  }
}
