import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryCacheDriver } from "@polyxena/memory";
import { CacheTestStore } from "@polyxena/testkit";
import { defineEntity } from "../src/define-entity.js";
import { PolyxenaRuntime } from "../src/polyxena-runtime.js";
import { createCacheAside, decodeEnvelope, InProcessInvalidationBus, type CacheAsideOptions, type CacheDriver, type CacheEntry, type CasToken } from "../src/cache/index.js";

const Profile = defineEntity("Profile", {
  store: "dynamodb",
  schema: z.object({ id: z.string(), name: z.string(), joinedAt: z.date(), rev: z.number().int(), country: z.string() }),
  key: { partition: "id" },
  queries: { byCountry: { by: ["country"], order: { joinedAt: "asc" } } },
  cache: { ttl: "60s", l1: { ttl: "30s", max: 100 }, staleIfError: "60s", queries: true },
});

const Plain = defineEntity("Plain", {
  store: "dynamodb",
  schema: z.object({ id: z.string(), rev: z.number().int(), blob: z.string() }),
  key: { partition: "id" },
  cache: { ttl: "60s" },
});

const Coalesced = defineEntity("Coalesced", {
  store: "dynamodb",
  schema: z.object({ id: z.string(), rev: z.number().int() }),
  key: { partition: "id" },
  cache: { ttl: "60s", coalesce: true },
});

/** Counts the calls that reach the tier, by command. */
class CountingDriver implements CacheDriver {
  readonly calls: Record<string, number> = {};
  readonly name = "counting";
  readonly maxValueBytes: number;
  constructor(private readonly inner: MemoryCacheDriver) {
    this.maxValueBytes = inner.maxValueBytes;
  }
  private count(op: string): void {
    this.calls[op] = (this.calls[op] ?? 0) + 1;
  }
  get(key: string) {
    this.count("get");
    return this.inner.get(key);
  }
  getMulti(keys: readonly string[]) {
    this.count("getMulti");
    return this.inner.getMulti(keys);
  }
  gets(key: string) {
    this.count("gets");
    return this.inner.gets(key);
  }
  cas(key: string, value: Uint8Array, ttl: number, token: CasToken) {
    this.count("cas");
    return this.inner.cas(key, value, ttl, token);
  }
  addMany(entries: readonly CacheEntry[]) {
    this.count("addMany");
    return this.inner.addMany(entries);
  }
  add(key: string, value: Uint8Array, ttl: number) {
    this.count("add");
    return this.inner.add(key, value, ttl);
  }
  set(key: string, value: Uint8Array, ttl: number) {
    this.count("set");
    return this.inner.set(key, value, ttl);
  }
  delete(key: string) {
    this.count("delete");
    return this.inner.delete(key);
  }
}

class Clock {
  ms = Date.now();
  now = () => this.ms;
}

function setup(options: Partial<CacheAsideOptions> & { driver?: CacheDriver } = {}) {
  const clock = new Clock();
  const driver = options.driver ?? new MemoryCacheDriver({ now: clock.now });
  const store = new CacheTestStore();
  const cache = createCacheAside({ ...options, driver });
  const runtime = new PolyxenaRuntime({ stores: { dynamodb: store }, cache }, [Profile, Plain, Coalesced]);
  return { clock, driver, store, cache, runtime, profiles: runtime.entity(Profile), plain: runtime.entity(Plain), coalesced: runtime.entity(Coalesced) };
}

const seed = (store: CacheTestStore, item: Record<string, unknown>) => store.seed(item, ["id"]);

const alice = { id: "alice", name: "Alice", joinedAt: new Date("2024-01-02T03:04:05.678Z"), rev: 1, country: "FR" };

describe("cache-aside read path", () => {
  it("loads once, fills L2 with add, serves L1 then L2 with dates revived", async () => {
    const { store, driver, cache, profiles } = setup();
    seed(store, alice);
    const first = await profiles.get({ id: "alice" });
    expect(first.source).toBe("store");
    const second = await profiles.get({ id: "alice" });
    expect(second.source).toBe("l1");
    expect(store.readsOf({ id: "alice" })).toBe(1);

    // Another process: same L2, empty L1.
    const other = createCacheAside({ driver, closeDriver: false });
    const otherRuntime = new PolyxenaRuntime({ stores: { dynamodb: store }, cache: other }, [Profile]).entity(Profile);
    const fromL2 = await otherRuntime.get({ id: "alice" });
    expect(fromL2.source).toBe("l2");
    expect(fromL2.item).toEqual(alice);
    expect(fromL2.item!.joinedAt).toBeInstanceOf(Date);
    expect(store.readsOf({ id: "alice" })).toBe(1);
    expect(cache.stats()).toMatchObject({ loads: 1, l1Hits: 1, fills: 2 });
  });

  it("caches absence and replaces it with a tombstone on write", async () => {
    const { store, profiles } = setup();
    expect((await profiles.get({ id: "nobody" })).item).toBeUndefined();
    expect((await profiles.get({ id: "nobody" })).item).toBeUndefined();
    expect(store.readsOf({ id: "nobody" })).toBe(1);
    await profiles.put({ ...alice, id: "nobody" });
    expect((await profiles.get({ id: "nobody" })).item).toMatchObject({ id: "nobody" });
  });

  it("runs 10,000 concurrent reads of a cold key through one load", async () => {
    const { store, cache, profiles } = setup();
    seed(store, alice);
    const release = store.holdReads();
    const reads = Array.from({ length: 10_000 }, () => profiles.get({ id: "alice" }));
    await new Promise((r) => setTimeout(r, 20));
    release();
    const results = await Promise.all(reads);
    expect(results.every((r) => r.item?.rev === 1)).toBe(true);
    expect(store.readsOf({ id: "alice" })).toBe(1);
    expect(cache.stats().singleFlightJoins).toBe(9_999);
  });

  it("a reader arriving while a read is under way gets a read that starts after it arrived", async () => {
    const { store, driver, plain } = setup();
    seed(store, { id: "f", rev: 1, blob: "x" });
    const writer = createCacheAside({ driver, closeDriver: false });
    const writerPlain = new PolyxenaRuntime({ stores: { dynamodb: store }, cache: writer }, [Plain]).entity(Plain);
    const release = store.holdReads();
    const early = plain.get({ id: "f" });
    while (store.readsOf({ id: "f" }) < 1) await new Promise((r) => setTimeout(r, 5));
    // Another process (no bus) writes; a reader arriving now must not share the read of rev 1.
    await writerPlain.put({ id: "f", rev: 2, blob: "x" });
    const late = plain.get({ id: "f" });
    release();
    expect((await early).item!.rev).toBe(1);
    expect((await late).item!.rev).toBe(2);
    expect(store.readsOf({ id: "f" })).toBe(2);
  });

  it("gives every waiter the loader's error and releases the lease", async () => {
    const { store, cache, profiles } = setup();
    seed(store, alice);
    store.failReads = new Error("store down");
    const reads = await Promise.allSettled(Array.from({ length: 50 }, () => profiles.get({ id: "alice" })));
    expect(reads.every((r) => r.status === "rejected")).toBe(true);
    expect(store.readsOf({ id: "alice" })).toBe(1);
    store.failReads = undefined;
    expect((await profiles.get({ id: "alice" })).source).toBe("store");
    expect(cache.stats().leasesAcquired).toBe(2);
    expect(cache.stats().leaseWaits).toBe(0);
  });

  it("lets a second process wait on the lease and read the filled value", async () => {
    const { store, driver, profiles } = setup({ leaseWaitMs: 5_000 });
    seed(store, alice);
    const other = createCacheAside({ driver, closeDriver: false, leaseWaitMs: 5_000 });
    const otherProfiles = new PolyxenaRuntime({ stores: { dynamodb: store }, cache: other }, [Profile]).entity(Profile);
    const release = store.holdReads();
    const first = profiles.get({ id: "alice" });
    while (store.readsOf({ id: "alice" }) < 1) await new Promise((r) => setTimeout(r, 5));
    const second = otherProfiles.get({ id: "alice" });
    while (other.stats().leaseWaits < 1) await new Promise((r) => setTimeout(r, 5));
    release();
    expect((await first).source).toBe("store");
    expect((await second).source).toBe("l2");
    expect(store.readsOf({ id: "alice" })).toBe(1);
    expect(other.stats().leaseWaits).toBe(1);
  });
});

describe("cache-aside leases", () => {
  it("a process that waited past leaseWaitMs loads by itself", async () => {
    const { store, driver, profiles } = setup({ leaseWaitMs: 5_000 });
    seed(store, alice);
    const other = createCacheAside({ driver, closeDriver: false, leaseWaitMs: 30 });
    const otherProfiles = new PolyxenaRuntime({ stores: { dynamodb: store }, cache: other }, [Profile]).entity(Profile);
    const release = store.holdReads();
    const first = profiles.get({ id: "alice" });
    while (store.readsOf({ id: "alice" }) < 1) await new Promise((r) => setTimeout(r, 5));
    const second = otherProfiles.get({ id: "alice" });
    // Hold the first load until the waiter gave up and started its own.
    while (store.readsOf({ id: "alice" }) < 2) await new Promise((r) => setTimeout(r, 5));
    release();
    expect((await first).source).toBe("store");
    expect((await second).source).toBe("store");
    expect(other.stats()).toMatchObject({ leaseWaits: 1, leaseWaitTimeouts: 1, leasesAcquired: 0 });
    expect(store.readsOf({ id: "alice" })).toBe(2);
  });
});

describe("cache-aside write path", () => {
  it("does not install a load that an invalidation overtook", async () => {
    const { store, cache, profiles, driver } = setup();
    seed(store, alice);
    const release = store.holdReads();
    const pending = profiles.get({ id: "alice" });
    while (store.readsOf({ id: "alice" }) < 1) await new Promise((r) => setTimeout(r, 5));
    await profiles.update({ id: "alice" }, { name: "Alice 2" });
    release();
    expect((await pending).item!.name).toBe("Alice");
    expect(cache.stats().loadsInvalidated).toBe(1);
    // Neither L1 nor L2 holds the old value: L2 holds the tombstone.
    const raw = await driver.get(cache.forEntity(Profile)!.keys.itemKey({ id: "alice" }));
    expect(decodeEnvelope(raw!, Profile.model.schemaHash)!.kind).toBe("t");
    const after = await profiles.get({ id: "alice" });
    expect(after).toMatchObject({ source: "store", item: { name: "Alice 2" } });
  });

  it("a load that straddles another process's write cannot fill over its tombstone", async () => {
    const { store, driver, cache, plain } = setup();
    seed(store, { id: "s", rev: 1, blob: "x" });
    // Another process, no bus between them: only the tombstone protects L2.
    const other = createCacheAside({ driver, closeDriver: false });
    const otherPlain = new PolyxenaRuntime({ stores: { dynamodb: store }, cache: other }, [Plain]).entity(Plain);
    const release = store.holdReads();
    const straddling = otherPlain.get({ id: "s" });
    while (store.readsOf({ id: "s" }) < 1) await new Promise((r) => setTimeout(r, 5));
    // The store answered rev 1; before the fill, the other process writes rev 2.
    await plain.put({ id: "s", rev: 2, blob: "x" });
    release();
    expect((await straddling).item!.rev).toBe(1);
    expect(other.stats()).toMatchObject({ fills: 0, fillsRejected: 1 });
    expect((await plain.get({ id: "s" })).item!.rev).toBe(2);
    expect((await otherPlain.get({ id: "s" })).item!.rev).toBe(2);
    expect(cache.stats().loadsInvalidated).toBe(0);
  });

  it("the first read after a write replaces the tombstone (cas), so the next reads hit L2", async () => {
    const { store, cache, plain } = setup();
    seed(store, { id: "k", rev: 1, blob: "x" });
    await plain.get({ id: "k" });
    await plain.put({ id: "k", rev: 2, blob: "x" });
    expect(await plain.get({ id: "k" })).toMatchObject({ source: "store", item: { rev: 2 } });
    expect(await plain.get({ id: "k" })).toMatchObject({ source: "l2", item: { rev: 2 } });
    expect(cache.stats()).toMatchObject({ fills: 2, refills: 1, fillsRejected: 0 });
    expect(store.readsOf({ id: "k" })).toBe(2);
  });

  it("a refill fails when another write tombstoned the key after the reader saw the tombstone", async () => {
    const { store, driver, cache, plain } = setup();
    seed(store, { id: "r", rev: 1, blob: "x" });
    await plain.put({ id: "r", rev: 2, blob: "x" });
    // Another process, no bus between them: only the tombstone's version protects L2.
    const other = createCacheAside({ driver, closeDriver: false });
    const otherPlain = new PolyxenaRuntime({ stores: { dynamodb: store }, cache: other }, [Plain]).entity(Plain);
    const release = store.holdReads();
    const straddling = otherPlain.get({ id: "r" });
    while (store.readsOf({ id: "r" }) < 1) await new Promise((r) => setTimeout(r, 5));
    // The reader saw the tombstone of rev 2 and the store answered rev 2; now rev 3 is written.
    await plain.put({ id: "r", rev: 3, blob: "x" });
    release();
    expect((await straddling).item!.rev).toBe(2);
    expect(other.stats()).toMatchObject({ refills: 0, fillsRejected: 1 });
    const key = cache.forEntity(Plain)!.keys.itemKey({ id: "r" });
    expect(decodeEnvelope((await driver.get(key))!, Plain.model.schemaHash)!.kind).toBe("t");
    expect((await otherPlain.get({ id: "r" })).item!.rev).toBe(3);
    expect((await plain.get({ id: "r" })).item!.rev).toBe(3);
  });

  it("without gets/cas in the tier, a tombstone blocks fills until it expires", async () => {
    const clock = new Clock();
    const memory = new MemoryCacheDriver({ now: clock.now });
    const plainDriver: CacheDriver = {
      name: "no-cas",
      maxValueBytes: memory.maxValueBytes,
      get: (k) => memory.get(k),
      add: (k, v, t) => memory.add(k, v, t),
      set: (k, v, t) => memory.set(k, v, t),
      delete: (k) => memory.delete(k),
    };
    const { store, cache, plain } = setup({ driver: plainDriver });
    seed(store, { id: "k", rev: 1, blob: "x" });
    await plain.get({ id: "k" });
    await plain.put({ id: "k", rev: 2, blob: "x" });
    expect((await plain.get({ id: "k" })).source).toBe("store");
    expect((await plain.get({ id: "k" })).source).toBe("store");
    expect(cache.stats().fills).toBe(1);
    clock.ms += 6_000;
    await plain.get({ id: "k" });
    expect((await plain.get({ id: "k" })).source).toBe("l2");
    expect(store.readsOf({ id: "k" })).toBe(4);
  });

  it("drops a fill whose store read began longer ago than the tombstone lifetime", async () => {
    const { store, cache, plain } = setup({ tombstoneTtlSeconds: 2, fillMarginMs: 700 });
    seed(store, { id: "slow", rev: 1, blob: "x" });
    store.afterRead = () => new Promise((r) => setTimeout(r, 400));
    await plain.get({ id: "slow" });
    expect(cache.stats().fillsDroppedTooOld).toBe(1);
    expect(cache.stats().fills).toBe(0);
  });

  it("invalidates other providers' L1 through the in-process bus before the write returns", async () => {
    const bus = new InProcessInvalidationBus();
    const { store, driver, profiles } = setup({ bus });
    const other = createCacheAside({ driver, bus, closeDriver: false });
    const otherProfiles = new PolyxenaRuntime({ stores: { dynamodb: store }, cache: other }, [Profile]).entity(Profile);
    seed(store, alice);
    await otherProfiles.get({ id: "alice" });
    expect((await otherProfiles.get({ id: "alice" })).source).toBe("l1");
    await profiles.update({ id: "alice" }, { rev: 2 });
    const read = await otherProfiles.get({ id: "alice" });
    expect(read.item!.rev).toBe(2);
    expect(other.stats().busReceived).toBe(1);
  });

  it("bumps the query generation on write so cached pages are not served again", async () => {
    const { store, profiles } = setup();
    seed(store, alice);
    seed(store, { ...alice, id: "bob", name: "Bob", joinedAt: new Date("2024-02-01T00:00:00Z") });
    const page1 = await profiles.query("byCountry", { country: "FR" });
    expect(page1.items.map((i) => i.id)).toEqual(["alice", "bob"]);
    expect(page1.items[0]!.joinedAt).toBeInstanceOf(Date);
    await profiles.query("byCountry", { country: "FR" });
    const queryReads = store.reads;
    await profiles.query("byCountry", { country: "FR" });
    expect(store.reads).toBe(queryReads);
    await profiles.delete({ id: "bob" });
    const page2 = await profiles.query("byCountry", { country: "FR" });
    expect(page2.items.map((i) => i.id)).toEqual(["alice"]);
  });

  it("retries failed tombstones in the background and never fails the write", async () => {
    const clock = new Clock();
    const memory = new MemoryCacheDriver({ now: clock.now });
    let failSets = true;
    const flaky: CacheDriver = {
      name: "flaky",
      maxValueBytes: memory.maxValueBytes,
      get: (k) => memory.get(k),
      add: (k, v, t) => memory.add(k, v, t),
      set: (k, v, t) => (failSets ? Promise.reject(new Error("connection reset")) : memory.set(k, v, t)),
      delete: (k) => memory.delete(k),
    };
    const { cache, plain, store } = setup({ driver: flaky, retry: { baseDelayMs: 60_000 } });
    seed(store, { id: "r", rev: 1, blob: "x" });
    await plain.get({ id: "r" });
    await expect(plain.put({ id: "r", rev: 2, blob: "x" })).resolves.toMatchObject({ rev: 2 });
    expect(cache.stats()).toMatchObject({ invalidationFailures: 1, pendingInvalidations: 1 });
    failSets = false;
    expect(await cache.flushInvalidations()).toBe(0);
    expect(cache.stats()).toMatchObject({ invalidationRetrySuccesses: 1, pendingInvalidations: 0 });
    // The retried tombstone replaced the old value.
    const other = createCacheAside({ driver: memory, closeDriver: false });
    const read = await new PolyxenaRuntime({ stores: { dynamodb: new CacheTestStore() }, cache: other }, [Plain]).entity(Plain).get({ id: "r" });
    expect(read.source).toBe("store");
  });
});

describe("cache-aside limits and failures", () => {
  it("abandons an invalidation after the last retry and counts it", async () => {
    const memory = new MemoryCacheDriver();
    const broken: CacheDriver = {
      name: "broken-writes",
      maxValueBytes: memory.maxValueBytes,
      get: (k) => memory.get(k),
      add: (k, v, t) => memory.add(k, v, t),
      set: () => Promise.reject(new Error("write refused")),
      delete: (k) => memory.delete(k),
    };
    const { cache, plain, store } = setup({ driver: broken, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    seed(store, { id: "x", rev: 1, blob: "x" });
    await plain.put({ id: "x", rev: 2, blob: "x" });
    for (let i = 0; i < 100 && cache.stats().pendingInvalidations > 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(cache.stats()).toMatchObject({ invalidationFailures: 1, invalidationRetries: 2, invalidationsAbandoned: 1, pendingInvalidations: 0 });
  });

  it("does not cache values over the item limit and counts them", async () => {
    const { cache, plain, store } = setup({ driver: new MemoryCacheDriver({ maxValueBytes: 1_000 }) });
    seed(store, { id: "big", rev: 1, blob: "x".repeat(5_000) });
    await plain.get({ id: "big" });
    expect((await plain.get({ id: "big" })).item!.blob).toHaveLength(5_000);
    expect(cache.stats()).toMatchObject({ oversize: 2, fills: 0 });
  });

  it("serves the stale copy when the store fails after the TTL", async () => {
    const { clock, store, cache, runtime } = setup();
    const profiles = runtime.entity(Profile);
    seed(store, alice);
    await profiles.get({ id: "alice" });
    // A fresh process (empty L1) after the L2 TTL: the main entry expired, the stale copy lives.
    clock.ms += 61_000;
    const other = createCacheAside({ driver: (cache as unknown as { options: { driver: CacheDriver } }).options.driver, closeDriver: false });
    const otherProfiles = new PolyxenaRuntime({ stores: { dynamodb: store }, cache: other }, [Profile]).entity(Profile);
    store.failReads = new Error("store down");
    const read = await otherProfiles.get({ id: "alice" });
    expect(read).toMatchObject({ source: "stale", stale: true, item: { rev: 1 } });
    expect(other.stats().staleServed).toBe(1);
    clock.ms += 60_000;
    await expect(otherProfiles.get({ id: "alice" })).rejects.toMatchObject({ code: "E_STORE" });
  });

  it("falls through to the store when the tier is down", async () => {
    const down: CacheDriver = {
      name: "down",
      maxValueBytes: 1_000_000,
      get: () => Promise.reject(new Error("ECONNREFUSED")),
      add: () => Promise.reject(new Error("ECONNREFUSED")),
      set: () => Promise.reject(new Error("ECONNREFUSED")),
      delete: () => Promise.reject(new Error("ECONNREFUSED")),
    };
    const { cache, plain } = setup({ driver: down, retry: { attempts: 0 } });
    await plain.put({ id: "a", rev: 1, blob: "x" });
    expect(await plain.get({ id: "a" })).toMatchObject({ source: "store", item: { rev: 1 } });
    expect(cache.stats().l2Errors).toBeGreaterThan(0);
  });

  it("getOrLoad caches derived data on the same tier", async () => {
    const { cache } = setup();
    let calls = 0;
    const load = async () => ({ top: ["a", "b"], at: ++calls });
    const policy = { ttlMs: 60_000, l1: { ttlMs: 1_000, max: 10 } };
    expect(await cache.getOrLoad("top10 FR", load, policy)).toMatchObject({ source: "store", value: { at: 1 } });
    expect(await cache.getOrLoad("top10 FR", load, policy)).toMatchObject({ source: "l1", value: { at: 1 } });
    await cache.invalidateDerived(["top10 FR"]);
    expect(await cache.getOrLoad("top10 FR", load, policy)).toMatchObject({ source: "store", value: { at: 2 } });
  });
});

describe("batched reads", () => {
  const counting = () => new CountingDriver(new MemoryCacheDriver());

  it("getMany reads the cache once per zone, loads all misses in one store call and fills them in one pipelined write", async () => {
    const driver = counting();
    const { store, cache, plain } = setup({ driver });
    for (let i = 0; i < 10; i++) seed(store, { id: `k${i}`, rev: i, blob: "x" });
    // Half of them cached in L2.
    await plain.getMany([0, 2, 4, 6, 8].map((i) => ({ id: `k${i}` })));
    const before = { ...driver.calls };
    store.getManyCalls = 0;
    store.getCalls = 0;
    const keys = [...Array.from({ length: 10 }, (_, i) => ({ id: `k${i}` })), { id: "absent" }, { id: "k1" }];
    const items = await plain.getMany(keys);
    expect(items.map((item) => item?.rev)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, undefined, 1]);
    expect(store.getManyCalls).toBe(1);
    expect(store.getCalls).toBe(0);
    expect((driver.calls.getMulti ?? 0) - (before.getMulti ?? 0)).toBe(1);
    expect((driver.calls.addMany ?? 0) - (before.addMany ?? 0)).toBe(1);
    expect((driver.calls.get ?? 0) - (before.get ?? 0)).toBe(0);
    expect(cache.stats()).toMatchObject({ batchLoads: 2, l2Hits: 5 });
    // Everything is cached now, absence included: no store call.
    expect((await plain.getMany(keys)).map((item) => item?.rev)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, undefined, 1]);
    expect(store.getManyCalls).toBe(1);
  });

  it("getMany refills tombstoned keys with cas and never installs a load a write overtook", async () => {
    const { store, cache, plain, driver } = setup();
    for (let i = 0; i < 4; i++) seed(store, { id: `b${i}`, rev: 1, blob: "x" });
    await plain.getMany([0, 1, 2, 3].map((i) => ({ id: `b${i}` })));
    await plain.put({ id: "b1", rev: 2, blob: "x" });
    expect((await plain.getMany([{ id: "b0" }, { id: "b1" }])).map((i) => i?.rev)).toEqual([1, 2]);
    expect(cache.stats().refills).toBe(1);
    expect((await plain.get({ id: "b1" })).source).toBe("l2");

    // A write lands while the batch load is held: its result is neither cached nor overwrites the tombstone.
    await plain.put({ id: "b2", rev: 2, blob: "x" });
    const release = store.holdReads();
    const pending = plain.getMany([{ id: "b2" }, { id: "b3" }]);
    while (store.getManyCalls < 3) await new Promise((r) => setTimeout(r, 2));
    await plain.put({ id: "b2", rev: 3, blob: "x" });
    release();
    expect((await pending).map((i) => i?.rev)).toEqual([2, 1]);
    expect(cache.stats().loadsInvalidated).toBeGreaterThan(0);
    const key = cache.forEntity(Plain)!.keys.itemKey({ id: "b2" });
    expect(decodeEnvelope((await driver.get(key))!, Plain.model.schemaHash)!.kind).toBe("t");
    expect((await plain.get({ id: "b2" })).item!.rev).toBe(3);
  });

  it("coalesces the gets of one tick into one batch when the entity opts in", async () => {
    const driver = counting();
    const { store, cache, coalesced, plain } = setup({ driver });
    for (let i = 0; i < 5; i++) store.seed({ id: `c${i}`, rev: i }, ["id"]);
    const reads = await Promise.all([0, 1, 2, 3, 4, 2].map((i) => coalesced.get({ id: `c${i}` })));
    expect(reads.map((r) => r.item?.rev)).toEqual([0, 1, 2, 3, 4, 2]);
    expect(store.getManyCalls).toBe(1);
    expect(store.getCalls).toBe(0);
    expect(driver.calls.getMulti).toBe(1);
    expect(cache.stats().batchLoads).toBe(1);
    const again = await Promise.all([0, 1, 2].map((i) => coalesced.get({ id: `c${i}` })));
    expect(again.map((r) => r.source)).toEqual(["l2", "l2", "l2"]);
    expect(driver.calls.getMulti).toBe(2);
    // Entities that do not opt in read key by key.
    seed(store, { id: "p", rev: 1, blob: "x" });
    await Promise.all([plain.get({ id: "p" }), plain.get({ id: "q" })]);
    expect(store.getCalls).toBe(2);
  });

  it("a failed batch load fails its readers and caches nothing", async () => {
    const { store, cache, plain } = setup();
    seed(store, { id: "f", rev: 1, blob: "x" });
    store.failReads = new Error("store down");
    await expect(plain.getMany([{ id: "f" }, { id: "g" }])).rejects.toThrow();
    store.failReads = undefined;
    expect(cache.stats().fills).toBe(0);
    expect((await plain.getMany([{ id: "f" }])).map((i) => i?.rev)).toEqual([1]);
  });
});

describe("L1 hits before validation", () => {
  it("answers an L1 hit without validating only when validation could not change the answer", async () => {
    const { store, cache, profiles } = setup();
    seed(store, { ...alice, id: "5" });
    await profiles.get({ id: "5" });
    const reads = store.readsOf({ id: "5" });
    const hits = cache.stats().l1Hits;
    expect((await profiles.getItem({ id: "5" }))?.name).toBe("Alice");
    expect(cache.stats().l1Hits).toBe(hits + 1);
    // The same encoding from a value of the wrong type, or hostile extra input, is still refused.
    await expect(profiles.getItem({ id: 5 } as never)).rejects.toMatchObject({ code: "E_VALIDATION" });
    await expect(profiles.getItem({ id: "5", note: "\ud800" } as never)).rejects.toMatchObject({ code: "E_VALIDATION" });
    await expect(profiles.getItem(JSON.parse('{"id":"5","__proto__":{"x":1}}') as never)).rejects.toMatchObject({ code: "E_VALIDATION" });
    // A key that encoding changes is found after validation; its encoded form, sent raw, is another key.
    seed(store, { ...alice, id: "a b", name: "Spaced" });
    seed(store, { ...alice, id: "a%20b", name: "Percent" });
    expect((await profiles.getItem({ id: "a b" }))?.name).toBe("Spaced");
    expect((await profiles.getItem({ id: "a b" }))?.name).toBe("Spaced");
    expect((await profiles.getItem({ id: "a%20b" }))?.name).toBe("Percent");
    expect((await profiles.getItem({ id: "a%20b" }))?.name).toBe("Percent");
    // A strong read never comes from L1.
    expect((await profiles.getItem({ id: "5" }, { consistency: "strong" }))?.name).toBe("Alice");
    expect(store.readsOf({ id: "5" })).toBe(reads + 1);
  });

  it("looks L1 up once per read: a miss of the pre-validation lookup is not looked up again, nor by a coalesced batch", async () => {
    const Tiered = defineEntity("Tiered", {
      store: "dynamodb",
      schema: z.object({ id: z.string(), rev: z.number().int() }),
      key: { partition: "id" },
      cache: { ttl: "60s", l1: { ttl: "30s", max: 100 }, coalesce: true },
    });
    const store = new CacheTestStore();
    const cache = createCacheAside({ driver: new MemoryCacheDriver() });
    const runtime = new PolyxenaRuntime({ stores: { dynamodb: store }, cache }, [Tiered, Profile]);
    const lookups = (entity: typeof Tiered | typeof Profile) => {
      const l1 = cache.forEntity(entity)!.l1!;
      const counted = { n: 0 };
      const get = l1.get.bind(l1);
      l1.get = (...args: Parameters<typeof get>) => {
        counted.n++;
        return get(...args);
      };
      return counted;
    };
    const tiered = runtime.entity(Tiered);
    const tieredLookups = lookups(Tiered);
    const long = "k".repeat(300);
    for (const id of ["a", "b", long]) store.seed({ id, rev: 1 }, ["id"]);
    // Misses through Repository.get (pre-validation lookup, then the coalesced batch), one lookup each.
    expect((await Promise.all([tiered.getItem({ id: "a" }), tiered.getItem({ id: "b" }), tiered.getItem({ id: long })])).map((i) => i?.rev)).toEqual([1, 1, 1]);
    expect(tieredLookups.n).toBe(3);
    expect(store.getManyCalls).toBe(1);
    // Hits (a key over the length limit is hashed alike by both lookups): one lookup each.
    await tiered.getItem({ id: "a" });
    await tiered.getItem({ id: long });
    expect(tieredLookups.n).toBe(5);
    expect(cache.stats().l1Hits).toBe(2);
    // With metadata, and getMany: one lookup per key.
    expect((await tiered.get({ id: "c" })).source).toBe("store");
    await tiered.getMany([{ id: "a" }, { id: "d" }]);
    expect(tieredLookups.n).toBe(8);

    const profiles = runtime.entity(Profile);
    const profileLookups = lookups(Profile);
    seed(store, alice);
    expect((await profiles.getItem({ id: "alice" }))?.name).toBe("Alice");
    expect(profileLookups.n).toBe(1);
    expect((await profiles.getItem({ id: "alice" }))?.name).toBe("Alice");
    expect(profileLookups.n).toBe(2);
  });

  it("validates first when a key field's schema could rewrite its input", async () => {
    const Trimmed = defineEntity("Trimmed", {
      store: "dynamodb",
      schema: z.object({ id: z.string().trim(), rev: z.number().int() }),
      key: { partition: "id" },
      cache: { ttl: "60s", l1: { ttl: "30s", max: 10 } },
    });
    const store = new CacheTestStore();
    const cache = createCacheAside({ driver: new MemoryCacheDriver() });
    const trimmed = new PolyxenaRuntime({ stores: { dynamodb: store }, cache }, [Trimmed]).entity(Trimmed);
    store.seed({ id: "a", rev: 1 }, ["id"]);
    await trimmed.get({ id: "a" });
    expect(cache.forEntity(Trimmed)!.peek({ id: "a" })).toBeUndefined();
    expect((await trimmed.getItem({ id: " a " }))?.rev).toBe(1);
  });
});
