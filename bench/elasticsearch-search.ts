/**
 * Elasticsearch reads: the Polyxena repository runtime (cache off, eventual reads, what
 * generated repositories call) against the raw `@elastic/elasticsearch` client sending the
 * same request, on one client:
 *
 * - `get`: get-by-id (`GET /alias/_doc/id`), decoded item vs raw `_source`;
 * - `search`: `search({ text, filter, limit: 10 })` (multi_match over the text fields, a
 *   term filter, relevance sort with the id tiebreaker, 11 hits) vs `client.search` with the
 *   same body, written out by hand as a service would.
 *
 * Each at 1 and 16 requests in flight, 21 short interleaved rounds, medians (short rounds
 * keep a busy shared machine from favouring one contender). The Elasticsearch test
 * server runs in a child process, so its CPU counts against neither contender (as a real,
 * remote cluster would not). Set POLYXENA_TEST_ELASTICSEARCH=http://host:9200 to measure
 * against a real cluster.
 *
 *   npx -y pnpm@10.34.8 bench elasticsearch-search
 *
 * Ends with one JSON line; each `ratio` is Polyxena's throughput divided by the raw
 * client's (higher is better), `extraCpuMicrosPerOp` Polyxena's CPU per operation minus
 * the client's.
 */
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { Client, type estypes } from "@elastic/elasticsearch";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime, SearchableRepository } from "@polyxena/core";
import { compileSearchRequest, createElasticsearchAdapter } from "@polyxena/adapters/elasticsearch";
import { startElasticsearchTestServer } from "@polyxena/testkit";
import { compare, printResult, versusBaseline, type Contender } from "./harness.js";

const Title = defineEntity("Title", {
  store: "elasticsearch",
  schema: z.object({
    titleId: z.string(),
    name: z.string(),
    synopsis: z.string(),
    genre: z.enum(["drama", "scifi", "crime", "comedy"]),
    year: z.number().int(),
    releasedAt: z.date(),
  }),
  key: { id: "titleId" },
  search: { text: ["name", "synopsis"] },
  consistency: { read: "eventual", write: "strong" },
  cache: false,
});

const TITLES = 1_000;
const GENRES = ["drama", "scifi", "crime", "comedy"] as const;
const WORDS = ["dark", "city", "night", "river", "secret", "family", "ship", "winter", "storm", "garden", "empire", "letter", "mirror", "island", "engine", "queen"];
const SERVE_FLAG = "--serve-elasticsearch";

/** Child-process mode: serve Elasticsearch, report the URL to the parent. */
async function serve(): Promise<void> {
  const server = await startElasticsearchTestServer();
  process.send!(server.url);
  process.on("disconnect", () => void server.close().then(() => process.exit(0)));
}

/** Starts the test server in a child process (or uses POLYXENA_TEST_ELASTICSEARCH); resolves its URL. */
async function startServer(): Promise<{ url: string; stop(): void }> {
  const external = process.env.POLYXENA_TEST_ELASTICSEARCH;
  if (external) return { url: external, stop: () => {} };
  const child = fork(fileURLToPath(import.meta.url), [SERVE_FLAG], { execArgv: process.execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (m) => resolve(String(m)));
    child.once("exit", (code) => reject(new Error(`Elasticsearch test server exited with ${code}`)));
  });
  return { url, stop: () => child.kill() };
}

function word(n: number): string {
  return WORDS[n % WORDS.length]!;
}

function title(i: number) {
  return {
    titleId: `t${String(i).padStart(5, "0")}`,
    name: `${word(i * 7)} ${word(i * 3 + 1)}`,
    synopsis: `a ${word(i)} story of the ${word(i * 5 + 2)} and the ${word(i * 11 + 3)} under a ${word(i * 13 + 5)} sky`,
    genre: GENRES[i % GENRES.length]!,
    year: 1990 + (i % 35),
    releasedAt: new Date(Date.UTC(1990 + (i % 35), i % 12, 1 + (i % 28))),
  };
}

async function main(): Promise<void> {
  const server = await startServer();
  const client = new Client({ node: server.url });
  const indexPrefix = `bench_${randomBytes(4).toString("hex")}_`;
  const adapter = createElasticsearchAdapter({ client }, { indexPrefix });
  const alias = `${indexPrefix}${Title.model.table}`;
  try {
    await adapter.applySchema([Title.model]);
    const repo = new PolyxenaRuntime({ stores: { elasticsearch: adapter } }, [Title]).entity(Title);
    // What generated code hands a service: a typed repository over the entity runtime.
    const titles = new SearchableRepository<z.output<typeof Title.schema>, z.input<typeof Title.schema>, { titleId: string }>(repo);
    const all = Array.from({ length: TITLES }, (_, i) => title(i));
    const written = await repo.putMany(all);
    if (written.failed.length > 0) throw new Error(`seeding failed: ${String(written.failed[0]!.error)}`);

    const id = (i: number) => all[(i * 7919) % all.length]!.titleId;
    const text = (i: number) => `${word(i)} ${word(i * 3 + 1)}`;
    const genre = (i: number) => GENRES[(i >> 2) % GENRES.length]!;
    // What a service using the client directly would write for the same search.
    const rawSearchBody = (i: number): estypes.SearchRequest => ({
      index: alias,
      query: { bool: { must: [{ multi_match: { query: text(i), fields: ["name", "synopsis"], type: "best_fields" } }], filter: [{ term: { genre: genre(i) } }] } },
      sort: [{ _score: { order: "desc" } }, { titleId: { order: "asc" } }],
      size: 11,
      track_total_hits: true,
    });
    // Sanity: the raw body is exactly what the adapter sends.
    const compiled = compileSearchRequest(Title.model, alias, {
      op: repo.ops.search,
      consistency: { level: "eventual" },
      text: text(0),
      filter: { genre: genre(0) },
      sort: [],
      limit: 10,
      highlight: false,
    });
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(compiled)), JSON.parse(JSON.stringify(rawSearchBody(0))))) {
      throw new Error(`raw body differs from the adapter's: ${JSON.stringify(compiled)}`);
    }

    const getContenders: Contender[] = [
      { name: "polyxena", run: (i) => titles.get({ titleId: id(i) }) },
      { name: "raw", run: (i) => client.get({ index: alias, id: id(i) }).then((r) => r._source) },
    ];
    const searchContenders: Contender[] = [
      { name: "polyxena", run: (i) => titles.search({ text: text(i), filter: { genre: genre(i) }, limit: 10 }).then((r) => r.items) },
      { name: "raw", run: (i) => client.search(rawSearchBody(i)).then((r) => r.hits.hits.slice(0, 10).map((h) => h._source)) },
    ];
    for (const c of getContenders) if (!(await c.run(0))) throw new Error(`${c.name} found nothing`);
    const [sdkHits, rawHits] = (await Promise.all(searchContenders.map((c) => c.run(1)))) as [Array<{ titleId: string }>, Array<{ titleId: string }>];
    if (sdkHits.length === 0 || !isDeepStrictEqual(sdkHits.map((h) => h.titleId), rawHits.map((h) => h.titleId))) {
      throw new Error(`contenders disagree: ${JSON.stringify(sdkHits.map((h) => h.titleId))} vs ${JSON.stringify(rawHits.map((h) => h.titleId))}`);
    }

    const get1 = versusBaseline(await compare(getContenders, { concurrency: 1, opsPerRound: 500, rounds: 21, warmupOps: 1500 }));
    console.error(`get c1     ${JSON.stringify(get1)}`);
    const get16 = versusBaseline(await compare(getContenders, { concurrency: 16, opsPerRound: 1500, rounds: 21, warmupOps: 2000 }));
    console.error(`get c16    ${JSON.stringify(get16)}`);
    const s1 = versusBaseline(await compare(searchContenders, { concurrency: 1, opsPerRound: 150, rounds: 21, warmupOps: 400 }));
    console.error(`search c1  ${JSON.stringify(s1)}`);
    const s16 = versusBaseline(await compare(searchContenders, { concurrency: 16, opsPerRound: 400, rounds: 21, warmupOps: 500 }));
    console.error(`search c16 ${JSON.stringify(s16)}`);
    printResult({ bench: "elasticsearch-search", baseline: "@elastic/elasticsearch", get: { c1: get1, c16: get16 }, search: { c1: s1, c16: s16 } });
  } finally {
    await client.indices.delete({ index: `${alias}_${Title.model.schemaHash}` }).catch(() => undefined);
    await adapter.close();
    await client.close();
    server.stop();
  }
}

if (process.argv.includes(SERVE_FLAG)) await serve();
else await main();
