/**
 * Cassandra consistency: the native levels a request may name and what each
 * means portably; reads default to eventual, writes to strong.
 */
import type { StoreConsistencyRules } from "../store-dialect.js";

const LEVELS = {
  ANY: "eventual",
  ONE: "eventual",
  TWO: "eventual",
  THREE: "eventual",
  LOCAL_ONE: "eventual",
  QUORUM: "strong",
  LOCAL_QUORUM: "strong",
  EACH_QUORUM: "strong",
  ALL: "strong",
  SERIAL: "strong",
  LOCAL_SERIAL: "strong",
} as const;

/** Cassandra consistency levels a request may name. */
export type CassandraConsistency = keyof typeof LEVELS;

/** Cassandra consistency rules. */
export const cassandraConsistency: StoreConsistencyRules<CassandraConsistency> = {
  native: LEVELS,
  defaults: { read: { level: "eventual" }, write: { level: "strong" } },
};
