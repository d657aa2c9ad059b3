import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime } from "@polyxena/core";
import pg from "pg";
import { sql } from "kysely";
import { createPostgresAdapter, MIGRATIONS_TABLE, type PostgresAdapter } from "../src/postgres/index.js";
import {
  expectPolyxenaError,
  createPostgresTestDatabase,
  testPostgresUrl,
  type PostgresTestDatabase,
} from "@polyxena/testkit";

const Invoice = defineEntity("Invoice", {
  store: "postgres",
  schema: z.object({
    invoiceId: z.uuid(),
    customerEmail: z.string().max(120),
    status: z.enum(["open", "paid"]),
    amountCents: z.bigint(),
    issuedAt: z.date(),
    lines: z.array(z.object({ sku: z.string(), qty: z.number().int() })),
  }),
  key: { primary: ["invoiceId"] },
  queries: { byCustomer: { by: ["customerEmail"], order: { issuedAt: "desc" } } },
});

type InvoiceRow = { invoice_id: string; customer_email: string; status: string; amount_cents: string; issued_at: Date; lines: unknown };

const invoice = (over: Record<string, unknown> = {}) => ({
  invoiceId: randomUUID(),
  customerEmail: `${randomUUID()}@example.com`,
  status: "open" as const,
  amountCents: 1999n,
  issuedAt: new Date(Date.UTC(2026, 4, 1)),
  lines: [{ sku: "basic", qty: 1 }],
  ...over,
});

describe("postgres adapter", () => {
  let db: PostgresTestDatabase;
  let pool: pg.Pool;
  let adapter: PostgresAdapter;
  let runtime: PolyxenaRuntime;

  beforeAll(async () => {
    db = await createPostgresTestDatabase("postgres-adapter-own");
    // One connection, so that session state (prepared statements) is observable.
    pool = new pg.Pool({ connectionString: db.connectionString, max: 1 });
    adapter = createPostgresAdapter({ pool }, { schema: db.schema, name: "postgres:billing" });
    runtime = new PolyxenaRuntime({ stores: { postgres: adapter } }, [Invoice]);
  });
  afterAll(async () => {
    await adapter?.close();
    await pool?.end();
    await db?.drop();
  });

  it("applies the schema idempotently and records it in the migrations table", async () => {
    const first = await adapter.applySchema([Invoice.model]);
    expect(first.applied).toEqual([expect.stringContaining(`CREATE TABLE IF NOT EXISTS "${db.schema}"."invoice"`), expect.stringContaining('CREATE INDEX IF NOT EXISTS "invoice_by_customer_idx"')]);
    const again = await adapter.applySchema([Invoice.model]);
    expect(again).toEqual({ applied: [], unchanged: first.applied });
    const recorded = await db.pool.query(`SELECT statement, applied_at FROM "${db.schema}"."${MIGRATIONS_TABLE}" ORDER BY statement`);
    expect(recorded.rows.map((r: { statement: string }) => r.statement).sort()).toEqual([...first.applied].sort());
    const columns = await db.pool.query(
      "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'invoice' ORDER BY ordinal_position",
      [db.schema],
    );
    expect(columns.rows.map((c: { column_name: string; data_type: string }) => `${c.column_name}:${c.data_type}`)).toEqual([
      "invoice_id:uuid",
      "customer_email:character varying",
      "status:text",
      "amount_cents:numeric",
      "issued_at:timestamp with time zone",
      "lines:jsonb",
    ]);
  });

  it("concurrent applySchema calls take turns and apply each statement once", async () => {
    const other = defineEntity("Payment", {
      store: "postgres",
      schema: z.object({ paymentId: z.uuid(), cents: z.number().int() }),
      key: { primary: ["paymentId"] },
    });
    const results = await Promise.all([1, 2, 3].map(() => {
      const a = createPostgresAdapter({ connectionString: db.connectionString }, { schema: db.schema });
      return a.applySchema([other.model]).finally(() => a.close());
    }));
    expect(results.flatMap((r) => r.applied)).toHaveLength(1);
    expect(results.flatMap((r) => r.unchanged)).toHaveLength(2);
  });

  it("runs each operation as a named prepared statement, prepared once per connection", async () => {
    const repo = runtime.entity(Invoice);
    const item = invoice();
    await repo.put(item);
    for (let i = 0; i < 3; i++) expect((await repo.get({ invoiceId: item.invoiceId })).item).toEqual(item);
    const prepared = await pool.query<{ name: string; statement: string }>("SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'px\\_%'");
    const gets = prepared.rows.filter((r) => r.statement.startsWith("SELECT") && r.statement.includes('WHERE "invoice_id" = $1::uuid'));
    expect(gets).toHaveLength(1);
    expect(gets[0]!.statement).toBe(`SELECT "invoice_id", "customer_email", "status", "amount_cents", "issued_at", "lines" FROM "${db.schema}"."invoice" WHERE "invoice_id" = $1::uuid`);
    expect(prepared.rows.some((r) => r.statement.startsWith(`INSERT INTO "${db.schema}"."invoice"`) && r.statement.includes("ON CONFLICT"))).toBe(true);
  });

  it("prepares again under a new name when a column's type changed under a prepared statement (cached plan must not change result type)", async () => {
    const Note = defineEntity("Note", {
      store: "postgres",
      schema: z.object({ noteId: z.uuid(), body: z.string().max(50), stars: z.number().int() }),
      key: { primary: ["noteId"] },
      queries: { byBody: { by: ["body"] } },
    });
    await adapter.applySchema([Note.model]);
    const noteRuntime = new PolyxenaRuntime({ stores: { postgres: adapter } }, [Note]);
    const notes = noteRuntime.entity(Note);
    const note = { noteId: randomUUID(), body: "first", stars: 1 };
    await notes.put(note);
    // Prepared on the pool's one connection: the get, the query and the update's RETURNING.
    expect((await notes.get({ noteId: note.noteId })).item).toEqual(note);
    expect((await notes.query("byBody", { body: "first" })).items).toEqual([note]);
    await notes.update({ noteId: note.noteId }, { stars: 2 });
    // A migration elsewhere widens the columns: every statement above now has another result type.
    await db.pool.query(`ALTER TABLE "${db.schema}"."note" ALTER COLUMN "body" TYPE varchar(80), ALTER COLUMN "stars" TYPE bigint`);
    expect((await notes.get({ noteId: note.noteId })).item).toEqual({ ...note, stars: 2 });
    expect((await notes.query("byBody", { body: "first" })).items).toEqual([{ ...note, stars: 2 }]);
    expect((await notes.update({ noteId: note.noteId }, { stars: 3 })).stars).toBe(3);
    // Inside a transaction the failed statement aborts it; the transaction's next attempt runs.
    await db.pool.query(`ALTER TABLE "${db.schema}"."note" ALTER COLUMN "body" TYPE varchar(90)`);
    const inTransaction = () => noteRuntime.transaction(async (scope) => (await scope.entity(Note).get({ noteId: note.noteId })).item, { store: "postgres" });
    await expect(inTransaction()).rejects.toMatchObject({ code: "E_STORE", message: expect.stringContaining("cached plan must not change result type"), fix: expect.stringContaining("run the transaction again") });
    expect(await inTransaction()).toEqual({ ...note, stars: 3 });
  });

  it("decodes every column type from the text rows of its prepared statements, in a session time zone with odd offsets, and binds array parameters with quotes and backslashes", async () => {
    const Sample = defineEntity("Sample", {
      store: "postgres",
      schema: z.object({
        sampleId: z.string(),
        part: z.number().int(),
        flag: z.boolean(),
        ratio: z.number(),
        big: z.bigint(),
        wide: z.number().int().min(0).max(2 ** 40),
        at: z.date(),
        maybeAt: z.date().nullable(),
        tags: z.array(z.string()),
        note: z.string().optional(),
      }),
      key: { primary: ["sampleId", "part"] },
    });
    // Asia/Kathmandu is +05:45 today and +05:41:16 (local mean time) in year 99.
    const zoned = new pg.Pool({ connectionString: db.connectionString, max: 2, options: "-c TimeZone=Asia/Kathmandu" });
    const zonedAdapter = createPostgresAdapter({ pool: zoned }, { schema: db.schema });
    try {
      await zonedAdapter.applySchema([Sample.model]);
      const samples = new PolyxenaRuntime({ stores: { postgres: zonedAdapter } }, [Sample]).entity(Sample);
      const items = [
        { sampleId: 'quote " and \\ back, {brace}', part: -7, flag: true, ratio: 0.1 + 0.2, big: -(10n ** 30n), wide: 2 ** 40, at: new Date("2026-12-06T08:05:00.123Z"), maybeAt: null, tags: ["a", 'b"c'] },
        { sampleId: "NULL", part: 2147483647, flag: false, ratio: -1e-300, big: 0n, wide: 0, at: new Date("0099-05-01T00:00:00.000Z"), maybeAt: new Date(0), tags: [], note: "ü ✓" },
      ];
      for (const item of items) await samples.put(item);
      for (const item of items) expect((await samples.get({ sampleId: item.sampleId, part: item.part })).item).toEqual(item);
      const many = await samples.getMany([...items.map((i) => ({ sampleId: i.sampleId, part: i.part })), { sampleId: "null", part: 2 }]);
      expect(many).toEqual([...items, undefined]);
    } finally {
      await zonedAdapter.close();
      await zoned.end();
    }
  });

  it("works on a pool in pipeline mode, which refuses query objects of its own (Submittables)", async () => {
    const pipelined = new pg.Pool({ connectionString: db.connectionString, max: 2, pipeline: true });
    const pipelinedAdapter = createPostgresAdapter({ pool: pipelined }, { schema: db.schema });
    try {
      await pipelinedAdapter.applySchema([Invoice.model]);
      const repo = new PolyxenaRuntime({ stores: { postgres: pipelinedAdapter } }, [Invoice]).entity(Invoice);
      const item = invoice();
      await repo.put(item);
      expect((await repo.get({ invoiceId: item.invoiceId })).item).toEqual(item);
    } finally {
      await pipelinedAdapter.close();
      await pipelined.end();
    }
  });

  it("stores values in their native column types", async () => {
    const item = invoice({ amountCents: 12345678901234567890123n });
    await runtime.entity(Invoice).put(item);
    const row = (await db.pool.query<InvoiceRow>(`SELECT * FROM "${db.schema}"."invoice" WHERE invoice_id = $1`, [item.invoiceId])).rows[0]!;
    expect(row.amount_cents).toBe("12345678901234567890123");
    expect(row.issued_at.getTime()).toBe(item.issuedAt.getTime());
    expect(row.lines).toEqual([{ sku: "basic", qty: 1 }]);
  });

  it("exposes a Kysely instance on the same pool and schema for ad-hoc queries", async () => {
    const item = invoice({ status: "paid" });
    await runtime.entity(Invoice).put(item);
    interface Database {
      invoice: InvoiceRow;
    }
    const rows = await adapter.kysely<Database>().selectFrom("invoice").select(["invoice_id", "status"]).where("invoice_id", "=", item.invoiceId).execute();
    expect(rows).toEqual([{ invoice_id: item.invoiceId, status: "paid" }]);
  });

  it("maps a unique violation to E_ALREADY_EXISTS naming the constraint, with the statement but no values", async () => {
    await sql`CREATE UNIQUE INDEX IF NOT EXISTS invoice_email_unique ON ${sql.table(`${db.schema}.invoice`)} (customer_email)`.execute(adapter.kysely());
    const email = `unique-${randomUUID()}@example.com`;
    await runtime.entity(Invoice).put(invoice({ customerEmail: email }));
    const error = await expectPolyxenaError(runtime.entity(Invoice).put(invoice({ customerEmail: email })), "E_ALREADY_EXISTS");
    expect(error.constraint).toBe("invoice_email_unique");
    expect(error.store).toBe("postgres:billing");
    expect(error.entity).toBe("Invoice");
    expect(error.statement).toMatch(/^INSERT INTO ".*"\."invoice" .* ON CONFLICT \("invoice_id"\) DO UPDATE/);
    expect(error.statement).not.toContain(email);
    expect(adapter.classifyError(error.cause)).toBe("already-exists");
    await sql`DROP INDEX ${sql.table(`${db.schema}.invoice_email_unique`)}`.execute(adapter.kysely());
  });

  it("fails with E_UNAVAILABLE, the statement and a not-applied outcome when Postgres cannot be reached", async () => {
    const url = new URL(testPostgresUrl());
    url.port = "1";
    const down = createPostgresAdapter({ connectionString: url.toString() }, { schema: db.schema });
    const repo = new PolyxenaRuntime({ stores: { postgres: down } }, [Invoice]).entity(Invoice);
    const error = await expectPolyxenaError(repo.put(invoice()), "E_UNAVAILABLE");
    expect(error.statement).toContain("INSERT INTO");
    expect(error.outcome).toBe("not-applied");
    expect(down.classifyError(error.cause)).toBe("unavailable");
    await down.close();
  });

  it("closes a pool it created, and leaves a pool it was given open", async () => {
    const owned = createPostgresAdapter({ connectionString: db.connectionString }, { schema: db.schema });
    const repo = new PolyxenaRuntime({ stores: { postgres: owned } }, [Invoice]).entity(Invoice);
    await repo.get({ invoiceId: randomUUID() });
    await owned.close();
    await expectPolyxenaError(repo.get({ invoiceId: randomUUID() }), "E_UNAVAILABLE");

    const borrowed = createPostgresAdapter({ pool }, { schema: db.schema });
    await borrowed.close();
    expect((await pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  });

  it("runs every statement of a transaction on the transaction's own connection", async () => {
    // The pool has one connection: statements sent anywhere else would wait for it forever.
    const repo = runtime.entity(Invoice);
    const a = invoice();
    const b = invoice({ customerEmail: a.customerEmail, issuedAt: new Date(Date.UTC(2026, 4, 2)) });
    const page = await runtime.transaction(async (tx) => {
      const inTx = tx.entity(Invoice);
      await inTx.put(a);
      await inTx.put(b, { ifNotExists: true });
      await inTx.update({ invoiceId: a.invoiceId }, { status: "paid" });
      return inTx.query("byCustomer", { customerEmail: a.customerEmail });
    }, { isolation: "serializable" });
    expect(page.items.map((i) => i.invoiceId)).toEqual([b.invoiceId, a.invoiceId]);
    expect(((await repo.get({ invoiceId: a.invoiceId })).item as { status: string }).status).toBe("paid");
  });
  it("reports a serialization failure at COMMIT as E_CONDITION_FAILED and rolls that transaction back", async () => {
    // Write skew: two serializable transactions each read both rows and write a different one.
    const many = createPostgresAdapter({ connectionString: db.connectionString, max: 4 }, { schema: db.schema });
    const skew = new PolyxenaRuntime({ stores: { postgres: many } }, [Invoice]);
    const a = invoice({ status: "open" });
    const b = invoice({ status: "open", customerEmail: a.customerEmail });
    await skew.entity(Invoice).put(a);
    await skew.entity(Invoice).put(b);
    const deferred = () => {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    };
    const read = [deferred(), deferred()];
    const secondUpdated = deferred();
    const firstCommitted = deferred();
    // The order is forced: both read, the first updates, the second updates, the first commits, then the second.
    const first = skew
      .transaction(
        async (tx) => {
          await tx.entity(Invoice).query("byCustomer", { customerEmail: a.customerEmail });
          read[0]!.resolve();
          await read[1]!.promise;
          await tx.entity(Invoice).update({ invoiceId: a.invoiceId }, { status: "paid" });
          await secondUpdated.promise;
        },
        { isolation: "serializable" },
      )
      .finally(() => firstCommitted.resolve());
    const second = skew.transaction(
      async (tx) => {
        await tx.entity(Invoice).query("byCustomer", { customerEmail: a.customerEmail });
        read[1]!.resolve();
        await read[0]!.promise;
        await tx.entity(Invoice).update({ invoiceId: b.invoiceId }, { status: "paid" });
        secondUpdated.resolve();
        await firstCommitted.promise;
      },
      { isolation: "serializable" },
    );
    await first;
    const error = await expectPolyxenaError(second, "E_CONDITION_FAILED");
    expect(error.statement).toBe("COMMIT");
    expect(error.constraint).toBe("serialization_failure");
    const statuses = await Promise.all([a, b].map(async (x) => ((await skew.entity(Invoice).get({ invoiceId: x.invoiceId })).item as { status: string }).status));
    expect(statuses).toEqual(["paid", "open"]);
    await many.close();
  });
  it("the test database helper says how to start Postgres when it is unreachable", async () => {
    const url = new URL(testPostgresUrl());
    url.port = "1";
    const saved = process.env.POLYXENA_TEST_POSTGRES_URL;
    process.env.POLYXENA_TEST_POSTGRES_URL = url.toString();
    try {
      await expect(createPostgresTestDatabase("unreachable")).rejects.toThrow(/not reachable.*pg_ctlcluster --skip-systemctl-redirect/s);
    } finally {
      if (saved === undefined) delete process.env.POLYXENA_TEST_POSTGRES_URL;
      else process.env.POLYXENA_TEST_POSTGRES_URL = saved;
    }
  });
});
