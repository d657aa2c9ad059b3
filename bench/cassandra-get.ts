/**
 * Cassandra reads: a typed Polyxena repository (cache off, eventual reads,
 * what generated repositories call) against raw `cassandra-driver`
 * `client.execute(sameCql, params, { prepare: true })` with the same prepared
 * statement, on one client:
 *
 * - `get`: get-by-key (partition + clustering key), one row;
 * - `query50`: a `historyForProfile`-style clustering query, 50 rows (limit 50).
 *
 * Each at 1 and 16 requests in flight, in interleaved rounds; `ratio` and
 * `extraCpuMicrosPerOp` are medians over rounds of the figure within each
 * round (see `versusBaseline`). The CQL test server runs in a child process,
 * so its CPU counts against neither contender (as a real, remote Cassandra
 * would not).
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
 * overstates the SDK's own work (c16 amortizes it). A second copy of the raw
 * contender (`rawControl`) shows how far two identical contenders drift apart
 * in the same run.
 *
 * `sdkCpuMicrosPerOp` isolates the SDK's own CPU per operation: both contenders run
 * against a replay client that answers each request with a fresh copy of
 * the result the real driver returned for that statement (new Row, Uuid and
 * Date objects per row, as the driver's parser allocates them), so network,
 * kernel and server costs drop out and what remains is SDK minus raw
 * (median of paired rounds, see `ownCpu`). The replayed raw call skips the
 * driver's encoding of bind values, and so does the SDK's: it hands the
 * driver the same values the raw call does.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import cassandra from "cassandra-driver";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime, Repository } from "@polyxena/core";
import { createCassandraAdapter } from "@polyxena/adapters/cassandra";
import { SERVE_CQL_FLAG, serveCql, startBenchCassandra } from "./cql-server-process.js";
import { compare, ownCpu, printResult, versusBaseline, type CompareResult, type Contender } from "./harness.js";

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

const { types } = cassandra;
/** Driver classes its type declarations leave out. */
const driverClasses = types as unknown as {
  Row: new (columns: unknown) => Record<string, unknown>;
  ResultSet: new (response: unknown, host: string, triedHosts: object, speculative: number, consistency: number, schemaAgreement: boolean) => cassandra.types.ResultSet;
};

/** A fresh copy of a cell the driver decoded (the driver allocates new objects for every row). */
function copyCell(value: unknown): unknown {
  if (value instanceof types.Uuid) return new types.Uuid(Buffer.from(value.getBuffer()));
  if (value instanceof Date) return new Date(value.getTime());
  return value;
}

/**
 * A stand-in for `client.execute` that answers each known statement with a
 * fresh copy of a recorded driver result, and refuses any other statement
 * (so both contenders provably send the same CQL).
 */
function replayClient(recorded: Map<string, cassandra.types.ResultSet>): cassandra.Client {
  const execute = (cql: string, params: unknown[]) => {
    const result = recorded.get(cql);
    if (!result) return Promise.reject(new Error(`replay client: unexpected statement ${cql}`));
    if (params.length === 0) return Promise.reject(new Error("replay client: statement sent without bind values"));
    const columns = result.columns;
    const rows = result.rows.map((row) => {
      const copy = new driverClasses.Row(columns);
      for (const c of columns) copy[c.name] = copyCell(row[c.name]);
      return copy;
    });
    const meta = { columns, pageState: result.pageState ? Buffer.from(result.pageState, "hex") : undefined };
    return Promise.resolve(new driverClasses.ResultSet({ rows, meta }, "replay", {}, 0, types.consistencies.localOne, true));
  };
  return { execute, shutdown: () => Promise.resolve() } as unknown as cassandra.Client;
}

const PROFILES = 40;
const ROWS_PER_PROFILE = 60;
/** The raw driver against a second copy of itself: how far identical contenders drift apart in this run. */
function control(result: CompareResult): { ratio: number; extraCpuMicrosPerOp: number } {
  const { ratio, extraCpuMicrosPerOp } = versusBaseline(result, "rawControl", "raw");
  return { ratio, extraCpuMicrosPerOp };
}

async function main(): Promise<void> {
  const server = await startBenchCassandra(fileURLToPath(import.meta.url));
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
    const rawGet = (c: cassandra.Client) => (i: number) => {
      const k = key(i);
      return c.execute(getCql, [k.profileId, k.watchedAt], { prepare: true }).then((r) => r.first());
    };
    const rawQuery = (c: cassandra.Client) => (i: number) => c.execute(queryCql, [profile(i)], { prepare: true, fetchSize: 50 }).then((r) => r.rows);
    const getContenders: Contender[] = [
      { name: "polyxena", run: (i) => history.get(key(i)) },
      { name: "raw", run: rawGet(client) },
      { name: "rawControl", run: rawGet(client) },
    ];
    const queryContenders: Contender[] = [
      { name: "polyxena", run: (i) => repo.query("historyForProfile", { profileId: profile(i) }, { limit: 50 }).then((r) => r.items) },
      { name: "raw", run: rawQuery(client) },
      { name: "rawControl", run: rawQuery(client) },
    ];
    // Sanity: both contenders see the same data.
    for (const c of getContenders) if (!(await c.run(0))) throw new Error(`${c.name} found nothing`);
    for (const c of queryContenders) {
      const rows = (await c.run(0)) as unknown[];
      if (rows.length !== 50) throw new Error(`${c.name} returned ${rows.length} rows, expected 50`);
    }

    const getC1 = await compare(getContenders, { concurrency: 1, opsPerRound: 1000, rounds: 15, warmupOps: 1500 });
    const get1 = versusBaseline(getC1);
    console.error(`get c1      ${JSON.stringify(get1)}`);
    const getC16 = await compare(getContenders, { concurrency: 16, opsPerRound: 3000, rounds: 15, warmupOps: 2000 });
    const get16 = versusBaseline(getC16);
    console.error(`get c16     ${JSON.stringify(get16)}`);
    const qC1 = await compare(queryContenders, { concurrency: 1, opsPerRound: 400, rounds: 15, warmupOps: 600 });
    const q1 = versusBaseline(qC1);
    console.error(`query50 c1  ${JSON.stringify(q1)}`);
    const qC16 = await compare(queryContenders, { concurrency: 16, opsPerRound: 1000, rounds: 15, warmupOps: 800 });
    const q16 = versusBaseline(qC16);
    console.error(`query50 c16 ${JSON.stringify(q16)}`);

    // The SDK's own CPU: the same repository over a replay of the driver's real results.
    const replay = replayClient(new Map([
      [getCql, await client.execute(getCql, [keys[0]!.profileId, keys[0]!.watchedAt], { prepare: true })],
      [queryCql, await client.execute(queryCql, [profiles[0]!], { prepare: true, fetchSize: 50 })],
    ]));
    const replayAdapter = createCassandraAdapter({ client: replay }, { keyspace });
    const replayRepo = new PolyxenaRuntime({ stores: { cassandra: replayAdapter } }, [ViewingHistory]).entity(ViewingHistory);
    const replayHistory = new Repository<z.output<typeof ViewingHistory.schema>, z.input<typeof ViewingHistory.schema>, { profileId: string; watchedAt: Date }>(replayRepo);
    const sdkGet = await ownCpu(
      { name: "polyxena", run: (i) => replayHistory.get(key(i)) },
      { name: "raw", run: rawGet(replay) },
      { opsPerRound: 20_000, rounds: 21, warmupOps: 40_000 },
    );
    console.error(`sdkCpu get      ${JSON.stringify(sdkGet)}`);
    const sdkQuery = await ownCpu(
      { name: "polyxena", run: (i) => replayRepo.query("historyForProfile", { profileId: profile(i) }, { limit: 50 }).then((r) => r.items) },
      { name: "raw", run: rawQuery(replay) },
      { opsPerRound: 4_000, rounds: 21, warmupOps: 8_000 },
    );
    console.error(`sdkCpu query50  ${JSON.stringify(sdkQuery)}`);
    printResult({
      bench: "cassandra-get",
      baseline: "cassandra-driver",
      get: { c1: get1, c16: get16 },
      query50: { c1: q1, c16: q16 },
      control: { get: { c1: control(getC1), c16: control(getC16) }, query50: { c1: control(qC1), c16: control(qC16) } },
      sdkCpuMicrosPerOp: { get: sdkGet.extraCpuMicrosPerOp, query50: sdkQuery.extraCpuMicrosPerOp },
    });
  } finally {
    await client.execute(`DROP KEYSPACE IF EXISTS "${keyspace}"`).catch(() => undefined);
    await adapter.close();
    await client.shutdown();
    server.stop();
  }
}

if (process.argv.includes(SERVE_CQL_FLAG)) await serveCql();
else await main();
