import type { ConsistencyLevelModel } from "@polyxena/core";
import type { CqlConsistency } from "./cassandra-session.js";

/** Levels used for one request: the consistency and, for lightweight transactions, the serial consistency. */
export interface CassandraLevels {
  consistency: CqlConsistency;
  serial: "SERIAL" | "LOCAL_SERIAL";
}

const NATIVE = new Set<string>(["ANY", "ONE", "TWO", "THREE", "QUORUM", "ALL", "LOCAL_QUORUM", "EACH_QUORUM", "SERIAL", "LOCAL_SERIAL", "LOCAL_ONE"]);

/**
 * Maps a resolved consistency to Cassandra levels. Native levels are used as
 * given (a serial level on a write becomes the serial consistency of the LWT,
 * with the matching quorum as commit level); portable ones map to
 * `LOCAL_ONE` (eventual) and `LOCAL_QUORUM` (strong).
 */
export function cassandraLevels(level: ConsistencyLevelModel, mode: "read" | "write"): CassandraLevels {
  const native = level.native !== undefined && NATIVE.has(level.native) ? (level.native as CqlConsistency) : undefined;
  if (!native) return { consistency: level.level === "strong" ? "LOCAL_QUORUM" : "LOCAL_ONE", serial: "LOCAL_SERIAL" };
  if (native === "SERIAL" || native === "LOCAL_SERIAL") {
    return { consistency: mode === "read" ? native : native === "SERIAL" ? "QUORUM" : "LOCAL_QUORUM", serial: native };
  }
  const local = native.startsWith("LOCAL_") || native === "ONE" || native === "ANY";
  return { consistency: native, serial: local ? "LOCAL_SERIAL" : "SERIAL" };
}
