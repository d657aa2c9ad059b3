import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createCacheAside, createCachePolicy, defineEntity, PolyxenaRuntime, type CacheDriver } from "@polyxena/core";
import { createMemcachedDriver } from "../src/memcached/index.js";
import { CacheTestStore, startMemcached, type MemcachedCluster } from "@polyxena/testkit";

/**
 * The cache policy's breaker against a frozen memcached (SIGSTOP): after the
 * minimum volume of timed-out calls the zone's breaker opens, further reads
 * skip L2 without calling memcached (so without waiting for a timeout) and
 * read the store; once memcached is resumed, the half-open probe closes the
 * breaker and reads are L2 hits again.
 */

const Item = defineEntity("Item", {
  store: "dynamodb",
  schema: z.object({ id: z.string(), rev: z.number().int() }),
  key: { partition: "id" },
  cache: { ttl: "60s" },
});

/** Counts the calls that reach the memcached zone. */
class CountingDriver implements CacheDriver {
  readonly name: string;
  readonly maxValueBytes: number;
  getCalls = 0;
  calls = 0;
  constructor(private readonly inner: CacheDriver) {
    this.name = inner.name;
    this.maxValueBytes = inner.maxValueBytes;
  }
  get(key: string) {
    this.calls++;
    this.getCalls++;
    return this.inner.get(key);
  }
  add(key: string, value: Uint8Array, ttl: number) {
    this.calls++;
    return this.inner.add(key, value, ttl);
  }
  set(key: string, value: Uint8Array, ttl: number) {
    this.calls++;
    return this.inner.set(key, value, ttl);
  }
  delete(key: string) {
    this.calls++;
    return this.inner.delete(key);
  }
  close() {
    return this.inner.close?.() ?? Promise.resolve();
  }
}

/** Waits until the kernel reports the process stopped (SIGSTOP is delivered asynchronously). */
async function frozen(pid: number): Promise<void> {
  // /proc/<pid>/stat: "pid (comm) state ..."; `T` is stopped.
  while (!/\) T /.test(readFileSync(`/proc/${pid}/stat`, "utf8"))) await new Promise((r) => setTimeout(r, 5));
}

const KEYS = Array.from({ length: 40 }, (_, i) => `item${i}`);
let cluster: MemcachedCluster;

beforeAll(async () => {
  cluster = await startMemcached({ count: 1 });
});

afterAll(async () => {
  cluster?.servers[0]?.resume();
  await cluster?.stop();
});

describe("memcached breaker", () => {
  it("opens on a frozen server after the minimum volume, skips it without waiting, and closes after resume", async () => {
    const store = new CacheTestStore();
    for (const id of KEYS) store.seed({ id, rev: 1 }, ["id"]);
    const prefix = `breaker${Date.now().toString(36)}`;
    // memjs's own deadline is far away: the policy's timeout is what fails the calls.
    const memcached = createMemcachedDriver({ zones: [{ name: "a", servers: cluster.addresses }], timeoutMs: 30_000 });
    const warm = createCacheAside({ driver: memcached, prefix, closeDriver: false });
    const warmItems = new PolyxenaRuntime({ stores: { dynamodb: store }, cache: warm }, [Item]).entity(Item);
    for (const id of KEYS) await warmItems.get({ id });
    expect(warm.stats().fills).toBe(KEYS.length);

    // A second process: its own policy (nothing recorded yet) and a counted zone.
    const driver = new CountingDriver(memcached.zones[0]!);
    const minimumCalls = 8;
    const policy = createCachePolicy({ timeoutMs: 500, breaker: { minimumCalls, failureRatio: 0.5, halfOpenAfterMs: 500 } });
    const cache = createCacheAside({ driver, policy, prefix, closeDriver: false });
    const items = new PolyxenaRuntime({ stores: { dynamodb: store }, cache }, [Item]).entity(Item);
    expect((await items.get({ id: KEYS[0]! })).source).toBe("l2");
    expect(policy.breakerState(driver.name)).toBe("closed");
    const storeReadsBefore = store.reads;

    cluster.servers[0]!.pause();
    try {
      await frozen(cluster.servers[0]!.pid!);
      // The minimum volume (one success so far): eight concurrent reads time out in L2, then read the store.
      const timedOut = await Promise.all(KEYS.slice(1, 1 + minimumCalls).map((id) => items.get({ id })));
      expect(timedOut.map((r) => [r.item?.rev, r.source])).toEqual(timedOut.map(() => [1, "store"]));
      expect(policy.breakerState(driver.name)).toBe("open");
      expect(cache.stats().l2Errors).toBe(minimumCalls);

      // Open: the next reads never reach memcached.
      const getsWhenOpened = driver.getCalls;
      const skippedReads = KEYS.slice(20, 40);
      const fast = await Promise.all(skippedReads.map((id) => items.get({ id })));
      expect(fast.every((r) => r.item?.rev === 1 && r.source === "store")).toBe(true);
      expect(driver.getCalls).toBe(getsWhenOpened);
      expect(cache.stats()).toMatchObject({ l2Errors: minimumCalls, l2Skipped: skippedReads.length });
      expect(store.reads - storeReadsBefore).toBe(minimumCalls + skippedReads.length);
    } finally {
      cluster.servers[0]!.resume();
    }

    // Resumed: once half-open, one probe read reaches memcached and closes the breaker.
    while (policy.breakerState(driver.name) === "open") await new Promise((r) => setTimeout(r, 50));
    expect(policy.breakerState(driver.name)).toBe("half-open");
    const gets = driver.getCalls;
    const probe = await items.get({ id: KEYS[39]! });
    expect(probe).toMatchObject({ item: { id: KEYS[39], rev: 1 }, source: "l2" });
    expect(driver.getCalls).toBe(gets + 1);
    expect(policy.breakerState(driver.name)).toBe("closed");
    const again = await Promise.all(KEYS.slice(30, 35).map((id) => items.get({ id })));
    expect(again.every((r) => r.source === "l2")).toBe(true);
    expect(driver.getCalls).toBe(gets + 6);

    await cache.close();
    await warm.close();
    await memcached.close();
  });
});
