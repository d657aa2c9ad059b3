import { afterAll, beforeAll, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime, createResiliencePolicy } from "@polyxena/core";
import { createCassandraAdapter, type CassandraDriverAdapter } from "@polyxena/adapters/cassandra";
import { createCassandraTestCluster, type CassandraTestCluster } from "../src/cassandra-test-cluster.js";
import { startConnectionKiller, type ConnectionKiller } from "../src/connection-killer.js";

/**
 * cassandra-driver 4.x registers its control connection's health listeners
 * twice when a reconnect has to re-initialise the connection, and removes one
 * set: every such reconnect leaked a set of `down`/`ignore` listeners on the
 * host (MaxListenersExceededWarning after ten). The adapter's guard keeps one.
 */

const Reading = defineEntity("ListenerReading", {
  store: "cassandra",
  schema: z.object({ sensor: z.string(), value: z.number().int() }),
  key: { partition: ["sensor"] },
});

let cluster: CassandraTestCluster;
let killer: ConnectionKiller;
let adapter: CassandraDriverAdapter;

beforeAll(async () => {
  cluster = await createCassandraTestCluster("control-listeners");
  killer = await startConnectionKiller(cluster.contactPoint);
  adapter = createCassandraAdapter(
    { contactPoints: [killer.address], localDataCenter: cluster.localDataCenter, socketOptions: { readTimeout: 2_000 }, pooling: { heartBeatInterval: 0 } },
    { keyspace: `${cluster.keyspace}_l` },
  );
});

afterAll(async () => {
  await adapter?.close();
  await killer?.close();
  await cluster?.close();
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

it("a control connection killed again and again never holds more listeners on its host than when it first connected", async () => {
  await adapter.applySchema([Reading.model]);
  const runtime = new PolyxenaRuntime({ stores: { cassandra: adapter }, policy: createResiliencePolicy({ retry: false, breaker: false }) }, [Reading]);
  const repo = runtime.entity(Reading);
  await repo.put({ sensor: "s", value: 1 });
  const listenerCount = (event: "down" | "ignore") => Math.max(...adapter.client.hosts.values().map((host) => host.listenerCount(event)));
  const connected = { down: listenerCount("down"), ignore: listenerCount("ignore") };
  // While the control connection reconnects it holds fewer for a moment; a leak holds more.
  const most = { ...connected };
  for (let round = 0; round < 15; round++) {
    killer.arm();
    await repo.get({ sensor: "s" }, { consistency: "strong" }).catch(() => undefined);
    killer.disarm();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const read = await repo.get({ sensor: "s" }, { consistency: "strong" }).catch(() => undefined);
      if (read?.item) break;
      if (Date.now() > deadline) throw new Error(`round ${round}: the adapter did not reconnect`);
      await sleep(50);
    }
    most.down = Math.max(most.down, listenerCount("down"));
    most.ignore = Math.max(most.ignore, listenerCount("ignore"));
  }
  expect(killer.killed).toBeGreaterThanOrEqual(15);
  expect(connected.down).toBeGreaterThan(0);
  expect(most).toEqual(connected);
  await runtime.close();
});
