import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PolyxenaError, isPolyxenaError } from "../src/index.js";
import { createResiliencePolicy } from "../src/resilience/index.js";
import { rejection, runtimeWith, track } from "./resilience-fixtures.js";

describe("retries (idempotent operations only, decorrelated jitter)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("retries a transient failure of a get and reports the attempts in the event", async () => {
    const { store, profiles, events } = runtimeWith(createResiliencePolicy({ retry: { retries: 2, initialDelayMs: 10, maxDelayMs: 50 } }));
    store.rows.set(JSON.stringify({ profileId: "p1" }), { profileId: "p1", name: "Ann", version: 1 });
    store.next("transient", "transient");
    const read = profiles.get({ profileId: "p1" });
    await vi.runAllTimersAsync();
    expect((await read).item).toEqual({ profileId: "p1", name: "Ann", version: 1 });
    expect(store.calls).toEqual(["get", "get", "get"]);
    expect(events.at(-1)).toMatchObject({ outcome: "ok", attempts: 3, retries: 2, operationId: "Profile.get" });
  });

  it("gives up after the configured retries with the last error", async () => {
    const { store, profiles, events } = runtimeWith(createResiliencePolicy({ retry: { retries: 3, initialDelayMs: 10, maxDelayMs: 50 } }));
    store.always("transient");
    const read = rejection(profiles.get({ profileId: "p1" }), "E_UNAVAILABLE");
    await vi.runAllTimersAsync();
    const error = await read;
    expect(error.message).toContain("connection reset");
    expect(store.calls).toHaveLength(4);
    expect(events.at(-1)).toMatchObject({ outcome: "error", errorCode: "E_UNAVAILABLE", attempts: 4, retries: 3 });
  });

  it("waits a jittered, bounded delay before each retry", async () => {
    const { store, profiles } = runtimeWith(createResiliencePolicy({ retry: { retries: 1, initialDelayMs: 100, maxDelayMs: 400 } }));
    store.next("transient");
    const read = track(profiles.get({ profileId: "p1" }));
    await vi.advanceTimersByTimeAsync(0);
    expect(store.calls).toHaveLength(1); // no immediate retry
    await vi.advanceTimersByTimeAsync(400); // maxDelayMs caps the backoff
    expect(store.calls).toHaveLength(2);
    await read.promise;
  });

  it("never retries a non-idempotent update; a transient failure surfaces with outcome unknown", async () => {
    const { store, profiles } = runtimeWith(createResiliencePolicy({ retry: { retries: 5, initialDelayMs: 1 } }));
    store.next("transient");
    const update = rejection(profiles.update({ profileId: "p1" }, { name: "Bea" }), "E_UNAVAILABLE");
    await vi.runAllTimersAsync();
    const error = await update;
    expect(error.outcome).toBe("unknown");
    expect(store.calls).toEqual(["update"]);
  });

  it("retries an unconditional put but never a conditional one", async () => {
    const { store, profiles } = runtimeWith(createResiliencePolicy({ retry: { retries: 2, initialDelayMs: 1 } }));
    store.next("transient");
    const plain = profiles.put({ profileId: "p1", name: "Ann", version: 1 });
    await vi.runAllTimersAsync();
    await plain;
    expect(store.calls).toEqual(["put", "put"]);

    store.calls.length = 0;
    store.next("transient");
    const conditional = rejection(profiles.put({ profileId: "p2", name: "Bo", version: 1 }, { ifNotExists: true }), "E_UNAVAILABLE");
    await vi.runAllTimersAsync();
    expect((await conditional).outcome).toBe("unknown");
    expect(store.calls).toEqual(["put"]);
  });

  it.each([
    ["E_CONDITION_FAILED", new PolyxenaError("E_CONDITION_FAILED", "stale version")],
    ["E_VALIDATION", new PolyxenaError("E_VALIDATION", "item too large")],
    ["E_ALREADY_EXISTS", new PolyxenaError("E_ALREADY_EXISTS", "duplicate key")],
  ] as const)("never retries %s", async (code, thrown) => {
    const { store, profiles } = runtimeWith(createResiliencePolicy({ retry: { retries: 5, initialDelayMs: 1 } }));
    store.next({ throw: thrown });
    const read = rejection(profiles.get({ profileId: "p1" }), code);
    await vi.runAllTimersAsync();
    await read;
    expect(store.calls).toHaveLength(1);
  });

  it("does not retry errors the store classifies as permanent", async () => {
    const { store, profiles } = runtimeWith(createResiliencePolicy({ retry: { retries: 5, initialDelayMs: 1 } }));
    store.next("broken");
    const read = rejection(profiles.get({ profileId: "p1" }), "E_STORE");
    await vi.runAllTimersAsync();
    await read;
    expect(store.calls).toHaveLength(1);
  });

  it("takes retry settings per entity over per store over defaults", async () => {
    const policy = createResiliencePolicy({
      retry: { retries: 1, initialDelayMs: 1 },
      stores: { postgres: { retry: { retries: 2 } } },
      entities: { Invoice: { retry: false } },
    });
    const { store, profiles, invoices } = runtimeWith(policy);
    store.always("transient");
    const a = rejection(profiles.get({ profileId: "p1" }), "E_UNAVAILABLE");
    await vi.runAllTimersAsync();
    await a;
    expect(store.calls).toHaveLength(3);
    store.calls.length = 0;
    const b = rejection(invoices.get({ invoiceId: "i1" }), "E_UNAVAILABLE");
    await vi.runAllTimersAsync();
    await b;
    expect(store.calls).toHaveLength(1);
  });
});

describe("timeouts (per operation class, aggressive)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("ends a stalled read with E_TIMEOUT at the configured timeout, naming store, entity and operation", async () => {
    const { store, profiles, events } = runtimeWith(createResiliencePolicy({ retry: false, timeouts: { read: 300 } }));
    store.always("stall");
    const read = track(rejection(profiles.get({ profileId: "p1" }), "E_TIMEOUT"));
    await vi.advanceTimersByTimeAsync(299);
    expect(read.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await read.promise;
    expect(error).toMatchObject({ code: "E_TIMEOUT", store: "postgres", entity: "Profile", operation: "Profile.get" });
    expect(error.message).toContain("within 300 ms");
    expect(error.outcome).toBeUndefined();
    expect(store.stalled).toBe(1); // the store never answered; the caller did not wait for it
    expect(events.at(-1)).toMatchObject({ outcome: "error", errorCode: "E_TIMEOUT", attempts: 1 });
  });

  it("passes an abort signal down that fires at the timeout", async () => {
    const policy = createResiliencePolicy({ retry: false, timeouts: { read: 50 } });
    const { store } = runtimeWith(policy);
    let seen: AbortSignal | undefined;
    const op = { id: "Profile.get", kind: "get" as const, entity: (await import("./resilience-fixtures.js")).Profile.model, idempotent: true };
    const run = track(policy.run({ op, adapter: store.adapter }, (signal) => {
      seen = signal;
      return new Promise(() => undefined);
    }));
    await vi.advanceTimersByTimeAsync(0);
    expect(seen?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(50);
    expect(seen?.aborted).toBe(true);
    await expect(run.promise).rejects.toSatisfy((e: unknown) => isPolyxenaError(e, "E_TIMEOUT"));
  });

  it("uses the write timeout for writes and reports outcome unknown for a non-idempotent one", async () => {
    const { store, profiles } = runtimeWith(createResiliencePolicy({ retry: false, timeouts: { read: 100, write: 700 } }));
    store.always("stall");
    const update = track(rejection(profiles.update({ profileId: "p1" }, { name: "Bea" }), "E_TIMEOUT"));
    await vi.advanceTimersByTimeAsync(699);
    expect(update.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await update.promise;
    expect(error.outcome).toBe("unknown");
    expect(error.message).toContain("within 700 ms");
  });

  it("uses the query timeout for queries and per-entity overrides", async () => {
    const policy = createResiliencePolicy({ retry: false, timeouts: { query: 900 }, entities: { Invoice: { timeouts: { read: 40 } } } });
    const { store, invoices, profiles } = runtimeWith(policy);
    store.always("stall");
    const fast = track(rejection(invoices.get({ invoiceId: "i1" }), "E_TIMEOUT"));
    const slow = track(rejection(profiles.get({ profileId: "p1" }), "E_TIMEOUT"));
    await vi.advanceTimersByTimeAsync(40);
    expect(fast.settled).toBe(true);
    expect(slow.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(960); // default read timeout is 1000 ms
    expect(slow.settled).toBe(true);
  });

  it("retries a timed-out idempotent read, each attempt bounded by the timeout", async () => {
    const { store, profiles } = runtimeWith(createResiliencePolicy({ retry: { retries: 1, initialDelayMs: 10, maxDelayMs: 10 }, timeouts: { read: 200 } }));
    store.next("stall");
    const read = track(profiles.get({ profileId: "p1" }));
    await vi.advanceTimersByTimeAsync(200);
    expect(read.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(10);
    expect(store.calls).toHaveLength(2);
    expect((await read.promise).item).toBeUndefined();
  });

  it("turns an aborted caller signal into E_TIMEOUT without retrying", async () => {
    const { store, profiles } = runtimeWith(createResiliencePolicy({ retry: { retries: 3, initialDelayMs: 1 } }));
    store.always("stall");
    const controller = new AbortController();
    const read = rejection(profiles.get({ profileId: "p1" }, { signal: controller.signal }), "E_TIMEOUT");
    await vi.advanceTimersByTimeAsync(5);
    controller.abort();
    const error = await read;
    expect(error.message).toContain("caller's signal");
    await vi.runAllTimersAsync();
    expect(store.calls).toHaveLength(1);
    // Already aborted: the store is not called at all.
    await rejection(profiles.get({ profileId: "p2" }, { signal: controller.signal }), "E_TIMEOUT");
    expect(store.calls).toHaveLength(1);
  });
});

describe("configuration", () => {
  it.each([
    [{ timeouts: { read: 0 } }, "resilience.timeouts.read"],
    [{ timeouts: { write: 3e9 } }, "resilience.timeouts.write"],
    [{ timeouts: { slow: 5 } }, "resilience.timeouts.slow"],
    [{ breaker: { failureRatio: 1.5 } }, "resilience.breaker.failureRatio"],
    [{ stores: { postgres: { bulkhead: { maxConcurrent: -1 } } } }, "resilience.stores.postgres.bulkhead.maxConcurrent"],
    [{ entities: { Invoice: { retry: { retries: Number.NaN } } } }, "resilience.entities.Invoice.retry.retries"],
  ])("rejects %j with E_DEFINITION at %s", (config, path) => {
    let caught: unknown;
    try {
      createResiliencePolicy(config as never);
    } catch (error) {
      caught = error;
    }
    expect(isPolyxenaError(caught, "E_DEFINITION")).toBe(true);
    expect((caught as PolyxenaError).path).toBe(path);
  });
});
