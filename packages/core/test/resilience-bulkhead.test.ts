import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { isPolyxenaError } from "../src/index.js";
import { createResiliencePolicy } from "../src/resilience/index.js";
import { flakyStore, rejection, runtimeWith, track } from "./resilience-fixtures.js";

describe("bulkhead (per store instance)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs maxConcurrent calls, queues maxQueued, and rejects the rest at once with E_UNAVAILABLE", async () => {
    const policy = createResiliencePolicy({ retry: false, bulkhead: { maxConcurrent: 2, maxQueued: 1 } });
    const { store, profiles, invoices } = runtimeWith(policy);
    store.always("stall");
    const running = [track(profiles.get({ profileId: "a" })), track(invoices.get({ invoiceId: "b" }))];
    const queued = track(profiles.get({ profileId: "c" }));
    const rejected = await rejection(invoices.update({ invoiceId: "d" }, { cents: 5 }), "E_UNAVAILABLE");
    expect(rejected.message).toContain("concurrency limit");
    expect(rejected.outcome).toBe("not-applied"); // never reached the store
    expect(store.calls).toHaveLength(2);
    expect(store.stalled).toBe(2);

    store.always("ok");
    store.release();
    await Promise.all(running.map((r) => r.promise));
    await queued.promise;
    expect(store.calls).toHaveLength(3);
  });

  it("bounds the wait in the queue by the call's timeout", async () => {
    const policy = createResiliencePolicy({ retry: false, timeouts: { read: 500 }, bulkhead: { maxConcurrent: 1, maxQueued: 5 } });
    const { store, profiles } = runtimeWith(policy);
    store.always("stall");
    const first = track(rejection(profiles.get({ profileId: "a" }), "E_TIMEOUT"));
    await vi.advanceTimersByTimeAsync(200);
    const waiting = track(rejection(profiles.get({ profileId: "b" }), "E_TIMEOUT"));
    await vi.advanceTimersByTimeAsync(300);
    expect(first.settled).toBe(true);
    // The slot freed at 500 ms, so the queued call reached the store; its own 500 ms end at 700 ms.
    expect(store.calls).toHaveLength(2);
    expect(waiting.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(waiting.settled).toBe(true);
  });

  it("times out a call that waits in the queue behind stalled calls", async () => {
    const policy = createResiliencePolicy({ retry: false, timeouts: { read: 300 }, bulkhead: { maxConcurrent: 1, maxQueued: 5 } });
    const { store, profiles } = runtimeWith(policy);
    store.always("stall");
    const first = track(profiles.get({ profileId: "a" }).catch((e: unknown) => e));
    await vi.advanceTimersByTimeAsync(0);
    const second = track(profiles.get({ profileId: "b" }).catch((e: unknown) => e));
    await vi.advanceTimersByTimeAsync(300);
    expect(isPolyxenaError(await first.promise, "E_TIMEOUT")).toBe(true);
    expect(isPolyxenaError(await second.promise, "E_TIMEOUT")).toBe(true);
  });

  it("is per store instance and can be configured or disabled per store", async () => {
    const policy = createResiliencePolicy({ retry: false, bulkhead: { maxConcurrent: 1, maxQueued: 0 }, stores: { "postgres:billing": { bulkhead: false } } });
    const main = runtimeWith(policy, flakyStore("postgres"));
    const billing = runtimeWith(policy, flakyStore("postgres:billing"));
    main.store.always("stall");
    billing.store.always("stall");
    track(main.profiles.get({ profileId: "a" }));
    await rejection(main.profiles.get({ profileId: "b" }), "E_UNAVAILABLE");
    for (let i = 0; i < 10; i++) track(billing.profiles.get({ profileId: `x${i}` }));
    await vi.advanceTimersByTimeAsync(0);
    expect(billing.store.stalled).toBe(10);
  });

  it("does not count its own rejections against the breaker", async () => {
    const policy = createResiliencePolicy({ retry: false, bulkhead: { maxConcurrent: 1, maxQueued: 0 } });
    const { store, profiles } = runtimeWith(policy);
    store.always("stall");
    track(profiles.get({ profileId: "a" }));
    for (let i = 0; i < 40; i++) await rejection(profiles.get({ profileId: `r${i}` }), "E_UNAVAILABLE");
    expect(policy.breakerState("postgres")).toBe("closed");
  });

  it("opens the breaker when a hung store times out call after call", async () => {
    const policy = createResiliencePolicy({ retry: false, timeouts: { read: 100 } });
    const { store, profiles } = runtimeWith(policy);
    store.always("stall");
    const calls = Array.from({ length: 20 }, (_, i) => track(rejection(profiles.get({ profileId: `h${i}` }), "E_TIMEOUT")));
    await vi.advanceTimersByTimeAsync(100);
    expect(calls.every((c) => c.settled)).toBe(true);
    expect(policy.breakerState("postgres")).toBe("open");
    await rejection(profiles.get({ profileId: "fast" }), "E_UNAVAILABLE");
    expect(store.calls).toHaveLength(20);
  });
});
