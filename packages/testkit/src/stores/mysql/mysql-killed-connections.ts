import { createPool, type Pool } from "mysql2/promise";
import { describe, expect, it } from "vitest";
import { PolyxenaRuntime, isPolyxenaError, createResiliencePolicy } from "@polyxena/core";
import { createMysqlAdapter } from "@polyxena/adapters/mysql";
import { killedLedger, relationalKilledConnections, type KillableDatabase, type KillableHarness } from "../../conformance/relational-killed-connections.js";
import { createMysqlTestDatabase, testMysqlUrl, type MysqlTestDatabase } from "./mysql-test-database.js";

const Ledger = killedLedger("mysql");

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Registers the killed-connection cases on MySQL (KILL, as a failover or
 * wait_timeout does): the shared relational ones, then idle pooled
 * connections killed by the server. Real server only.
 */
export function mysqlKilledConnections(name: string): void {
  let db: MysqlTestDatabase;
  /** Connects to the server without a default database, so its own connection is never among the ones killed. */
  let admin: Pool;

  /** Kills the connections to the test database that match `where` (a condition on information_schema.PROCESSLIST); returns how many. */
  async function kill(where: string): Promise<number> {
    const [rows] = await admin.query(`SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() AND ${where}`, [db.database]);
    const ids = (rows as { ID: number }[]).map((r) => r.ID);
    for (const id of ids) await admin.query(`KILL ${Number(id)}`).catch(() => undefined);
    return ids.length;
  }

  async function harness(): Promise<KillableHarness> {
    const adapter = createMysqlAdapter({ uri: db.uri, connectionLimit: 4 });
    await adapter.applySchema([Ledger.model]);
    const policy = createResiliencePolicy({ retry: false, timeouts: { read: 5_000, write: 5_000, query: 5_000 } });
    const runtime = new PolyxenaRuntime({ stores: { mysql: adapter }, policy }, [Ledger]);
    return {
      ledger: runtime.entity(Ledger),
      runtime,
      policy,
      killWaiting: () => kill("STATE LIKE 'Waiting for table%'"),
      async killTransaction() {
        const [trx] = await admin.query("SELECT trx_mysql_thread_id AS id FROM information_schema.INNODB_TRX");
        let killed = 0;
        for (const { id } of trx as { id: number }[]) killed += await kill(`ID = ${Number(id)}`);
        return killed;
      },
    };
  }

  relationalKilledConnections(name, {
    kind: "mysql",
    bulk: false,
    async open(): Promise<KillableDatabase> {
      db = await createMysqlTestDatabase("killed_connections");
      const base = new URL(testMysqlUrl());
      base.pathname = "/";
      admin = createPool({ uri: base.toString(), connectionLimit: 2 });
      return {
        harness,
        async lockLedger() {
          const locker = await db.pool.getConnection();
          await locker.query("LOCK TABLES `ledger` WRITE");
          return async () => {
            await locker.query("UNLOCK TABLES");
            locker.release();
          };
        },
        async storedRows(account) {
          const [rows] = await db.pool.query("SELECT COUNT(*) AS n FROM `ledger` WHERE account = ?", [account]);
          return Number((rows as { n: number }[])[0]!.n);
        },
        async close() {
          await admin.end();
          await db.drop();
        },
      };
    },
    cases() {
      describe("MySQL: idle connections", () => {
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
    },
  });
}
