/**
 * DynamoDB unique constraints: claim items in the entity's claims table
 * (`<table>_unique`, key `claim` = constraint name + values, `owner` = the
 * item's key), taken and released in the same TransactWriteItems as the
 * item write, so the item and its claims change together or not at all.
 *
 * - take: Put the claim if it does not exist, is the item's own, or has expired;
 * - release: Delete the claim if it is the item's own (or already gone);
 * - guard: the item write is conditioned on the item still holding the
 *   unique values read before the transaction was built, so a concurrent
 *   change of the item cancels the transaction instead of leaking a claim.
 *
 * These builders return plain TransactWriteItems entries; the adapter puts
 * them into one {@link DynamoDbTransaction} with the item write (and any
 * other item a caller adds to the same transaction).
 */
import { checkLimit, utf8Bytes, uniqueClaimOwner, uniqueFields, type EntityModel, type StoredItem, type UniqueClaim } from "@polyxena/core";
import { DYNAMODB_CLAIM_ATTRIBUTE, DYNAMODB_OWNER_ATTRIBUTE, dynamoClaimTableName } from "@polyxena/core/stores/dynamodb";
import { DYNAMODB_LIMITS } from "./dynamodb-limits.js";
import { encodeValue, fieldsOf, tableKeyAttributes, TTL_ATTRIBUTE, type DynamoNative, type NativeItem } from "./dynamodb-codec.js";

/** A condition fragment: expression text with its own names and values. */
export interface ConditionFragment {
  expression: string;
  names: Record<string, string>;
  values: Record<string, DynamoNative>;
}

/** A claim write in TransactWriteItems form. */
export type ClaimWrite =
  | { Put: { TableName: string; Item: NativeItem; ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Record<string, DynamoNative> } }
  | { Delete: { TableName: string; Key: NativeItem; ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Record<string, DynamoNative> } };

const CLAIM_NAMES = { "#uc": DYNAMODB_CLAIM_ATTRIBUTE, "#uo": DYNAMODB_OWNER_ATTRIBUTE, "#ut": TTL_ATTRIBUTE };

/** The Put that takes `claim` for the item with `key` (expiring with the item when it has a TTL). */
export function takeClaimWrite(model: EntityModel, tablePrefix: string, claim: UniqueClaim, key: StoredItem, nowSeconds: number, expiresAt: number | undefined): ClaimWrite {
  const item: NativeItem = { [DYNAMODB_CLAIM_ATTRIBUTE]: claim.claim, [DYNAMODB_OWNER_ATTRIBUTE]: uniqueClaimOwner(model, key) };
  if (expiresAt !== undefined) item[TTL_ATTRIBUTE] = expiresAt;
  return {
    Put: {
      TableName: dynamoClaimTableName(model, tablePrefix),
      Item: item,
      ConditionExpression: "attribute_not_exists(#uc) OR #uo = :uowner OR #ut <= :unow",
      ExpressionAttributeNames: CLAIM_NAMES,
      ExpressionAttributeValues: { ":uowner": uniqueClaimOwner(model, key), ":unow": nowSeconds },
    },
  };
}

/** The Delete that releases `claim` held by the item with `key`. */
export function releaseClaimWrite(model: EntityModel, tablePrefix: string, claim: UniqueClaim, key: StoredItem): ClaimWrite {
  return {
    Delete: {
      TableName: dynamoClaimTableName(model, tablePrefix),
      Key: { [DYNAMODB_CLAIM_ATTRIBUTE]: claim.claim },
      ConditionExpression: "attribute_not_exists(#uc) OR #uo = :uowner",
      ExpressionAttributeNames: { "#uc": DYNAMODB_CLAIM_ATTRIBUTE, "#uo": DYNAMODB_OWNER_ATTRIBUTE },
      ExpressionAttributeValues: { ":uowner": uniqueClaimOwner(model, key) },
    },
  };
}

/**
 * The condition that the stored item is still as read: absent (or expired)
 * when `before` is undefined, otherwise live and holding the same value (or
 * no value) in every unique field.
 */
export function claimGuard(model: EntityModel, before: StoredItem | undefined, nowSeconds: number): ConditionFragment {
  const hash = tableKeyAttributes(model)[0]!;
  const names: Record<string, string> = { "#ug": hash, "#ut": TTL_ATTRIBUTE };
  const values: Record<string, DynamoNative> = { ":unow": nowSeconds };
  if (!before) return { expression: "(attribute_not_exists(#ug) OR #ut <= :unow)", names, values };
  const fields = fieldsOf(model);
  const parts = ["attribute_exists(#ug)", "(attribute_not_exists(#ut) OR #ut > :unow)"];
  uniqueFields(model).forEach((name, i) => {
    names[`#uf${i}`] = name;
    const value = before[name];
    if (value === undefined || value === null) parts.push(`(attribute_not_exists(#uf${i}) OR #uf${i} = :unull)`);
    else {
      values[`:uf${i}`] = encodeValue(fields.get(name), value) as DynamoNative;
      parts.push(`#uf${i} = :uf${i}`);
    }
  });
  if (parts.some((p) => p.includes(":unull"))) values[":unull"] = null as unknown as DynamoNative;
  return { expression: parts.join(" AND "), names, values };
}

/** Adds `guard` to a write's condition (AND), merging names and values. */
export function withGuard<T extends { ConditionExpression?: string | undefined; ExpressionAttributeNames?: Record<string, string> | undefined; ExpressionAttributeValues?: Record<string, unknown> | undefined }>(input: T, guard: ConditionFragment): T {
  return {
    ...input,
    ConditionExpression: input.ConditionExpression ? `(${input.ConditionExpression}) AND ${guard.expression}` : guard.expression,
    ExpressionAttributeNames: { ...input.ExpressionAttributeNames, ...guard.names },
    ExpressionAttributeValues: { ...input.ExpressionAttributeValues, ...guard.values },
  };
}

/**
 * Refuses claims whose id (constraint name + values) would pass DynamoDB's
 * partition key limit, before anything is sent: `E_VALIDATION` naming the
 * limit and the constraint.
 */
export function assertClaimSizes(model: EntityModel, claims: readonly UniqueClaim[]): void {
  for (const claim of claims) checkLimit(DYNAMODB_LIMITS.partitionKeyBytes, utf8Bytes(claim.claim), { entity: model.name, path: ["unique", claim.constraint.name] });
}
