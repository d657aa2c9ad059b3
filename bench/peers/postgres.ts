/**
 * Postgres get by key: the Polyxena repository (cache off) against the ORMs a
 * user would pick instead, each used as its documentation recommends, and raw
 * `pg` as the baseline, on the same table and rows, at 1 and 16 in flight,
 * interleaved rounds, medians:
 *
 * - Drizzle: a prepared query (`.prepare()` with a placeholder) over the shared `pg` pool;
 * - Prisma 7: the Rust-free client (query compiler in WebAssembly) with the
 *   `@prisma/adapter-pg` driver adapter over the shared pool, `findUnique`;
 *   the client is generated and committed (bench/peers/prisma);
 * - TypeORM: a DataSource with an EntitySchema, `repository.findOneBy`;
 * - MikroORM 6: an EntitySchema, `em.fork().findOne` per request (a fresh
 *   identity map per request, as its docs require);
 * - raw `pg`: `pool.query` of the same SQL Polyxena sends, unnamed (parsed and
 *   planned by the server on every call), as pg's documentation shows it;
 *   Polyxena sends it as a named prepared statement without Describe.
 *
 * Two more contenders measure what separates Polyxena from Drizzle:
 * `pg-prepared` (raw pg with a named prepared statement, which is what
 * Drizzle's `.prepare()` sends) and `drizzle+zod` (Drizzle after the same zod
 * key check Polyxena makes).
 *
 * Polyxena, `pg`, Drizzle and Prisma share one pool of 16; TypeORM and
 * MikroORM own a pool of 16 each. Polyxena checks the key against the
 * entity's zod schema before it sends the query and maps columns to fields.
 *
 *   pnpm bench peers postgres
 *
 * Ends with one JSON line: `{ bench: "peers-postgres", lines: PeerLine[] }`.
 */
import "reflect-metadata";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { z } from "zod";
import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { bigint, boolean, pgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { PrismaPg } from "@prisma/adapter-pg";
import { DataSource, EntitySchema as TypeOrmEntitySchema } from "typeorm";
import { EntitySchema as MikroEntitySchema, MikroORM } from "@mikro-orm/postgresql";
import { defineEntity, PolyxenaRuntime, Repository } from "@polyxena/core";
import { createPostgresAdapter } from "@polyxena/adapters/postgres";
import { createPostgresTestDatabase } from "@polyxena/testkit";
import { compare, printResult, type Contender } from "../harness.js";
import { peerLine } from "./peer-lines.js";
import { PrismaClient } from "./prisma/client/client.js";

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
  cache: false,
});
type AccountItem = z.output<typeof Account.schema>;
const accountKey = Account.schema.pick({ accountId: true });

const ROWS = 1000;
const POOL = 16;

async function main(): Promise<void> {
  const db = await createPostgresTestDatabase("bench-peers-postgres");
  const pool = new pg.Pool({ connectionString: db.connectionString, max: POOL });
  const adapter = createPostgresAdapter({ pool }, { schema: db.schema });
  const closers: Array<() => Promise<unknown>> = [];
  try {
    await adapter.applySchema([Account.model]);
    const runtime = new PolyxenaRuntime({ stores: { postgres: adapter } }, [Account]).entity(Account);
    const repo = new Repository<AccountItem, z.input<typeof Account.schema>, { accountId: string }>(runtime);
    const ids: string[] = [];
    for (let i = 0; i < ROWS; i++) {
      const accountId = randomUUID();
      ids.push(accountId);
      await repo.put({ accountId, email: `user${i}@example.com`, plan: "standard", balanceCents: BigInt(i) * 100n, createdAt: new Date(), active: i % 2 === 0 });
    }
    const id = (i: number) => ids[(i * 7919) % ROWS]!;

    // Drizzle: schema-qualified table, one prepared statement.
    const accounts = pgSchema(db.schema).table("account", {
      accountId: uuid("account_id").primaryKey(),
      email: text("email").notNull(),
      plan: text("plan").notNull(),
      balanceCents: bigint("balance_cents", { mode: "bigint" }).notNull(),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
      active: boolean("active").notNull(),
    });
    const drizzleDb = drizzle({ client: pool });
    const drizzleGet = drizzleDb.select().from(accounts).where(eq(accounts.accountId, sql.placeholder("id"))).prepare("peers_account_by_id");

    // Prisma 7: driver adapter over the shared pool.
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { schema: db.schema }) });
    closers.push(() => prisma.$disconnect());

    // TypeORM: a DataSource of its own.
    const TypeOrmAccount = new TypeOrmEntitySchema<{ accountId: string; email: string; plan: string; balanceCents: string; createdAt: Date; active: boolean }>({
      name: "Account",
      tableName: "account",
      schema: db.schema,
      columns: {
        accountId: { type: "uuid", primary: true, name: "account_id" },
        email: { type: "text" },
        plan: { type: "text" },
        balanceCents: { type: "bigint", name: "balance_cents" },
        createdAt: { type: "timestamptz", name: "created_at" },
        active: { type: "boolean" },
      },
    });
    const typeorm = new DataSource({ type: "postgres", url: db.connectionString, schema: db.schema, entities: [TypeOrmAccount], poolSize: POOL, logging: false });
    await typeorm.initialize();
    closers.push(() => typeorm.destroy());
    const typeormAccounts = typeorm.getRepository(TypeOrmAccount);

    // MikroORM 6: an EntitySchema, a fork of the EntityManager per request.
    class MikroAccount {
      accountId!: string;
      email!: string;
      plan!: string;
      balanceCents!: bigint;
      createdAt!: Date;
      active!: boolean;
    }
    const MikroAccountSchema = new MikroEntitySchema<MikroAccount>({
      class: MikroAccount,
      tableName: `${db.schema}.account`,
      properties: {
        accountId: { type: "uuid", primary: true, fieldName: "account_id" },
        email: { type: "text" },
        plan: { type: "text" },
        balanceCents: { type: "bigint", fieldName: "balance_cents" },
        createdAt: { type: "Date", fieldName: "created_at", columnType: "timestamptz" },
        active: { type: "boolean" },
      },
    });
    const mikro = await MikroORM.init({ clientUrl: db.connectionString, entities: [MikroAccountSchema], pool: { min: 0, max: POOL }, debug: false, discovery: { warnWhenNoEntities: false } });
    closers.push(() => mikro.close(true));

    const rawText = `SELECT "account_id", "email", "plan", "balance_cents", "created_at", "active" FROM "${db.schema}"."account" WHERE "account_id" = $1`;
    const contenders: Contender[] = [
      { name: "polyxena", run: (i) => repo.get({ accountId: id(i) }) },
      { name: "drizzle", run: (i) => drizzleGet.execute({ id: id(i) }).then((rows) => rows[0]) },
      { name: "prisma", run: (i) => prisma.account.findUnique({ where: { accountId: id(i) } }) },
      { name: "typeorm", run: (i) => typeormAccounts.findOneBy({ accountId: id(i) }) },
      { name: "mikro-orm", run: (i) => mikro.em.fork().findOne(MikroAccount, { accountId: id(i) }) },
      { name: "pg", run: (i) => pool.query(rawText, [id(i)]).then((r) => r.rows[0]) },
      { name: "pg-prepared", run: (i) => pool.query({ name: "peers_pg_account_by_id", text: rawText, values: [id(i)] }).then((r) => r.rows[0]) },
      { name: "drizzle+zod", run: (i) => drizzleGet.execute({ id: accountKey.parse({ accountId: id(i) }).accountId }).then((rows) => rows[0]) },
    ];
    const roles = { drizzle: "peer", prisma: "peer", typeorm: "peer", "mikro-orm": "peer", pg: "baseline", "pg-prepared": "explanation", "drizzle+zod": "explanation" } as const;
    // Sanity: every contender finds the same row.
    for (const c of contenders) {
      const row = (await c.run(3)) as Record<string, unknown> | undefined;
      const found = row && (row.accountId ?? row.account_id);
      if (found !== id(3)) throw new Error(`${c.name} did not find ${id(3)}: ${JSON.stringify(row, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))}`);
    }
    const reason = (ratios: Record<string, number>) =>
      `Both run a named prepared statement; Polyxena also checks the key against the entity's zod schema (Drizzle checks nothing) and maps columns to fields: Polyxena is ${ratios.pg!.toFixed(2)}x raw pg, ${ratios["pg-prepared"]!.toFixed(2)}x pg with the prepared statement, ${ratios["drizzle+zod"]!.toFixed(2)}x Drizzle with Polyxena's zod key check`;
    const c1 = await compare(contenders, { concurrency: 1, opsPerRound: 1000, rounds: 7, warmupOps: 1000 });
    const line1 = peerLine("Postgres get by key, 1 in flight", c1, roles, reason);
    const c16 = await compare(contenders, { concurrency: 16, opsPerRound: 3000, rounds: 7, warmupOps: 2000 });
    const line16 = peerLine("Postgres get by key, 16 in flight", c16, roles, reason);
    printResult({ bench: "peers-postgres", lines: [line1, line16] });
  } finally {
    for (const close of closers) await close().catch(() => undefined);
    await adapter.close();
    await pool.end().catch(() => undefined);
    await db.drop();
  }
}

await main();
