/**
 * L1 hits on one core: gets of keys held in process memory, one at a time
 * (each awaited), through a repository (`Repository.get`), through the
 * runtime's `get` with metadata, and through the entity cache alone. No I/O:
 * the L2 tier is an in-memory driver that is never reached after the warm-up.
 *
 *   pnpm bench cache-l1-hit
 *
 * Ends with one JSON line; `opsPerSec` is repository gets per second of
 * wall time (goal >= 2,500,000 on one core), `opsPerCpuSecond` the same per
 * second of this process's CPU time (what one core does when the machine is
 * shared), `runtimeGetOpsPerSec` the runtime's `get` (with source and
 * staleness), `entityCacheOpsPerSec` the cache layer alone. Every round is
 * checked to be L1 hits only.
 */
import { z } from "zod";
import { createCacheAside, defineEntity, PolyxenaRuntime, Repository } from "@polyxena/core";
import { MemoryCacheDriver } from "@polyxena/memory";
import { CacheTestStore } from "@polyxena/testkit";
import { median, printResult } from "./harness.js";

const Profile = defineEntity("Profile", {
  store: "dynamodb",
  schema: z.object({ profileId: z.uuid(), name: z.string(), country: z.string(), createdAt: z.date() }),
  key: { partition: "profileId" },
  cache: { ttl: "10m", l1: { ttl: "10m", max: 10_000 } },
});

const KEYS = 1000;
const OPS = 500_000;
const ROUNDS = 7;

async function main(): Promise<void> {
  const store = new CacheTestStore();
  const cache = createCacheAside({ driver: new MemoryCacheDriver(), prefix: "bench" });
  const runtime = new PolyxenaRuntime({ stores: { dynamodb: store }, cache }, [Profile]).entity(Profile);
  const repo = new Repository<z.output<typeof Profile.schema>, z.input<typeof Profile.schema>, { profileId: string }>(runtime);
  const entityCache = cache.forEntity(Profile)!;
  const keys = Array.from({ length: KEYS }, (_, i) => ({ profileId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}` }));
  for (const [i, key] of keys.entries()) {
    store.seed({ ...key, name: `P${i}`, country: "FR", createdAt: new Date() }, ["profileId"]);
    await runtime.get(key);
  }
  const noLoad = async () => undefined;
  const repoRate: number[] = [];
  const repoCpuRate: number[] = [];
  const runtimeRate: number[] = [];
  const cacheRate: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let t = performance.now();
    const cpu = process.cpuUsage();
    for (let i = 0; i < OPS; i++) await repo.get(keys[i % KEYS]!);
    repoRate.push(OPS / ((performance.now() - t) / 1000));
    const used = process.cpuUsage(cpu);
    repoCpuRate.push(OPS / ((used.user + used.system) / 1e6));
    t = performance.now();
    for (let i = 0; i < OPS; i++) await runtime.get(keys[i % KEYS]!);
    runtimeRate.push(OPS / ((performance.now() - t) / 1000));
    t = performance.now();
    for (let i = 0; i < OPS; i++) await entityCache.get(keys[i % KEYS]!, noLoad);
    cacheRate.push(OPS / ((performance.now() - t) / 1000));
  }
  const stats = cache.stats();
  if (stats.loads !== KEYS || stats.l1Hits !== ROUNDS * OPS * 3) throw new Error(`expected only L1 hits: ${JSON.stringify(stats)}`);
  printResult({
    bench: "cache-l1-hit",
    opsPerSec: Math.round(median(repoRate)),
    opsPerCpuSecond: Math.round(median(repoCpuRate)),
    runtimeGetOpsPerSec: Math.round(median(runtimeRate)),
    entityCacheOpsPerSec: Math.round(median(cacheRate)),
    goal: 2_500_000,
    ratio: Math.round((median(repoRate) / 2_500_000) * 100) / 100,
    ratioPerCpuSecond: Math.round((median(repoCpuRate) / 2_500_000) * 100) / 100,
    baseline: "2,500,000 gets/s on one core",
  });
}

await main();
