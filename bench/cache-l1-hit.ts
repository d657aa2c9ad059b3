/**
 * L1 hits on one core: gets of keys held in process memory, one at a time
 * (each awaited), through a repository (`Repository.get`), against
 * cache-manager's in-memory store in the same run. No I/O: Polyxena's L2 tier
 * is an in-memory driver that is never reached after the warm-up.
 *
 *   pnpm bench cache-l1-hit
 *
 * Contenders run in interleaved rounds (harness `compare`, 1 in flight):
 * - `polyxena`: `Repository.get({ profileId })`, the goal line;
 * - `polyxena-get-with-metadata`: the runtime's `get` (source, staleness, key
 *   validated first);
 * - `cache-manager-memory-store`: `get(profileId)` on cacheable's
 *   `CacheableMemory` (LRU of 10,000, 10 min TTL, as Polyxena's L1 here), the
 *   in-memory store cache-manager's documentation recommends, called directly
 *   and without cloning values on get (`useClone: false`, its fastest setting);
 * - `cache-manager`: `cache.get(profileId)` on cache-manager 7 over that
 *   store (through Keyv);
 * - `cache-manager-wrap`: `cache.wrap(profileId, load)`, its read-through,
 *   which is what `Repository.get` is.
 * cache-manager returns what it holds without validating it; Polyxena's L1
 * holds values that were validated when they were loaded.
 *
 * Ends with one JSON line: `opsPerSec` is repository gets per second of wall
 * time (median of rounds; goal >= 2,500,000 on one core), `opsPerCpuSecond`
 * the same per second of this process's CPU time (what one core does when the
 * machine is shared), `ratio` / `ratioPerCpuSecond` against the goal, and
 * `versusMemoryStore` (and `versusCacheManager`, `versusCacheManagerWrap`) the
 * median per-round-pair ratio against that contender, by wall time and by
 * CPU time. Every Polyxena read is checked to be an L1 hit.
 */
import { z } from "zod";
import { createCache } from "cache-manager";
import { Keyv } from "keyv";
import { CacheableMemory } from "cacheable";
import { createCacheAside, defineEntity, PolyxenaRuntime, Repository } from "@polyxena/core";
import { MemoryCacheDriver } from "@polyxena/memory";
import { CacheTestStore } from "@polyxena/testkit";
import { compare, median, printResult, type CompareResult } from "./harness.js";

const Profile = defineEntity("Profile", {
  store: "dynamodb",
  schema: z.object({ profileId: z.uuid(), name: z.string(), country: z.string(), createdAt: z.date() }),
  key: { partition: "profileId" },
  cache: { ttl: "10m", l1: { ttl: "10m", max: 10_000 } },
});
type ProfileItem = z.output<typeof Profile.schema>;

const KEYS = 1000;
const OPS = 300_000;
const ROUNDS = 7;
const GOAL = 2_500_000;

/** Median over rounds of operations per second of CPU time. */
function perCpuSecond(result: CompareResult, name: string): number {
  return median(result.rounds[name]!.map((r) => 1e6 / r.cpuMicrosPerOp));
}

/** Median over round pairs of `a`'s throughput over `b`'s. */
function pairRatio(result: CompareResult, a: string, b: string, perCpu: boolean): number {
  const theirs = result.rounds[b]!;
  return median(result.rounds[a]!.map((r, i) => (perCpu ? theirs[i]!.cpuMicrosPerOp / r.cpuMicrosPerOp : r.opsPerSec / theirs[i]!.opsPerSec)));
}

async function main(): Promise<void> {
  const store = new CacheTestStore();
  const cache = createCacheAside({ driver: new MemoryCacheDriver(), prefix: "bench" });
  const runtime = new PolyxenaRuntime({ stores: { dynamodb: store }, cache }, [Profile]).entity(Profile);
  const repo = new Repository<ProfileItem, z.input<typeof Profile.schema>, { profileId: string }>(runtime);
  const keys = Array.from({ length: KEYS }, (_, i) => ({ profileId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}` }));
  const items = new Map<string, ProfileItem>();
  // Without cloning on get (its default), its fastest configuration.
  const memoryStore = new CacheableMemory({ ttl: "10m", lruSize: 10_000, useClone: false });
  const manager = createCache({ stores: [new Keyv({ store: new CacheableMemory({ ttl: "10m", lruSize: 10_000 }) })], ttl: 600_000 });
  for (const [i, key] of keys.entries()) {
    const item = { ...key, name: `P${i}`, country: "FR", createdAt: new Date() };
    items.set(key.profileId, item);
    store.seed(item, ["profileId"]);
    await runtime.get(key);
    await manager.set(key.profileId, item);
    memoryStore.set(key.profileId, item);
  }
  const load = async (profileId: string) => items.get(profileId);
  const ids = keys.map((k) => k.profileId);
  for (const id of ids.slice(0, 3)) {
    const answers = [await repo.get({ profileId: id }), await manager.get<ProfileItem>(id), memoryStore.get<ProfileItem>(id)];
    if (answers.some((a) => a?.profileId !== id)) throw new Error(`a contender did not answer ${id}: ${JSON.stringify(answers)}`);
  }
  const l1HitsBefore = cache.stats().l1Hits;
  const result = await compare(
    [
      { name: "polyxena", run: (i) => repo.get(keys[i % KEYS]!) },
      { name: "polyxena-get-with-metadata", run: (i) => runtime.get(keys[i % KEYS]!) },
      { name: "cache-manager-memory-store", run: (i) => Promise.resolve(memoryStore.get(ids[i % KEYS]!)) },
      { name: "cache-manager", run: (i) => manager.get(ids[i % KEYS]!) },
      { name: "cache-manager-wrap", run: (i) => manager.wrap(ids[i % KEYS]!, () => load(ids[i % KEYS]!)) },
    ],
    { concurrency: 1, opsPerRound: OPS, rounds: ROUNDS, warmupOps: OPS },
  );
  const stats = cache.stats();
  const polyxenaReads = (ROUNDS + 1) * OPS * 2;
  if (stats.loads !== KEYS || stats.l1Hits - l1HitsBefore !== polyxenaReads) throw new Error(`expected only L1 hits: ${JSON.stringify(stats)}`);
  const perCpu = Object.fromEntries(Object.keys(result.opsPerSec).map((name) => [name, Math.round(perCpuSecond(result, name))]));
  const round2 = (x: number) => Math.round(x * 100) / 100;
  console.error(`wall ops/s (median of ${ROUNDS} rounds): ${JSON.stringify(result.opsPerSec)}`);
  console.error(`ops per CPU-second (median of ${ROUNDS} rounds): ${JSON.stringify(perCpu)}`);
  printResult({
    bench: "cache-l1-hit",
    opsPerSec: result.opsPerSec.polyxena,
    opsPerCpuSecond: perCpu.polyxena,
    goal: GOAL,
    ratio: round2(result.opsPerSec.polyxena! / GOAL),
    ratioPerCpuSecond: round2(perCpu.polyxena! / GOAL),
    versusMemoryStore: { wall: round2(pairRatio(result, "polyxena", "cache-manager-memory-store", false)), cpu: round2(pairRatio(result, "polyxena", "cache-manager-memory-store", true)) },
    versusCacheManager: { wall: round2(pairRatio(result, "polyxena", "cache-manager", false)), cpu: round2(pairRatio(result, "polyxena", "cache-manager", true)) },
    versusCacheManagerWrap: { wall: round2(pairRatio(result, "polyxena", "cache-manager-wrap", false)), cpu: round2(pairRatio(result, "polyxena", "cache-manager-wrap", true)) },
    wallOpsPerSec: result.opsPerSec,
    opsPerCpuSecondByContender: perCpu,
    baseline: "2,500,000 gets/s on one core; cache-manager's memory store (CacheableMemory) and cache-manager 7 in the same run",
  });
  await manager.disconnect();
}

await main();
