import type { CallTrace } from "./call-policy.js";
import type { PolyxenaErrorCode } from "./errors.js";
import type { PortableConsistency } from "./entity-model.js";
import type { ReadSource } from "./entity-cache.js";
import type { KeyValues, OperationKind } from "./store-adapter.js";

/** Emitted once per repository operation, after it settles. */
export interface OperationEvent {
  /** Store instance name, e.g. `postgres`, `cassandra:viewing`. */
  store: string;
  /** Store kind, e.g. `postgres` (the instance name may differ). */
  storeKind?: string | undefined;
  entity: string;
  operation: OperationKind;
  /** Descriptor id, e.g. `ViewingHistory.query.historyForProfile`. */
  operationId: string;
  consistency: PortableConsistency;
  /** Native consistency level, when one applied. */
  nativeConsistency?: string | undefined;
  /** `bypass` when the call did not consult the cache. */
  cache: ReadSource | "bypass";
  /** True when the value was served from cache because the store failed (stale-if-error). */
  stale: boolean;
  durationMs: number;
  outcome: "ok" | "error";
  errorCode?: PolyxenaErrorCode | undefined;
  /** For `E_TIMEOUT`/`E_UNAVAILABLE` on writes: whether the write may have been applied. */
  errorOutcome?: "not-applied" | "unknown" | undefined;
  /**
   * Store calls the operation made through the policy (retries included).
   * Absent when the runtime could not attribute them, e.g. loads run later by the cache.
   */
  attempts?: number | undefined;
  /** Attempts after the first; see `attempts`. */
  retries?: number | undefined;
  /** The native statement without parameter values, when the store reported one. */
  statement?: string | undefined;
  /** Primary key of the item, only when the runtime was told to include keys. */
  key?: KeyValues | undefined;
  /**
   * The change event this operation caused or applied: set on writes of
   * entities with events, on the relay's deliveries and on projection
   * writes, so one id links the write, the publish and the projection write.
   */
  changeId?: string | undefined;
}

/** Receives operation events (metrics, tracing, logs). Must not throw. */
export type OperationListener = (event: OperationEvent) => void;

/**
 * The trace of the operation whose body is being started right now. Store
 * calls reached synchronously from the body pick it up; JavaScript runs one
 * body at a time, so a slot saved and restored around the synchronous start
 * is enough (no async context needed, and no cost when nobody listens).
 */
let activeTrace: CallTrace | undefined;

/** Starts `body` with `trace` as the active call trace; returns what `body` returns. */
export function startTraced<T>(trace: CallTrace, body: () => T): T {
  const outer = activeTrace;
  activeTrace = trace;
  try {
    return body();
  } finally {
    activeTrace = outer;
  }
}

/** The trace of the operation being started, if any (see {@link startTraced}). */
export function activeCallTrace(): CallTrace | undefined {
  return activeTrace;
}

/** Delivers an event to every listener; a throwing listener never breaks the data call. */
export function emitOperationEvent(listeners: readonly OperationListener[], event: OperationEvent): void {
  for (const listener of listeners) {
    try {
      listener(event);
    } catch {
      // A listener must never break a data call.
    }
  }
}
