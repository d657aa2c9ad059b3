import type { StoreCapabilities } from "@polyxena/core";
import { MYSQL_LIMITS } from "./mysql-limits.js";

/** What the MySQL adapter supports. Updates return the stored row: they read it back in the same transaction, under the row lock. */
export const MYSQL_CAPABILITIES: StoreCapabilities = Object.freeze({
  conditionalWrites: true,
  rowTtl: false,
  transactions: true,
  atomicVersionIncrement: true,
  returnsUpdatedItem: true,
  search: false,
  limits: MYSQL_LIMITS,
});
