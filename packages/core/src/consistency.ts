import type { ConsistencyLevelModel, StoreKind } from "./entity-model.js";

/** Cassandra consistency levels a request may name. */
export type CassandraConsistency =
  | "ANY"
  | "ONE"
  | "TWO"
  | "THREE"
  | "QUORUM"
  | "ALL"
  | "LOCAL_QUORUM"
  | "EACH_QUORUM"
  | "LOCAL_ONE"
  | "SERIAL"
  | "LOCAL_SERIAL";
/** Postgres isolation levels. */
export type PostgresIsolation = "read committed" | "repeatable read" | "serializable";
/** Elasticsearch refresh policies for writes. */
export type ElasticsearchRefresh = "false" | "wait_for" | "true";

/** A consistency level: portable (`eventual`/`strong`) or the store's native level. */
export type ConsistencyInput =
  | "eventual"
  | "strong"
  | CassandraConsistency
  | PostgresIsolation
  | ElasticsearchRefresh;

const NATIVE: Record<StoreKind, Record<string, "eventual" | "strong">> = {
  cassandra: {
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
  },
  dynamodb: {},
  postgres: { "read committed": "strong", "repeatable read": "strong", serializable: "strong" },
  elasticsearch: { false: "eventual", wait_for: "strong", true: "strong" },
};

/**
 * Resolves a consistency input for a store kind; `undefined` when the value
 * is not a level that store understands.
 */
export function resolveConsistency(kind: StoreKind, input: string): ConsistencyLevelModel | undefined {
  if (input === "eventual" || input === "strong") return { level: input };
  const level = NATIVE[kind][input];
  return level ? { level, native: input } : undefined;
}

/** The native levels a store kind accepts, for error messages. */
export function nativeLevels(kind: StoreKind): string[] {
  return Object.keys(NATIVE[kind]);
}
