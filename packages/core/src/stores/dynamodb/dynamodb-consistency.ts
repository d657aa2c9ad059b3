/**
 * DynamoDB consistency: no native level names (a read is `ConsistentRead`
 * or not), so only `eventual` and `strong`; reads default to eventual,
 * writes to strong.
 */
import type { StoreConsistencyRules } from "../store-dialect.js";

/** DynamoDB consistency rules. */
export const dynamoDbConsistency: StoreConsistencyRules<never> = {
  native: {},
  defaults: { read: { level: "eventual" }, write: { level: "strong" } },
};
