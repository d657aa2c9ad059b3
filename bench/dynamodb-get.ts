/**
 * Get-by-key on DynamoDB: the Polyxena repository runtime (cache off,
 * eventual reads) against a raw DocumentClient GetCommand, both through the
 * same document client, on dynalite running in a child process (so the
 * server's CPU does not count against either contender), at 1 and 16
 * requests in flight, interleaved rounds, medians.
 *
 *   npx tsx bench/dynamodb-get.ts
 *
 * Set POLYXENA_TEST_DYNAMODB_ENDPOINT to measure against another endpoint.
 * Ends with one JSON line; `ratio` is Polyxena's throughput divided by the
 * DocumentClient's at 16 in flight (higher is better).
 */
import { fork, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime } from "@polyxena/core";
import { createDynamoDbAdapter } from "@polyxena/adapters/dynamodb";
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

const ROWS = 1000;

/** Starts dynalite in a child process; resolves its endpoint. */
async function startDynalite(): Promise<{ endpoint: string; stop(): void }> {
  const external = process.env.POLYXENA_TEST_DYNAMODB_ENDPOINT;
  if (external) return { endpoint: external, stop: () => {} };
  const dynalitePath = createRequire(new URL("../packages/testkit/package.json", import.meta.url)).resolve("dynalite");
  const script = `const s = require(${JSON.stringify(dynalitePath)})({ createTableMs: 0 }); s.listen(0, "127.0.0.1", () => process.send(s.address().port));`;
  const child: ChildProcess = fork("-e", [script], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  // fork("-e") runs `node -e <script>`: the module path is the flag, the script its argument.
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m) => resolve(Number(m)));
    child.once("exit", (code) => reject(new Error(`dynalite exited with ${code}`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

async function main(): Promise<void> {
  const server = await startDynalite();
  const base = new DynamoDBClient({ endpoint: server.endpoint, region: "local", credentials: { accessKeyId: "bench", secretAccessKey: "bench" } });
  const client = DynamoDBDocumentClient.from(base);
  const tablePrefix = `bench_${randomUUID().slice(0, 8)}_`;
  const adapter = createDynamoDbAdapter({ client, tablePrefix });
  try {
    await adapter.applySchema([Title.model]);
    const repo = new PolyxenaRuntime({ stores: { dynamodb: adapter } }, [Title]).entity(Title);
    const ids: string[] = [];
    for (let i = 0; i < ROWS; i++) {
      const titleId = randomUUID();
      ids.push(titleId);
      await repo.put({ titleId, name: `Title ${i}`, year: 1950 + (i % 70), genres: ["drama", "comedy"], rating: (i % 50) / 10, updatedAt: new Date() });
    }
    const id = (i: number) => ids[i % ROWS]!;
    const tableName = `${tablePrefix}title`;
    const contenders = [
      { name: "polyxena", run: (i: number) => repo.get({ titleId: id(i) }).then((r) => r.item) },
      { name: "DocumentClient", run: (i: number) => client.send(new GetCommand({ TableName: tableName, Key: { titleId: id(i) } })).then((r) => r.Item) },
    ];
    for (const c of contenders) if (!(await c.run(0))) throw new Error(`${c.name} found nothing`);

    const c1 = await compare(contenders, { concurrency: 1, opsPerRound: 500, rounds: 9, warmupOps: 300 });
    const c16 = await compare(contenders, { concurrency: 16, opsPerRound: 1500, rounds: 9, warmupOps: 500 });
    const summary = (r: CompareResult) => ({
      opsPerSec: r.opsPerSec,
      cpuMicrosPerOp: r.cpuMicrosPerOp,
      ratio: round(r.opsPerSec.polyxena! / r.opsPerSec.DocumentClient!),
    });
    const s1 = summary(c1);
    const s16 = summary(c16);
    console.error(`c1  ${JSON.stringify(s1)}`);
    console.error(`c16 ${JSON.stringify(s16)}`);
    printResult({ bench: "dynamodb-get", ratio: s16.ratio, c: 16, opsPerSec: s16.opsPerSec.polyxena, baseline: "DocumentClient", baselineOpsPerSec: s16.opsPerSec.DocumentClient, c1: s1, c16: s16 });
  } finally {
    await adapter.close();
    base.destroy();
    server.stop();
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

await main();
