import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { PolyxenaRuntime, defineEntity, isPolyxenaError, createResiliencePolicy } from "@polyxena/core";
import { createPostgresAdapter, type PostgresAdapter } from "@polyxena/adapters/postgres";
import { createPostgresTestDatabase, type PostgresTestDatabase } from "../../postgres-test-database.js";

const Ledger = defineEntity("Ledger", {
  store: "postgres",
  schema: z.object({ account: z.string().min(1), entry: z.number().int(), amount: z.number().int() }),
  key: { primary: ["account", "entry"] },
  queries: { entriesOf: { by: ["account"], order: { entry: "asc" } } },
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Registers the cases of Postgres connections killed in the middle of each
 * kind of operation (pg_terminate_backend, idle_in_transaction_session_timeout):
 * the call rejects with a PolyxenaError carrying what the store lets us know
 * of its outcome, the process survives, and the next call works. Real server only.
 */
export function postgresKilledConnections(name: string): void {
  describe(`${name}: connections killed`, () => {
    let db: PostgresTestDatabase;
    let admin: pg.Client;

    beforeAll(async () => {
      db = await createPostgresTestDatabase("killed_connections");
      admin = new pg.Client({ connectionString: db.connectionString });
      await admin.connect();
    });

    afterAll(async () => {
      await admin?.end();
      await db?.drop();
    });

    interface Harness {
      adapter: PostgresAdapter;
      app: string;
      ledger: ReturnType<PolyxenaRuntime["entity"]>;
      runtime: PolyxenaRuntime;
      policy: ReturnType<typeof createResiliencePolicy>;
    }

    /** An adapter on its own pool (created by the adapter, so Polyxena owns every listener), tagged so its backends can be found. */
    async function harness(extraOptions = ""): Promise<Harness> {
      const app = `px_kill_${randomBytes(4).toString("hex")}`;
      const url = new URL(db.connectionString);
      url.searchParams.set("application_name", app);
      if (extraOptions) url.searchParams.set("options", extraOptions);
      const adapter = createPostgresAdapter({ connectionString: url.toString(), max: 4 }, { schema: db.schema });
      await adapter.applySchema([Ledger.model]);
      const policy = createResiliencePolicy({ retry: false, timeouts: { read: 5_000, write: 5_000, query: 5_000 } });
      const runtime = new PolyxenaRuntime({ stores: { postgres: adapter }, policy }, [Ledger]);
      return { adapter, app, ledger: runtime.entity(Ledger), runtime, policy };
    }

    async function terminate(app: string, where = "true"): Promise<number> {
      const r = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid() AND ${where}`, [app]);
      return r.rowCount ?? 0;
    }

    /** Runs `call` while the ledger table is locked, kills the backend waiting on the lock, and returns what the call settled with. */
    async function killedWhileWaiting(h: Harness, call: () => Promise<unknown>): Promise<unknown> {
      const locker = new pg.Client({ connectionString: db.connectionString });
      await locker.connect();
      await locker.query("BEGIN");
      await locker.query(`LOCK TABLE "${db.schema}"."ledger" IN ACCESS EXCLUSIVE MODE`);
      try {
        let settled = false;
        const pending = call().then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
        void pending.then(() => (settled = true));
        // Every backend of the call that waits on the lock is killed (a bulk write may use several).
        let killed = 0;
        for (let i = 0; i < 150 && !settled; i++) {
          await sleep(20);
          killed += await terminate(h.app, "wait_event_type = 'Lock'");
        }
        expect(killed).toBeGreaterThan(0);
        return await pending;
      } finally {
        await locker.query("ROLLBACK");
        await locker.end();
      }
    }

    describe("Postgres: a connection killed mid-operation", () => {
      it("read, write, query page and bulk each reject with E_UNAVAILABLE, the breaker stays closed, and the next call works", async () => {
        const h = await harness();
        await h.ledger.put({ account: "a", entry: 1, amount: 10 });
        const cases: [string, () => Promise<unknown>, "not-applied" | "unknown" | undefined][] = [
          ["get", () => h.ledger.get({ account: "a", entry: 1 }, { consistency: "strong" }), undefined],
          ["getMany", () => h.ledger.getMany([{ account: "a", entry: 1 }, { account: "a", entry: 2 }], { consistency: "strong" }), undefined],
          ["put", () => h.ledger.put({ account: "a", entry: 2, amount: 20 }), undefined],
          ["update", () => h.ledger.update({ account: "a", entry: 1 }, { amount: 11 }), "unknown"],
          ["query", () => h.ledger.query("entriesOf", { account: "a" }, { limit: 1 }), undefined],
          ["putMany", () => h.ledger.putMany([{ account: "b", entry: 1, amount: 1 }, { account: "b", entry: 2, amount: 2 }]), undefined],
        ];
        for (const [name, call, outcome] of cases) {
          const settled = (await killedWhileWaiting(h, call)) as { value?: unknown; error?: unknown };
          if (name === "putMany") {
            // A bulk write reports each refused item; the killed one is E_UNAVAILABLE.
            const result = settled.value as { failed: { error: unknown }[] };
            expect(result.failed.length, name).toBeGreaterThan(0);
            for (const f of result.failed) expect(isPolyxenaError(f.error, "E_UNAVAILABLE"), `${name}: ${String(f.error)}`).toBe(true);
            continue;
          }
          expect(isPolyxenaError(settled.error, "E_UNAVAILABLE"), `${name}: ${String(settled.error)}`).toBe(true);
          if (outcome) expect((settled.error as { outcome?: string }).outcome, name).toBe(outcome);
          expect((settled.error as { store?: string }).store).toBe("postgres");
        }
        // Six lost connections are store failures, but too few calls to open the breaker.
        expect(h.policy.breakerState("postgres")).toBe("closed");
        const after = await h.ledger.get({ account: "a", entry: 1 }, { consistency: "strong" });
        expect(after.item).toMatchObject({ account: "a", entry: 1 });
        await h.runtime.close();
      });
    });

    describe("Postgres: a transaction whose connection is closed between statements", () => {
      it("rejects with E_UNAVAILABLE, outcome not-applied, after pg_terminate_backend, and writes nothing", async () => {
        const h = await harness();
        const error = await h.runtime
          .transaction(async (scope) => {
            const ledger = scope.entity(Ledger);
            await ledger.put({ account: "t1", entry: 1, amount: 1 });
            expect(await terminate(h.app, "state = 'idle in transaction'")).toBe(1);
            // The backend is gone while no statement runs: the client emits `error` now.
            await sleep(100);
            await ledger.put({ account: "t1", entry: 2, amount: 2 });
          })
          .catch((e: unknown) => e);
        expect(isPolyxenaError(error, "E_UNAVAILABLE"), String(error)).toBe(true);
        expect(error).toMatchObject({ store: "postgres", operation: "transaction", outcome: "not-applied" });
        const stored = await db.pool.query(`SELECT count(*)::int AS n FROM "${db.schema}"."ledger" WHERE account = 't1'`);
        expect(stored.rows[0].n).toBe(0);
        // The pool replaced the broken client: other callers are not affected.
        await h.ledger.put({ account: "t1", entry: 3, amount: 3 });
        expect((await h.ledger.get({ account: "t1", entry: 3 }, { consistency: "strong" })).item).toMatchObject({ amount: 3 });
        await h.runtime.close();
      });

      it("rejects with E_UNAVAILABLE, outcome not-applied, when the work returns after the connection died (COMMIT never reaches Postgres)", async () => {
        const h = await harness();
        const error = await h.runtime
          .transaction(async (scope) => {
            await scope.entity(Ledger).put({ account: "t2", entry: 1, amount: 1 });
            await terminate(h.app, "state = 'idle in transaction'");
            await sleep(100);
          })
          .catch((e: unknown) => e);
        expect(isPolyxenaError(error, "E_UNAVAILABLE"), String(error)).toBe(true);
        expect(error).toMatchObject({ operation: "transaction", outcome: "not-applied" });
        const stored = await db.pool.query(`SELECT count(*)::int AS n FROM "${db.schema}"."ledger" WHERE account = 't2'`);
        expect(stored.rows[0].n).toBe(0);
        await h.runtime.close();
      });

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
        const settled = (await killedWhileWaiting(h, () => h.adapter.outbox.scan(Ledger.model, undefined, 10))) as { error?: unknown };
        expect(isPolyxenaError(settled.error, "E_UNAVAILABLE"), String(settled.error)).toBe(true);
        await sleep(50);
        expect((await h.ledger.get({ account: "scan", entry: 1 }, { consistency: "strong" })).item).toMatchObject({ amount: 1 });
        await h.runtime.close();
      });
    });
  });
}
