import { createPool, type Pool } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { PolyxenaRuntime, defineEntity, isPolyxenaError, createResiliencePolicy } from "@polyxena/core";
import { createMysqlAdapter, type MysqlAdapter } from "@polyxena/adapters/mysql";
import { createMysqlTestDatabase, testMysqlUrl, type MysqlTestDatabase } from "./mysql-test-database.js";

const Ledger = defineEntity("Ledger", {
  store: "mysql",
  schema: z.object({ account: z.string().min(1).max(40), entry: z.number().int(), amount: z.number().int() }),
  key: { primary: ["account", "entry"] },
  queries: { entriesOf: { by: ["account"], order: { entry: "asc" } } },
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Registers the cases of MySQL connections killed in the middle of each kind
 * of operation (KILL, as a failover or wait_timeout does): the call rejects
 * with a PolyxenaError carrying what the store lets us know of its outcome,
 * the process survives, and the next call works. Real server only.
 */
export function mysqlKilledConnections(name: string): void {
  describe(`${name}: connections killed`, () => {
    let db: MysqlTestDatabase;
    /** Connects to the server without a default database, so its own connection is never among the ones killed. */
    let admin: Pool;

    beforeAll(async () => {
      db = await createMysqlTestDatabase("killed_connections");
      const base = new URL(testMysqlUrl());
      base.pathname = "/";
      admin = createPool({ uri: base.toString(), connectionLimit: 2 });
    });

    afterAll(async () => {
      await admin?.end();
      await db?.drop();
    });

    interface Harness {
      adapter: MysqlAdapter;
      ledger: ReturnType<PolyxenaRuntime["entity"]>;
      runtime: PolyxenaRuntime;
      policy: ReturnType<typeof createResiliencePolicy>;
    }

    async function harness(): Promise<Harness> {
      const adapter = createMysqlAdapter({ uri: db.uri, connectionLimit: 4 });
      await adapter.applySchema([Ledger.model]);
      const policy = createResiliencePolicy({ retry: false, timeouts: { read: 5_000, write: 5_000, query: 5_000 } });
      const runtime = new PolyxenaRuntime({ stores: { mysql: adapter }, policy }, [Ledger]);
      return { adapter, ledger: runtime.entity(Ledger), runtime, policy };
    }

    /** Kills the connections to the test database that match `where` (a condition on information_schema.PROCESSLIST); returns how many. */
    async function kill(where: string): Promise<number> {
      const [rows] = await admin.query(`SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() AND ${where}`, [db.database]);
      const ids = (rows as { ID: number }[]).map((r) => r.ID);
      for (const id of ids) await admin.query(`KILL ${Number(id)}`).catch(() => undefined);
      return ids.length;
    }

    /** Runs `call` while another session holds the ledger table locked, kills the connection waiting on the lock, and returns what the call settled with. */
    async function killedWhileWaiting(call: () => Promise<unknown>): Promise<{ value?: unknown; error?: unknown }> {
      const locker = await db.pool.getConnection();
      await locker.query("LOCK TABLES `ledger` WRITE");
      try {
        let settled = false;
        const pending = call().then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
        void pending.then(() => (settled = true));
        let killed = 0;
        for (let i = 0; i < 150 && !settled; i++) {
          await sleep(20);
          killed += await kill(`STATE LIKE 'Waiting for table%' AND ID <> ${Number(locker.threadId)}`);
        }
        expect(killed).toBeGreaterThan(0);
        return await pending;
      } finally {
        await locker.query("UNLOCK TABLES");
        locker.release();
      }
    }

    describe("MySQL: a connection killed mid-operation", () => {
      it("read, write, update and query page each reject with E_UNAVAILABLE, the breaker stays closed, and the next call works", async () => {
        const h = await harness();
        await h.ledger.put({ account: "a", entry: 1, amount: 10 });
        const cases: [string, () => Promise<unknown>][] = [
          ["get", () => h.ledger.get({ account: "a", entry: 1 }, { consistency: "strong" })],
          ["getMany", () => h.ledger.getMany([{ account: "a", entry: 1 }, { account: "a", entry: 2 }], { consistency: "strong" })],
          ["put", () => h.ledger.put({ account: "a", entry: 2, amount: 20 })],
          ["update", () => h.ledger.update({ account: "a", entry: 1 }, { amount: 11 })],
          ["query", () => h.ledger.query("entriesOf", { account: "a" }, { limit: 1 })],
        ];
        for (const [name, call] of cases) {
          const settled = await killedWhileWaiting(call);
          expect(isPolyxenaError(settled.error, "E_UNAVAILABLE"), `${name}: ${String(settled.error)}`).toBe(true);
          expect((settled.error as { store?: string }).store).toBe("mysql");
        }
        expect(h.policy.breakerState("mysql")).toBe("closed");
        const after = await h.ledger.get({ account: "a", entry: 1 }, { consistency: "strong" });
        expect(after.item).toMatchObject({ account: "a", entry: 1 });
        await h.runtime.close();
      });
    });

    describe("MySQL: a transaction whose connection is killed between statements", () => {
      it("rejects with E_UNAVAILABLE, outcome not-applied, and writes nothing; the pool replaces the connection", async () => {
        const h = await harness();
        const error = await h.runtime
          .transaction(async (scope) => {
            const ledger = scope.entity(Ledger);
            await ledger.put({ account: "t1", entry: 1, amount: 1 });
            const [trx] = await admin.query("SELECT trx_mysql_thread_id AS id FROM information_schema.INNODB_TRX");
            const ids = (trx as { id: number }[]).map((r) => r.id);
            expect(ids).toHaveLength(1);
            expect(await kill(`ID = ${Number(ids[0])}`)).toBe(1);
            await sleep(100);
            await ledger.put({ account: "t1", entry: 2, amount: 2 });
          })
          .catch((e: unknown) => e);
        expect(isPolyxenaError(error, "E_UNAVAILABLE"), String(error)).toBe(true);
        expect(error).toMatchObject({ store: "mysql", operation: "transaction", outcome: "not-applied" });
        const [rows] = await db.pool.query("SELECT COUNT(*) AS n FROM `ledger` WHERE account = 't1'");
        expect(Number((rows as { n: number }[])[0]!.n)).toBe(0);
        await h.ledger.put({ account: "t1", entry: 3, amount: 3 });
        expect((await h.ledger.get({ account: "t1", entry: 3 }, { consistency: "strong" })).item).toMatchObject({ amount: 3 });
        await h.runtime.close();
      });

      it("rejects with E_UNAVAILABLE, outcome not-applied, when the work returns after the connection died (COMMIT never reaches the server)", async () => {
        const h = await harness();
        const error = await h.runtime
          .transaction(async (scope) => {
            await scope.entity(Ledger).put({ account: "t2", entry: 1, amount: 1 });
            const [trx] = await admin.query("SELECT trx_mysql_thread_id AS id FROM information_schema.INNODB_TRX");
            for (const { id } of trx as { id: number }[]) await kill(`ID = ${Number(id)}`);
            await sleep(100);
          })
          .catch((e: unknown) => e);
        expect(isPolyxenaError(error, "E_UNAVAILABLE"), String(error)).toBe(true);
        expect(error).toMatchObject({ operation: "transaction", outcome: "not-applied" });
        const [rows] = await db.pool.query("SELECT COUNT(*) AS n FROM `ledger` WHERE account = 't2'");
        expect(Number((rows as { n: number }[])[0]!.n)).toBe(0);
        await h.runtime.close();
      });

      it("idle pooled connections killed by the server do not take the process down, and the next call works", async () => {
        const h = await harness();
        await h.ledger.put({ account: "idle", entry: 1, amount: 1 });
        expect(await kill("COMMAND = 'Sleep'")).toBeGreaterThan(0);
        await sleep(100);
        // The first call may meet a killed connection the pool has not noticed yet: it fails as E_UNAVAILABLE, never crashes.
        const first = await h.ledger.get({ account: "idle", entry: 1 }, { consistency: "strong" }).catch((e: unknown) => e);
        if (first instanceof Error) expect(isPolyxenaError(first, "E_UNAVAILABLE"), String(first)).toBe(true);
        expect((await h.ledger.get({ account: "idle", entry: 1 }, { consistency: "strong" })).item).toMatchObject({ amount: 1 });
        await h.runtime.close();
      });
    });
  });
}
