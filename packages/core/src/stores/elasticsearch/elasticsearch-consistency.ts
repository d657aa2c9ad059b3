/**
 * Elasticsearch consistency: the native levels are the write refresh
 * policies; reads and writes default to eventual (near real time).
 */
import type { StoreConsistencyRules } from "../store-dialect.js";

/** Elasticsearch refresh policies for writes. */
export type ElasticsearchRefresh = "false" | "wait_for" | "true";

/** Elasticsearch consistency rules. */
export const elasticsearchConsistency: StoreConsistencyRules<ElasticsearchRefresh> = {
  native: { false: "eventual", wait_for: "strong", true: "strong" },
  defaults: { read: { level: "eventual" }, write: { level: "eventual" } },
};
