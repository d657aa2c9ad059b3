/**
 * `getMany` of 100 keys through the cache with half of them cached in L2
 * (memcached in its own process, no L1), against the same 100 keys read with
 * 100 single `get`s in parallel. Every operation reads 100 keys it has not
 * read before (every second one warmed into L2 beforehand), so each one pays
 * 50 hits and 50 misses. The store is an in-memory map that counts calls.
 *
 *   pnpm bench cache-get-many
 *
 * First, one `getMany` is traced: store calls (goal 1) and cache round trips
 * per zone (goal <= 2: one multi-key read, one pipelined fill). Then the two
 * contenders run in interleaved rounds at 4 operations in flight. Ends with
 * one JSON line; `ratio` is keys per second through `getMany` divided by keys
 * per second through 100 single gets.
 */
import { z } from "zod";
import { createCacheAside, defineEntity, PolyxenaRuntime, ZonedCacheDriver, type CacheDriver, type CacheEntry, type CasToken } from "@polyxena/core";
import { createMemcachedDriver } from "@polyxena/adapters/memcached";
import { CacheTestStore, startMemcached } from "@polyxena/testkit";
import { compare, printResult, versusBaseline } from "./harness.js";

const Profile = defineEntity("Profile", {
  store: "dynamodb",
  schema: z.object({ profileId: z.string(), name: z.string(), country: z.string(), createdAt: z.date() }),
  key: { partition: "profileId" },
  cache: { ttl: "10m" },
});

const BATCH = 100;
const OPS_PER_ROUND = 60;
const ROUNDS = 5;
const WARMUP = 20;
const CONCURRENCY = 4;

/** Counts the requests each zone receives (one request = one round trip to the zone). */
function counted(driver: CacheDriver, calls: Map<string, number>): CacheDriver {
  const zones = (driver.zones ?? [driver]).map((zone): CacheDriver => {
    const hit = () => calls.set(zone.name, (calls.get(zone.name) ?? 0) + 1);
    return {
      name: zone.name,
      maxValueBytes: zone.maxValueBytes,
      timeoutMs: zone.timeoutMs,
      get: (key) => (hit(), zone.get(key)),
      getMulti: (keys: readonly string[]) => (hit(), zone.getMulti!(keys)),
      gets: (key) => (hit(), zone.gets!(key)),
      cas: (key: string, value: Uint8Array, ttl: number, token: CasToken) => (hit(), zone.cas!(key, value, ttl, token)),
      addMany: (entries: readonly CacheEntry[]) => (hit(), zone.addMany!(entries)),
      connectionOf: (key) => zone.connectionOf!(key),
      add: (key, value, ttl) => (hit(), zone.add(key, value, ttl)),
      set: (key, value, ttl) => (hit(), zone.set(key, value, ttl)),
      delete: (key) => (hit(), zone.delete(key)),
      close: () => zone.close?.() ?? Promise.resolve(),
    };
  });
  return new ZonedCacheDriver(zones);
}

async function main(): Promise<void> {
  const cluster = await startMemcached({ count: 2 });
  const memcached = createMemcachedDriver({
    zones: [
      { name: "a", servers: [cluster.addresses[0]!] },
      { name: "b", servers: [cluster.addresses[1]!] },
    ],
    timeoutMs: 1000,
  });
  const calls = new Map<string, number>();
  const driver = counted(memcached, calls);
  const store = new CacheTestStore();
  const cache = createCacheAside({ driver, prefix: `gm${Date.now().toString(36)}`, closeDriver: false });
  const runtime = new PolyxenaRuntime({ stores: { dynamodb: store }, cache }, [Profile]).entity(Profile);

  const maxIndex = (ROUNDS + 1) * OPS_PER_ROUND + WARMUP + 1;
  const keysOf = (contender: string, i: number) => Array.from({ length: BATCH }, (_, j) => ({ profileId: `${contender}:${i}:${j}` }));
  for (const contender of ["many", "single", "trace"]) {
    for (let i = 0; i < maxIndex; i++) {
      const keys = keysOf(contender, i);
      for (const key of keys) store.seed({ ...key, name: `P ${key.profileId}`, country: "FR", createdAt: new Date() }, ["profileId"]);
      // Half of every batch cached in L2 beforehand.
      await runtime.getMany(keys.filter((_, j) => j % 2 === 0));
    }
  }

  // One traced getMany: store calls and round trips per zone.
  calls.clear();
  const storeCallsBefore = store.getManyCalls + store.getCalls;
  const statsBefore = cache.stats();
  const traced = await runtime.getMany(keysOf("trace", 0));
  if (traced.some((item) => item === undefined)) throw new Error("traced getMany lost an item");
  const storeCalls = store.getManyCalls + store.getCalls - storeCallsBefore;
  const roundTripsPerZone = Object.fromEntries(calls);
  const hits = cache.stats().l2Hits - statsBefore.l2Hits;

  const result = await compare(
    [
      { name: "getMany", run: (i) => runtime.getMany(keysOf("many", i)) },
      { name: "single", run: (i) => Promise.all(keysOf("single", i).map((key) => runtime.get(key))) },
    ],
    { concurrency: CONCURRENCY, opsPerRound: OPS_PER_ROUND, rounds: ROUNDS, warmupOps: WARMUP },
  );
  const figures = versusBaseline(result, "getMany", "single");
  await cache.close();
  await memcached.close();
  await cluster.stop();
  printResult({
    bench: "cache-get-many",
    ratio: figures.ratio,
    keysPerSec: { getMany: figures.opsPerSec.getMany! * BATCH, single: figures.opsPerSec.single! * BATCH },
    cpuMicrosPerKey: { getMany: Number((figures.cpuMicrosPerOp.getMany! / BATCH).toFixed(2)), single: Number((figures.cpuMicrosPerOp.single! / BATCH).toFixed(2)) },
    storeCalls,
    goalStoreCalls: 1,
    roundTripsPerZone,
    goalRoundTripsPerZone: 2,
    tracedHits: hits,
    keys: BATCH,
    cachedShare: 0.5,
    zones: 2,
    c: CONCURRENCY,
    baseline: "100 single gets in parallel",
  });
}

await main();
