import type { StoreCapabilities } from "@polyxena/core";

/**
 * What the Cassandra adapters (real and in-memory) support. Versions are
 * checked with lightweight transactions, so an update needs the expected
 * version (no blind atomic increment); there are no multi-statement
 * transactions.
 */
export const CASSANDRA_CAPABILITIES: StoreCapabilities = Object.freeze({
  conditionalWrites: true,
  rowTtl: true,
  transactions: false,
  atomicVersionIncrement: false,
  returnsUpdatedItem: false,
  search: false,
});
