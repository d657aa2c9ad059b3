/**
 * DynamoDB get by key: the Polyxena repository (cache off, eventual reads)
 * against ElectroDB and DynamoDB-Toolbox, each used as its documentation
 * recommends, and a raw lib-dynamodb `GetCommand` as the baseline, at 1 and
 * 16 in flight, interleaved rounds, medians. Every contender sends through one
 * and the same DocumentClient (same HTTP agent and keep-alive) to dynalite in
 * a child process (so its CPU counts against no contender, as with a remote
 * DynamoDB).
 *
 * The peers read items they wrote themselves, each in its own table with the
 * key design its docs use (ElectroDB: composite `pk`/`sk` strings and its
 * entity identifiers; DynamoDB-Toolbox: the entity attribute and
 * timestamps), holding the same 1,000 titles Polyxena and the raw baseline
 * read from Polyxena's table. DynamoDB-Toolbox parses every item it reads
 * against its schema; ElectroDB formats it without validation.
 *
 *   pnpm bench peers dynamodb
 *
 * Ends with one JSON line: `{ bench: "peers-dynamodb", lines: PeerLine[] }`.
 */
import { randomUUID } from "node:crypto";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { Entity as ElectroEntity } from "electrodb";
import { Entity as ToolboxEntity, GetItemCommand, item, list, number, PutItemCommand, string, Table as ToolboxTable } from "dynamodb-toolbox";
import { defineEntity, PolyxenaRuntime, Repository } from "@polyxena/core";
import { createDynamoDbAdapter } from "@polyxena/adapters/dynamodb";
import { startBenchDynamoDb } from "../dynamodb-bench-client.js";
import { compare, printResult, type Contender } from "../harness.js";
import { peerLine } from "./peer-lines.js";

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
  cache: false,
});
type TitleItem = z.output<typeof Title.schema>;

const ROWS = 1000;

async function main(): Promise<void> {
  const dynamodb = await startBenchDynamoDb();
  const { client, base, agent } = dynamodb;
  const tablePrefix = `bench_${randomUUID().slice(0, 8)}_`;
  const runtime = new PolyxenaRuntime({ stores: { dynamodb: createDynamoDbAdapter({ client, tablePrefix }) } }, [Title]);
  try {
    await runtime.applySchema();
    const repo = new Repository<TitleItem, z.input<typeof Title.schema>, { titleId: string }>(runtime.entity(Title));

    // ElectroDB: its own single-table key design.
    const electroTable = `${tablePrefix}electrodb`;
    await createTable(base, electroTable, ["pk", "sk"]);
    const electroTitle = new ElectroEntity(
      {
        model: { entity: "title", version: "1", service: "catalog" },
        attributes: {
          titleId: { type: "string", required: true },
          name: { type: "string", required: true },
          year: { type: "number", required: true },
          genres: { type: "list", items: { type: "string" }, required: true },
          rating: { type: "number", required: true },
          updatedAt: { type: "string", required: true },
        },
        indexes: { byId: { pk: { field: "pk", composite: ["titleId"] }, sk: { field: "sk", composite: [] } } },
      },
      { table: electroTable, client },
    );

    // DynamoDB-Toolbox: a table keyed by the title id, an entity with its schema.
    const toolboxTableName = `${tablePrefix}toolbox`;
    await createTable(base, toolboxTableName, ["titleId"]);
    const toolboxTable = new ToolboxTable({ name: toolboxTableName, partitionKey: { name: "titleId", type: "string" }, documentClient: client });
    const toolboxTitle = new ToolboxEntity({
      name: "Title",
      table: toolboxTable,
      schema: item({
        titleId: string().key(),
        name: string(),
        year: number(),
        genres: list(string()),
        rating: number(),
        updatedAt: string(),
      }),
    });

    const ids: string[] = [];
    for (let i = 0; i < ROWS; i++) {
      const title = { titleId: randomUUID(), name: `Title ${i}`, year: 1950 + (i % 70), genres: ["drama", "comedy"], rating: (i % 50) / 10, updatedAt: new Date() };
      ids.push(title.titleId);
      const stored = { ...title, updatedAt: title.updatedAt.toISOString() };
      await Promise.all([repo.put(title), electroTitle.put(stored).go(), toolboxTitle.build(PutItemCommand).item(stored).send()]);
    }
    const id = (i: number) => ids[(i * 7919) % ROWS]!;
    const tableName = `${tablePrefix}title`;
    const contenders: Contender[] = [
      { name: "polyxena", run: (i) => repo.get({ titleId: id(i) }) },
      { name: "electrodb", run: (i) => electroTitle.get({ titleId: id(i) }).go().then((r) => r.data) },
      { name: "dynamodb-toolbox", run: (i) => toolboxTitle.build(GetItemCommand).key({ titleId: id(i) }).send().then((r) => r.Item) },
      { name: "lib-dynamodb", run: (i) => client.send(new GetCommand({ TableName: tableName, Key: { titleId: id(i) } })).then((r) => r.Item) },
    ];
    const roles = { electrodb: "peer", "dynamodb-toolbox": "peer", "lib-dynamodb": "baseline" } as const;
    for (const c of contenders) {
      const found = (await c.run(3)) as { titleId?: string; name?: string } | undefined;
      if (found?.titleId !== id(3) || !found.name?.startsWith("Title ")) throw new Error(`${c.name} did not find ${id(3)}: ${JSON.stringify(found)}`);
    }
    const c1 = await compare(contenders, { concurrency: 1, opsPerRound: 300, rounds: 15, warmupOps: 1000 });
    const line1 = peerLine("DynamoDB get by key, 1 in flight", c1, roles);
    const c16 = await compare(contenders, { concurrency: 16, opsPerRound: 800, rounds: 15, warmupOps: 1000 });
    const line16 = peerLine("DynamoDB get by key, 16 in flight", c16, roles);
    if (Object.keys(agent.sockets).length + Object.keys(agent.freeSockets).length === 0) throw new Error("the configured HTTP agent was not used");
    printResult({ bench: "peers-dynamodb", lines: [line1, line16] });
  } finally {
    await runtime.close();
    await dynamodb.close();
  }
}

/** Creates an on-demand table with string key attributes (partition, then optional sort). */
async function createTable(client: DynamoDBClient, name: string, key: string[]): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: key.map((k) => ({ AttributeName: k, AttributeType: "S" })),
      KeySchema: key.map((k, i) => ({ AttributeName: k, KeyType: i === 0 ? "HASH" : "RANGE" })),
    }),
  );
}

await main();
