/**
 * DynamoDB's request limits, checked before anything is sent so that the
 * real and the in-memory adapter refuse the same requests with the same
 * `E_VALIDATION`, and a caller's oversized key never reaches DynamoDB as a
 * `ValidationException` (which says nothing about DynamoDB's health).
 */
import { checkLimit, type EntityModel, type StoreLimit } from "@polyxena/core";
import type { DynamoNative, NativeItem } from "./dynamodb-codec.js";
import { DYNAMODB_MAX_ITEM_BYTES, dynamoValueSize } from "./dynamodb-item-size.js";

/** DynamoDB's limits a single request can break. */
export const DYNAMODB_LIMITS = {
  partitionKeyBytes: {
    name: "dynamodb.partitionKeyBytes",
    subject: "a DynamoDB partition key value",
    max: 2048,
    unit: "bytes",
    fix: "use a shorter partition key value (hash long natural keys, e.g. SHA-256 of the value, and keep the original in a non-key field)",
  },
  sortKeyBytes: {
    name: "dynamodb.sortKeyBytes",
    subject: "a DynamoDB sort key value",
    max: 1024,
    unit: "bytes",
    fix: "use a shorter sort key value (hash or truncate it, and keep the original in a non-key field)",
  },
  itemBytes: {
    name: "dynamodb.itemBytes",
    subject: "a DynamoDB item",
    max: DYNAMODB_MAX_ITEM_BYTES,
    unit: "bytes",
    fix: "store large values elsewhere (e.g. object storage) and keep a reference",
  },
  batchGetItems: {
    name: "dynamodb.batchGetItems",
    subject: "one BatchGetItem call",
    max: 100,
    unit: "items",
    fix: "the adapter splits getMany into calls of at most 100 keys",
  },
  batchWriteItems: {
    name: "dynamodb.batchWriteItems",
    subject: "one BatchWriteItem call",
    max: 25,
    unit: "items",
    fix: "write at most 25 items per BatchWriteItem call",
  },
  transactionItems: {
    name: "dynamodb.transactionItems",
    subject: "one DynamoDB transaction",
    max: 100,
    unit: "items",
    fix: "split the work into several transactions",
  },
} as const satisfies Record<string, StoreLimit>;

const KEY_LIMITS = new WeakMap<EntityModel, ReadonlyMap<string, StoreLimit>>();

/** The size limit of each key attribute of the table and its GSIs (the stricter one when an attribute has two roles). */
function keyLimits(model: EntityModel): ReadonlyMap<string, StoreLimit> {
  let limits = KEY_LIMITS.get(model);
  if (limits) return limits;
  const byAttr = new Map<string, StoreLimit>();
  const add = (attr: string | undefined, limit: StoreLimit) => {
    if (attr === undefined) return;
    const known = byAttr.get(attr);
    if (!known || limit.max < known.max) byAttr.set(attr, limit);
  };
  for (const attr of model.key.partition) add(attr, DYNAMODB_LIMITS.partitionKeyBytes);
  for (const c of model.key.clustering) add(c.field, DYNAMODB_LIMITS.sortKeyBytes);
  for (const q of model.queries) {
    if (q.index.kind !== "gsi") continue;
    add(q.index.partition, DYNAMODB_LIMITS.partitionKeyBytes);
    add(q.index.sort, DYNAMODB_LIMITS.sortKeyBytes);
  }
  limits = byAttr;
  KEY_LIMITS.set(model, limits);
  return limits;
}

/**
 * Refuses table or GSI key attribute values over DynamoDB's key size limits
 * (2048 bytes for a partition key, 1024 for a sort key), in a key, an item
 * or an update's written attributes. `where` names the request part.
 */
export function assertKeySizes(model: EntityModel, native: NativeItem, where: "key" | "item" | "params" = "key"): void {
  for (const [attr, limit] of keyLimits(model)) {
    const value = native[attr];
    if (value === undefined || value === null) continue;
    checkLimit(limit, dynamoValueSize(value as DynamoNative), { entity: model.name, path: [where, attr] });
  }
}
