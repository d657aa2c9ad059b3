import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createMemcachedDriver } from "@polyxena/adapters/memcached";
import {
  createCacheAside,
  defineEntity,
  InProcessInvalidationBus,
  PolyxenaRuntime,
  ZonedCacheDriver,
  type CacheAside,
  type CacheDriver,
  type CacheStats,
  type CacheProvider,
  type EntityCache,
  type EntityRuntime,
  type KeyValues,
  type StoredItem,
} from "@polyxena/core";
import { CacheTestStore } from "../src/cache-test-store.js";
import { startMemcached, type MemcachedCluster } from "../src/memcached-server.js";
import { seededRandom } from "../src/seeded-random.js";

/**
 * History test of the cache protocol: many concurrent clients over a few hot
 * keys, spread over several simulated processes (each with its own L1 and
 * memcached connections), with delays injected between the store read and
 * the fill. The checker asserts that no read that began after a write was
 * acknowledged returns an older version. The same workload against a naive
 * cache-aside (delete on write, set on fill) must be caught.
 */

const Hot = defineEntity("Hot", {
  store: "dynamodb",
  schema: z.object({ id: z.string(), rev: z.number().int() }),
  key: { partition: "id" },
  // A short L1 TTL so that L2 (fills, leases, tombstones) sees real traffic too.
  cache: { ttl: "60s", l1: { ttl: "200ms", max: 100 } },
});

/** Hot keys are written often (always tombstoned); warm keys rarely (their tombstones expire and L2 refills). */
const HOT = ["h0", "h1", "h2", "h3"];
const WARM = Array.from({ length: 12 }, (_, i) => `w${i}`);
/** No L1 and (in the test) no bus: only tombstones, add-only fills and the fill age limit keep L2 fresh across processes. */
const HotL2 = defineEntity("HotL2", {
  store: "dynamodb",
  schema: z.object({ id: z.string(), rev: z.number().int() }),
  key: { partition: "id" },
  cache: { ttl: "60s" },
});

const KEYS = [...HOT, ...WARM];
const CLIENTS = 32;
const OPS_PER_CLIENT = 1_000;
const PROCESSES = 4;

let cluster: MemcachedCluster;
let run = 0;

beforeAll(async () => {
  cluster = await startMemcached({ count: 4 });
});

afterAll(async () => {
  await cluster?.stop();
});

function zonesDriver(local: "a" | "b", timeoutMs = 2_000): CacheDriver {
  return createMemcachedDriver({
    zones: [
      { name: "a", servers: cluster.addresses.slice(0, 2) },
      { name: "b", servers: cluster.addresses.slice(2, 4) },
    ],
    localZone: local,
    // Generous deadline by default: most of these histories are about interleavings, not faults.
    timeoutMs,
  });
}

/**
 * The same zones with a broken token scheme: a refill after a write is an
 * unconditional `set` instead of a `cas` over the tombstone the reader saw.
 */
function unconditionalRefill(driver: CacheDriver): CacheDriver {
  const zones = (driver.zones ?? [driver]).map(
    (zone): CacheDriver => ({
      name: zone.name,
      maxValueBytes: zone.maxValueBytes,
      timeoutMs: zone.timeoutMs,
      get: (key) => zone.get(key),
      gets: (key) => zone.gets!(key),
      cas: (key, value, ttl) => zone.set(key, value, ttl).then(() => true),
      add: (key, value, ttl) => zone.add(key, value, ttl),
      set: (key, value, ttl) => zone.set(key, value, ttl),
      delete: (key) => zone.delete(key),
      close: () => zone.close?.() ?? Promise.resolve(),
    }),
  );
  return new ZonedCacheDriver(zones);
}

/** Options of one history run. */
interface HistoryOptions {
  /** Deadline of the memcached driver (default 2 s). */
  timeoutMs?: number;
  /** Runs alongside the clients until they finish (e.g. kills servers). */
  chaos?: (done: () => boolean) => Promise<void>;
}

interface HistoryResult {
  reads: number;
  writes: number;
  providers: CacheProvider[];
  violations: { key: string; floor: number; got: number }[];
}

async function runHistory(entity: typeof Hot, makeProvider: (driver: CacheDriver, bus: InProcessInvalidationBus) => CacheProvider, options: HistoryOptions = {}): Promise<HistoryResult> {
  const random = seededRandom(42 + run++);
  const store = new CacheTestStore({
    // The race window: the store has answered, the fill has not happened yet.
    afterRead: (key) => {
      const r = random();
      // Warm keys load slowly: their fills race the rare writes over a wide window.
      const ms = key.includes('"w') ? 10 + Math.floor(random() * 50) : r < 0.7 ? Math.floor(random() * 4) : r < 0.95 ? 5 + Math.floor(random() * 15) : 30 + Math.floor(random() * 50);
      return new Promise<void>((resolve) => setTimeout(resolve, ms));
    },
  });
  for (const id of KEYS) store.seed({ id, rev: 0 }, ["id"]);
  const bus = new InProcessInvalidationBus();
  const drivers: CacheDriver[] = [];
  const runtimes: EntityRuntime[] = [];
  const providers: CacheProvider[] = [];
  for (let p = 0; p < PROCESSES; p++) {
    const driver = zonesDriver(p % 2 === 0 ? "a" : "b", options.timeoutMs);
    drivers.push(driver);
    const provider = makeProvider(driver, bus);
    providers.push(provider);
    runtimes.push(new PolyxenaRuntime({ stores: { dynamodb: store }, cache: provider }, [entity]).entity(entity));
  }

  const acked = new Map(KEYS.map((k) => [k, 0]));
  const lastRev = new Map(KEYS.map((k) => [k, 0]));
  const locks = new Map<string, Promise<void>>();
  const result: HistoryResult = { reads: 0, writes: 0, providers, violations: [] };

  const client = async (c: number) => {
    const runtime = runtimes[c % PROCESSES]!;
    for (let i = 0; i < OPS_PER_CLIENT; i++) {
      const hot = random() < 0.5;
      const key = hot ? HOT[Math.floor(random() * HOT.length)]! : WARM[Math.floor(random() * WARM.length)]!;
      if (random() < (hot ? 0.08 : 0.003)) {
        // Writes to one key are serialized so the store order is the version order.
        const previous = locks.get(key) ?? Promise.resolve();
        let unlock!: () => void;
        const mine = new Promise<void>((r) => (unlock = r));
        locks.set(key, previous.then(() => mine));
        await previous;
        try {
          const rev = lastRev.get(key)! + 1;
          lastRev.set(key, rev);
          await runtime.put({ id: key, rev });
          acked.set(key, rev);
          result.writes++;
        } finally {
          unlock();
        }
      } else {
        const floor = acked.get(key)!;
        const read = await runtime.get({ id: key });
        const got = (read.item?.rev as number | undefined) ?? -1;
        if (got < floor) result.violations.push({ key, floor, got });
        result.reads++;
      }
    }
  };
  let finished = false;
  const chaos = options.chaos?.(() => finished);
  try {
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
  } finally {
    finished = true;
    await chaos;
  }
  await Promise.all(drivers.map((d) => d.close?.()));
  return result;
}

/** Naive cache-aside: read L2, on a miss load and `set`; on write `delete`. No L1, no leases, no tombstones. */
function naiveProvider(driver: CacheDriver): CacheProvider {
  let prefix = `naive${run}`;
  return {
    forEntity: (entity) => {
      prefix = `naive${run}:${entity.name}`;
      const keyOf = (key: KeyValues) => `${prefix}:${String(key.id)}`;
      const cache: EntityCache = {
        async get(key, load) {
          const bytes = await driver.get(keyOf(key)).catch(() => undefined);
          if (bytes) return { value: JSON.parse(Buffer.from(bytes).toString()) as StoredItem, source: "l2" };
          const value = await load();
          if (value) await driver.set(keyOf(key), Buffer.from(JSON.stringify(value)), 60).catch(() => undefined);
          return { value, source: "store" };
        },
        async query(_name, _scope, load) {
          return { value: await load(), source: "store" };
        },
        async invalidate(keys) {
          await Promise.all(keys.map((k) => driver.delete(keyOf(k)).catch(() => false)));
        },
      };
      return cache;
    },
  };
}

describe("cache history", () => {
  const summarize = (result: HistoryResult) => {
    const stats = result.providers.map((p) => (p as CacheAside).stats());
    const total = (name: keyof CacheStats) => stats.reduce((sum, s) => sum + s[name], 0);
    console.log(JSON.stringify(Object.fromEntries((Object.keys(stats[0]!) as (keyof CacheStats)[]).map((k) => [k, total(k)]))));
    return total;
  };

  it("never returns a version older than the last acknowledged write (L1 + L2, in-process bus)", async () => {
    const prefix = `hist${Date.now().toString(36)}`;
    const result = await runHistory(Hot, (driver, bus) => createCacheAside({ driver, bus, prefix, tombstoneTtlSeconds: 2, fillMarginMs: 300, closeDriver: false }));
    expect(result.reads + result.writes).toBe(CLIENTS * OPS_PER_CLIENT);
    expect(result.writes).toBeGreaterThan(500);
    expect(result.violations).toEqual([]);
    // The races were actually exercised: cache hits, overtaken loads, tombstones, fills.
    const total = summarize(result);
    expect(total("l1Hits") + total("l2Hits")).toBeGreaterThan(1_000);
    expect(total("loadsInvalidated")).toBeGreaterThan(0);
    expect(total("tombstones")).toBe(result.writes);
    expect(total("l2Hits")).toBeGreaterThan(0);
    expect(total("fills")).toBeGreaterThan(0);
  }, 60_000);

  it("never returns a version older than the last acknowledged write (L2 only, no bus)", async () => {
    const prefix = `histl2${Date.now().toString(36)}`;
    const result = await runHistory(HotL2, (driver) => createCacheAside({ driver, prefix, tombstoneTtlSeconds: 2, fillMarginMs: 300, closeDriver: false }));
    expect(result.reads + result.writes).toBe(CLIENTS * OPS_PER_CLIENT);
    expect(result.violations).toEqual([]);
    const total = summarize(result);
    expect(total("l2Hits")).toBeGreaterThan(100);
    expect(total("fills")).toBeGreaterThan(0);
    // Reads right after writes refilled over the tombstone, and refills that a later write overtook were refused.
    expect(total("refills")).toBeGreaterThan(100);
    expect(total("fillsRejected")).toBeGreaterThan(0);
  }, 60_000);

  it("never returns a version older than the last acknowledged write while memcached servers are killed and restarted (L2 only)", async () => {
    const prefix = `histkill${Date.now().toString(36)}`;
    let kills = 0;
    const result = await runHistory(HotL2, (driver) => createCacheAside({ driver, prefix, tombstoneTtlSeconds: 2, fillMarginMs: 300, closeDriver: false}), {
      timeoutMs: 250,
      chaos: async (done) => {
        // One server at a time, each zone in turn: killed (SIGKILL, its entries and CAS counter lost), then restarted empty.
        for (let i = 0; !done(); i++) {
          await new Promise((r) => setTimeout(r, 150));
          if (done()) break;
          const server = cluster.servers[i % cluster.servers.length]!;
          await server.kill();
          kills++;
          await new Promise((r) => setTimeout(r, 60));
          await server.restart();
        }
      },
    });
    expect(result.reads + result.writes).toBe(CLIENTS * OPS_PER_CLIENT);
    expect(kills).toBeGreaterThan(2);
    expect(result.violations).toEqual([]);
    const total = summarize(result);
    expect(total("refills")).toBeGreaterThan(0);
    expect(total("l2Errors") + total("l2Skipped")).toBeGreaterThan(0);
  }, 120_000);

  it("catches a token scheme that refills with set instead of cas", async () => {
    const prefix = `histset${Date.now().toString(36)}`;
    const result = await runHistory(HotL2, (driver) => createCacheAside({ driver: unconditionalRefill(driver), prefix, tombstoneTtlSeconds: 2, fillMarginMs: 300, closeDriver: false }));
    console.log(`refill with set: ${result.violations.length} stale reads of ${result.reads}`);
    expect(result.violations.length).toBeGreaterThan(0);
  }, 60_000);

  it("catches the naive protocol (delete on write, set on fill) returning old versions", async () => {
    const result = await runHistory(HotL2, (driver) => naiveProvider(driver));
    expect(result.reads + result.writes).toBe(CLIENTS * OPS_PER_CLIENT);
    console.log(`naive: ${result.violations.length} stale reads of ${result.reads}`);
    expect(result.violations.length).toBeGreaterThan(0);
  }, 60_000);
});
