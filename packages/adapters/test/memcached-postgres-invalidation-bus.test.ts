import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createCacheAside, defineEntity, PolyxenaRuntime, type InvalidationMessage } from "@polyxena/core";
import { MemoryCacheDriver } from "@polyxena/memory";
import { PostgresInvalidationBus } from "../src/postgres/postgres-invalidation-bus.js";
import { CacheTestStore, testPostgresUrl } from "@polyxena/testkit";

/** The L1 invalidation bus over Postgres LISTEN/NOTIFY, between two "processes". */

const Profile = defineEntity("Profile", {
  store: "dynamodb",
  schema: z.object({ id: z.string(), rev: z.number().int() }),
  key: { partition: "id" },
  cache: { ttl: "60s", l1: { ttl: "60s", max: 100 } },
});

const channel = `px_bus_${process.pid}`;
let busA: PostgresInvalidationBus;
let busB: PostgresInvalidationBus;

async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

beforeAll(async () => {
  busA = await PostgresInvalidationBus.connect({ connection: testPostgresUrl(), channel });
  busB = await PostgresInvalidationBus.connect({ connection: { connectionString: testPostgresUrl(), application_name: `${channel}_b` }, channel, reconnectDelayMs: 20 });
});

afterAll(async () => {
  await busA?.close();
  await busB?.close();
});

describe("Postgres invalidation bus", () => {
  it("drops another process's L1 copy after a write", async () => {
    const driver = new MemoryCacheDriver();
    const store = new CacheTestStore();
    store.seed({ id: "p1", rev: 1 }, ["id"]);
    const cacheA = createCacheAside({ driver, bus: busA, closeDriver: false });
    const cacheB = createCacheAside({ driver, bus: busB, closeDriver: false });
    const a = new PolyxenaRuntime({ stores: { dynamodb: store }, cache: cacheA }, [Profile]).entity(Profile);
    const b = new PolyxenaRuntime({ stores: { dynamodb: store }, cache: cacheB }, [Profile]).entity(Profile);
    await b.get({ id: "p1" });
    expect((await b.get({ id: "p1" })).source).toBe("l1");
    await a.update({ id: "p1" }, { rev: 2 });
    await eventually(() => cacheB.stats().busReceived >= 1);
    expect(await b.get({ id: "p1" })).toMatchObject({ source: "store", item: { rev: 2 } });
  });

  it("splits large key lists under the NOTIFY payload limit", async () => {
    const received: string[] = [];
    const unsubscribe = busB.subscribe((m) => received.push(...m.keys));
    const keys = Array.from({ length: 2_000 }, (_, i) => `px:Profile:abcdef:${"k".repeat(40)}${i}`);
    await busA.publish({ origin: "test", entity: "Profile", keys });
    await eventually(() => received.length === keys.length);
    expect(received).toEqual(keys);
    unsubscribe();
  });

  it("reconnects after losing its session and tells subscribers to drop all of L1", async () => {
    const messages: InvalidationMessage[] = [];
    const unsubscribe = busB.subscribe((m) => messages.push(m));
    const admin = new pg.Client({ connectionString: testPostgresUrl() });
    await admin.connect();
    try {
      const killed = await admin.query("SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = $1", [`${channel}_b`]);
      expect(killed.rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    await eventually(() => messages.some((m) => m.all === true));
    await busA.publish({ origin: "after", keys: ["x"] });
    await eventually(() => messages.some((m) => m.origin === "after"));
    unsubscribe();
  });
});
