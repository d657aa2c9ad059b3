/**
 * Elasticsearch key rules: one document id field (`{ id: "titleId" }`).
 */
import type { FieldType } from "../../entity-model.js";
import { declaredClustering, declaredFields } from "../key-declaration.js";
import type { StoreKeyRules } from "../store-dialect.js";

/** Field types a document id can be made from. */
const KEYABLE: ReadonlySet<FieldType> = new Set(["string", "uuid", "int", "bigint", "date", "enum", "number", "boolean"]);

/** Elasticsearch key rules. */
export const elasticsearchKeys: StoreKeyRules = {
  keyable: KEYABLE,
  normalize(key, fail) {
    if (declaredClustering(key).length) throw fail("key.clustering", "elasticsearch has no clustering or sort key", 'declare key: { id: "field" } and sort in queries');
    const partition = declaredFields(key.id ?? key.partition);
    if (partition.length !== 1) throw fail("key.id", "elasticsearch documents have one id field", 'declare key: { id: "field" }');
    return { partition, clustering: [] };
  },
  // A document has one id: the most specific key field.
  declare: ({ partition, clustering }) => {
    const id = clustering.at(-1)?.field ?? partition.at(-1);
    return id === undefined ? {} : { id };
  },
};
