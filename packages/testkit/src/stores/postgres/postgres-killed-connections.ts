import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { PolyxenaRuntime, isPolyxenaError, createResiliencePolicy } from "@polyxena/core";
import { createPostgresAdapter, type PostgresAdapter } from "@polyxena/adapters/postgres";
import { killedLedger, killedWhileWaiting, relationalKilledConnections, type KillableDatabase, type KillableHarness } from "../../conformance/relational-killed-connections.js";
import { createPostgresTestDatabase, type PostgresTestDatabase } from "../../postgres-test-database.js";

const Ledger = killedLedger("postgres");

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A harness whose adapter is Postgres's, tagged so its backends can be found. */
interface PostgresHarness extends KillableHarness {
  readonly adapter: PostgresAdapter;
  readonly app: string;
}

/**
 * Registers the killed-connection cases on Postgres (pg_terminate_backend,
 * idle_in_transaction_session_timeout): the shared relational ones, then
 * Postgres's own (a timeout that closes a transaction, a pool passed in,
 * schema apply, an outbox scan). Real server only.
 */
export function postgresKilledConnections(name: string): void {
  let db: PostgresTestDatabase;
  let admin: pg.Client;
  let database: KillableDatabase;

  async function terminate(app: string, where = "true"): Promise<number> {
    const r = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid() AND ${where}`, [app]);
    return r.rowCount ?? 0;
  }

  /** An adapter on its own pool (created by the adapter, so Polyxena owns every listener), tagged so its backends can be found. */
  async function harness(extraOptions = ""): Promise<PostgresHarness> {
    const app = `px_kill_${randomBytes(4).toString("hex")}`;
    const url = new URL(db.connectionString);
    url.searchParams.set("application_name", app);
    if (extraOptions) url.searchParams.set("options", extraOptions);
    const adapter = createPostgresAdapter({ connectionString: url.toString(), max: 4 }, { schema: db.schema });
    await adapter.applySchema([Ledger.model]);
    const policy = createResiliencePolicy({ retry: false, timeouts: { read: 5_000, write: 5_000, query: 5_000 } });
    const runtime = new PolyxenaRuntime({ stores: { postgres: adapter }, policy }, [Ledger]);
    return {
      adapter,
      app,
      ledger: runtime.entity(Ledger),
      runtime,
      policy,
      killWaiting: () => terminate(app, "wait_event_type = 'Lock'"),
      killTransaction: () => terminate(app, "state = 'idle in transaction'"),
    };
  }

  relationalKilledConnections(name, {
    kind: "postgres",
    // A killed UPDATE may have committed before the connection died.
    updateOutcome: "unknown",
    bulk: true,
    async open() {
      db = await createPostgresTestDatabase("killed_connections");
      admin = new pg.Client({ connectionString: db.connectionString });
      await admin.connect();
      database = {
        harness: () => harness(),
        async lockLedger() {
          const locker = new pg.Client({ connectionString: db.connectionString });
          await locker.connect();
          await locker.query("BEGIN");
          await locker.query(`LOCK TABLE "${db.schema}"."ledger" IN ACCESS EXCLUSIVE MODE`);
          return async () => {
            await locker.query("ROLLBACK");
            await locker.end();
          };
        },
        async storedRows(account) {
          const stored = await db.pool.query(`SELECT count(*)::int AS n FROM "${db.schema}"."ledger" WHERE account = $1`, [account]);
          return stored.rows[0].n as number;
        },
        async close() {
          await admin.end();
          await db.drop();
        },
      };
      return database;
    },
    cases() {
      describe("Postgres: a transaction whose connection is closed between statements", () => {
        it("rejects with E_UNAVAILABLE after idle_in_transaction_session_timeout closes it", async () => {
          const h = await harness("-c idle_in_transaction_session_timeout=150");
          const error = await h.runtime
            .transaction(async (scope) => {
              const ledger = scope.entity(Ledger);
              await ledger.put({ account: "t3", entry: 1, amount: 1 });
              await sleep(600);
              await ledger.put({ account: "t3", entry: 2, amount: 2 });
            })
            .catch((e: unknown) => e);
          expect(isPolyxenaError(error, "E_UNAVAILABLE"), String(error)).toBe(true);
          expect(error).toMatchObject({ operation: "transaction", outcome: "not-applied" });
          const stored = await db.pool.query(`SELECT count(*)::int AS n FROM "${db.schema}"."ledger" WHERE account = 't3'`);
          expect(stored.rows[0].n).toBe(0);
          await h.ledger.put({ account: "t3", entry: 9, amount: 9 });
          await h.runtime.close();
        });

        it("an idle pooled client whose backend is terminated does not take the process down (pool passed in without a listener)", async () => {
          const app = `px_kill_${randomBytes(4).toString("hex")}`;
          const pool = new pg.Pool({ connectionString: db.connectionString, max: 2, application_name: app });
          const adapter = createPostgresAdapter({ pool }, { schema: db.schema });
          await adapter.applySchema([Ledger.model]);
          const runtime = new PolyxenaRuntime({ stores: { postgres: adapter } }, [Ledger]);
          const ledger = runtime.entity(Ledger);
          await ledger.put({ account: "idle", entry: 1, amount: 1 });
          expect(await terminate(app, "state = 'idle'")).toBeGreaterThan(0);
          await sleep(100);
          expect((await ledger.get({ account: "idle", entry: 1 }, { consistency: "strong" })).item).toMatchObject({ amount: 1 });
          await pool.end();
        });
      });

      describe("Postgres: schema apply whose connection is killed", () => {
        it("rejects with E_UNAVAILABLE and the process survives", async () => {
          const h = await harness();
          const locker = new pg.Client({ connectionString: db.connectionString });
          await locker.connect();
          await locker.query("BEGIN");
          // Schema apply reads the live table (columns, constraints, whether it holds rows): it waits on this lock.
          await locker.query(`LOCK TABLE "${db.schema}"."${Ledger.model.table}" IN ACCESS EXCLUSIVE MODE`);
          try {
            const pending = h.adapter.applySchema([Ledger.model]).catch((e: unknown) => e);
            let killed = 0;
            for (let i = 0; i < 100 && killed === 0; i++) {
              await sleep(20);
              killed = await terminate(h.app, "wait_event_type = 'Lock'");
            }
            expect(killed).toBe(1);
            const error = await pending;
            expect(isPolyxenaError(error, "E_UNAVAILABLE"), String(error)).toBe(true);
          } finally {
            await locker.query("ROLLBACK");
            await locker.end();
          }
          await sleep(50);
          expect((await h.adapter.applySchema([Ledger.model])).applied).toEqual([]);
          await h.runtime.close();
        });
      });

      describe("Postgres: an outbox rebuild scan whose connection is killed", () => {
        it("rejects with E_UNAVAILABLE and the process survives", async () => {
          const h = await harness();
          await h.ledger.put({ account: "scan", entry: 1, amount: 1 });
          const settled = (await killedWhileWaiting(database, h, () => h.adapter.outbox.scan(Ledger.model, undefined, 10))) as { error?: unknown };
          expect(isPolyxenaError(settled.error, "E_UNAVAILABLE"), String(settled.error)).toBe(true);
          await sleep(50);
          expect((await h.ledger.get({ account: "scan", entry: 1 }, { consistency: "strong" })).item).toMatchObject({ amount: 1 });
          await h.runtime.close();
        });
      });
    },
  });
}
