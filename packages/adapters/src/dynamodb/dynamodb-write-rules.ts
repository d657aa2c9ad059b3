/**
 * Checks DynamoDB applies to every write, run before anything is sent so
 * that the real and the in-memory adapter refuse the same writes with the
 * same `E_VALIDATION`: the 400 KB item limit, key sizes and non-empty key strings.
 */
import { PolyxenaError, type EntityModel, type StoredItem } from "@polyxena/core";
import type { NativeItem } from "./dynamodb-codec.js";
import { allKeyAttributes } from "./dynamodb-access.js";
import { DYNAMODB_MAX_ITEM_BYTES, dynamoItemSize } from "./dynamodb-item-size.js";
import { assertKeySizes } from "./dynamodb-limits.js";

const KEY_ATTRIBUTES = new WeakMap<EntityModel, readonly string[]>();

/** Refuses an item over 400 KB (attribute names and `_ttl` included). */
export function assertItemSize(model: EntityModel, item: NativeItem, what = "item"): void {
  const size = dynamoItemSize(item);
  if (size > DYNAMODB_MAX_ITEM_BYTES) {
    throw new PolyxenaError("E_VALIDATION", `${what} is ${size} bytes; DynamoDB stores at most ${DYNAMODB_MAX_ITEM_BYTES} bytes per item`, {
      entity: model.name,
      issues: [{ path: [], message: `item size ${size} exceeds ${DYNAMODB_MAX_ITEM_BYTES} bytes`, code: "too_big" }],
      fix: "store large values elsewhere (e.g. object storage) and keep a reference",
    });
  }
}

/** Refuses empty strings and values over the key size limits in table or index key attributes, which DynamoDB rejects. */
export function assertKeyValues(model: EntityModel, item: NativeItem): void {
  assertKeySizes(model, item, "item");
  let attrs = KEY_ATTRIBUTES.get(model);
  if (!attrs) KEY_ATTRIBUTES.set(model, (attrs = allKeyAttributes(model)));
  for (const attr of attrs) {
    if (item[attr] === "") {
      throw new PolyxenaError("E_VALIDATION", `${attr} is a key attribute and cannot be an empty string in DynamoDB`, {
        entity: model.name,
        issues: [{ path: [attr], message: "key attributes cannot be empty strings" }],
      });
    }
  }
}

/**
 * The item an update will produce from `current` (domain values); used
 * inside transactions, where DynamoDB returns nothing until commit.
 */
export function applyChanges(current: StoredItem, changes: StoredItem, incrementVersion: string | undefined): StoredItem {
  const next: StoredItem = { ...current };
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) delete next[field];
    else next[field] = value;
  }
  if (incrementVersion) next[incrementVersion] = (typeof current[incrementVersion] === "number" ? (current[incrementVersion] as number) : 0) + 1;
  return next;
}
