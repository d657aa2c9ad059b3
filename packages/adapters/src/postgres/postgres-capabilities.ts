import type { StoreCapabilities } from "@polyxena/core";
import { POSTGRES_LIMITS } from "./postgres-limits.js";

/** What the Postgres adapter supports (on a server and on PGlite alike). */
export const POSTGRES_CAPABILITIES: StoreCapabilities = Object.freeze({
  conditionalWrites: true,
  rowTtl: false,
  transactions: true,
  atomicVersionIncrement: true,
  returnsUpdatedItem: true,
  search: false,
  limits: POSTGRES_LIMITS,
});
