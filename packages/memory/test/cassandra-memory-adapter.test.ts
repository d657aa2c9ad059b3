import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime } from "@polyxena/core";
import { CassandraAdapter, type CqlRequestOptions, type CqlSession, type CqlStatement } from "@polyxena/adapters/cassandra/in-process";
import { createMemoryCassandraAdapter, EngineCqlSession } from "../src/memory-cassandra-adapter.js";
import { CassandraEngine } from "../src/cassandra-engine/index.js";
import { expectPolyxenaError } from "@polyxena/testkit";

const Event = defineEntity("Event", {
  store: "cassandra",
  schema: z.object({ streamId: z.uuid(), seq: z.number().int().min(0).max(1000), kind: z.string(), version: z.number().int().nonnegative() }),
  key: { partition: ["streamId"], clustering: [{ field: "seq", order: "asc" }] },
  queries: { byKind: { by: ["kind"], order: { seq: "asc" } } },
  version: "version",
});

describe("in-memory cassandra adapter", () => {
  it("needs no schema step: tables appear on first use", async () => {
    const adapter = createMemoryCassandraAdapter({ keyspace: "lazy" });
    const repo = new PolyxenaRuntime({ stores: { cassandra: adapter } }, [Event]).entity(Event);
    const streamId = randomUUID();
    await repo.put({ streamId, seq: 1, kind: "a", version: 0 });
    expect((await repo.get({ streamId, seq: 1 })).item).toEqual({ streamId, seq: 1, kind: "a", version: 0 });
    expect(adapter.engine.table("lazy", "event_by_kind")).toBeDefined();
    adapter.clear();
    expect((await repo.get({ streamId, seq: 1 })).item).toBeUndefined();
  });

  it("enforces the engine's consistency rules like the server does", async () => {
    const adapter = createMemoryCassandraAdapter({ keyspace: "wide", replication: { class: "SimpleStrategy", replication_factor: 3 } });
    const repo = new PolyxenaRuntime({ stores: { cassandra: adapter } }, [Event]).entity(Event);
    await repo.put({ streamId: randomUUID(), seq: 1, kind: "a", version: 0 }, { consistency: "ONE" });
    await expectPolyxenaError(repo.put({ streamId: randomUUID(), seq: 1, kind: "a", version: 0 }, { consistency: "QUORUM" }), "E_UNAVAILABLE");
  });

  it("moves rows between query-table partitions on update", async () => {
    const adapter = createMemoryCassandraAdapter({ keyspace: "moves" });
    const repo = new PolyxenaRuntime({ stores: { cassandra: adapter } }, [Event]).entity(Event);
    const streamId = randomUUID();
    await repo.put({ streamId, seq: 1, kind: "old", version: 0 }, { ifNotExists: true });
    await repo.update({ streamId, seq: 1 }, { kind: "new" }, { expectedVersion: 1 });
    expect((await repo.query("byKind", { kind: "old" })).items).toEqual([]);
    expect((await repo.query("byKind", { kind: "new" })).items).toEqual([{ streamId, seq: 1, kind: "new", version: 2 }]);
  });

  it("compiles each statement once and marks only unconditional statements idempotent", async () => {
    const engine = new CassandraEngine();
    engine.executeCql("CREATE KEYSPACE rec WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    const inner = new EngineCqlSession(engine);
    const calls: Array<{ statement: CqlStatement; options: CqlRequestOptions; batch: boolean }> = [];
    const recording: CqlSession = {
      execute: (statement, params, options) => {
        calls.push({ statement, options, batch: false });
        return inner.execute(statement, params, options);
      },
      select: (statement, params, options, reader, take, fail) => {
        calls.push({ statement, options, batch: false });
        return inner.select(statement, params, options, reader, take, fail);
      },
      batch: (items, options) => {
        for (const item of items) calls.push({ statement: item.statement, options, batch: true });
        return inner.batch(items, options);
      },
      close: () => inner.close(),
    };
    const adapter = new CassandraAdapter(recording, { keyspace: "rec" });
    await adapter.applySchema([Event.model]);
    const repo = new PolyxenaRuntime({ stores: { cassandra: adapter } }, [Event]).entity(Event);
    const streamId = randomUUID();
    calls.length = 0;
    for (let seq = 0; seq < 3; seq++) await repo.put({ streamId, seq, kind: "k", version: 0 });
    await repo.put({ streamId, seq: 9, kind: "k", version: 0 }, { ifNotExists: true });
    await repo.update({ streamId, seq: 9 }, { kind: "j" }, { expectedVersion: 1 });
    await repo.get({ streamId, seq: 0 });
    await repo.query("byKind", { kind: "k" });
    await repo.delete({ streamId, seq: 0 });
    const distinct = new Set(calls.map((c) => c.statement));
    expect(new Set(calls.map((c) => c.statement.cql)).size).toBe(distinct.size);
    for (const c of calls) {
      const conditional = / IF (NOT )?EXISTS| IF "version" = \?/.test(c.statement.cql);
      expect([c.statement.cql, c.options.idempotent]).toEqual([c.statement.cql, !conditional]);
      if (conditional) expect(c.options.serialConsistency).toBeDefined();
    }
    expect(calls.some((c) => c.batch)).toBe(true);
  });

  it("says the base row changed when the query-table batch after a lightweight transaction fails", async () => {
    const engine = new CassandraEngine();
    const inner = new EngineCqlSession(engine);
    const failing: CqlSession = {
      execute: (statement, params, options) => inner.execute(statement, params, options),
      select: (statement, params, options, reader, take, fail) => inner.select(statement, params, options, reader, take, fail),
      batch: (items, options) =>
        options.idempotent && items.every((i) => !i.statement.cql.includes(`"${Event.model.table}" `)) ? Promise.reject(new Error("read ECONNRESET")) : inner.batch(items, options),
      close: () => inner.close(),
    };
    const adapter = new CassandraAdapter(failing, { keyspace: "partial" });
    await adapter.applySchema([Event.model]);
    const repo = new PolyxenaRuntime({ stores: { cassandra: adapter } }, [Event]).entity(Event);
    const streamId = randomUUID();
    const error = await expectPolyxenaError(repo.put({ streamId, seq: 1, kind: "a", version: 0 }, { ifNotExists: true }), "E_UNAVAILABLE");
    expect(error.summary).toBe("the conditional write to event was applied, but its query tables were not updated: read ECONNRESET");
    expect(error.outcome).toBe("unknown");
    expect(error.fix).toContain("unconditional put");
    expect((await repo.get({ streamId, seq: 1 })).item).toEqual({ streamId, seq: 1, kind: "a", version: 1 });
  });
});

describe("cassandra unique claims: a crash between the claim and the item write", () => {
  const Account = defineEntity("ClaimedAccount", {
    store: "cassandra",
    schema: z.object({ accountId: z.uuid(), email: z.string() }),
    table: "claimed_account",
    key: { partition: ["accountId"] },
    unique: ["email"],
  });

  it("leaves an orphan claim that refuses the value inside the grace period and is taken over after it", async () => {
    let now = Date.UTC(2026, 0, 1);
    const adapter = new CassandraAdapter(new EngineCqlSession(new CassandraEngine()), { keyspace: "claims", now: () => now, uniqueClaimGraceMs: 30_000 });
    await adapter.applySchema([Account.model]);
    const repo = new PolyxenaRuntime({ stores: { cassandra: adapter } }, [Account]).entity(Account);
    // What a process that died after claiming and before writing its item leaves behind.
    const ghost = randomUUID();
    await adapter.session.execute(
      { cql: 'INSERT INTO "claims"."claimed_account_unique" ("claim", "owner", "claimed_at") VALUES (?, ?, ?)', types: ["text", "text", "timestamp"] },
      ['claimed_account_email_key#["ada@example.com"]', JSON.stringify([ghost]), new Date(now)],
      { consistency: "LOCAL_QUORUM", idempotent: true },
    );
    const first = { accountId: randomUUID(), email: "ada@example.com" };
    const refused = await expectPolyxenaError(repo.put(first), "E_ALREADY_EXISTS");
    expect(refused.constraint).toBe("claimed_account_email_key");
    expect((await repo.get({ accountId: first.accountId })).item).toBeUndefined();

    now += 31_000;
    await repo.put(first);
    expect((await repo.get({ accountId: first.accountId })).item).toEqual(first);
    const claim = await adapter.session.execute({ cql: 'SELECT "owner" FROM "claims"."claimed_account_unique" WHERE "claim" = ?', types: ["text"] }, ['claimed_account_email_key#["ada@example.com"]'], { consistency: "LOCAL_QUORUM", idempotent: true });
    expect(claim.rows[0]?.["owner"]).toBe(JSON.stringify([first.accountId]));

    // A live holder is never taken over, however old its claim.
    now += 3_600_000;
    await expectPolyxenaError(repo.put({ accountId: randomUUID(), email: "ada@example.com" }), "E_ALREADY_EXISTS");
  });
});
