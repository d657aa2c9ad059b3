/**
 * Cold-key stampede on real memcached: 1,000 concurrent reads of a key that
 * is in neither L1 nor L2, with a store read that takes 20 ms. Repeated over
 * fresh keys; every round must cost exactly one store read.
 *
 *   npx tsx bench/cache-cold-stampede.ts
 *
 * Ends with one JSON line: store reads per round (must be 1), and the median
 * time for all 1,000 reads to complete.
 */
import { z } from "zod";
import { createCacheAside, defineEntity, PolyxenaRuntime } from "@polyxena/core";
import { createMemcachedDriver } from "@polyxena/adapters/memcached";
import { CacheTestStore, startMemcached } from "@polyxena/testkit";
import { median, printResult } from "./harness.js";

const Title = defineEntity("Title", {
  store: "dynamodb",
  schema: z.object({ titleId: z.string(), name: z.string(), year: z.number().int() }),
  key: { partition: "titleId" },
  cache: { ttl: "10m", l1: { ttl: "1m", max: 10_000 } },
});

const READS = 1000;
const ROUNDS = 20;

async function main(): Promise<void> {
  const cluster = await startMemcached({ count: 2 });
  const driver = createMemcachedDriver({ zones: [{ name: "a", servers: cluster.addresses }], timeoutMs: 500 });
  const store = new CacheTestStore({ afterRead: () => new Promise((r) => setTimeout(r, 20)) });
  const cache = createCacheAside({ driver, prefix: `stampede${Date.now().toString(36)}` });
  const titles = new PolyxenaRuntime({ stores: { dynamodb: store }, cache }, [Title]).entity(Title);
  try {
    const storeReads: number[] = [];
    const millis: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const titleId = `title-${round}`;
      store.seed({ titleId, name: `Title ${round}`, year: 2000 + round }, ["titleId"]);
      const before = store.reads;
      const t = performance.now();
      const reads = await Promise.all(Array.from({ length: READS }, () => titles.get({ titleId })));
      millis.push(performance.now() - t);
      if (!reads.every((r) => r.item?.name === `Title ${round}`)) throw new Error("a read returned the wrong item");
      storeReads.push(store.reads - before);
    }
    const exact = storeReads.every((n) => n === 1);
    console.error(`store reads per round: ${storeReads.join(",")}`);
    printResult({
      bench: "cache-cold-stampede",
      concurrentReads: READS,
      rounds: ROUNDS,
      storeReadsPerRound: Math.max(...storeReads),
      exactlyOne: exact,
      medianMs: Math.round(median(millis) * 10) / 10,
      loaderMs: 20,
    });
    if (!exact) process.exitCode = 1;
  } finally {
    await cache.close();
    await cluster.stop();
  }
}

await main();
