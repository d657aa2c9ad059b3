import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime, type EntityRuntime } from "@polyxena/core";
import { createCassandraAdapter, type CassandraAdapter } from "../src/cassandra/index.js";
import { createMemoryCassandraAdapter, ManualClock } from "@polyxena/memory";
import { expectPolyxenaError, createCassandraTestCluster, type CassandraTestCluster } from "@polyxena/testkit";

/** An entity without a version field: its updates are conditioned on existence only. */
const Session = defineEntity("Session", {
  store: "cassandra",
  schema: z.object({
    userId: z.uuid(),
    device: z.string(),
    lastSeen: z.date(),
    scopes: z.array(z.string()),
    label: z.string().optional(),
    owner: z.string(),
  }),
  key: { partition: ["userId"], clustering: [{ field: "device", order: "asc" }] },
  queries: { byOwner: { by: ["owner"], order: { lastSeen: "desc" } } },
});

type SessionItem = z.output<typeof Session.schema>;

const newSession = (over: Partial<SessionItem> = {}): SessionItem => ({
  userId: randomUUID(),
  device: "tv",
  lastSeen: new Date(Date.UTC(2026, 0, 1)),
  scopes: [],
  owner: `owner-${randomUUID()}`,
  ...over,
});

let cluster: CassandraTestCluster;
beforeAll(async () => {
  cluster = await createCassandraTestCluster("cassandra-ttl-updates");
});
afterAll(async () => {
  await cluster?.close();
});

const clock = new ManualClock();
const targets: Array<{ name: string; open(): Promise<CassandraAdapter>; advance(ms: number): Promise<void> }> = [
  {
    name: "in-memory engine",
    open: async () => createMemoryCassandraAdapter({ clock, keyspace: "ttl_updates" }),
    advance: async (ms) => clock.advanceMillis(ms),
  },
  {
    name: "driver",
    open: async () => createCassandraAdapter({ contactPoints: [cluster.contactPoint], localDataCenter: cluster.localDataCenter }, { keyspace: `${cluster.keyspace}_ttl` }),
    advance: (ms) => cluster.advanceClock(ms),
  },
];

for (const target of targets) {
  describe(`updates with a TTL on an entity without versions (${target.name})`, () => {
    let adapter: CassandraAdapter;
    let repo: EntityRuntime;
    beforeAll(async () => {
      adapter = await target.open();
      await adapter.applySchema([Session.model]);
      repo = new PolyxenaRuntime({ stores: { cassandra: adapter } }, [Session]).entity(Session);
    });
    afterAll(async () => {
      await adapter?.close();
    });
    const keyOf = (s: SessionItem) => ({ userId: s.userId, device: s.device });

    it("expire the whole item, with fields the update did not touch, empty lists and absent fields", async () => {
      const session = newSession();
      await repo.put(session);
      const seen = new Date(Date.UTC(2026, 0, 2));
      expect(await repo.update(keyOf(session), { lastSeen: seen }, { ttl: "1s" })).toEqual({ ...session, lastSeen: seen });
      expect((await repo.query("byOwner", { owner: session.owner })).items).toEqual([{ ...session, lastSeen: seen }]);
      await target.advance(2_100);
      expect((await repo.get(keyOf(session))).item).toBeUndefined();
      expect((await repo.query("byOwner", { owner: session.owner })).items).toEqual([]);
    });

    it("refuse a missing item without creating it", async () => {
      const session = newSession();
      await expectPolyxenaError(repo.update(keyOf(session), { label: "x" }, { ttl: "1s" }), "E_CONDITION_FAILED");
      expect((await repo.get(keyOf(session))).item).toBeUndefined();
    });

    it("lose no concurrent change to other fields (compare-and-set, retried)", async () => {
      const session = newSession({ scopes: ["play"], label: "living room" });
      await repo.put(session);
      const seen = new Date(Date.UTC(2026, 0, 3));
      await Promise.all([
        repo.update(keyOf(session), { lastSeen: seen }, { ttl: "1h" }),
        repo.update(keyOf(session), { label: "bedroom" }, { ttl: "1h" }),
        repo.update(keyOf(session), { scopes: ["play", "download"] }, { ttl: "1h" }),
      ]);
      expect((await repo.get(keyOf(session))).item).toEqual({ ...session, lastSeen: seen, label: "bedroom", scopes: ["play", "download"] });
    });
  });
}
