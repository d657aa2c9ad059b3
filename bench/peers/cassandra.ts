/**
 * Cassandra get by key (partition + clustering key, one row): the Polyxena
 * repository (cache off, eventual reads) against the DataStax mapper
 * (`cassandra-driver`'s `mapping` module: a `Mapper` with underscore-to-camel
 * case mappings, `forModel(...).get(key)`), and the raw driver's
 * `execute(cql, params, { prepare: true })` as the baseline, on one client and
 * the same rows, at 1 and 16 in flight, interleaved rounds, medians. The CQL
 * test server runs in a child process (or set POLYXENA_TEST_CASSANDRA to a
 * real Cassandra). `datastax-mapper+zod` is the mapper after the zod key
 * check Polyxena makes before each read; `datastax-mapper+zod+policy` also
 * runs the mapper's call inside Polyxena's default resilience policy.
 *
 *   pnpm bench peers cassandra
 *
 * Ends with one JSON line: `{ bench: "peers-cassandra", lines: PeerLine[] }`.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import cassandra from "cassandra-driver";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime, Repository, createResiliencePolicy } from "@polyxena/core";
import { createCassandraAdapter } from "@polyxena/adapters/cassandra";
import { SERVE_CQL_FLAG, serveCql, startBenchCassandra } from "../cql-server-process.js";
import { compare, printResult, type Contender } from "../harness.js";
import { peerLine } from "./peer-lines.js";

const ViewingHistory = defineEntity("ViewingHistory", {
  store: "cassandra",
  schema: z.object({
    profileId: z.uuid(),
    watchedAt: z.date(),
    titleId: z.string(),
    positionSec: z.number().int().nonnegative().max(1_000_000),
  }),
  key: { partition: ["profileId"], clustering: [{ field: "watchedAt", order: "desc" }] },
  consistency: { read: "eventual", write: "strong" },
  cache: false,
});
type HistoryItem = z.output<typeof ViewingHistory.schema>;
type HistoryKey = Pick<HistoryItem, "profileId" | "watchedAt">;
const historyKey = ViewingHistory.schema.pick({ profileId: true, watchedAt: true });

const PROFILES = 40;
const ROWS_PER_PROFILE = 25;

async function main(): Promise<void> {
  const server = await startBenchCassandra(fileURLToPath(import.meta.url));
  const client = new cassandra.Client({ contactPoints: [server.contactPoint], localDataCenter: server.localDataCenter });
  const keyspace = `bench_${randomBytes(4).toString("hex")}`;
  const adapter = createCassandraAdapter({ client }, { keyspace });
  try {
    await adapter.applySchema([ViewingHistory.model]);
    const runtime = new PolyxenaRuntime({ stores: { cassandra: adapter } }, [ViewingHistory]).entity(ViewingHistory);
    const history = new Repository<HistoryItem, z.input<typeof ViewingHistory.schema>, HistoryKey>(runtime);
    const keys: HistoryKey[] = [];
    const start = Date.UTC(2026, 0, 1);
    for (let p = 0; p < PROFILES; p++) {
      const profileId = randomUUID();
      const puts: Promise<unknown>[] = [];
      for (let r = 0; r < ROWS_PER_PROFILE; r++) {
        const watchedAt = new Date(start + r * 60_000);
        keys.push({ profileId, watchedAt });
        puts.push(history.put({ profileId, watchedAt, titleId: `title-${(p * 7 + r) % 500}`, positionSec: (r * 37) % 7200 }));
      }
      await Promise.all(puts);
    }
    const getCql = adapter.statements(runtime.ops.get).get.cql;
    const table = /FROM\s+"?[\w]+"?\."?(\w+)"?/i.exec(getCql)?.[1];
    if (!table) throw new Error(`no table in ${getCql}`);

    // The DataStax mapper, as its docs set it up: a model per table, column names mapped to camel case.
    const mapper = new cassandra.mapping.Mapper(client, {
      models: { ViewingHistory: { tables: [table], keyspace, mappings: new cassandra.mapping.UnderscoreCqlToCamelCaseMappings() } },
    });
    const historyMapper = mapper.forModel<HistoryItem>("ViewingHistory");

    // The resilience policy Polyxena runs around every store call (timeout, retry, breaker, bulkhead), around the mapper.
    const policy = createResiliencePolicy();
    const policyContext = { op: runtime.ops.get, adapter };
    const key = (i: number) => keys[(i * 7919) % keys.length]!;
    const contenders: Contender[] = [
      { name: "polyxena", run: (i) => history.get(key(i)) },
      { name: "datastax-mapper", run: (i) => historyMapper.get(key(i)) },
      { name: "datastax-mapper+zod", run: (i) => historyMapper.get(historyKey.parse(key(i))) },
      { name: "datastax-mapper+zod+policy", run: (i) => policy.run(policyContext, () => historyMapper.get(historyKey.parse(key(i)))) },
      { name: "cassandra-driver", run: (i) => { const k = key(i); return client.execute(getCql, [k.profileId, k.watchedAt], { prepare: true }).then((r) => r.first()); } },
    ];
    const roles = { "datastax-mapper": "peer", "cassandra-driver": "baseline", "datastax-mapper+zod": "explanation", "datastax-mapper+zod+policy": "explanation" } as const;
    const reason = (ratios: Record<string, number>) =>
      `the mapper checks no key (Polyxena checks it against the entity schema) and runs no resilience policy (timeout, retry, breaker, bulkhead): Polyxena is ${ratios["datastax-mapper+zod"]!.toFixed(2)}x the mapper with the key check added, ${ratios["datastax-mapper+zod+policy"]!.toFixed(2)}x with the check and Polyxena's policy added, ${ratios["cassandra-driver"]!.toFixed(2)}x the raw driver`;
    for (const c of contenders) {
      const row = (await c.run(3)) as Record<string, unknown> | null | undefined;
      const titleId = row?.titleId ?? row?.title_id;
      if (typeof titleId !== "string" || !titleId.startsWith("title-")) throw new Error(`${c.name} did not find the row: ${JSON.stringify(row)}`);
    }
    const c1 = await compare(contenders, { concurrency: 1, opsPerRound: 1000, rounds: 11, warmupOps: 1500 });
    const line1 = peerLine("Cassandra get by key, 1 in flight", c1, roles, reason);
    const c16 = await compare(contenders, { concurrency: 16, opsPerRound: 3000, rounds: 11, warmupOps: 2000 });
    const line16 = peerLine("Cassandra get by key, 16 in flight", c16, roles, reason);
    printResult({ bench: "peers-cassandra", lines: [line1, line16] });
  } finally {
    await client.execute(`DROP KEYSPACE IF EXISTS "${keyspace}"`).catch(() => undefined);
    await adapter.close();
    await client.shutdown();
    server.stop();
  }
}

if (process.argv.includes(SERVE_CQL_FLAG)) await serveCql();
else await main();
