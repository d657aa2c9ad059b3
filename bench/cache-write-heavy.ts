/**
 * Cache hit ratio under writes: 200 keys with Zipf popularity (s = 1), about
 * 1,900 reads/s paced in 10 ms ticks, one write per ten reads of each key
 * (writes follow the same popularity), L2 only (no L1), against the same
 * reads without writes. The store is an in-memory map; the L2 tier is run
 * twice, on the in-memory cache driver and on a real memcached process.
 * Rounds alternate between the two workloads (a fresh key prefix each, warmed
 * up before measuring); each figure is a median over rounds.
 *
 *   pnpm bench cache-write-heavy
 *
 * Ends with one JSON line: `hitRatioWithWrites`, `hitRatioWithoutWrites` and
 * `ratio` (with ÷ without; goal >= 0.85) on memcached, the same on the memory
 * driver under `memory`, and under `tombstoneBlocksFills` the memory driver
 * without `gets`/`cas` (the protocol before refills: a tombstone blocks fills
 * for its lifetime). Every read is checked: none may return a version older
 * than the last write acknowledged before it began.
 *
 * Arrivals are paced every `TICK_MS` (default 2 ms, about four reads per
 * tick); coarser ticks make bursts in which every read of a key that just
 * got written shares the one refilling load, and count as misses.
 */
import { z } from "zod";
import { createCacheAside, defineEntity, PolyxenaRuntime, type CacheDriver, type EntityRuntime } from "@polyxena/core";
import { createMemcachedDriver } from "@polyxena/adapters/memcached";
import { MemoryCacheDriver } from "@polyxena/memory";
import { CacheTestStore, seededRandom, startMemcached } from "@polyxena/testkit";
import { median, printResult } from "./harness.js";

const Title = defineEntity("Title", {
  store: "dynamodb",
  schema: z.object({ titleId: z.string(), name: z.string(), rev: z.number().int(), updatedAt: z.date() }),
  key: { partition: "titleId" },
  cache: { ttl: "10m" },
});

const KEYS = 200;
const READS_PER_SECOND = 1_900;
const WRITES_PER_READ = 1 / 10;
const TICK_MS = Number(process.env.TICK_MS ?? 2);
const ROUND_MS = Number(process.env.ROUND_MS ?? 3_000);
const WARMUP_MS = 1_000;
const ROUNDS = Number(process.env.ROUNDS ?? 3);

/** Key index by Zipf popularity (rank r has weight 1/r). */
function zipf(n: number, random: () => number): () => number {
  const cdf: number[] = [];
  let sum = 0;
  for (let r = 1; r <= n; r++) cdf.push((sum += 1 / r));
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

interface Phase {
  reads: number;
  hits: number;
  writes: number;
  stale: number;
}

/** Runs the paced workload for `ms` and checks that no read returns a version older than one acknowledged before it began. */
async function drive(runtime: EntityRuntime, writes: boolean, ms: number, seed: number, revs: number[], acked: number[]): Promise<Phase> {
  const random = seededRandom(seed);
  const pick = zipf(KEYS, random);
  const phase: Phase = { reads: 0, hits: 0, writes: 0, stale: 0 };
  const pending = new Set<Promise<void>>();
  const opsPerTick = (READS_PER_SECOND * (1 + (writes ? WRITES_PER_READ : 0)) * TICK_MS) / 1000;
  const writeShare = writes ? WRITES_PER_READ / (1 + WRITES_PER_READ) : 0;
  const start = performance.now();
  let due = 0;
  for (let tick = 0; performance.now() - start < ms; tick++) {
    due += opsPerTick;
    for (; due >= 1; due--) {
      const k = pick();
      const titleId = `t${k}`;
      let op: Promise<void>;
      if (random() < writeShare) {
        const rev = ++revs[k]!;
        op = runtime.put({ titleId, name: `Title ${k}`, rev, updatedAt: new Date() }).then(() => {
          phase.writes++;
          acked[k] = Math.max(acked[k]!, rev);
        });
      } else {
        const floor = acked[k]!;
        op = runtime.get({ titleId }).then((read) => {
          phase.reads++;
          if (read.source === "l1" || read.source === "l2") phase.hits++;
          if (((read.item?.rev as number | undefined) ?? -1) < floor) phase.stale++;
        });
      }
      pending.add(op);
      void op.finally(() => pending.delete(op));
    }
    const next = start + (tick + 1) * TICK_MS;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.all(pending);
  return phase;
}

interface TierResult {
  hitRatioWithWrites: number;
  hitRatioWithoutWrites: number;
  ratio: number;
  readsPerSecond: number;
  writesPerSecond: number;
  refills: number;
  storeReads: number;
}

async function measureTier(name: string, driver: CacheDriver): Promise<TierResult> {
  const withWrites: number[] = [];
  const withoutWrites: number[] = [];
  const ratios: number[] = [];
  let reads = 0;
  let writes = 0;
  let refills = 0;
  let storeReads = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const pair: Record<string, number> = {};
    const order = round % 2 === 0 ? [true, false] : [false, true];
    for (const writing of order) {
      const store = new CacheTestStore();
      const revs = Array.from({ length: KEYS }, () => 0);
      const acked = Array.from({ length: KEYS }, () => 0);
      for (let k = 0; k < KEYS; k++) store.seed({ titleId: `t${k}`, name: `Title ${k}`, rev: 0, updatedAt: new Date() }, ["titleId"]);
      const cache = createCacheAside({ driver, prefix: `wh${name}${round}${writing ? "w" : "r"}${Date.now().toString(36)}`, closeDriver: false });
      const runtime = new PolyxenaRuntime({ stores: { dynamodb: store }, cache }, [Title]).entity(Title);
      await drive(runtime, writing, WARMUP_MS, 7 + round, revs, acked);
      const readsBefore = store.reads;
      const statsBefore = cache.stats();
      const phase = await drive(runtime, writing, ROUND_MS, 1000 + round, revs, acked);
      if (phase.stale > 0) throw new Error(`${phase.stale} reads returned a value older than the write acknowledged before they began`);
      pair[writing ? "w" : "r"] = phase.hits / phase.reads;
      if (writing) {
        reads += phase.reads;
        writes += phase.writes;
        refills += cache.stats().refills - statsBefore.refills;
        storeReads += store.reads - readsBefore;
      }
      await cache.close();
    }
    withWrites.push(pair.w!);
    withoutWrites.push(pair.r!);
    ratios.push(pair.w! / pair.r!);
  }
  const round3 = (x: number) => Math.round(x * 1000) / 1000;
  const seconds = (ROUNDS * ROUND_MS) / 1000;
  return {
    hitRatioWithWrites: round3(median(withWrites)),
    hitRatioWithoutWrites: round3(median(withoutWrites)),
    ratio: round3(median(ratios)),
    readsPerSecond: Math.round(reads / seconds),
    writesPerSecond: Math.round(writes / seconds),
    refills,
    storeReads,
  };
}

/** The memory driver without `gets`/`cas`: the protocol falls back to blocking fills for the tombstone's lifetime (the behaviour before refills). */
function withoutVersions(inner: MemoryCacheDriver): CacheDriver {
  return {
    name: "memory-without-cas",
    maxValueBytes: inner.maxValueBytes,
    get: (key) => inner.get(key),
    add: (key, value, ttl) => inner.add(key, value, ttl),
    set: (key, value, ttl) => inner.set(key, value, ttl),
    delete: (key) => inner.delete(key),
  };
}

async function main(): Promise<void> {
  const memory = await measureTier("mem", new MemoryCacheDriver());
  const blocking = await measureTier("blk", withoutVersions(new MemoryCacheDriver()));
  const cluster = await startMemcached({ count: 1 });
  const driver = createMemcachedDriver({ zones: [{ name: "a", servers: cluster.addresses }], timeoutMs: 1000 });
  let memcached: TierResult;
  try {
    memcached = await measureTier("mc", driver);
  } finally {
    await driver.close();
    await cluster.stop();
  }
  printResult({
    bench: "cache-write-heavy",
    ratio: memcached.ratio,
    goal: 0.85,
    hitRatioWithWrites: memcached.hitRatioWithWrites,
    hitRatioWithoutWrites: memcached.hitRatioWithoutWrites,
    readsPerSecond: memcached.readsPerSecond,
    writesPerSecond: memcached.writesPerSecond,
    refills: memcached.refills,
    storeReads: memcached.storeReads,
    memory,
    tombstoneBlocksFills: { hitRatioWithWrites: blocking.hitRatioWithWrites, hitRatioWithoutWrites: blocking.hitRatioWithoutWrites, ratio: blocking.ratio },
    keys: KEYS,
    tickMs: TICK_MS,
    baseline: "the same reads without writes",
  });
}

await main();
