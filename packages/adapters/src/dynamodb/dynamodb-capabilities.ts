import type { StoreCapabilities } from "@polyxena/core";
import { DYNAMODB_MAX_ITEM_BYTES } from "./dynamodb-item-size.js";
import { DYNAMODB_LIMITS } from "./dynamodb-limits.js";

/** What DynamoDB supports; the real and the in-memory adapters declare the same. */
export const DYNAMODB_CAPABILITIES: StoreCapabilities = Object.freeze({
  conditionalWrites: true,
  rowTtl: true,
  transactions: true,
  atomicVersionIncrement: true,
  returnsUpdatedItem: true,
  search: false,
  maxItemBytes: DYNAMODB_MAX_ITEM_BYTES,
  limits: DYNAMODB_LIMITS,
});
