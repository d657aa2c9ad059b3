/**
 * Cassandra reads: the Polyxena repository runtime (cache off, eventual
 * reads, what generated repositories call) against raw `cassandra-driver`
 * `client.execute(sameCql, params, { prepare: true })` with the same prepared
 * statement, on one client:
 *
 * - `get`: get-by-key (partition + clustering key), one row;
 * - `query50`: a `historyForProfile`-style clustering query, 50 rows (limit 50).
 *
 * Each at 1 and 16 requests in flight, interleaved rounds, medians. The CQL
 * test server runs in a child process, so its CPU counts against neither
 * contender (as a real, remote Cassandra would not).
 *
 *   pnpm bench cassandra-get
 *
 * Set POLYXENA_TEST_CASSANDRA=host:port (and POLYXENA_TEST_CASSANDRA_DC) to
 * measure against a real Cassandra. Ends with one JSON line; each `ratio` is
 * Polyxena's throughput divided by the raw driver's (higher is better), and
 * `extraCpuMicrosPerOp` is Polyxena's CPU per operation minus the driver's.
 *
 * CPU is the client process's user + system time. With the server on the
 * same machine, a socket write also pays the kernel's loopback delivery and
 * the wake-up of the server process; at 1 in flight that wake-up costs more
 * when the client spent longer between requests, so the c1 CPU difference
 * overstates the SDK's own work (c16 amortizes it).
 */
import { fork } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import cassandra from "cassandra-driver";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime, Repository } from "@polyxena/core";
import { createCassandraAdapter } from "@polyxena/adapters/cassandra";
import { startCqlTestServer } from "../packages/testkit/src/cql-server/index.js";
import { compare, printResult, versusBaseline, type Contender } from "./harness.js";

const ViewingHistory = defineEntity("ViewingHistory", {
  store: "cassandra",
  schema: z.object({
    profileId: z.uuid(),
    watchedAt: z.date(),
    titleId: z.string(),
    positionSec: z.number().int().nonnegative().max(1_000_000),
  }),
  key: { partition: ["profileId"], clustering: [{ field: "watchedAt", order: "desc" }] },
  queries: { historyForProfile: { by: ["profileId"], order: { watchedAt: "desc" } } },
  consistency: { read: "eventual", write: "strong" },
  cache: false,
});

const PROFILES = 40;
const ROWS_PER_PROFILE = 60;
const SERVE_FLAG = "--serve-cql";

/** Child-process mode: serve CQL, report the port to the parent. */
async function serve(): Promise<void> {
  const server = await startCqlTestServer({ recordRequests: false });
  process.send!(server.port);
  process.on("disconnect", () => void server.close().then(() => process.exit(0)));
}

/** Starts the CQL test server in a child process (or uses POLYXENA_TEST_CASSANDRA); resolves its contact point. */
async function startServer(): Promise<{ contactPoint: string; localDataCenter: string; stop(): void }> {
  const external = process.env.POLYXENA_TEST_CASSANDRA;
  if (external) return { contactPoint: external, localDataCenter: process.env.POLYXENA_TEST_CASSANDRA_DC || "datacenter1", stop: () => {} };
  // Same loader flags as this process (tsx), so the child can run TypeScript.
  const child = fork(fileURLToPath(import.meta.url), [SERVE_FLAG], { execArgv: process.execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m) => resolve(Number(m)));
    child.once("exit", (code) => reject(new Error(`CQL test server exited with ${code}`)));
  });
  return { contactPoint: `127.0.0.1:${port}`, localDataCenter: "datacenter1", stop: () => child.kill() };
}

async function main(): Promise<void> {
  const server = await startServer();
  const client = new cassandra.Client({ contactPoints: [server.contactPoint], localDataCenter: server.localDataCenter });
  const keyspace = `bench_${randomBytes(4).toString("hex")}`;
  const adapter = createCassandraAdapter({ client }, { keyspace });
  try {
    await adapter.applySchema([ViewingHistory.model]);
    const repo = new PolyxenaRuntime({ stores: { cassandra: adapter } }, [ViewingHistory]).entity(ViewingHistory);
    // What generated code hands a service: a typed repository over the entity runtime.
    const history = new Repository<z.output<typeof ViewingHistory.schema>, z.input<typeof ViewingHistory.schema>, { profileId: string; watchedAt: Date }>(repo);
    const profiles: string[] = [];
    const keys: Array<{ profileId: string; watchedAt: Date }> = [];
    const start = Date.UTC(2026, 0, 1);
    for (let p = 0; p < PROFILES; p++) {
      const profileId = randomUUID();
      profiles.push(profileId);
      const puts: Promise<unknown>[] = [];
      for (let r = 0; r < ROWS_PER_PROFILE; r++) {
        const watchedAt = new Date(start + r * 60_000);
        keys.push({ profileId, watchedAt });
        puts.push(repo.put({ profileId, watchedAt, titleId: `title-${(p * 7 + r) % 500}`, positionSec: (r * 37) % 7200 }));
      }
      await Promise.all(puts);
    }

    // The exact statements the adapter prepares, taken from the adapter itself.
    const getOp = repo.ops.get;
    const queryOp = repo.ops.queries.get("historyForProfile")!;
    const statements = adapter.statements(getOp);
    const getCql = statements.get.cql;
    const queryCql = statements.query(queryOp.query!).variant(false, undefined).cql;
    console.error(`get:     ${getCql}\nquery50: ${queryCql}`);

    const key = (i: number) => keys[(i * 7919) % keys.length]!;
    const profile = (i: number) => profiles[i % profiles.length]!;
    const getContenders: Contender[] = [
      { name: "polyxena", run: (i) => history.get(key(i)) },
      {
        name: "raw",
        run: (i) => {
          const k = key(i);
          return client.execute(getCql, [k.profileId, k.watchedAt], { prepare: true }).then((r) => r.first());
        },
      },
    ];
    const queryContenders: Contender[] = [
      { name: "polyxena", run: (i) => repo.query("historyForProfile", { profileId: profile(i) }, { limit: 50 }).then((r) => r.items) },
      { name: "raw", run: (i) => client.execute(queryCql, [profile(i)], { prepare: true, fetchSize: 50 }).then((r) => r.rows) },
    ];
    // Sanity: both contenders see the same data.
    for (const c of getContenders) if (!(await c.run(0))) throw new Error(`${c.name} found nothing`);
    for (const c of queryContenders) {
      const rows = (await c.run(0)) as unknown[];
      if (rows.length !== 50) throw new Error(`${c.name} returned ${rows.length} rows, expected 50`);
    }

    const get1 = versusBaseline(await compare(getContenders, { concurrency: 1, opsPerRound: 1500, rounds: 9, warmupOps: 1500 }));
    console.error(`get c1      ${JSON.stringify(get1)}`);
    const get16 = versusBaseline(await compare(getContenders, { concurrency: 16, opsPerRound: 4000, rounds: 9, warmupOps: 2000 }));
    console.error(`get c16     ${JSON.stringify(get16)}`);
    const q1 = versusBaseline(await compare(queryContenders, { concurrency: 1, opsPerRound: 600, rounds: 9, warmupOps: 600 }));
    console.error(`query50 c1  ${JSON.stringify(q1)}`);
    const q16 = versusBaseline(await compare(queryContenders, { concurrency: 16, opsPerRound: 1500, rounds: 9, warmupOps: 800 }));
    console.error(`query50 c16 ${JSON.stringify(q16)}`);
    printResult({ bench: "cassandra-get", baseline: "cassandra-driver", get: { c1: get1, c16: get16 }, query50: { c1: q1, c16: q16 } });
  } finally {
    await client.execute(`DROP KEYSPACE IF EXISTS "${keyspace}"`).catch(() => undefined);
    await adapter.close();
    await client.shutdown();
    server.stop();
  }
}

if (process.argv.includes(SERVE_FLAG)) await serve();
else await main();
