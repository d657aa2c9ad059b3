import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  changeKeyString,
  createInProcessSink,
  createOutboxRelay,
  createProjectionApplier,
  defineEntity,
  isPolyxenaError,
  PolyxenaRuntime,
  rebuildProjection,
  type ChangeEvent,
  type OutboxPort,
  type StoreAdapter,
} from "@polyxena/core";
import { createCassandraAdapter } from "@polyxena/adapters/cassandra";
import { createMemoryCassandraAdapter, createMemoryElasticsearchAdapter } from "@polyxena/memory";
import { chaosSink, checkProjections, createCassandraTestCluster, createOrderObserver, runRelayChaos, seededRandom, type CassandraTestCluster } from "../../src/index.js";

// The Cassandra outbox: the event row goes in the write's logged batch, versions are write
// timestamps, leases are lightweight transactions. The same cases run on the memory adapter
// (the real adapter over the in-process CQL engine), on the CQL test server through the driver,
// and on a real Cassandra when POLYXENA_TEST_CASSANDRA names one (pnpm test:real cassandra).

const CassTitleSearch = defineEntity("CassTitleSearch", {
  store: "elasticsearch",
  schema: z.object({ titleId: z.string(), name: z.string().max(60), year: z.number().int(), sourceVersion: z.number().int().nonnegative() }),
  key: { id: "titleId" },
  search: { text: ["name"] },
  version: "sourceVersion",
  table: "cass_title_search",
});

const CassTitle = defineEntity("CassTitle", {
  store: "cassandra",
  schema: z.object({ titleId: z.string(), name: z.string(), year: z.number().int(), genre: z.string(), note: z.string().optional() }),
  key: { partition: ["titleId"] },
  queries: { byGenre: { by: ["genre"] } },
  events: { topic: "polyxena.test.cassandra-titles" },
  projections: { titleSearch: { to: CassTitleSearch, map: (t) => ({ titleId: t.titleId, name: t.name, year: t.year }) } },
  table: "cass_title",
});

interface Lane {
  cassandra: StoreAdapter;
  close(): Promise<void>;
}

const SETTLE_MS = 40;

describe.each([
  [
    "memory Cassandra",
    async (): Promise<Lane> => {
      const cassandra = createMemoryCassandraAdapter({ keyspace: "outbox_memory", outboxSettleMs: SETTLE_MS });
      return { cassandra, close: () => cassandra.close() };
    },
  ],
  [
    process.env["POLYXENA_TEST_CASSANDRA"] ? "real Cassandra" : "CQL test server",
    async (): Promise<Lane> => {
      const cluster: CassandraTestCluster = await createCassandraTestCluster("outbox-cassandra");
      const cassandra = createCassandraAdapter({ contactPoints: [cluster.contactPoint], localDataCenter: cluster.localDataCenter }, { keyspace: cluster.keyspace, outboxSettleMs: SETTLE_MS });
      return {
        cassandra,
        close: async () => {
          await cassandra.close();
          await cluster.close();
        },
      };
    },
  ],
] as const)("Cassandra outbox (%s)", (_name, createLane) => {
  let lane: Lane;
  let runtime: PolyxenaRuntime;
  let outbox: OutboxPort;
  let serial = 0;
  const fresh = () => `ct${Date.now() % 1_000_000}-${++serial}-${Math.floor(Math.random() * 1000)}`;

  beforeAll(async () => {
    lane = await createLane();
    runtime = new PolyxenaRuntime({ stores: { cassandra: lane.cassandra, elasticsearch: createMemoryElasticsearchAdapter() } }, [CassTitle, CassTitleSearch]);
    await runtime.applySchema();
    outbox = lane.cassandra.outbox!;
    await drain([]);
  }, 120_000);
  afterAll(async () => {
    await runtime?.close();
    await lane?.close();
  });

  async function drain(sinks: Parameters<typeof createOutboxRelay>[0]["sinks"]): Promise<void> {
    const relay = createOutboxRelay({ outbox, sinks, batchSize: 500, leaseMs: 5_000 });
    for (let round = 0; round < 500; round++) {
      await relay.runOnce();
      if ((await outbox.backlog()).pending === 0) break;
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS / 2));
    }
    await relay.stop();
  }

  async function eventsOf(titleId: string): Promise<ChangeEvent[]> {
    const seen: ChangeEvent[] = [];
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS * 2));
    await drain([createInProcessSink("peek", (e) => void (e.key["titleId"] === titleId && seen.push(e)))]);
    return seen;
  }

  it("records one event per acknowledged write in the write's batch, versioned by write timestamp", async () => {
    const titles = runtime.entity(CassTitle);
    const id = fresh();
    await titles.put({ titleId: id, name: "Dark", year: 2017, genre: "scifi" });
    await titles.update({ titleId: id }, { name: "Dark (2017)", genre: "drama" });
    await titles.delete({ titleId: id });
    await titles.delete({ titleId: id }); // deletes nothing: no event
    const events = await eventsOf(id);
    expect(events.map((e) => e.kind)).toEqual(["put", "put", "delete"]);
    const versions = events.map((e) => e.version);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(new Set(versions).size).toBe(3);
    // microseconds of the write
    expect(Math.abs(versions[0]! / 1000 - Date.now())).toBeLessThan(60_000);
    expect(events[0]).toMatchObject({ entity: "CassTitle", topic: "polyxena.test.cassandra-titles", key: { titleId: id }, item: { titleId: id, name: "Dark", year: 2017, genre: "scifi" } });
    expect(events[1]!.item).toEqual({ titleId: id, name: "Dark (2017)", year: 2017, genre: "drama" });
    expect(events[2]!.item).toEqual({ titleId: id, name: "Dark (2017)", year: 2017, genre: "drama" });
    expect(await outbox.latestVersion("CassTitle", changeKeyString(CassTitle.model, { titleId: id }))).toBe(versions[2]);
    // the query table followed the update in the same batch
    const byGenre = await titles.query("byGenre", { genre: "drama" }, { limit: 100 });
    expect(byGenre.items.some((t) => t.titleId === id)).toBe(false);
  });

  it("refuses a write whose batch with its outbox row Cassandra would refuse, writing neither", async () => {
    const titles = runtime.entity(CassTitle);
    const id = fresh();
    // 18 KB of note: the item with its query-table row (36 KB) is under the 50 KiB batch threshold, the event beside them is not.
    const note = "n".repeat(18_000);
    const refused = await titles.put({ titleId: id, name: "Big", year: 2000, genre: "doc", note }).then(() => "written", (e: unknown) => (isPolyxenaError(e) ? e.code : String(e)));
    expect(refused).toBe("E_VALIDATION");
    expect((await titles.get({ titleId: id }, { consistency: "strong" })).item).toBeUndefined();
    expect(await outbox.latestVersion("CassTitle", changeKeyString(CassTitle.model, { titleId: id }))).toBeUndefined();
    expect(await eventsOf(id)).toEqual([]);
  });

  it("refuses conditional writes of an entity with events (a lightweight transaction cannot share the outbox row's batch)", async () => {
    const titles = runtime.entity(CassTitle);
    const id = fresh();
    await titles.put({ titleId: id, name: "One", year: 2000, genre: "drama" });
    const unsupported = (e: unknown) => isPolyxenaError(e, "E_UNSUPPORTED") && (e as Error).message.includes("lightweight transaction");
    await expect(titles.put({ titleId: id, name: "Two", year: 2001, genre: "drama" }, { ifNotExists: true })).rejects.toSatisfy(unsupported);
    await expect(titles.delete({ titleId: id }, { ifExists: true })).rejects.toSatisfy(unsupported);
    await expect(titles.update({ titleId: `${id}-missing` }, { name: "nobody" })).rejects.toSatisfy((e: unknown) => isPolyxenaError(e, "E_CONDITION_FAILED"));
    const events = await eventsOf(id);
    expect(events.map((e) => e.item?.["name"])).toEqual(["One"]);
  });

  it("leases: one relay per partition, renewals keep the epoch, a lost lease marks nothing done", async () => {
    const a = await outbox.claim("relay-a", 3, 200);
    expect(a).toBeDefined();
    expect(await outbox.claim("relay-b", 3, 200)).toBeUndefined();
    const renewed = await outbox.claim("relay-a", 3, 200);
    expect(renewed?.epoch).toBe(a!.epoch);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const b = await outbox.claim("relay-b", 3, 5_000);
    expect(b?.epoch).toBe(a!.epoch + 1);
    expect(await outbox.complete(renewed!, ["1:x"])).toBe(false);
    expect(await outbox.complete(b!, [])).toBe(true);
    await outbox.release(b!);
    expect(await outbox.claim("relay-c", 3, 200)).toBeDefined();
  });

  it("history: concurrent writers and killed relays; projections equal the last version and no consumer saw versions out of order", async () => {
    const random = seededRandom(4242);
    const titles = runtime.entity(CassTitle);
    const keys = Array.from({ length: 6 }, () => ({ titleId: fresh() }));
    const observer = createOrderObserver();
    const sinks = () => [chaosSink(createProjectionApplier({ runtime }), { random }), createInProcessSink("consumer", (e) => observer.observe(e.keyString, e.version))];
    let recorded = 0;
    const writer = async (w: number) => {
      for (let i = 0; i < 30; i++) {
        const key = keys[Math.floor(random() * keys.length)]!;
        const roll = random();
        try {
          if (roll < 0.55) await titles.put({ ...key, name: `w${w}-${i}`, year: 1950 + i, genre: i % 2 ? "drama" : "crime" });
          else if (roll < 0.85) await titles.update(key, { name: `u${w}-${i}` });
          else await titles.delete(key);
          if (roll < 0.85) recorded++;
        } catch (error) {
          if (!isPolyxenaError(error, "E_CONDITION_FAILED")) throw error;
        }
      }
    };
    const chaos = await runRelayChaos({ outbox, sinks, random, leaseMs: 400, during: Promise.all([0, 1, 2].map(writer)) });
    expect(chaos.kills).toBeGreaterThan(0);
    expect(recorded).toBeGreaterThan(40);
    expect(await checkProjections(runtime, CassTitle, keys)).toEqual([]);
    expect(observer.violations()).toEqual([]);
    let distinct = 0;
    for (const key of keys) {
      const keyString = changeKeyString(CassTitle.model, key);
      const seen = observer.versionsOf(keyString);
      distinct += seen.length;
      const latest = await outbox.latestVersion("CassTitle", keyString);
      if (latest !== undefined) expect(seen.at(-1)).toBe(latest);
    }
    expect(distinct).toBeGreaterThanOrEqual(recorded);
  }, 120_000);

  it("rebuilds a projection from the table with each item's write-timestamp version", async () => {
    const titles = runtime.entity(CassTitle);
    const ids = [fresh(), fresh(), fresh()];
    for (const [i, id] of ids.entries()) await titles.put({ titleId: id, name: `r${i}`, year: 1990 + i, genre: "doc" });
    await drain([]); // events gone without reaching the projection
    const search = runtime.entity(CassTitleSearch);
    expect((await search.get({ titleId: ids[0]! }, { consistency: "strong" })).item).toBeUndefined();
    const rebuilt = await rebuildProjection(runtime, "titleSearch");
    expect(rebuilt.written).toBeGreaterThanOrEqual(3);
    expect(await checkProjections(runtime, CassTitle, ids.map((titleId) => ({ titleId })))).toEqual([]);
  });

  it("dead-letters what the target refuses, with the error, and moves on", async () => {
    const titles = runtime.entity(CassTitle);
    const bad = fresh();
    const good = fresh();
    await titles.put({ titleId: bad, name: "x".repeat(80), year: 2000, genre: "doc" }); // over the search entity's 60 characters
    await titles.put({ titleId: good, name: "fine", year: 2000, genre: "doc" });
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS * 2));
    await drain([createProjectionApplier({ runtime })]);
    const letters = (await outbox.deadLetters()).filter((l) => l.event.key["titleId"] === bad);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ sink: "projections", code: "E_VALIDATION" });
    expect((await runtime.entity(CassTitleSearch).get({ titleId: good }, { consistency: "strong" })).item?.name).toBe("fine");
  });
});
