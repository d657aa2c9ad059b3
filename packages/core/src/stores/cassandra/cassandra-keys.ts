/**
 * Cassandra key rules: a partition key of one or more columns and ordered
 * clustering columns (`{ partition: [...], clustering: [...] }`).
 */
import type { FieldType } from "../../entity-model.js";
import { declaredClustering, declaredFields, orderedField } from "../key-declaration.js";
import type { StoreKeyRules } from "../store-dialect.js";

/** Field types a Cassandra key column can hold. */
const KEYABLE: ReadonlySet<FieldType> = new Set(["string", "uuid", "int", "bigint", "number", "boolean", "date", "enum"]);

/** Cassandra key rules. */
export const cassandraKeys: StoreKeyRules = {
  keyable: KEYABLE,
  normalize(key, fail) {
    if (key.primary !== undefined || key.id !== undefined) throw fail("key", "cassandra keys are { partition, clustering }", "declare key: { partition: [...], clustering: [...] }");
    return { partition: declaredFields(key.partition), clustering: declaredClustering(key).map(orderedField) };
  },
  declare: ({ partition, clustering }) => ({ partition, clustering }),
};
