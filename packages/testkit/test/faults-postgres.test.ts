import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { PolyxenaRuntime, defineEntity, isPolyxenaError, type OperationEvent, createResiliencePolicy } from "@polyxena/core";
import { createPostgresAdapter, type PostgresAdapter } from "@polyxena/adapters/postgres";
import { ChaosAdapter } from "../src/chaos-adapter.js";
import { createPostgresTestDatabase, type PostgresTestDatabase } from "../src/postgres-test-database.js";

/**
 * Real Postgres faults under the resilience policy: backends terminated with
 * pg_terminate_backend in the middle of a write load, and a table locked so
 * that every statement on it hangs.
 */

const Reading = defineEntity("Reading", {
  store: "postgres",
  schema: z.object({ readingId: z.string().min(1), value: z.number().int() }),
  key: { primary: ["readingId"] },
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let db: PostgresTestDatabase;
let admin: pg.Client;

beforeAll(async () => {
  db = await createPostgresTestDatabase("faults");
  admin = new pg.Client({ connectionString: db.connectionString });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await db?.drop();
});

/** An adapter on its own pool, tagged with an application name so its backends can be found. */
async function taggedAdapter(max: number): Promise<{ adapter: PostgresAdapter; pool: pg.Pool; app: string }> {
  const app = `px_faults_${randomBytes(4).toString("hex")}`;
  const pool = new pg.Pool({ connectionString: db.connectionString, max, application_name: app });
  pool.on("error", () => undefined); // idle clients whose backend was terminated
  const adapter = createPostgresAdapter({ pool }, { schema: db.schema });
  await adapter.applySchema([Reading.model]);
  return { adapter, pool, app };
}

describe("Postgres backends terminated mid-load", () => {
  it("loses no acknowledged write, and every call settles as a success, E_UNAVAILABLE or E_TIMEOUT", async () => {
    const { adapter, pool, app } = await taggedAdapter(6);
    const events: OperationEvent[] = [];
    const policy = createResiliencePolicy({ timeouts: { read: 3_000, write: 3_000 }, retry: { retries: 5, initialDelayMs: 5, maxDelayMs: 40 }, breaker: false });
    const readings = new PolyxenaRuntime({ stores: { postgres: adapter }, policy, onOperation: (e) => events.push(e) }, [Reading]).entity(Reading);

    const acknowledged = new Map<string, number>();
    const failures: unknown[] = [];
    const readFailures: unknown[] = [];
    let running = true;
    let terminated = 0;
    const killer = (async () => {
      while (running) {
        const r = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()", [app]);
        terminated += r.rowCount ?? 0;
        await sleep(15);
      }
    })();
    const writer = async (w: number) => {
      for (let i = 0; i < 40; i++) {
        const readingId = `w${w}-${i}`;
        const value = w * 1000 + i;
        try {
          await readings.put({ readingId, value });
          acknowledged.set(readingId, value);
        } catch (error) {
          if (!isPolyxenaError(error, "E_UNAVAILABLE") && !isPolyxenaError(error, "E_TIMEOUT")) throw error;
          failures.push(error);
          continue;
        }
        // Read-your-write through the same failing pool: an acknowledged write is visible.
        try {
          const read = await readings.get({ readingId }, { consistency: "strong" });
          expect(read.item).toEqual({ readingId, value });
        } catch (error) {
          if (!isPolyxenaError(error, "E_UNAVAILABLE") && !isPolyxenaError(error, "E_TIMEOUT")) throw error;
          readFailures.push(error);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
    } finally {
      running = false;
      await killer;
    }

    expect(terminated).toBeGreaterThan(0);
    expect(acknowledged.size + failures.length).toBe(320);
    expect(acknowledged.size).toBeGreaterThan(0);
    const stored = await db.pool.query(`SELECT reading_id, value FROM "${db.schema}"."reading"`);
    const byId = new Map(stored.rows.map((r: { reading_id: string; value: number }) => [r.reading_id, Number(r.value)]));
    for (const [id, value] of acknowledged) expect(byId.get(id)).toBe(value);
    // Every event settled, and retried calls say so.
    expect(events.filter((e) => e.operation === "put")).toHaveLength(320);
    expect(events.every((e) => e.outcome === "ok" || e.errorCode === "E_UNAVAILABLE" || e.errorCode === "E_TIMEOUT")).toBe(true);
    expect(events.some((e) => (e.retries ?? 0) > 0)).toBe(true); // broken connections were retried
    await pool.end();
  });
});

describe("a Postgres table that hangs", () => {
  it("times every call out, opens the breaker so calls stop reaching Postgres, and recovers after the lock goes", async () => {
    const { adapter, pool } = await taggedAdapter(8);
    const counted = new ChaosAdapter(adapter); // no faults: it only counts calls that reach the adapter
    const policy = createResiliencePolicy({
      timeouts: { read: 1_000, write: 1_000 },
      retry: false,
      // One success and five timeouts below: the fifth timeout (the write) opens it.
      breaker: { minimumCalls: 6, halfOpenAfterMs: 400 },
    });
    const readings = new PolyxenaRuntime({ stores: { postgres: counted }, policy }, [Reading]).entity(Reading);
    await readings.put({ readingId: "before", value: 1 });

    const locker = new pg.Client({ connectionString: db.connectionString });
    await locker.connect();
    await locker.query("BEGIN");
    await locker.query(`LOCK TABLE "${db.schema}"."reading" IN ACCESS EXCLUSIVE MODE`);
    let released = false;
    try {
      const reads = await Promise.allSettled(Array.from({ length: 4 }, () => readings.get({ readingId: "before" })));
      expect(reads.every((r) => r.status === "rejected" && isPolyxenaError(r.reason, "E_TIMEOUT"))).toBe(true);
      const write = await readings.put({ readingId: "during", value: 2 }).catch((e: unknown) => e);
      // The statement may still run once the lock goes: the caller is told the outcome is unknown.
      expect(isPolyxenaError(write, "E_TIMEOUT")).toBe(true);
      expect(write).toMatchObject({ store: "postgres", entity: "Reading", operation: "Reading.put", outcome: "unknown" });
      expect(policy.breakerState(counted)).toBe("open");

      const callsBefore = counted.calls();
      const fast = await readings.get({ readingId: "before" }).catch((e: unknown) => e);
      expect(isPolyxenaError(fast, "E_UNAVAILABLE")).toBe(true);
      expect(counted.calls()).toBe(callsBefore); // failed fast without touching Postgres
      // Every call above settled while the table was still locked: none waited for Postgres.
      expect(released).toBe(false);
    } finally {
      await locker.query("ROLLBACK");
      released = true;
      await locker.end();
    }

    let recovered: unknown;
    for (let i = 0; i < 100 && recovered === undefined; i++) {
      await sleep(50);
      recovered = await readings.get({ readingId: "before" }).then(
        (r) => r.item,
        () => undefined,
      );
    }
    expect(recovered).toEqual({ readingId: "before", value: 1 });
    expect(policy.breakerState(counted)).toBe("closed");
    // The write that timed out was applied after all: that is what "outcome unknown" means.
    const during = await readings.get({ readingId: "during" });
    expect(during.item).toEqual({ readingId: "during", value: 2 });
    await pool.end();
  });
});
