import { describe, expect, it } from "vitest";
import { z } from "zod";
import { PolyxenaError, PolyxenaRuntime, defineEntity, type CacheProvider, type EntityCache, type OperationEvent, type ReadSource } from "../src/index.js";
import { LatencyHistogram, MetricsRecorder } from "../src/observability/index.js";
import { createResiliencePolicy } from "../src/resilience/index.js";
import { flakyStore, rejection, runtimeWith } from "./resilience-fixtures.js";

describe("LatencyHistogram", () => {
  it("reports percentiles within its 6.25 % bucket error, with exact min and max", () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 10_000; i++) h.record(i / 10); // 0.1 ms .. 1000 ms, uniform
    const s = h.summary();
    expect(s.count).toBe(10_000);
    expect(s.min).toBe(0.1);
    expect(s.max).toBe(1000);
    expect(s.mean).toBeCloseTo(500.05, 6);
    expect(Math.abs(s.p50 - 500) / 500).toBeLessThan(0.0625);
    expect(Math.abs(s.p95 - 950) / 950).toBeLessThan(0.0625);
    expect(Math.abs(s.p99 - 990) / 990).toBeLessThan(0.0625);
  });

  it("handles skewed data, tiny values and nonsense input", () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 990; i++) h.record(0.004);
    for (let i = 0; i < 10; i++) h.record(30_000);
    h.record(Number.NaN);
    h.record(-1);
    h.record(Number.POSITIVE_INFINITY);
    expect(h.count).toBe(1000);
    expect(h.quantile(0.5)).toBe(0.004);
    expect(h.quantile(0.99)).toBe(0.004);
    expect(Math.abs(h.quantile(0.995) - 30_000) / 30_000).toBeLessThan(0.0625);
    expect(h.quantile(1)).toBeLessThanOrEqual(30_000); // never above the exact max
    expect(new LatencyHistogram().summary()).toEqual({ count: 0, min: 0, max: 0, mean: 0, p50: 0, p95: 0, p99: 0 });
  });
});

const Title = defineEntity("Title", {
  store: "postgres",
  schema: z.object({ titleId: z.string().min(1), name: z.string() }),
  key: { primary: ["titleId"] },
  consistency: { read: "eventual", write: "strong" },
  cache: { ttl: "5m" },
});

/** A cache whose reads come from a script of sources; misses call the store loader. */
function scriptedCache(sources: ReadSource[]): CacheProvider {
  const cache: EntityCache = {
    async get(_key, load) {
      const source = sources.shift() ?? "store";
      if (source === "store") return { value: await load(), source };
      return { value: { titleId: "t", name: source }, source };
    },
    async query(_name, _scope, load) {
      return { value: await load(), source: "store" };
    },
    async invalidate() {},
  };
  return { forEntity: () => cache };
}

describe("MetricsRecorder", () => {
  it("counts operations, errors by code and retries per store and entity", async () => {
    const metrics = new MetricsRecorder();
    const { store, profiles, invoices, events } = runtimeWith(createResiliencePolicy({ retry: { retries: 1, initialDelayMs: 0, maxDelayMs: 0 } }));
    for (let i = 0; i < 5; i++) await profiles.put({ profileId: `p${i}`, name: "x", version: 1 });
    store.next("transient"); // one retried read that then succeeds
    await profiles.get({ profileId: "p1" });
    store.next("broken");
    await rejection(profiles.get({ profileId: "p2" }), "E_STORE");
    store.next({ throw: new PolyxenaError("E_CONDITION_FAILED", "stale version", { statement: "UPDATE profile SET name = $1 WHERE profile_id = $2 AND version = $3" }) });
    await rejection(profiles.update({ profileId: "p3" }, { name: "y" }, { expectedVersion: 7 }), "E_CONDITION_FAILED");
    await invoices.put({ invoiceId: "i1", cents: 100 });
    for (const e of events) metrics.listener(e);

    const snap = metrics.snapshot();
    expect(snap.entities.map((e) => `${e.store}/${e.entity}`)).toEqual(["postgres/Invoice", "postgres/Profile"]);
    const profile = snap.entities[1]!;
    expect(profile).toMatchObject({
      count: 8,
      errors: 2,
      errorsByCode: { E_STORE: 1, E_CONDITION_FAILED: 1 },
      byOperation: { put: 5, get: 2, update: 1 },
      retries: 1,
    });
    expect(profile.latencyMs.count).toBe(8);
    expect(profile.latencyMs.p50).toBeLessThanOrEqual(profile.latencyMs.p99);
    expect(profile.cache.hitRatio).toBeNull();
    expect(snap.totals).toMatchObject({ count: 9, errors: 2 });

    // The failed update's event carries the statement (no values) and the retried get its attempts.
    const failedUpdate = events.find((e) => e.operation === "update")!;
    expect(failedUpdate.statement).toBe("UPDATE profile SET name = $1 WHERE profile_id = $2 AND version = $3");
    expect(events.find((e) => e.operation === "get" && e.outcome === "ok")).toMatchObject({ attempts: 2, retries: 1 });

    metrics.reset();
    expect(metrics.snapshot().totals.count).toBe(0);
  });

  it("computes the cache hit ratio and flags stale reads", async () => {
    const metrics = new MetricsRecorder();
    const events: OperationEvent[] = [];
    const store = flakyStore();
    const runtime = new PolyxenaRuntime(
      {
        stores: { postgres: store.adapter },
        cache: scriptedCache(["l1", "l2", "l2", "store", "stale"]),
        onOperation: [metrics.listener, (e) => events.push(e)],
      },
      [Title],
    );
    const titles = runtime.entity(Title);
    for (let i = 0; i < 5; i++) await titles.get({ titleId: `t${i}` });
    await titles.get({ titleId: "strong" }, { consistency: "strong" }); // bypasses the cache

    const title = metrics.snapshot().entities[0]!;
    expect(title.cache).toEqual({ l1: 1, l2: 2, misses: 1, stale: 1, hitRatio: 3 / 5 });
    expect(events.map((e) => e.stale)).toEqual([false, false, false, false, true, false]);
    expect(events.at(-1)!.cache).toBe("bypass");
  });

  it("never lets a throwing listener break a data call", async () => {
    const store = flakyStore();
    const runtime = new PolyxenaRuntime(
      {
        stores: { postgres: store.adapter },
        onOperation: () => {
          throw new Error("listener bug");
        },
      },
      [Title],
    );
    await runtime.entity(Title).put({ titleId: "t1", name: "Dune" });
    expect((await runtime.entity(Title).get({ titleId: "t1" })).item).toEqual({ titleId: "t1", name: "Dune" });
  });
});
