import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { PolyxenaRuntime, defineEntity } from "@polyxena/core";
import { createPostgresTestDatabase, type PostgresTestDatabase } from "@polyxena/testkit";
import { createPostgresAdapter, type PostgresAdapter } from "../src/postgres/index.js";

const Ledger = defineEntity("Ledger", {
  store: "postgres",
  schema: z.object({ entryId: z.uuid(), amountCents: z.number().int(), total: z.bigint(), bookedAt: z.date(), memo: z.string() }),
  key: { primary: ["entryId"] },
});

/** What the generated `Database` type promises for the `ledger` table. */
interface LedgerRow {
  entry_id: string;
  amount_cents: number;
  total: bigint;
  booked_at: Date;
  memo: string;
}

describe("postgres adapter: ad-hoc Kysely queries", () => {
  let db: PostgresTestDatabase;
  let adapter: PostgresAdapter;
  beforeAll(async () => {
    db = await createPostgresTestDatabase("kysely");
    adapter = createPostgresAdapter({ connectionString: db.connectionString }, { schema: db.schema });
    await adapter.applySchema([Ledger.model]);
  });
  afterAll(async () => {
    await adapter?.close();
    await db?.drop();
  });

  it("return rows whose values match the generated Database types (int8 as number, numeric as bigint, timestamptz as Date)", async () => {
    const repo = new PolyxenaRuntime({ stores: { postgres: adapter } }, [Ledger]).entity(Ledger);
    const entry = { entryId: "0a0b0c0d-0000-4000-8000-000000000001", amountCents: 2_000_000_000_000, total: 123456789012345678901234567890n, bookedAt: new Date("2026-05-01T00:00:00Z"), memo: "it's" };
    await repo.put(entry);
    const rows = await adapter.kysely<{ ledger: LedgerRow }>().selectFrom("ledger").selectAll().where("memo", "=", "it's").execute();
    expect(rows).toEqual([{ entry_id: entry.entryId, amount_cents: entry.amountCents, total: entry.total, booked_at: entry.bookedAt, memo: "it's" }]);
    expect(typeof rows[0]!.amount_cents).toBe("number");
  });
});
