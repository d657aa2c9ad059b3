import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PolyxenaError, isPolyxenaError } from "../src/index.js";
import { createResiliencePolicy } from "../src/resilience/index.js";
import { flakyStore, rejection, runtimeWith } from "./resilience-fixtures.js";

// Retries off: each repository call is exactly one store call, so counts are exact.
const noRetry = { retry: false as const };

async function settle(promises: Promise<unknown>[]) {
  return Promise.allSettled(promises);
}

describe("circuit breaker (per store instance, Hystrix-like defaults)", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date("2026-03-01T00:00:00Z") });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("does not open below its minimum volume, even when every call fails", async () => {
    const policy = createResiliencePolicy(noRetry);
    const { store, profiles } = runtimeWith(policy);
    store.always("broken");
    for (let i = 0; i < 19; i++) await rejection(profiles.get({ profileId: `p${i}` }), "E_STORE");
    expect(policy.breakerState(store.adapter)).toBe("closed");
    expect(store.calls).toHaveLength(19);
    // The 20th failure reaches the minimum volume (100% failures) and opens it.
    await rejection(profiles.get({ profileId: "p19" }), "E_STORE");
    expect(store.calls).toHaveLength(20);
    expect(policy.breakerState(store.adapter)).toBe("open");
  });

  it("opens at 50% failures over 20 calls and then fails fast with E_UNAVAILABLE", async () => {
    const policy = createResiliencePolicy(noRetry);
    const { store, profiles } = runtimeWith(policy);
    store.next(...Array<"ok">(10).fill("ok"), ...Array<"transient">(10).fill("transient"));
    for (let i = 0; i < 10; i++) await profiles.get({ profileId: `p${i}` });
    for (let i = 0; i < 9; i++) await rejection(profiles.get({ profileId: `q${i}` }), "E_UNAVAILABLE");
    expect(policy.breakerState("postgres")).toBe("closed"); // 9 of 19: below volume
    await rejection(profiles.get({ profileId: "q9" }), "E_UNAVAILABLE"); // 10 of 20 = 50%
    expect(policy.breakerState("postgres")).toBe("open");
    expect(store.calls).toHaveLength(20);

    const fast = await rejection(profiles.get({ profileId: "z" }), "E_UNAVAILABLE");
    expect(fast.message).toContain("circuit breaker of postgres is open");
    expect(fast.entity).toBe("Profile");
    expect(fast.operation).toBe("Profile.get");
    expect(store.calls).toHaveLength(20); // never reached the store
  });

  it("stays closed at 45% failures over 20 calls", async () => {
    const policy = createResiliencePolicy(noRetry);
    const { store, profiles } = runtimeWith(policy);
    store.next(...Array<"ok">(11).fill("ok"), ...Array<"transient">(9).fill("transient"));
    for (let i = 0; i < 11; i++) await profiles.get({ profileId: `p${i}` });
    for (let i = 0; i < 9; i++) await rejection(profiles.get({ profileId: `q${i}` }), "E_UNAVAILABLE");
    expect(policy.breakerState("postgres")).toBe("closed");
    await profiles.get({ profileId: "after" });
    expect(store.calls).toHaveLength(21);
  });

  it("does not count condition failures and validation errors against the store", async () => {
    const policy = createResiliencePolicy(noRetry);
    const { store, profiles } = runtimeWith(policy);
    store.always({ throw: new PolyxenaError("E_CONDITION_FAILED", "version mismatch") });
    for (let i = 0; i < 30; i++) await rejection(profiles.get({ profileId: `p${i}` }), "E_CONDITION_FAILED");
    expect(policy.breakerState("postgres")).toBe("closed");
  });

  it("forgets failures older than its 10 s window", async () => {
    const policy = createResiliencePolicy(noRetry);
    const { store, profiles } = runtimeWith(policy);
    store.always("transient");
    for (let i = 0; i < 15; i++) await rejection(profiles.get({ profileId: `a${i}` }), "E_UNAVAILABLE");
    await vi.advanceTimersByTimeAsync(11_000);
    for (let i = 0; i < 15; i++) await rejection(profiles.get({ profileId: `b${i}` }), "E_UNAVAILABLE");
    expect(policy.breakerState("postgres")).toBe("closed"); // 15 in the window, not 30
  });

  async function openBreaker() {
    const policy = createResiliencePolicy(noRetry);
    const ctx = runtimeWith(policy);
    ctx.store.always("transient");
    for (let i = 0; i < 20; i++) await rejection(ctx.profiles.get({ profileId: `p${i}` }), "E_UNAVAILABLE");
    expect(policy.breakerState("postgres")).toBe("open");
    ctx.store.calls.length = 0;
    return { policy, ...ctx };
  }

  it("fails fast while open, and after 5 s lets exactly one probe through 50 concurrent calls", async () => {
    const { policy, store, profiles } = await openBreaker();
    await vi.advanceTimersByTimeAsync(4_999);
    await rejection(profiles.get({ profileId: "early" }), "E_UNAVAILABLE");
    expect(store.calls).toHaveLength(0);

    await vi.advanceTimersByTimeAsync(1);
    store.always("stall");
    const calls = Array.from({ length: 50 }, (_, i) => profiles.get({ profileId: `c${i}` }));
    const results = settle(calls);
    await vi.advanceTimersByTimeAsync(0);
    expect(policy.breakerState("postgres")).toBe("half-open");
    expect(store.calls).toHaveLength(1);
    expect(store.stalled).toBe(1);

    // The probe succeeds: the breaker closes, the other 49 were rejected without touching the store.
    store.always("ok");
    store.release();
    const settled = await results;
    expect(settled.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = settled.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(rejected).toHaveLength(49);
    expect(rejected.every((r) => isPolyxenaError(r.reason, "E_UNAVAILABLE"))).toBe(true);
    expect(store.calls).toHaveLength(1);
    expect(policy.breakerState("postgres")).toBe("closed");
    await profiles.get({ profileId: "after" });
    expect(store.calls).toHaveLength(2);
  });

  it("reopens when the probe fails, for another 5 s", async () => {
    const { policy, store, profiles } = await openBreaker();
    await vi.advanceTimersByTimeAsync(5_000);
    const results = await settle(Array.from({ length: 50 }, (_, i) => profiles.get({ profileId: `c${i}` })));
    expect(results.every((r) => r.status === "rejected")).toBe(true);
    expect(store.calls).toHaveLength(1);
    expect(policy.breakerState("postgres")).toBe("open");

    await vi.advanceTimersByTimeAsync(4_000);
    await rejection(profiles.get({ profileId: "still-open" }), "E_UNAVAILABLE");
    expect(store.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    store.always("ok");
    await profiles.get({ profileId: "probe" });
    expect(policy.breakerState("postgres")).toBe("closed");
  });

  it("keeps one breaker per store instance", async () => {
    const policy = createResiliencePolicy(noRetry);
    const a = runtimeWith(policy, flakyStore("postgres"));
    const b = runtimeWith(policy, flakyStore("postgres:billing"));
    a.store.always("transient");
    for (let i = 0; i < 20; i++) await rejection(a.profiles.get({ profileId: `p${i}` }), "E_UNAVAILABLE");
    expect(policy.breakerState(a.store.adapter)).toBe("open");
    expect(policy.breakerState(b.store.adapter)).toBe("closed");
    await b.profiles.get({ profileId: "fine" });
    expect(b.store.calls).toHaveLength(1);
  });

  it("takes breaker settings per store instance", async () => {
    const policy = createResiliencePolicy({ ...noRetry, stores: { postgres: { breaker: { minimumCalls: 4, halfOpenAfterMs: 100 } } } });
    const { store, profiles } = runtimeWith(policy);
    store.always("transient");
    for (let i = 0; i < 4; i++) await rejection(profiles.get({ profileId: `p${i}` }), "E_UNAVAILABLE");
    expect(policy.breakerState("postgres")).toBe("open");
    await vi.advanceTimersByTimeAsync(100);
    store.always("ok");
    await profiles.get({ profileId: "probe" });
    expect(policy.breakerState("postgres")).toBe("closed");

    const off = createResiliencePolicy({ ...noRetry, breaker: false });
    const other = runtimeWith(off);
    other.store.always("transient");
    for (let i = 0; i < 40; i++) await rejection(other.profiles.get({ profileId: `p${i}` }), "E_UNAVAILABLE");
    expect(off.breakerState("postgres")).toBe("disabled");
    expect(other.store.calls).toHaveLength(40);
  });
});
