import { AsyncLocalStorage } from "node:async_hooks";
import type { OperationEvent } from "@polyxena/core";

/** One operation as the demo recorded it: the event plus the scenario it ran under and when it settled. */
export interface RecordedOperation {
  scenario: string;
  /** Store instance name from the event. */
  store: string;
  operation: string;
  /** Where the read was served from, as the event says (`bypass` when the cache was not consulted). */
  source: OperationEvent["cache"];
  durationMs: number;
  outcome: OperationEvent["outcome"];
  errorCode?: string | undefined;
  /** Milliseconds since the recorder started. */
  atMs: number;
  /** The change event the operation caused, relayed or applied, when it had one. */
  changeId?: string | undefined;
}

/** Counters and latencies of one scenario on one store. */
export interface StoreSummary {
  scenario: string;
  store: string;
  operations: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  /** Reads answered by the cache (`l1`, `l2` or `stale`), i.e. store reads saved. */
  cacheHits: number;
  /** Cache-consulting reads that went to the store. */
  storeReads: number;
  /** cacheHits / (cacheHits + storeReads); `null` when nothing consulted the cache. */
  hitRatio: number | null;
  /** How many operations were served from each source, keyed by the events' `cache` field. */
  sources: Record<string, number>;
  /** How many operations failed with each error code. */
  errorCodes: Record<string, number>;
}

/** A window of the run: cache hits and store reads that settled in it. */
export interface HitRatioPoint {
  atMs: number;
  cacheHits: number;
  storeReads: number;
  hitRatio: number | null;
}

/** The nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

function isCacheHit(source: OperationEvent["cache"]): boolean {
  return source === "l1" || source === "l2" || source === "stale";
}

/**
 * Records the repositories' operation events, tagged with the scenario
 * that was running when each settled (`run(scenario, fn)`). The relay and the
 * projection applier run outside any scenario: their operations carry the
 * `changeId` of the write they follow, and count under that write's scenario.
 */
export class DemoRecorder {
  readonly operations: RecordedOperation[] = [];
  private readonly scenario = new AsyncLocalStorage<string>();
  private readonly startedAt = performance.now();
  /** The scenario of the write that caused each change, by change id. */
  private readonly changeScenarios = new Map<string, string>();
  /** Operations outside any scenario whose change's write has not been seen yet (a relay can be faster than the write's own event). */
  private readonly unattributed = new Map<string, RecordedOperation[]>();

  /** The `onOperation` listener to hand to `createRepositories` and the relay. */
  readonly onOperation = (event: OperationEvent): void => {
    const running = this.scenario.getStore();
    const changeId = event.changeId;
    const recorded: RecordedOperation = {
      scenario: running ?? (changeId === undefined ? undefined : this.changeScenarios.get(changeId)) ?? "setup",
      store: event.store,
      operation: event.operationId,
      source: event.cache,
      durationMs: event.durationMs,
      outcome: event.outcome,
      errorCode: event.errorCode,
      atMs: performance.now() - this.startedAt,
      changeId,
    };
    this.operations.push(recorded);
    if (changeId === undefined) return;
    if (running !== undefined && !this.changeScenarios.has(changeId)) {
      this.changeScenarios.set(changeId, running);
      for (const op of this.unattributed.get(changeId) ?? []) op.scenario = running;
      this.unattributed.delete(changeId);
    } else if (running === undefined && !this.changeScenarios.has(changeId)) {
      const waiting = this.unattributed.get(changeId) ?? [];
      waiting.push(recorded);
      this.unattributed.set(changeId, waiting);
    }
  };

  /** Runs `fn` with its operations attributed to `scenario`. */
  run<T>(scenario: string, fn: () => Promise<T>): Promise<T> {
    return this.scenario.run(scenario, fn);
  }

  /** Milliseconds since the recorder started. */
  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  /** Per scenario and store, in first-seen order; operations of `exclude` scenarios are left out. */
  summarize(exclude: readonly string[] = ["setup"]): StoreSummary[] {
    const groups = new Map<string, RecordedOperation[]>();
    for (const op of this.operations) {
      if (exclude.includes(op.scenario)) continue;
      const key = `${op.scenario}\u0000${op.store}`;
      const group = groups.get(key) ?? [];
      group.push(op);
      groups.set(key, group);
    }
    return [...groups.values()].map((ops) => {
      const sorted = ops.map((o) => o.durationMs).sort((a, b) => a - b);
      const sources: Record<string, number> = {};
      const errorCodes: Record<string, number> = {};
      for (const o of ops) {
        sources[o.source] = (sources[o.source] ?? 0) + 1;
        if (o.outcome === "error") errorCodes[o.errorCode ?? "unknown"] = (errorCodes[o.errorCode ?? "unknown"] ?? 0) + 1;
      }
      const cacheHits = ops.filter((o) => isCacheHit(o.source)).length;
      const storeReads = ops.filter((o) => o.source === "store").length;
      return {
        scenario: ops[0]!.scenario,
        store: ops[0]!.store,
        operations: ops.length,
        errors: ops.filter((o) => o.outcome === "error").length,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        cacheHits,
        storeReads,
        hitRatio: cacheHits + storeReads === 0 ? null : cacheHits / (cacheHits + storeReads),
        sources,
        errorCodes,
      };
    });
  }

  /** Cache hit ratio over the run in `buckets` equal windows (setup excluded). */
  hitRatioOverTime(buckets = 20): HitRatioPoint[] {
    const ops = this.operations.filter((o) => o.scenario !== "setup");
    if (ops.length === 0) return [];
    const first = Math.min(...ops.map((o) => o.atMs));
    const last = Math.max(...ops.map((o) => o.atMs));
    const width = Math.max((last - first) / buckets, 1e-6);
    const points: HitRatioPoint[] = Array.from({ length: buckets }, (_, i) => ({ atMs: Math.round(first + (i + 1) * width), cacheHits: 0, storeReads: 0, hitRatio: null }));
    for (const o of ops) {
      const point = points[Math.min(buckets - 1, Math.floor((o.atMs - first) / width))]!;
      if (isCacheHit(o.source)) point.cacheHits++;
      else if (o.source === "store") point.storeReads++;
    }
    for (const p of points) p.hitRatio = p.cacheHits + p.storeReads === 0 ? null : p.cacheHits / (p.cacheHits + p.storeReads);
    return points;
  }

  /** Distinct change events the operation events carried (setup excluded). */
  changeEvents(): number {
    return new Set(this.operations.flatMap((o) => (o.scenario !== "setup" && o.changeId !== undefined ? [o.changeId] : []))).size;
  }

  /** Latencies per store (all scenarios but setup), for the distribution chart. */
  latenciesByStore(): Map<string, number[]> {
    const byStore = new Map<string, number[]>();
    for (const o of this.operations) {
      if (o.scenario === "setup") continue;
      const list = byStore.get(o.store) ?? [];
      list.push(o.durationMs);
      byStore.set(o.store, list);
    }
    return byStore;
  }
}
