import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  PolyxenaRuntime,
  createCacheAside,
  defineEntity,
  isPolyxenaError,
  type OperationEvent,
  MetricsRecorder,
  createResiliencePolicy,
} from "@polyxena/core";
import { createMemcachedDriver } from "@polyxena/adapters/memcached";
import { createPostgresAdapter } from "@polyxena/adapters/postgres";
import { startMemcached, type MemcachedCluster } from "../src/memcached-server.js";
import { createPostgresTestDatabase, type PostgresTestDatabase } from "../src/postgres-test-database.js";

/**
 * Stale-if-error end to end: real memcached in front of real Postgres. When
 * Postgres hangs (its table locked) and the fresh cache entry has expired,
 * the read times out at the store and is served from the stale copy, flagged
 * as stale in the result, the event and the metrics.
 */

const Quote = defineEntity("Quote", {
  store: "postgres",
  schema: z.object({ quoteId: z.string().min(1), cents: z.number().int() }),
  key: { primary: ["quoteId"] },
  consistency: { read: "eventual", write: "strong" },
  cache: { ttl: "1s", staleIfError: "60s" },
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let db: PostgresTestDatabase;
let cluster: MemcachedCluster;

beforeAll(async () => {
  db = await createPostgresTestDatabase("stale_if_error");
  cluster = await startMemcached({ count: 1 });
});

afterAll(async () => {
  await cluster?.stop();
  await db?.drop();
});

describe("stale-if-error", () => {
  it("serves the stale copy from memcached when Postgres hangs, and only for values it had cached", async () => {
    const pool = new pg.Pool({ connectionString: db.connectionString, max: 6, application_name: `px_stale_${randomBytes(3).toString("hex")}` });
    pool.on("error", () => undefined);
    const adapter = createPostgresAdapter({ pool }, { schema: db.schema });
    await adapter.applySchema([Quote.model]);
    // Seeded behind the SDK's back, so no write tombstone delays the first fill.
    await db.pool.query(`INSERT INTO "${db.schema}"."quote" (quote_id, cents) VALUES ('q1', 1299), ('q2', 4500)`);

    const cache = createCacheAside({ driver: createMemcachedDriver({ zones: [{ name: "a", servers: cluster.addresses }], timeoutMs: 2_000 }), prefix: `stale${randomBytes(3).toString("hex")}` });
    const events: OperationEvent[] = [];
    const metrics = new MetricsRecorder();
    const policy = createResiliencePolicy({ timeouts: { read: 1_000 }, retry: false, breaker: false });
    const quotes = new PolyxenaRuntime({ stores: { postgres: adapter }, cache, policy, onOperation: [metrics.listener, (e) => events.push(e)] }, [Quote]).entity(Quote);

    expect((await quotes.get({ quoteId: "q1" })).source).toBe("store");
    // The fill is an `add` to memcached; on a loaded machine it may need another read to land.
    let warm = await quotes.get({ quoteId: "q1" });
    for (let i = 0; i < 10 && warm.source !== "l2"; i++) warm = await quotes.get({ quoteId: "q1" });
    expect(warm.source).toBe("l2");

    const locker = new pg.Client({ connectionString: db.connectionString });
    await locker.connect();
    await locker.query("BEGIN");
    await locker.query(`LOCK TABLE "${db.schema}"."quote" IN ACCESS EXCLUSIVE MODE`);
    try {
      // Until the 1 s entry expires reads are plain L2 hits; then the store is asked, times out, and the stale copy answers.
      let read = await quotes.get({ quoteId: "q1" });
      for (let i = 0; i < 40 && read.source === "l2"; i++) {
        await sleep(100);
        read = await quotes.get({ quoteId: "q1" });
      }
      expect(read).toEqual({ item: { quoteId: "q1", cents: 1299 }, source: "stale", stale: true });
      expect(events.at(-1)).toMatchObject({ operation: "get", outcome: "ok", cache: "stale", stale: true });

      // Never cached: nothing stale to serve, so the store's timeout reaches the caller.
      const miss = await quotes.get({ quoteId: "q2" }).catch((e: unknown) => e);
      expect(isPolyxenaError(miss, "E_TIMEOUT")).toBe(true);
      expect(miss).toMatchObject({ store: "postgres", entity: "Quote" });
    } finally {
      await locker.query("ROLLBACK");
      await locker.end();
    }

    const after = await quotes.get({ quoteId: "q1" });
    expect(after.item).toEqual({ quoteId: "q1", cents: 1299 });
    expect(after.stale).toBe(false);
    const quote = metrics.snapshot().entities.find((e) => e.entity === "Quote")!;
    expect(quote.cache.stale).toBeGreaterThanOrEqual(1);
    expect(quote.errorsByCode.E_TIMEOUT).toBe(1);
    await cache.close?.();
    await pool.end();
  });
});
