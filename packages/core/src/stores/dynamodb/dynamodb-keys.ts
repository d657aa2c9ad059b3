/**
 * DynamoDB key rules: one partition (hash) attribute and at most one sort
 * (range) attribute (`{ partition: "pk", sort: "sk" }`).
 */
import type { FieldType } from "../../entity-model.js";
import { declaredClustering, declaredFields, orderedField } from "../key-declaration.js";
import type { StoreKeyRules } from "../store-dialect.js";

/** Field types a DynamoDB key attribute can hold (`S` or `N`). */
const KEYABLE: ReadonlySet<FieldType> = new Set(["string", "uuid", "int", "bigint", "number", "date", "enum"]);

/** DynamoDB key rules. */
export const dynamoDbKeys: StoreKeyRules = {
  keyable: KEYABLE,
  normalize(key, fail) {
    if (key.primary !== undefined || key.id !== undefined) throw fail("key", "dynamodb keys are { partition, sort }", 'declare key: { partition: "pk", sort: "sk" }');
    const partition = declaredFields(key.partition);
    if (partition.length > 1) throw fail("key.partition", "dynamodb partition keys are a single attribute", "key on one field; store a composite attribute if you need more");
    const clustering = declaredClustering(key);
    if (clustering.length > 1) throw fail("key.sort", "dynamodb has one sort key", "key on one sort field");
    return { partition, clustering: clustering.map(orderedField) };
  },
  declare: ({ partition, clustering }) => (clustering[0] ? { partition, sort: clustering[0] } : { partition }),
};
