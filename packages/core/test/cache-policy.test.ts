import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { MemoryCacheDriver } from "@polyxena/memory";
import { CacheTestStore } from "@polyxena/testkit";
import { CacheValueTooLargeError, createCacheAside, type CacheDriver } from "../src/cache/index.js";
import { defineEntity } from "../src/define-entity.js";
import { isPolyxenaError } from "../src/errors.js";
import { PolyxenaRuntime } from "../src/polyxena-runtime.js";
import { createCachePolicy, isSkippedCacheCall } from "../src/cache/cache-policy.js";

const never = () => new Promise<never>(() => undefined);
const target = { operation: "get", target: "memcached:a" };

describe("cache policy breaker", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("opens after the minimum volume of failures and then skips the target without calling it", async () => {
    const policy = createCachePolicy({ timeoutMs: 50, breaker: { minimumCalls: 4, failureRatio: 0.5, halfOpenAfterMs: 1_000 } });
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new Error("connection reset"));
    };
    for (let i = 0; i < 3; i++) await expect(policy.run(target, failing)).rejects.toThrow("connection reset");
    expect(policy.breakerState("memcached:a")).toBe("closed");
    await expect(policy.run(target, failing)).rejects.toThrow("connection reset");
    expect(policy.breakerState("memcached:a")).toBe("open");
    expect(calls).toBe(4);

    const skipped = await policy.run(target, failing).catch((e: unknown) => e);
    expect(isPolyxenaError(skipped, "E_UNAVAILABLE")).toBe(true);
    expect(isSkippedCacheCall(skipped)).toBe(true);
    expect(skipped).toMatchObject({ store: "memcached:a", operation: "cache.get" });
    expect(calls).toBe(4);
    // Other targets have their own breaker.
    await expect(policy.run({ operation: "get", target: "memcached:b" }, async () => "b")).resolves.toBe("b");
  });

  it("counts timeouts, lets exactly one probe through when half-open, and closes on its success", async () => {
    const policy = createCachePolicy({ timeoutMs: 50, breaker: { minimumCalls: 2, halfOpenAfterMs: 1_000 } });
    const hung = [policy.run(target, never).catch((e: unknown) => e), policy.run(target, never).catch((e: unknown) => e)];
    await vi.advanceTimersByTimeAsync(50);
    for (const e of await Promise.all(hung)) expect(isPolyxenaError(e, "E_TIMEOUT")).toBe(true);
    expect(policy.breakerState("memcached:a")).toBe("open");

    await vi.advanceTimersByTimeAsync(1_000);
    expect(policy.breakerState("memcached:a")).toBe("half-open");
    let answer!: (v: string) => void;
    let calls = 0;
    const probe = policy.run(target, () => {
      calls++;
      return new Promise<string>((resolve) => (answer = resolve));
    });
    const behind = await policy.run(target, async () => {
      calls++;
      return "x";
    }).catch((e: unknown) => e);
    expect(isSkippedCacheCall(behind)).toBe(true);
    expect(calls).toBe(1);
    answer("probe");
    await expect(probe).resolves.toBe("probe");
    expect(policy.breakerState("memcached:a")).toBe("closed");
    await expect(policy.run(target, async () => "ok")).resolves.toBe("ok");
  });

  it("reopens when the probe fails", async () => {
    const policy = createCachePolicy({ timeoutMs: 50, breaker: { minimumCalls: 1, halfOpenAfterMs: 500 } });
    await expect(policy.run(target, () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(policy.breakerState("memcached:a")).toBe("open");
    await vi.advanceTimersByTimeAsync(500);
    const probe = policy.run(target, never).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(50);
    expect(isPolyxenaError(await probe, "E_TIMEOUT")).toBe(true);
    expect(policy.breakerState("memcached:a")).toBe("open");
    expect(isSkippedCacheCall(await policy.run(target, async () => 1).catch((e: unknown) => e))).toBe(true);
  });

  it("counts a call that throws synchronously as a failure", async () => {
    const policy = createCachePolicy({ breaker: { minimumCalls: 2 } });
    const throwing = (): Promise<never> => {
      throw new Error("socket destroyed");
    };
    await expect(policy.run(target, throwing)).rejects.toThrow("socket destroyed");
    await expect(policy.run(target, throwing)).rejects.toThrow("socket destroyed");
    expect(policy.breakerState("memcached:a")).toBe("open");
  });

  it("does not count values over the item limit, and never retries", async () => {
    const policy = createCachePolicy({ breaker: { minimumCalls: 1 } });
    let calls = 0;
    const tooLarge = () => {
      calls++;
      return Promise.reject(new CacheValueTooLargeError(2_000_000, 1_000_000));
    };
    for (let i = 0; i < 3; i++) await expect(policy.run({ operation: "add", target: "z" }, tooLarge)).rejects.toBeInstanceOf(CacheValueTooLargeError);
    expect(calls).toBe(3);
    expect(policy.breakerState("z")).toBe("closed");
  });

  it("reports disabled breakers and rejects bad settings with E_DEFINITION", () => {
    expect(createCachePolicy({ breaker: false }).breakerState("z")).toBe("disabled");
    expect(() => createCachePolicy({ breaker: { failureRatio: 0 } })).toThrow(/E_DEFINITION|failureRatio/);
    expect(() => createCachePolicy({ breaker: { minimumCalls: Number.NaN } })).toThrow(/minimumCalls/);
  });
});

const Item = defineEntity("Item", {
  store: "dynamodb",
  schema: z.object({ id: z.string(), rev: z.number().int() }),
  key: { partition: "id" },
  cache: { ttl: "60s" },
});

/** A memory driver that can hang every call, and counts the calls that reach it. */
class HangingDriver implements CacheDriver {
  readonly name = "memory:hanging";
  readonly maxValueBytes: number;
  hang = false;
  calls = 0;
  constructor(private readonly inner: MemoryCacheDriver) {
    this.maxValueBytes = inner.maxValueBytes;
  }
  private run<T>(call: () => Promise<T>): Promise<T> {
    this.calls++;
    return this.hang ? never() : call();
  }
  get(key: string) {
    return this.run(() => this.inner.get(key));
  }
  add(key: string, value: Uint8Array, ttl: number) {
    return this.run(() => this.inner.add(key, value, ttl));
  }
  set(key: string, value: Uint8Array, ttl: number) {
    return this.run(() => this.inner.set(key, value, ttl));
  }
  delete(key: string) {
    return this.run(() => this.inner.delete(key));
  }
}

describe("cache-aside through the cache policy", () => {
  it("skips a hung tier for reads once its breaker is open, still attempts invalidations, never fails reads or writes, and retries the invalidation", async () => {
    const driver = new HangingDriver(new MemoryCacheDriver());
    const store = new CacheTestStore();
    const policy = createCachePolicy({ timeoutMs: 20, breaker: { minimumCalls: 3, halfOpenAfterMs: 200 } });
    const cache = createCacheAside({ driver, policy, retry: { attempts: 50, baseDelayMs: 10_000 } });
    const items = new PolyxenaRuntime({ stores: { dynamodb: store }, cache }, [Item]).entity(Item);
    for (let i = 0; i < 10; i++) store.seed({ id: `k${i}`, rev: 1 }, ["id"]);
    await items.get({ id: "k0" });
    expect((await items.get({ id: "k0" })).source).toBe("l2");

    driver.hang = true;
    // The warm-up made 5 successful calls (get, lease add, fill add, lease delete, get): five
    // failures bring the window to 50 % and open the breaker. Each read times out in L2, then loads.
    const slow = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => items.get({ id: `k${i}` })));
    expect(slow.map((r) => r.item?.rev)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(policy.breakerState("memory:hanging")).toBe("open");
    const callsWhenOpened = driver.calls;
    const errorsWhenOpened = cache.stats().l2Errors;

    // Open: reads and writes skip L2 without calling it (no timeout to wait for).
    const fast = await Promise.all([7, 8, 9].map((i) => items.get({ id: `k${i}` })));
    expect(fast.map((r) => [r.item?.rev, r.source])).toEqual([
      [1, "store"],
      [1, "store"],
      [1, "store"],
    ]);
    // A write still attempts its tombstone (an invalidation a zone that is back must not miss),
    // bounded by the timeout; it fails here and is queued for retry.
    await items.put({ id: "k0", rev: 2 });
    expect(driver.calls).toBe(callsWhenOpened + 1);
    expect(cache.stats()).toMatchObject({ l2Errors: errorsWhenOpened + 1, invalidationFailures: 1, pendingInvalidations: 1 });
    expect(cache.stats().l2Skipped).toBeGreaterThanOrEqual(3);

    // Recovered: the retried tombstone lands even before the breaker closes; the first read after halfOpenAfterMs probes and closes it.
    driver.hang = false;
    expect(await cache.flushInvalidations()).toBe(0);
    await new Promise((r) => setTimeout(r, 250));
    expect(policy.breakerState("memory:hanging")).toBe("half-open");
    const after = await items.get({ id: "k0" });
    expect(after.item?.rev).toBe(2);
    expect(policy.breakerState("memory:hanging")).toBe("closed");
    expect(driver.calls).toBeGreaterThan(callsWhenOpened + 1);
    await cache.close();
  });
});
