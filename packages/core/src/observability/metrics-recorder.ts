import type { PolyxenaErrorCode } from "../errors.js";
import type { OperationEvent, OperationListener } from "../operation-events.js";
import type { OperationKind } from "../store-adapter.js";
import { LatencyHistogram, type LatencySummary } from "./latency-histogram.js";

/** Cache figures of cache-eligible reads. */
export interface CacheMetrics {
  /** Served from the process-local L1. */
  l1: number;
  /** Served from the shared cache tier. */
  l2: number;
  /** Loaded from the store (a miss). */
  misses: number;
  /** Served stale from cache because the store failed. */
  stale: number;
  /** (l1 + l2) / all cache-eligible reads; `null` before the first one. */
  hitRatio: number | null;
}

/** Metrics of one entity in one store instance. */
export interface EntityMetrics {
  store: string;
  entity: string;
  /** Operations that settled. */
  count: number;
  /** Operations that failed. */
  errors: number;
  errorsByCode: Partial<Record<PolyxenaErrorCode, number>>;
  /** Operations by kind. */
  byOperation: Partial<Record<OperationKind, number>>;
  /** Store attempts after the first, summed over operations. */
  retries: number;
  latencyMs: LatencySummary;
  cache: CacheMetrics;
}

/** A point-in-time copy of everything a {@link MetricsRecorder} counted. */
export interface MetricsSnapshot {
  /** One entry per store instance and entity, sorted by store then entity. */
  entities: EntityMetrics[];
  /** Totals over every store and entity. */
  totals: { count: number; errors: number; errorsByCode: Partial<Record<PolyxenaErrorCode, number>>; latencyMs: LatencySummary; cache: CacheMetrics };
}

class Tally {
  count = 0;
  errors = 0;
  retries = 0;
  readonly errorsByCode: Partial<Record<PolyxenaErrorCode, number>> = {};
  readonly byOperation: Partial<Record<OperationKind, number>> = {};
  readonly latency = new LatencyHistogram();
  readonly cache = { l1: 0, l2: 0, misses: 0, stale: 0 };

  add(event: OperationEvent): void {
    this.count++;
    this.byOperation[event.operation] = (this.byOperation[event.operation] ?? 0) + 1;
    if (event.outcome === "error") {
      this.errors++;
      const code = event.errorCode ?? "E_STORE";
      this.errorsByCode[code] = (this.errorsByCode[code] ?? 0) + 1;
    }
    this.retries += event.retries ?? 0;
    this.latency.record(event.durationMs);
    switch (event.cache) {
      case "l1":
        this.cache.l1++;
        break;
      case "l2":
        this.cache.l2++;
        break;
      case "store":
        this.cache.misses++;
        break;
      case "stale":
        this.cache.stale++;
        break;
      case "bypass":
        break;
    }
  }

  cacheMetrics(): CacheMetrics {
    const { l1, l2, misses, stale } = this.cache;
    const all = l1 + l2 + misses + stale;
    return { l1, l2, misses, stale, hitRatio: all === 0 ? null : (l1 + l2) / all };
  }
}

/**
 * Counts operation events per store instance and entity: operations,
 * errors by code, retries, latency percentiles (bounded histogram) and the
 * cache hit ratio. Pass `recorder.listener` to `createRepositories({ onOperation })`.
 *
 * @example
 * const metrics = new MetricsRecorder();
 * const repos = createRepositories({ stores, onOperation: metrics.listener });
 * // later, e.g. from a /metrics handler:
 * const { entities } = metrics.snapshot();
 */
export class MetricsRecorder {
  private readonly tallies = new Map<string, { store: string; entity: string; tally: Tally }>();
  private all = new Tally();

  /** The listener to register; it never throws. */
  readonly listener: OperationListener = (event) => this.record(event);

  /** Records one event. */
  record(event: OperationEvent): void {
    const id = `${event.store}\u0000${event.entity}`;
    let entry = this.tallies.get(id);
    if (!entry) {
      entry = { store: event.store, entity: event.entity, tally: new Tally() };
      this.tallies.set(id, entry);
    }
    entry.tally.add(event);
    this.all.add(event);
  }

  /** A copy of the current figures. */
  snapshot(): MetricsSnapshot {
    const entities = [...this.tallies.values()]
      .sort((a, b) => (a.store === b.store ? a.entity.localeCompare(b.entity) : a.store.localeCompare(b.store)))
      .map(({ store, entity, tally }) => ({
        store,
        entity,
        count: tally.count,
        errors: tally.errors,
        errorsByCode: { ...tally.errorsByCode },
        byOperation: { ...tally.byOperation },
        retries: tally.retries,
        latencyMs: tally.latency.summary(),
        cache: tally.cacheMetrics(),
      }));
    return {
      entities,
      totals: {
        count: this.all.count,
        errors: this.all.errors,
        errorsByCode: { ...this.all.errorsByCode },
        latencyMs: this.all.latency.summary(),
        cache: this.all.cacheMetrics(),
      },
    };
  }

  /** Forgets everything recorded so far. */
  reset(): void {
    this.tallies.clear();
    this.all = new Tally();
  }
}
