/**
 * Get-by-key on Postgres: the Polyxena repository runtime (cache off) against
 * raw `pg` (unnamed query) and raw Kysely, at 1 and 16 requests in flight,
 * interleaved rounds, medians. All three share one pool.
 *
 *   npx tsx bench/postgres-get.ts
 *
 * Ends with one JSON line: `ratioVsPg` / `ratioVsKysely` are Polyxena's
 * throughput divided by the baseline's at 16 in flight (higher is better).
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { Kysely, PostgresDialect } from "kysely";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime } from "@polyxena/core";
import { createPostgresAdapter } from "@polyxena/adapters/postgres";
import { createPostgresTestDatabase } from "@polyxena/testkit";
import { compare, printResult, type CompareResult } from "./harness.js";

const Account = defineEntity("Account", {
  store: "postgres",
  schema: z.object({
    accountId: z.uuid(),
    email: z.string().max(200),
    plan: z.enum(["basic", "standard", "premium"]),
    balanceCents: z.bigint(),
    createdAt: z.date(),
    active: z.boolean(),
  }),
  key: { primary: ["accountId"] },
});

interface Database {
  account: { account_id: string; email: string; plan: string; balance_cents: string; created_at: Date; active: boolean };
}

const ROWS = 1000;

async function main(): Promise<void> {
  const db = await createPostgresTestDatabase("bench-postgres-get");
  const pool = new pg.Pool({ connectionString: db.connectionString, max: 16 });
  const adapter = createPostgresAdapter({ pool }, { schema: db.schema });
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }).withSchema(db.schema);
  try {
    await adapter.applySchema([Account.model]);
    const repo = new PolyxenaRuntime({ stores: { postgres: adapter } }, [Account]).entity(Account);
    const ids: string[] = [];
    for (let i = 0; i < ROWS; i++) {
      const accountId = randomUUID();
      ids.push(accountId);
      await repo.put({ accountId, email: `user${i}@example.com`, plan: "standard", balanceCents: BigInt(i) * 100n, createdAt: new Date(), active: i % 2 === 0 });
    }
    const id = (i: number) => ids[i % ROWS]!;
    const rawText = `SELECT "account_id", "email", "plan", "balance_cents", "created_at", "active" FROM "${db.schema}"."account" WHERE "account_id" = $1`;
    const contenders = [
      { name: "polyxena", run: (i: number) => repo.get({ accountId: id(i) }) },
      { name: "pg", run: (i: number) => pool.query(rawText, [id(i)]) },
      { name: "kysely", run: (i: number) => kysely.selectFrom("account").selectAll().where("account_id", "=", id(i)).executeTakeFirst() },
    ];
    // Sanity: every contender finds the row.
    for (const c of contenders) if (!(await c.run(0))) throw new Error(`${c.name} found nothing`);

    const c1 = await compare(contenders, { concurrency: 1, opsPerRound: 1500, rounds: 7, warmupOps: 1000 });
    const c16 = await compare(contenders, { concurrency: 16, opsPerRound: 4000, rounds: 7, warmupOps: 2000 });
    const summary = (r: CompareResult) => ({
      opsPerSec: r.opsPerSec,
      cpuMicrosPerOp: r.cpuMicrosPerOp,
      ratioVsPg: round(r.opsPerSec.polyxena! / r.opsPerSec.pg!),
      ratioVsKysely: round(r.opsPerSec.polyxena! / r.opsPerSec.kysely!),
    });
    const s1 = summary(c1);
    const s16 = summary(c16);
    console.error(`c1  ${JSON.stringify(s1)}`);
    console.error(`c16 ${JSON.stringify(s16)}`);
    printResult({ bench: "postgres-get", ratioVsPg: s16.ratioVsPg, ratioVsKysely: s16.ratioVsKysely, c1: s1, c16: s16 });
  } finally {
    await adapter.close();
    await pool.end();
    await db.drop();
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

await main();
