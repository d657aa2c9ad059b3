/**
 * Get-by-key on Postgres: the Polyxena repository runtime (cache off) against
 * raw `pg` (unnamed query, as its documentation shows) and raw Kysely, at 1
 * and 16 requests in flight, interleaved rounds, medians. All share one pool.
 * For context, `pg-named` is raw `pg` with a named prepared statement (what
 * Polyxena sends); the ratios are against raw `pg` and Kysely.
 *
 *   pnpm bench postgres-get
 *
 * When Postgres runs on this machine, each line also reports the CPU its
 * backends spent per operation (`serverCpuMicrosPerOp`, from
 * /proc/PID/schedstat of the pool's backends): on a shared machine the
 * client's and the server's CPU compete for the same cores, and
 * `cpuRatioVsPg` (raw pg's client + server CPU per operation divided by
 * Polyxena's) is the throughput ratio to expect where CPU is the limit.
 *
 * Ends with one JSON line: `ratioVsPg` / `ratioVsKysely` are Polyxena's
 * throughput divided by the baseline's at 16 in flight (higher is better).
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
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
  // Idle connections stay open, so the backends whose CPU is sampled are the ones that ran the round.
  const pool = new pg.Pool({ connectionString: db.connectionString, max: 16, idleTimeoutMillis: 0, application_name: APPLICATION });
  const monitor = new pg.Client({ connectionString: db.connectionString });
  await monitor.connect();
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
      { name: "pg-named", run: (i: number) => pool.query({ name: "bench_account_get", text: rawText, values: [id(i)] }) },
      { name: "kysely", run: (i: number) => kysely.selectFrom("account").selectAll().where("account_id", "=", id(i)).executeTakeFirst() },
    ];
    // Sanity: every contender finds the row.
    for (const c of contenders) if (!(await c.run(0))) throw new Error(`${c.name} found nothing`);

    const serverCpuMicros = (await serverCpuReadable(monitor)) ? () => backendCpuMicros(monitor) : undefined;
    const c1 = await compare(contenders, { concurrency: 1, opsPerRound: 1500, rounds: 7, warmupOps: 1000, serverCpuMicros });
    const c16 = await compare(contenders, { concurrency: 16, opsPerRound: 4000, rounds: 7, warmupOps: 2000, serverCpuMicros });
    const summary = (r: CompareResult) => ({
      opsPerSec: r.opsPerSec,
      cpuMicrosPerOp: r.cpuMicrosPerOp,
      ...(r.serverCpuMicrosPerOp ? { serverCpuMicrosPerOp: r.serverCpuMicrosPerOp, cpuRatioVsPg: round(totalCpu(r, "pg") / totalCpu(r, "polyxena")) } : {}),
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
    await monitor.end();
    await pool.end();
    await db.drop();
  }
}

const APPLICATION = "bench-postgres-get";

/** CPU microseconds the pool's backends have used so far (the first field of /proc/PID/schedstat, in ns). */
async function backendCpuMicros(monitor: pg.Client): Promise<number> {
  const { rows } = await monitor.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()", [APPLICATION]);
  let nanos = 0;
  for (const { pid } of rows) {
    try {
      nanos += Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // The backend ended between the listing and the read.
    }
  }
  return nanos / 1000;
}

/** Whether the server's backends run on this machine and their CPU can be read. */
async function serverCpuReadable(monitor: pg.Client): Promise<boolean> {
  const { rows } = await monitor.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  try {
    // The pid is the server's own only if that process is a Postgres backend (not so in a container or on another host).
    return readFileSync(`/proc/${rows[0]!.pid}/cmdline`, "utf8").startsWith("postgres") && Number(readFileSync(`/proc/${rows[0]!.pid}/schedstat`, "utf8").split(" ")[0]) > 0;
  } catch {
    return false;
  }
}

/** Client and server CPU of one operation of a contender. */
function totalCpu(r: CompareResult, name: string): number {
  return r.cpuMicrosPerOp[name]! + r.serverCpuMicrosPerOp![name]!;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

await main();
