import { randomUUID } from "node:crypto";
import cassandra from "cassandra-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime, type EntityDefinition } from "@polyxena/core";
import { createCassandraAdapter, type CassandraAdapter } from "../src/cassandra/index.js";
import { storeConformance, expectPolyxenaError } from "../../testkit/src/conformance/store-conformance.js";
import { createCassandraTestCluster, type CassandraTestCluster } from "../../testkit/src/cassandra-test-cluster.js";
import { CqlError, CqlErrorCode } from "../../testkit/src/cql-server/index.js";

// The in-process CQL test server, or a real Cassandra when POLYXENA_TEST_CASSANDRA=host:port is set.
// Tests named "(server-only: ...)" inspect the in-process server and fail loudly on a real cluster.
let cluster: CassandraTestCluster;
/** A plain driver client on the same cluster, for assertions through system_schema. */
let client: cassandra.Client;

beforeAll(async () => {
  cluster = await createCassandraTestCluster("cassandra-adapter");
  client = new cassandra.Client({ contactPoints: [cluster.contactPoint], localDataCenter: cluster.localDataCenter });
  await client.connect();
});

afterAll(async () => {
  await client?.shutdown();
  await cluster?.close();
});

let keyspaceSerial = 0;

/** A real adapter (stock driver -> test server or real Cassandra) with the definitions' schema applied in a fresh keyspace. */
async function setup(definitions: readonly EntityDefinition[]) {
  const adapter = createCassandraAdapter(
    { contactPoints: [cluster.contactPoint], localDataCenter: cluster.localDataCenter },
    { keyspace: `${cluster.keyspace}_${++keyspaceSerial}` },
  );
  await adapter.applySchema(definitions.map((d) => d.model));
  return { adapter, cleanup: () => adapter.close() };
}

storeConformance("cassandra (driver)", {
  kind: "cassandra",
  setup,
  advanceClock: (ms) => cluster.advanceClock(ms),
});

const View = defineEntity("View", {
  store: "cassandra",
  schema: z.object({
    profileId: z.uuid(),
    watchedAt: z.date(),
    titleId: z.string(),
    positionSec: z.number().int().min(0).max(1_000_000),
    total: z.bigint(),
    ratings: z.record(z.string(), z.number()),
    meta: z.object({ device: z.string(), at: z.date() }).optional(),
  }),
  key: { partition: ["profileId"], clustering: [{ field: "watchedAt", order: "desc" }] },
  queries: {
    historyForProfile: { by: ["profileId"], order: { watchedAt: "desc" } },
    viewersOfTitle: { by: ["titleId"], order: { watchedAt: "desc" } },
  },
  consistency: { read: "LOCAL_ONE", write: "LOCAL_QUORUM" },
  ttl: "730d",
});

describe("cassandra adapter on the stock driver", () => {
  let adapter: CassandraAdapter;
  let repos: PolyxenaRuntime;

  beforeAll(async () => {
    ({ adapter } = await setup([View]));
    repos = new PolyxenaRuntime({ stores: { cassandra: adapter } }, [View]);
  });

  afterAll(async () => {
    await adapter?.close();
  });

  const view = (over: Record<string, unknown> = {}) => ({
    profileId: randomUUID(),
    watchedAt: new Date(Date.UTC(2026, 2, 1)),
    titleId: `title-${randomUUID()}`,
    positionSec: 42,
    total: 12345678901234567890n,
    ratings: { story: 4.5 },
    meta: { device: "tv", at: new Date(Date.UTC(2026, 2, 1, 1)) },
    ...over,
  });

  it("creates the keyspace and tables once, then reports them unchanged", async () => {
    const again = await adapter.applySchema([View.model]);
    expect(again.applied).toEqual([]);
    expect(again.unchanged).toHaveLength(3);
    const tables = await client.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?", [adapter.keyspace], { prepare: true });
    expect(tables.rows.map((r) => r["table_name"] as string).sort()).toEqual(["view", "view_by_title_id"]);
  });

  it("prepares every statement and sends the entity's consistency levels (server-only: recorded requests)", async () => {
    const server = cluster.requireServer("recorded requests");
    const repo = repos.entity(View);
    const item = view();
    server.clearRequests();
    await repo.put(item);
    await repo.get({ profileId: item.profileId, watchedAt: item.watchedAt });
    const batch = server.requests.find((r) => r.opcode === "BATCH")!;
    expect(batch).toMatchObject({ batchType: "logged", consistency: "LOCAL_QUORUM" });
    expect(batch.batchQueries).toHaveLength(2);
    const read = server.requests.filter((r) => r.opcode === "EXECUTE" && r.query?.startsWith("SELECT")).at(-1)!;
    expect(read.consistency).toBe("LOCAL_ONE");
    // Everything the adapter sent was prepared (plain QUERY frames are only the driver's own system-table reads).
    expect(server.requests.some((r) => r.opcode === "QUERY" && !/\bsystem(_schema)?\./.test(r.query ?? ""))).toBe(false);

    server.clearRequests();
    await repo.put(view(), { ifNotExists: true, consistency: "QUORUM" });
    const lwt = server.requests.find((r) => r.opcode === "EXECUTE" && r.query?.includes("IF NOT EXISTS"))!;
    expect(lwt).toMatchObject({ consistency: "QUORUM", serialConsistency: "SERIAL" });
  });

  it("sends the per-call consistency level and the matching serial level for LWTs (server-only: recorded requests)", async () => {
    const server = cluster.requireServer("recorded requests");
    const repo = repos.entity(View);
    for (const level of ["ONE", "LOCAL_ONE", "QUORUM", "LOCAL_QUORUM", "EACH_QUORUM", "ALL"] as const) {
      const item = view();
      server.clearRequests();
      await repo.put(item, { consistency: level });
      expect(server.requests.find((r) => r.opcode === "BATCH")?.consistency).toBe(level);
      if (level !== "EACH_QUORUM") {
        server.clearRequests();
        await repo.get({ profileId: item.profileId, watchedAt: item.watchedAt }, { consistency: level });
        expect(server.requests.find((r) => r.opcode === "EXECUTE")?.consistency).toBe(level);
      }
    }
    server.clearRequests();
    await repo.put(view(), { ifNotExists: true, consistency: "LOCAL_QUORUM" });
    const lwt = server.requests.find((r) => r.opcode === "EXECUTE" && r.query?.includes("IF NOT EXISTS"))!;
    expect(lwt).toMatchObject({ consistency: "LOCAL_QUORUM", serialConsistency: "LOCAL_SERIAL" });
  });

  it("round-trips bigint, maps, objects as JSON and dates", async () => {
    const repo = repos.entity(View);
    const item = view();
    await repo.put(item);
    expect((await repo.get({ profileId: item.profileId, watchedAt: item.watchedAt })).item).toEqual(item);
  });

  it("round-trips 64-bit integers at their limits, negative ones included, in columns and lists", async () => {
    const Counter = defineEntity("Counter", {
      store: "cassandra",
      schema: z.object({ id: z.uuid(), n: z.number().int(), history: z.array(z.number().int()), big: z.bigint() }),
      key: { partition: ["id"] },
    });
    await adapter.applySchema([Counter.model]);
    const repo = new PolyxenaRuntime({ stores: { cassandra: adapter } }, [Counter]).entity(Counter);
    const edges = [0, -1, 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, -(2 ** 32) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    for (const n of edges) {
      const item = { id: randomUUID(), n, history: edges, big: -(2n ** 70n) + BigInt(n) };
      await repo.put(item);
      expect((await repo.get({ id: item.id })).item).toEqual(item);
    }
  });

  it("decodes UUID columns row by row in a page where values repeat, alternate and are missing", async () => {
    const Seen = defineEntity("Seen", {
      store: "cassandra",
      schema: z.object({ titleId: z.string(), seq: z.number().int().min(0).max(100), profileId: z.uuid(), referrer: z.uuid().optional() }),
      key: { partition: ["titleId"], clustering: [{ field: "seq", order: "asc" }] },
      queries: { inOrder: { by: ["titleId"], order: { seq: "asc" } } },
    });
    await adapter.applySchema([Seen.model]);
    const repo = new PolyxenaRuntime({ stores: { cassandra: adapter } }, [Seen]).entity(Seen);
    const [a, b] = [randomUUID(), randomUUID()];
    const titleId = `title-${randomUUID()}`;
    const profiles = [a, a, b, a, b, b];
    const referrers = [a, undefined, a, a, b, undefined];
    const items = profiles.map((profileId, seq) => ({ titleId, seq, profileId, ...(referrers[seq] ? { referrer: referrers[seq] } : {}) }));
    for (const item of items) await repo.put(item);
    expect((await repo.query("inOrder", { titleId })).items).toEqual(items);
  });

  it("keeps the denormalized query table in step, pages it, and serves clustering ranges both ways", async () => {
    const repo = repos.entity(View);
    const profileId = randomUUID();
    const titleId = `title-${randomUUID()}`;
    const items = Array.from({ length: 5 }, (_, i) => view({ profileId, titleId, watchedAt: new Date(Date.UTC(2026, 2, 1, i)) }));
    for (const item of items) await repo.put(item);
    const newest = await repo.query("viewersOfTitle", { titleId }, { limit: 2 });
    expect(newest.items.map((i) => (i.watchedAt as Date).getUTCHours())).toEqual([4, 3]);
    const next = await repo.query("viewersOfTitle", { titleId }, { limit: 2, cursor: newest.cursor! });
    expect(next.items.map((i) => (i.watchedAt as Date).getUTCHours())).toEqual([2, 1]);
    const oldestFirst = await repo.query("historyForProfile", { profileId }, { reverse: true, range: { gte: items[1]!.watchedAt, lt: items[4]!.watchedAt } });
    expect(oldestFirst.items.map((i) => (i.watchedAt as Date).getUTCHours())).toEqual([1, 2, 3]);

    await repo.put({ ...items[0]!, titleId: "other" });
    expect((await repo.query("viewersOfTitle", { titleId }, { limit: 10 })).items).toHaveLength(4);
    await repo.delete({ profileId, watchedAt: items[1]!.watchedAt });
    expect((await repo.query("viewersOfTitle", { titleId }, { limit: 10 })).items).toHaveLength(3);
  });

  it("reports a failed LWT as E_CONDITION_FAILED carrying the current row", async () => {
    const repo = repos.entity(View);
    const item = view();
    await repo.put(item, { ifNotExists: true });
    const error = await expectPolyxenaError(repo.put({ ...item, positionSec: 1 }, { ifNotExists: true }), "E_CONDITION_FAILED");
    expect(error.current).toEqual(item);
    expect(error.statement).toContain("IF NOT EXISTS");
  });

  it("writes USING TTL and the row expires from the base and the query table", async () => {
    const repo = repos.entity(View);
    const item = view();
    await repo.put(item, { ttl: "1s" });
    const key = { profileId: item.profileId, watchedAt: item.watchedAt };
    expect((await repo.get(key)).item).toEqual(item);
    expect((await repo.query("viewersOfTitle", { titleId: item.titleId })).items).toEqual([item]);
    await cluster.advanceClock(2_100);
    expect((await repo.get(key)).item).toBeUndefined();
    expect((await repo.query("viewersOfTitle", { titleId: item.titleId })).items).toEqual([]);
  });

  it("maps Unavailable to E_UNAVAILABLE without retrying elsewhere", async () => {
    // Replication factor 9 on a test cluster of fewer than 9 nodes: QUORUM (5 replicas) cannot be met, ONE can.
    const keyspace = `${cluster.keyspace}_rf9`;
    await client.execute(`CREATE KEYSPACE "${keyspace}" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 9}`);
    const rf9 = createCassandraAdapter({ client }, { keyspace });
    await rf9.applySchema([View.model]);
    const repo = new PolyxenaRuntime({ stores: { cassandra: rf9 } }, [View]).entity(View);
    const error = await expectPolyxenaError(repo.put(view(), { consistency: "QUORUM" }), "E_UNAVAILABLE");
    // The put first reads the current row (to find stale query-table rows) at the same level.
    expect(error.statement).toContain(`"${keyspace}"."view"`);
    expect(error.outcome).toBe("not-applied");
    const item = view();
    await repo.put(item, { consistency: "ONE" });
    expect((await repo.get({ profileId: item.profileId, watchedAt: item.watchedAt }, { consistency: "ONE" })).item).toEqual(item);
    await rf9.close();
  });

  it("maps read and write timeouts to E_TIMEOUT, with an unknown outcome for a timed-out LWT (server-only: injected errors)", async () => {
    const server = cluster.requireServer("request hook injecting timeouts");
    const repo = repos.entity(View);
    const item = view();
    server.setRequestHook((r) => {
      if (r.opcode !== "EXECUTE") return;
      if (r.query?.includes("IF NOT EXISTS")) {
        throw new CqlError(CqlErrorCode.writeTimeout, "Operation timed out - received only 0 responses.", {
          writeTimeout: { consistency: 0x0006, received: 0, blockFor: 1, writeType: "CAS" },
        });
      }
      if (r.query?.startsWith("SELECT") && r.consistency === "LOCAL_ONE") {
        throw new CqlError(CqlErrorCode.readTimeout, "Operation timed out - received only 0 responses.", {
          readTimeout: { consistency: 0x000a, received: 0, blockFor: 1, dataPresent: false },
        });
      }
    });
    try {
      const write = await expectPolyxenaError(repo.put(item, { ifNotExists: true }), "E_TIMEOUT");
      expect(write.outcome).toBe("unknown");
      await expectPolyxenaError(repo.get({ profileId: item.profileId, watchedAt: item.watchedAt }), "E_TIMEOUT");
    } finally {
      server.setRequestHook(null);
    }
  });

  it("adds columns for new fields to existing tables, and refuses a changed column type", async () => {
    const V1 = defineEntity("Evolving", {
      store: "cassandra",
      schema: z.object({ id: z.uuid(), name: z.string() }),
      key: { partition: ["id"] },
    });
    const V2 = defineEntity("Evolving", {
      store: "cassandra",
      schema: z.object({ id: z.uuid(), name: z.string(), plays: z.number().int().min(0).max(1000), tags: z.array(z.string()) }),
      key: { partition: ["id"] },
    });
    const V3 = defineEntity("Evolving", {
      store: "cassandra",
      schema: z.object({ id: z.uuid(), name: z.number(), plays: z.number().int().min(0).max(1000), tags: z.array(z.string()) }),
      key: { partition: ["id"] },
    });
    const first = await adapter.applySchema([V1.model]);
    expect(first.applied).toHaveLength(1);
    const id = randomUUID();
    await new PolyxenaRuntime({ stores: { cassandra: adapter } }, [V1]).entity(V1).put({ id, name: "old row" });
    const second = await adapter.applySchema([V2.model]);
    expect(second.applied).toEqual([
      `ALTER TABLE "${adapter.keyspace}"."evolving" ADD "plays" int`,
      `ALTER TABLE "${adapter.keyspace}"."evolving" ADD "tags" list<text>`,
    ]);
    const repo = new PolyxenaRuntime({ stores: { cassandra: adapter } }, [V2]).entity(V2);
    expect((await repo.get({ id })).item).toEqual({ id, name: "old row", tags: [] });
    await repo.put({ id, name: "new row", plays: 3, tags: ["a"] });
    expect((await repo.get({ id })).item).toEqual({ id, name: "new row", plays: 3, tags: ["a"] });
    const error = await expectPolyxenaError(adapter.applySchema([V3.model]), "E_DEFINITION");
    expect(error.message).toContain(`column name of ${adapter.keyspace}.evolving is text, but Evolving.name needs double`);
    expect(error.path).toBe("fields.name");
  });
});
