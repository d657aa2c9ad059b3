import type { PolyxenaErrorCode } from "./errors.js";
import type { PortableConsistency } from "./entity-model.js";
import type { ReadSource } from "./entity-cache.js";
import type { OperationKind } from "./store-adapter.js";

/** Emitted once per repository operation, after it settles. */
export interface OperationEvent {
  /** Store instance name, e.g. `postgres`, `cassandra:viewing`. */
  store: string;
  entity: string;
  operation: OperationKind;
  /** Descriptor id, e.g. `ViewingHistory.query.historyForProfile`. */
  operationId: string;
  consistency: PortableConsistency;
  /** Native consistency level, when one applied. */
  nativeConsistency?: string | undefined;
  /** `bypass` when the call did not consult the cache. */
  cache: ReadSource | "bypass";
  durationMs: number;
  outcome: "ok" | "error";
  errorCode?: PolyxenaErrorCode | undefined;
}

/** Receives operation events (metrics, tracing, logs). Must not throw. */
export type OperationListener = (event: OperationEvent) => void;
