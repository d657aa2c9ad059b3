/**
 * L2 hit through a repository (`Repository.get`, memcached in its own
 * process, no L1) against raw memjs `get` of the same item, at 1 and 16
 * requests in flight, interleaved rounds, medians. Two baselines:
 *
 * - `memjs+zod`: `get` + `JSON.parse` + the date revived + the entity's zod
 *   `schema.parse` — the same decode the SDK does (the fair comparison);
 * - `memjs`: `get` + `JSON.parse` only (no validation at all).
 *
 * The SDK's extra work per hit: key building, the cache policy (timeout and
 * breaker), single-flight, envelope check.
 *
 *   pnpm bench cache-l2-hit
 *
 * Ends with one JSON line; `ratio` is the repository's throughput divided by
 * `memjs+zod` at 16 in flight and `ratioC1` at 1 in flight (goal >= 1.0 at
 * both), each the median of the per-round ratios;
 * `ratioJsonOnly` / `ratioJsonOnlyC1` against `memjs`.
 */
import memjs from "memjs";
import { z } from "zod";
import { createCacheAside, defineEntity, PolyxenaRuntime, Repository } from "@polyxena/core";
import { createMemcachedDriver } from "@polyxena/adapters/memcached";
import { CacheTestStore, startMemcached } from "@polyxena/testkit";
import { compare, printResult, versusBaseline, type CompareResult } from "./harness.js";

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

type ProfileItem = z.output<typeof Profile.schema>;

const ITEMS = 1000;

/** The fair baseline: the same decode as the SDK's (JSON, the date revived, the entity's zod schema). */
async function rawDecoded(raw: memjs.Client, profileId: string): Promise<ProfileItem> {
  const json = JSON.parse((await raw.get(`raw:${profileId}`)).value!.toString()) as Record<string, unknown>;
  json.createdAt = new Date(json.createdAt as string);
  return Profile.schema.parse(json);
}

async function main(): Promise<void> {
  const cluster = await startMemcached({ count: 1 });
  const driver = createMemcachedDriver({ zones: [{ name: "a", servers: cluster.addresses }], timeoutMs: 1000 });
  const raw = memjs.Client.create(cluster.addresses[0], { retries: 0, timeout: 1, logger: { log: () => undefined } });
  const store = new CacheTestStore();
  const cache = createCacheAside({ driver, prefix: "bench" });
  const runtime = new PolyxenaRuntime({ stores: { dynamodb: store }, cache }, [Profile]).entity(Profile);
  const repo = new Repository<ProfileItem, ProfileItem, { profileId: string }>(runtime);
  try {
    const ids: string[] = [];
    for (let i = 0; i < ITEMS; i++) {
      const profileId = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
      const item = { profileId, name: `Profile ${i}`, email: `user${i}@example.com`, country: "FR", maturity: "adult", createdAt: new Date(1_700_000_000_000 + i), plan: "premium", autoplay: true };
      ids.push(profileId);
      store.seed(item, ["profileId"]);
      await runtime.get({ profileId });
      await raw.set(`raw:${profileId}`, JSON.stringify(item), { expires: 600 });
    }
    const id = (i: number) => ids[i % ITEMS]!;
    const check = await repo.getWithMetadata({ profileId: id(0) });
    if (check.source !== "l2" || !(check.item?.createdAt instanceof Date)) throw new Error(`expected an L2 hit with a Date, got ${check.source}`);
    const decoded = await rawDecoded(raw, id(0));
    if (!(decoded.createdAt instanceof Date) || decoded.profileId !== id(0)) throw new Error("the zod baseline did not decode the item");
    const storeReads = store.reads;
    const contenders = [
      { name: "polyxena", run: (i: number) => repo.get({ profileId: id(i) }) },
      { name: "memjs+zod", run: (i: number) => rawDecoded(raw, id(i)) },
      { name: "memjs", run: async (i: number) => JSON.parse((await raw.get(`raw:${id(i)}`)).value!.toString()) as unknown },
    ];
    const c1 = await compare(contenders, { concurrency: 1, opsPerRound: 3000, rounds: 11, warmupOps: 2000 });
    const c16 = await compare(contenders, { concurrency: 16, opsPerRound: 10000, rounds: 11, warmupOps: 4000 });
    if (store.reads !== storeReads) throw new Error("a measured read missed L2");
    // Ratios are medians of per-round ratios: the rounds of one index ran back to back, so drift of a shared machine cancels out.
    const summary = (r: CompareResult) => ({
      opsPerSec: r.opsPerSec,
      cpuMicrosPerOp: r.cpuMicrosPerOp,
      ratio: versusBaseline(r, "polyxena", "memjs+zod").ratio,
      ratioJsonOnly: versusBaseline(r, "polyxena", "memjs").ratio,
    });
    const s1 = summary(c1);
    const s16 = summary(c16);
    console.error(`c1  ${JSON.stringify(s1)}`);
    console.error(`c16 ${JSON.stringify(s16)}`);
    printResult({
      bench: "cache-l2-hit",
      ratio: s16.ratio,
      ratioC1: s1.ratio,
      ratioJsonOnly: s16.ratioJsonOnly,
      ratioJsonOnlyC1: s1.ratioJsonOnly,
      c: 16,
      opsPerSec: s16.opsPerSec.polyxena,
      baseline: "memjs get + JSON.parse + zod schema.parse (ratioJsonOnly: memjs get + JSON.parse)",
      c1: s1,
      c16: s16,
    });
  } finally {
    raw.close();
    await cache.close();
    await cluster.stop();
  }
}

await main();
