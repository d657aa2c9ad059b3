/**
 * Get-by-key on DynamoDB: a generated-style repository (cache off, eventual
 * reads) against a raw DocumentClient GetCommand. Both contenders send
 * through one and the same document client (same HTTP agent, keep-alive,
 * marshalling options), to dynalite running in a child process so that the
 * server's CPU does not count against either of them, as with a remote
 * DynamoDB. Interleaved rounds, medians, at 1 and 16 requests in flight;
 * reports ops/s and client CPU µs per op of each contender.
 *
 *   pnpm bench dynamodb-get        (bundled like a production build)
 *
 * On a small shared machine the throughput ratio at 16 in flight swings by
 * ±20% between runs even when both contenders are the same DocumentClient
 * call; `cpuRatio` (client CPU per op) is the steadier measure of the SDK's
 * own cost.
 *
 * Set POLYXENA_TEST_DYNAMODB_ENDPOINT to measure against another endpoint.
 * Ends with one JSON line; `ratio` is Polyxena's throughput divided by the
 * DocumentClient's at 16 in flight (higher is better).
 */
import { randomUUID } from "node:crypto";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { bindRepositories, defineEntity, Repository, type RuntimeOptions } from "@polyxena/core";
import { createDynamoDbAdapter } from "@polyxena/adapters/dynamodb";
import { startBenchDynamoDb } from "./dynamodb-bench-client.js";
import { compare, printResult, type CompareResult } from "./harness.js";

const Title = defineEntity("Title", {
  store: "dynamodb",
  schema: z.object({
    titleId: z.uuid(),
    name: z.string(),
    year: z.number().int(),
    genres: z.array(z.string()),
    rating: z.number(),
    updatedAt: z.date(),
  }),
  key: { partition: "titleId" },
});

// What `polyxena generate` emits for Title (entity file and index file), inlined.
type TitleItem = z.output<typeof Title.schema>;
type TitleInput = z.input<typeof Title.schema>;
type TitleKey = Pick<TitleItem, "titleId">;
class TitleRepository extends Repository<TitleItem, TitleInput, TitleKey> {}
interface Repositories {
  readonly title: TitleRepository;
}
function createRepositories(options: RuntimeOptions) {
  return bindRepositories<Repositories>(options, [Title], (scope) => ({ title: new TitleRepository(scope.entity(Title)) }));
}

const ROWS = 1000;

async function main(): Promise<void> {
  const dynamodb = await startBenchDynamoDb();
  const { client, agent } = dynamodb;
  const tablePrefix = `bench_${randomUUID().slice(0, 8)}_`;
  const repos = createRepositories({ stores: { dynamodb: createDynamoDbAdapter({ client, tablePrefix }) } });
  try {
    await repos.runtime.applySchema();
    const ids: string[] = [];
    for (let i = 0; i < ROWS; i++) {
      const titleId = randomUUID();
      ids.push(titleId);
      await repos.title.put({ titleId, name: `Title ${i}`, year: 1950 + (i % 70), genres: ["drama", "comedy"], rating: (i % 50) / 10, updatedAt: new Date() });
    }
    const id = (i: number) => ids[i % ROWS]!;
    const tableName = `${tablePrefix}title`;
    const contenders = [
      { name: "polyxena", run: (i: number) => repos.title.get({ titleId: id(i) }) },
      { name: "DocumentClient", run: (i: number) => client.send(new GetCommand({ TableName: tableName, Key: { titleId: id(i) } })).then((r) => r.Item) },
    ];
    for (const c of contenders) if (!(await c.run(0))) throw new Error(`${c.name} found nothing`);

    const c1 = await compare(contenders, { concurrency: 1, opsPerRound: 300, rounds: 21, warmupOps: 1000 });
    const c16 = await compare(contenders, { concurrency: 16, opsPerRound: 800, rounds: 21, warmupOps: 1000 });
    if (Object.keys(agent.sockets).length + Object.keys(agent.freeSockets).length === 0) throw new Error("the configured HTTP agent was not used");
    const s1 = summary(c1);
    const s16 = summary(c16);
    console.error(`c1  ${JSON.stringify(s1)}`);
    console.error(`c16 ${JSON.stringify(s16)}`);
    printResult({ bench: "dynamodb-get", ratio: s16.ratio, c1: s1, c16: s16, baseline: "DocumentClient" });
  } finally {
    await repos.close();
    await dynamodb.close();
  }
}

/** Throughput and CPU of each contender; `ratio` compares throughput, `cpuRatio` CPU per op (Polyxena / DocumentClient). */
function summary(r: CompareResult) {
  return {
    opsPerSec: r.opsPerSec,
    cpuMicrosPerOp: r.cpuMicrosPerOp,
    ratio: round(r.opsPerSec.polyxena! / r.opsPerSec.DocumentClient!),
    cpuRatio: round(r.cpuMicrosPerOp.polyxena! / r.cpuMicrosPerOp.DocumentClient!),
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

await main();
