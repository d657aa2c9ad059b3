/**
 * Cache reads: Polyxena's cache-aside (`Repository.get`) against BentoCache
 * (`getOrSet`) and cache-manager (`wrap`), each used as its documentation
 * recommends, on the same items, with memcached (one server, started like
 * bench/cache-l2-hit.ts does) as the shared tier:
 *
 * - L1 hit: an in-process tier in front of memcached, every read a hit, 1 in flight;
 * - L2 hit: memcached only, every read a hit, at 1 and 16 in flight, with the
 *   raw baseline `memjs+zod` (memjs get + JSON.parse + the date revived + the
 *   entity's zod parse, as bench/cache-l2-hit.ts);
 * - cold stampede: 1,000 concurrent gets of one key in neither tier, with a
 *   load that takes 20 ms; rounds over fresh keys; the line reports reads
 *   per second of the whole burst and the store loads per round.
 *
 * Neither peer validates what it reads back: BentoCache and cache-manager
 * return `JSON.parse` output (the date as a string). Polyxena parses every
 * L2 hit with the entity's zod schema; the `+zod` contenders add that same
 * parse (and the date revival) to each peer. BentoCache has no memcached
 * driver: it reaches memcached through a custom L2 driver over memjs, written
 * to its documented driver contract. cache-manager uses Keyv stores, as its
 * README sets up two tiers: `CacheableMemory` in process and `@keyv/memcache`
 * (memjs) for memcached. Both peers' in-process tiers hold serialized entries
 * (BentoCache's memory driver serializes by default; Keyv serializes for any
 * store but a Map), so each of their L1 hits is a `JSON.parse`; Polyxena's L1
 * holds the parsed item.
 *
 *   pnpm bench peers cache
 *
 * Ends with one JSON line: `{ bench: "peers-cache", lines: PeerLine[] }`.
 */
import memjs from "memjs";
import { z } from "zod";
import { BentoCache, bentostore } from "bentocache";
import { memoryDriver } from "bentocache/drivers/memory";
import type { CreateDriverResult, L2CacheDriver } from "bentocache/types";
import { createCache, type Cache } from "cache-manager";
import { Keyv } from "keyv";
import { CacheableMemory } from "cacheable";
import KeyvMemcache from "@keyv/memcache";
import { createCacheAside, defineEntity, PolyxenaRuntime, Repository, type CacheAside } from "@polyxena/core";
import { createMemcachedDriver } from "@polyxena/adapters/memcached";
import { CacheTestStore, startMemcached } from "@polyxena/testkit";
import { compare, median, printResult, type CompareResult, type Contender } from "../harness.js";
import { peerLine, type PeerLine } from "./peer-lines.js";

const profileSchema = z.object({
  profileId: z.uuid(),
  name: z.string(),
  email: z.string(),
  country: z.string(),
  maturity: z.enum(["kids", "teen", "adult"]),
  createdAt: z.date(),
  plan: z.string(),
  autoplay: z.boolean(),
});
type ProfileItem = z.output<typeof profileSchema>;

const ITEMS = 1000;
const TTL_SECONDS = 600;
const LOAD_MS = 20;
const STAMPEDE_READS = 1000;
const STAMPEDE_ROUNDS = 9;

/** What a `+zod` contender does to a peer's answer: revive the date, parse with the entity's schema. */
function decode(value: unknown): ProfileItem {
  const json = { ...(value as Record<string, unknown>) };
  json.createdAt = new Date(json.createdAt as string);
  return profileSchema.parse(json);
}

/**
 * A BentoCache L2 driver over memjs, to BentoCache's driver contract
 * (`bentocache/types` L2CacheDriver): BentoCache ships no memcached driver.
 */
class MemjsBentoDriver implements L2CacheDriver {
  readonly type = "l2" as const;
  constructor(
    private readonly client: memjs.Client,
    private readonly prefix = "",
  ) {}
  namespace(namespace: string): MemjsBentoDriver {
    return new MemjsBentoDriver(this.client, `${this.prefix}${namespace}:`);
  }
  async get(key: string): Promise<string | undefined> {
    const { value } = await this.client.get(this.prefix + key);
    return value ? value.toString() : undefined;
  }
  async pull(key: string): Promise<string | undefined> {
    const value = await this.get(key);
    await this.delete(key);
    return value;
  }
  async set(key: string, value: string, ttlMs?: number): Promise<boolean> {
    return this.client.set(this.prefix + key, value, { expires: ttlMs ? Math.ceil(ttlMs / 1000) : 0 });
  }
  async clear(): Promise<void> {
    await this.client.flush();
  }
  async delete(key: string): Promise<boolean> {
    return this.client.delete(this.prefix + key);
  }
  async deleteMany(keys: string[]): Promise<boolean> {
    await Promise.all(keys.map((k) => this.delete(k)));
    return true;
  }
  async disconnect(): Promise<void> {
    this.client.close();
  }
}

function memjsBentoDriver(client: memjs.Client): CreateDriverResult<L2CacheDriver> {
  return { options: {}, factory: () => new MemjsBentoDriver(client) };
}

/** One setup of the three caches over the same items and load counter. */
interface Caches {
  polyxena: Repository<ProfileItem, ProfileItem, { profileId: string }>;
  polyxenaCache: CacheAside;
  bento: BentoCache<{ cache: ReturnType<typeof bentostore> }>;
  manager: Cache;
  close(): Promise<void>;
}

async function main(): Promise<void> {
  const cluster = await startMemcached({ count: 1 });
  const address = cluster.addresses[0]!;
  const items = new Map<string, ProfileItem>();
  const ids: string[] = [];
  for (let i = 0; i < ITEMS; i++) {
    const profileId = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
    ids.push(profileId);
    items.set(profileId, { profileId, name: `Profile ${i}`, email: `user${i}@example.com`, country: "FR", maturity: "adult", createdAt: new Date(1_700_000_000_000 + i), plan: "premium", autoplay: true });
  }
  const id = (i: number) => ids[(i * 7919) % ITEMS]!;
  const memjsClients: memjs.Client[] = [];
  const memjsClient = () => {
    const c = memjs.Client.create(address, { retries: 0, timeout: 1, logger: { log: () => undefined } });
    memjsClients.push(c);
    return c;
  };
  let peerLoads = 0;
  const store = new CacheTestStore({ afterRead: () => (loadDelay ? new Promise((r) => setTimeout(r, loadDelay)) : undefined) });
  let loadDelay = 0;
  for (const item of items.values()) store.seed(item, ["profileId"]);
  const peerLoad = async (profileId: string): Promise<ProfileItem | undefined> => {
    peerLoads++;
    if (loadDelay) await new Promise((r) => setTimeout(r, loadDelay));
    return items.get(profileId);
  };

  /** The three caches, with (`tiered`) or without an in-process tier in front of memcached. */
  const setup = (name: string, tiered: boolean): Caches => {
    const Profile = defineEntity("Profile", {
      store: "dynamodb",
      schema: profileSchema,
      key: { partition: "profileId" },
      cache: tiered ? { ttl: "10m", l1: { ttl: "10m", max: 10_000 } } : { ttl: "10m" },
    });
    const polyxenaCache = createCacheAside({ driver: createMemcachedDriver({ zones: [{ name: "a", servers: [address] }], timeoutMs: 1000 }), prefix: `px-${name}` });
    const runtime = new PolyxenaRuntime({ stores: { dynamodb: store }, cache: polyxenaCache }, [Profile]).entity(Profile);
    const l2 = memjsBentoDriver(memjsClient());
    const bentoStore = tiered ? bentostore().useL1Layer(memoryDriver({ maxItems: 10_000 })).useL2Layer(l2) : bentostore().useL2Layer(l2);
    const bento = new BentoCache({ default: "cache", prefix: `bento-${name}`, ttl: "10m", stores: { cache: bentoStore } });
    const memcacheStore = new Keyv({ store: new KeyvMemcache(address), namespace: `cm-${name}` });
    const manager = createCache({ stores: tiered ? [new Keyv({ store: new CacheableMemory({ ttl: "10m", lruSize: 10_000 }) }), memcacheStore] : [memcacheStore], ttl: TTL_SECONDS * 1000 });
    return {
      polyxena: new Repository<ProfileItem, ProfileItem, { profileId: string }>(runtime),
      polyxenaCache,
      bento,
      manager,
      async close() {
        await polyxenaCache.close();
        await bento.disconnectAll();
        await manager.disconnect();
      },
    };
  };
  const bentoGet = (c: Caches, profileId: string) => c.bento.getOrSet({ key: profileId, factory: () => peerLoad(profileId) });
  const managerGet = (c: Caches, profileId: string) => c.manager.wrap(profileId, () => peerLoad(profileId));
  const contendersOf = (c: Caches, withZod: boolean): Contender[] => [
    { name: "polyxena", run: (i) => c.polyxena.get({ profileId: id(i) }) },
    { name: "bentocache", run: (i) => bentoGet(c, id(i)) },
    { name: "cache-manager", run: (i) => managerGet(c, id(i)) },
    ...(withZod
      ? [
          { name: "bentocache+zod", run: (i: number) => bentoGet(c, id(i)).then(decode) },
          { name: "cache-manager+zod", run: (i: number) => managerGet(c, id(i)).then(decode) },
        ]
      : []),
  ];
  const warm = async (c: Caches) => {
    for (const profileId of ids) await Promise.all([c.polyxena.get({ profileId }), bentoGet(c, profileId), managerGet(c, profileId)]);
  };
  const validationReason = (ratios: Record<string, number>) =>
    `the peers return JSON.parse output unvalidated (the date a string); with Polyxena's zod parse added, Polyxena runs at ${ratios["bentocache+zod"]!.toFixed(2)}x BentoCache and ${ratios["cache-manager+zod"]!.toFixed(2)}x cache-manager`;

  const tiered = setup("tiered", true);
  const l2only = setup("l2", false);
  const lines: PeerLine[] = [];
  try {
    await warm(tiered);
    await warm(l2only);
    // Sanity: every contender answers the item.
    for (const c of [...contendersOf(tiered, true), ...contendersOf(l2only, false)]) {
      const found = (await c.run(3)) as { profileId?: string } | undefined;
      if (found?.profileId !== id(3)) throw new Error(`${c.name} did not answer ${id(3)}: ${JSON.stringify(found)}`);
    }
    const reads = store.reads;
    const loads = peerLoads;

    const l1 = await compare(contendersOf(tiered, true), { concurrency: 1, opsPerRound: 100_000, rounds: 7, warmupOps: 100_000 });
    lines.push(peerLine("Cache L1 hit (in process), 1 in flight", l1, { bentocache: "peer", "cache-manager": "peer", "bentocache+zod": "explanation", "cache-manager+zod": "explanation" }, validationReason));
    if (tiered.polyxenaCache.stats().l2Hits !== 0) throw new Error("an L1 read reached memcached");

    const rawClient = memjsClient();
    for (const [profileId, item] of items) await rawClient.set(`raw:${profileId}`, JSON.stringify(item), { expires: TTL_SECONDS });
    const l2Contenders: Contender[] = [
      ...contendersOf(l2only, true),
      { name: "memjs+zod", run: async (i) => decode(JSON.parse((await rawClient.get(`raw:${id(i)}`)).value!.toString())) },
    ];
    const l2Roles = { bentocache: "peer", "cache-manager": "peer", "memjs+zod": "baseline", "bentocache+zod": "explanation", "cache-manager+zod": "explanation" } as const;
    const l2c1 = await compare(l2Contenders, { concurrency: 1, opsPerRound: 3000, rounds: 7, warmupOps: 2000 });
    lines.push(peerLine("Cache L2 hit (memcached), 1 in flight", l2c1, l2Roles, validationReason));
    const l2c16 = await compare(l2Contenders, { concurrency: 16, opsPerRound: 8000, rounds: 7, warmupOps: 4000 });
    lines.push(peerLine("Cache L2 hit (memcached), 16 in flight", l2c16, l2Roles, validationReason));
    if (store.reads !== reads || peerLoads !== loads) throw new Error(`a hit read went to the store: ${store.reads - reads} Polyxena, ${peerLoads - loads} peer loads`);

    lines.push(await stampede(tiered));
  } finally {
    await tiered.close();
    await l2only.close();
    for (const c of memjsClients) c.close();
    await cluster.stop();
  }
  printResult({ bench: "peers-cache", lines });

  /** Cold stampede: rounds over fresh keys, contenders in rotating order; reads per second of the burst, loads per round. */
  async function stampede(c: Caches): Promise<PeerLine> {
    loadDelay = LOAD_MS;
    const names = ["polyxena", "bentocache", "cache-manager"] as const;
    const burst: Record<(typeof names)[number], (profileId: string) => Promise<unknown>> = {
      polyxena: (profileId) => c.polyxena.get({ profileId }),
      bentocache: (profileId) => bentoGet(c, profileId),
      "cache-manager": (profileId) => managerGet(c, profileId),
    };
    const loadCount = { polyxena: () => store.reads, bentocache: () => peerLoads, "cache-manager": () => peerLoads };
    const rounds: CompareResult["rounds"] = { polyxena: [], bentocache: [], "cache-manager": [] };
    const loadsPerRound: Record<string, number[]> = { polyxena: [], bentocache: [], "cache-manager": [] };
    for (let round = 0; round < STAMPEDE_ROUNDS; round++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(round + k) % names.length]!;
        // A fresh key per contender and round, held by the store but cached nowhere.
        const profileId = `00000000-0000-4000-9000-${String(round * 10 + k).padStart(12, "0")}`;
        const item = { ...items.get(ids[round]!)!, profileId };
        items.set(profileId, item);
        store.seed(item, ["profileId"]);
        const before = loadCount[name]();
        const cpu = process.cpuUsage();
        const t = performance.now();
        const answers = await Promise.all(Array.from({ length: STAMPEDE_READS }, () => burst[name](profileId)));
        const ms = performance.now() - t;
        const used = process.cpuUsage(cpu);
        if (!answers.every((a) => (a as { profileId?: string } | undefined)?.profileId === profileId)) throw new Error(`${name}: a stampede read returned the wrong item`);
        loadsPerRound[name]!.push(loadCount[name]() - before);
        rounds[name]!.push({ opsPerSec: (STAMPEDE_READS / ms) * 1000, cpuMicrosPerOp: (used.user + used.system) / STAMPEDE_READS });
      }
    }
    loadDelay = 0;
    const result: CompareResult = {
      concurrency: STAMPEDE_READS,
      opsPerSec: Object.fromEntries(names.map((n) => [n, Math.round(median(rounds[n]!.map((r) => r.opsPerSec)))])),
      cpuMicrosPerOp: Object.fromEntries(names.map((n) => [n, Number(median(rounds[n]!.map((r) => r.cpuMicrosPerOp)).toFixed(2))])),
      rounds,
    };
    const storeLoadsPerRound = Object.fromEntries(names.map((n) => [n, Math.max(...loadsPerRound[n]!)]));
    console.error(`stampede store loads per round: ${JSON.stringify(loadsPerRound)}`);
    const medianMs = Object.fromEntries(names.map((n) => [n, Math.round((STAMPEDE_READS / result.opsPerSec[n]!) * 1000 * 10) / 10]));
    const reason = () => {
      const fastest = names.filter((n) => n !== "polyxena").reduce((a, b) => (medianMs[a]! <= medianMs[b]! ? a : b));
      return `the burst waits for the ${LOAD_MS} ms load: ${medianMs.polyxena} ms for all ${STAMPEDE_READS} reads against ${fastest}'s ${medianMs[fastest]} ms, with ${storeLoadsPerRound.polyxena} store load per round against ${storeLoadsPerRound[fastest]}`;
    };
    const line = peerLine(`Cache cold stampede (${STAMPEDE_READS} concurrent gets of a missing key, ${LOAD_MS} ms load)`, result, { bentocache: "peer", "cache-manager": "peer" }, reason);
    return { ...line, storeLoadsPerRound };
  }
}

await main();
