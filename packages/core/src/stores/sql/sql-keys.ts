/**
 * Key rules of relational stores: a primary key of one or
 * more columns (`{ primary: [...] }`), no clustering or sort key.
 */
import type { FieldType } from "../../entity-model.js";
import { declaredClustering, declaredFields } from "../key-declaration.js";
import type { StoreKeyRules } from "../store-dialect.js";

/** Field types a relational primary key column can hold. */
const KEYABLE: ReadonlySet<FieldType> = new Set(["string", "uuid", "int", "bigint", "number", "boolean", "date", "enum"]);

/** Relational key rules for the store named `kind` (used in the messages). */
export function sqlKeys(kind: string): StoreKeyRules {
  return {
    keyable: KEYABLE,
    normalize(key, fail) {
      if (declaredClustering(key).length) throw fail("key.clustering", `${kind} has no clustering or sort key`, "declare key: { primary: [...] } and a query with an order");
      return { partition: declaredFields(key.primary ?? key.partition), clustering: [] };
    },
    declare: ({ partition, clustering }) => ({ primary: [...partition, ...clustering.map((c) => c.field)] }),
  };
}
