/**
 * L2 hit through the repository runtime (memcached, no L1) against raw memjs
 * `get` + `JSON.parse` of the same item, at 1 and 16 requests in flight,
 * interleaved rounds, medians. The runtime's extra work per hit: key
 * building, envelope check, single-flight, reviving dates and parsing with
 * the entity's zod schema.
 *
 *   npx tsx bench/cache-l2-hit.ts
 *
 * Ends with one JSON line; `ratio` is the runtime's throughput divided by
 * raw memjs at 16 in flight (goal >= 0.85), `ratioC1` at 1 in flight.
 */
import memjs from "memjs";
import { z } from "zod";
import { createCacheAside, defineEntity, PolyxenaRuntime } from "@polyxena/core";
import { createMemcachedDriver } from "@polyxena/adapters/memcached";
import { CacheTestStore } from "../packages/testkit/src/cache-test-store.js";
import { startMemcached } from "../packages/testkit/src/memcached-server.js";
import { compare, printResult, type CompareResult } from "./harness.js";

const Profile = defineEntity("Profile", {
  store: "dynamodb",
  schema: z.object({
    profileId: z.uuid(),
    name: z.string(),
    email: z.string(),
    country: z.string(),
    maturity: z.enum(["kids", "teen", "adult"]),
    createdAt: z.date(),
    plan: z.string(),
    autoplay: z.boolean(),
  }),
  key: { partition: "profileId" },
  cache: { ttl: "10m" },
});

const ITEMS = 1000;

async function main(): Promise<void> {
  const cluster = await startMemcached({ count: 1 });
  const driver = createMemcachedDriver({ zones: [{ name: "a", servers: cluster.addresses }], timeoutMs: 1000 });
  const raw = memjs.Client.create(cluster.addresses[0], { retries: 0, timeout: 1, logger: { log: () => undefined } });
  const store = new CacheTestStore();
  const cache = createCacheAside({ driver, prefix: "bench" });
  const repo = new PolyxenaRuntime({ stores: { dynamodb: store }, cache }, [Profile]).entity(Profile);
  try {
    const ids: string[] = [];
    for (let i = 0; i < ITEMS; i++) {
      const profileId = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
      const item = { profileId, name: `Profile ${i}`, email: `user${i}@example.com`, country: "FR", maturity: "adult", createdAt: new Date(1_700_000_000_000 + i), plan: "premium", autoplay: true };
      ids.push(profileId);
      store.seed(item, ["profileId"]);
      await repo.get({ profileId });
      await raw.set(`raw:${profileId}`, JSON.stringify(item), { expires: 600 });
    }
    const id = (i: number) => ids[i % ITEMS]!;
    const check = await repo.get({ profileId: id(0) });
    if (check.source !== "l2" || !(check.item?.createdAt instanceof Date)) throw new Error(`expected an L2 hit with a Date, got ${check.source}`);
    const storeReads = store.reads;
    const contenders = [
      { name: "polyxena", run: (i: number) => repo.get({ profileId: id(i) }) },
      { name: "memjs", run: async (i: number) => JSON.parse((await raw.get(`raw:${id(i)}`)).value!.toString()) as unknown },
    ];
    const c1 = await compare(contenders, { concurrency: 1, opsPerRound: 3000, rounds: 7, warmupOps: 2000 });
    const c16 = await compare(contenders, { concurrency: 16, opsPerRound: 10000, rounds: 7, warmupOps: 4000 });
    if (store.reads !== storeReads) throw new Error("a measured read missed L2");
    const summary = (r: CompareResult) => ({ opsPerSec: r.opsPerSec, cpuMicrosPerOp: r.cpuMicrosPerOp, ratio: round(r.opsPerSec.polyxena! / r.opsPerSec.memjs!) });
    const s1 = summary(c1);
    const s16 = summary(c16);
    console.error(`c1  ${JSON.stringify(s1)}`);
    console.error(`c16 ${JSON.stringify(s16)}`);
    printResult({ bench: "cache-l2-hit", ratio: s16.ratio, ratioC1: s1.ratio, c: 16, opsPerSec: s16.opsPerSec.polyxena, baseline: "memjs get + JSON.parse", c1: s1, c16: s16 });
  } finally {
    raw.close();
    await cache.close();
    await cluster.stop();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

await main();
