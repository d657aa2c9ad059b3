import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { types } from "cassandra-driver";
import { defineEntity, PolyxenaRuntime, type EntityRuntime } from "@polyxena/core";
import { createCassandraAdapter, type CassandraDriverAdapter } from "../src/cassandra/index.js";
import { expectPolyxenaError, createCassandraReplicaCluster, type CassandraReplicaCluster } from "@polyxena/testkit";

// Consistency levels on three replicas (replication factor 3): a real three-node Cassandra on
// 127.0.0.1-3 under `pnpm test:real` (POLYXENA_TEST_CASSANDRA_REPLICAS=launch), the CQL test
// server's simulated replicas otherwise. Nodes are stopped one after the other, never restarted
// (a restart costs a real node 20 s), so the describe blocks run in order.

const Setting = defineEntity("Setting", {
  store: "cassandra",
  schema: z.object({ id: z.string(), value: z.string() }),
  key: { partition: ["id"] },
});
type SettingItem = z.output<typeof Setting.schema>;
const setting = (): SettingItem => ({ id: randomUUID(), value: randomUUID() });

let cluster: CassandraReplicaCluster;
let adapter: CassandraDriverAdapter;
let settings: EntityRuntime;
/** Written at ALL while every node ran. */
let everywhere: SettingItem;

beforeAll(async () => {
  cluster = await createCassandraReplicaCluster("cassandra-replicas");
  adapter = createCassandraAdapter(cluster.clientOptions, { keyspace: cluster.keyspace, replication: { class: "SimpleStrategy", replication_factor: 3 } });
  await adapter.applySchema([Setting.model]);
  await untilEveryReplicaIsUp();
  settings = new PolyxenaRuntime({ stores: { cassandra: adapter } }, [Setting]).entity(Setting);
  everywhere = setting();
  await settings.put(everywhere, { consistency: "ALL" });
}, 300_000);
/**
 * Every node accepts CQL before gossip has marked its peers up, and until then a coordinator
 * refuses a request at ALL as unavailable (the driver, trying each host, reports that as
 * NoHostAvailable with the unavailable answers inside). Waits for that on the driver itself, so
 * that no breaker sees the refusals, until several requests in a row succeed: requests without a
 * partition key go to the coordinators in turn, and each must see its peers.
 */
async function untilEveryReplicaIsUp(timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const unavailable = (error: unknown): boolean => {
    const e = error as { code?: number; innerErrors?: Record<string, unknown> };
    if (e.code === types.responseErrorCodes.unavailableException) return true;
    const inner = Object.values(e.innerErrors ?? {});
    return inner.length > 0 && inner.every(unavailable);
  };
  for (let inARow = 0; inARow < 6; ) {
    try {
      await adapter.client.execute(`SELECT id FROM "${cluster.keyspace}"."setting" LIMIT 1`, [], { consistency: types.consistencies.all });
      inARow++;
    } catch (error) {
      if (!unavailable(error) || Date.now() > deadline) throw error;
      inARow = 0;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

afterAll(async () => {
  await adapter?.close();
  await cluster?.close();
}, 120_000);

describe("one of three replicas stopped", () => {
  beforeAll(async () => {
    await cluster.stopNode();
    expect(cluster.stopped).toBe(1);
  }, 120_000);

  it("QUORUM and LOCAL_QUORUM writes and reads succeed", async () => {
    for (const level of ["QUORUM", "LOCAL_QUORUM"] as const) {
      const item = setting();
      await settings.put(item, { consistency: level });
      expect((await settings.get({ id: item.id }, { consistency: level })).item).toEqual(item);
    }
    expect((await settings.get({ id: everywhere.id }, { consistency: "QUORUM" })).item).toEqual(everywhere);
  });

  it("ALL reads and writes fail with E_UNAVAILABLE, the write not applied", async () => {
    const read = await expectPolyxenaError(settings.get({ id: everywhere.id }, { consistency: "ALL" }), "E_UNAVAILABLE");
    expect(read.message).toMatch(/ALL/);
    const item = setting();
    const write = await expectPolyxenaError(settings.put(item, { consistency: "ALL" }), "E_UNAVAILABLE");
    expect(write.outcome).toBe("not-applied");
    expect((await settings.get({ id: item.id }, { consistency: "QUORUM" })).item).toBeUndefined();
  });

  it("a lightweight transaction still applies (its serial quorum is alive)", async () => {
    const item = setting();
    await settings.put(item, { ifNotExists: true, consistency: "QUORUM" });
    expect((await settings.get({ id: item.id }, { consistency: "QUORUM" })).item).toEqual(item);
    await expectPolyxenaError(settings.put({ ...item, value: "other" }, { ifNotExists: true, consistency: "QUORUM" }), "E_CONDITION_FAILED");
  });
});

describe("two of three replicas stopped", () => {
  beforeAll(async () => {
    await cluster.stopNode();
    expect(cluster.stopped).toBe(2);
  }, 120_000);

  it("QUORUM and LOCAL_QUORUM reads and writes fail with E_UNAVAILABLE", async () => {
    for (const level of ["QUORUM", "LOCAL_QUORUM"] as const) {
      const read = await expectPolyxenaError(settings.get({ id: everywhere.id }, { consistency: level }), "E_UNAVAILABLE");
      expect(read.message).toMatch(new RegExp(level));
      const write = await expectPolyxenaError(settings.put(setting(), { consistency: level }), "E_UNAVAILABLE");
      expect(write.outcome).toBe("not-applied");
    }
  });

  it("ONE still reads what every replica holds", async () => {
    expect((await settings.get({ id: everywhere.id }, { consistency: "ONE" })).item).toEqual(everywhere);
  });

  it("a lightweight transaction fails with E_UNAVAILABLE and reports that it was not applied", async () => {
    const item = setting();
    const error = await expectPolyxenaError(settings.put(item, { ifNotExists: true, consistency: "QUORUM" }), "E_UNAVAILABLE");
    expect(error.outcome).toBe("not-applied");
    expect(error.message).toMatch(/SERIAL/);
    expect((await settings.get({ id: item.id }, { consistency: "ONE" })).item).toBeUndefined();
  });
});
