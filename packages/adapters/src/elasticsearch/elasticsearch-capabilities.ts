import type { StoreCapabilities } from "@polyxena/core";
import { ELASTICSEARCH_LIMITS } from "./elasticsearch-limits.js";

/**
 * What the Elasticsearch adapter supports: conditional writes through `if_seq_no` /
 * `if_primary_term` (so a version check and its write are atomic), search, and no
 * row TTL or transactions.
 */
export const ELASTICSEARCH_CAPABILITIES: StoreCapabilities = {
  conditionalWrites: true,
  rowTtl: false,
  transactions: false,
  atomicVersionIncrement: true,
  returnsUpdatedItem: true,
  search: true,
  // http.max_content_length is 100mb; keep documents far below it.
  maxItemBytes: 10 * 1024 * 1024,
  limits: ELASTICSEARCH_LIMITS,
};
