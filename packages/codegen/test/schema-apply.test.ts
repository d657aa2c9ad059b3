import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PolyxenaRuntime, Repository } from "@polyxena/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDynamoDbAdapter } from "@polyxena/adapters/dynamodb";
import { createPostgresAdapter } from "@polyxena/adapters/postgres";
import { startDynamoDbTestServer, type DynamoDbTestServer, createPostgresTestDatabase, type PostgresTestDatabase } from "@polyxena/testkit";
import { Device } from "./fixtures/apply-entities/device.js";
import { Payment } from "./fixtures/apply-entities/payment.js";
import { makeProject, removeTempDir, runCliAsync } from "./helpers/temp-project.js";

const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const tablePrefix = `px_apply_${process.pid}_`;

let db: PostgresTestDatabase;
let dynamo: DynamoDbTestServer;
const dirs: string[] = [];

beforeAll(async () => {
  [db, dynamo] = await Promise.all([createPostgresTestDatabase("schema_apply"), startDynamoDbTestServer()]);
});
afterAll(async () => {
  for (const dir of dirs.splice(0)) removeTempDir(dir);
  await Promise.all([db?.drop(), dynamo?.close()]);
});

/** A temp project over the apply fixtures whose config builds real adapters (or none, with `stores: false`). */
function project(label: string, stores: boolean): string {
  const dir = makeProject(label, ["apply-entities"]);
  dirs.push(dir);
  const lines = [
    `import { defineConfig } from "@polyxena/codegen";`,
    `import { createPostgresAdapter } from "@polyxena/adapters/postgres";`,
    `import { createDynamoDbAdapter } from "@polyxena/adapters/dynamodb";`,
    ``,
    `export default defineConfig({`,
    `  entities: ["./apply-entities/*.ts"],`,
    `  out: "./generated",`,
    `  postgres: { schema: ${JSON.stringify(db.schema)} },`,
    `  dynamodb: { tablePrefix: ${JSON.stringify(tablePrefix)} },`,
  ];
  if (stores) {
    lines.push(
      `  stores: () => ({`,
      `    postgres: createPostgresAdapter({ connectionString: ${JSON.stringify(db.connectionString)} }, { schema: ${JSON.stringify(db.schema)} }),`,
      `    dynamodb: createDynamoDbAdapter({ client: { endpoint: ${JSON.stringify(dynamo.endpoint)}, region: "local", credentials: ${JSON.stringify(credentials)} }, tablePrefix: ${JSON.stringify(tablePrefix)} }),`,
      `  }),`,
    );
  }
  lines.push(`});`, ``);
  writeFileSync(join(dir, "polyxena.config.ts"), lines.join("\n"));
  return dir;
}

/** The statements listed under one store's heading, as [status, statement]. */
function listed(stdout: string, store: string): [string, string][] {
  const lines = stdout.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`${store}: `));
  if (start < 0) return [];
  const out: [string, string][] = [];
  for (const line of lines.slice(start + 1)) {
    const match = /^ {2}(applied|in place) {2,3}(.*)$/.exec(line);
    if (!match) break;
    out.push([match[1]!, match[2]!]);
  }
  return out;
}

describe("polyxena schema apply (child process, real Postgres and DynamoDB endpoint)", () => {
  it("creates the tables, indexes and GSIs, then reports everything in place on a second run", async () => {
    const dir = project("apply", true);
    const first = await runCliAsync(dir, ["schema", "apply"]);
    // Only Node warnings (the AWS SDK prints one about Node versions) may reach stderr.
    expect(first.stderr).not.toContain("polyxena:");
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^polyxena: schema of 2 entities on 2 store\(s\): \d+ applied, \d+ already in place$/m);
    const pgFirst = listed(first.stdout, "postgres");
    expect(pgFirst.length).toBeGreaterThanOrEqual(2);
    expect(pgFirst.every(([status]) => status === "applied")).toBe(true);
    expect(pgFirst.some(([, s]) => s.startsWith(`CREATE TABLE IF NOT EXISTS "${db.schema}".`))).toBe(true);
    expect(pgFirst.some(([, s]) => s.startsWith("CREATE INDEX"))).toBe(true);
    const dynamoFirst = listed(first.stdout, "dynamodb");
    expect(dynamoFirst).toContainEqual(["applied", `CreateTable ${tablePrefix}device`]);

    // What the stores now hold, seen through real clients.
    const tables = await db.pool.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name", [db.schema]);
    expect(tables.rows.map((r) => r.table_name)).toEqual(["payment", "polyxena_schema_migrations"]);
    const indexes = await db.pool.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'payment'", [db.schema]);
    expect(indexes.rows.length).toBe(2);
    const runtime = new PolyxenaRuntime(
      {
        stores: {
          postgres: createPostgresAdapter({ connectionString: db.connectionString }, { schema: db.schema }),
          dynamodb: createDynamoDbAdapter({ client: { endpoint: dynamo.endpoint, region: "local", credentials }, tablePrefix }),
        },
      },
      [Payment, Device],
    );
    try {
      const devices = new Repository<object, Record<string, unknown>, Record<string, unknown>>(runtime.entity(Device));
      const device = { deviceId: "tv-1", accountId: "0b6e4f9e-3c43-4a8e-9a55-5d0d8d1e7a01", model: "OLED", registeredAt: new Date("2026-01-02T03:04:05Z") };
      await devices.put(device);
      expect(await devices.get({ deviceId: "tv-1" })).toEqual(device);
      const payments = new Repository<object, Record<string, unknown>, Record<string, unknown>>(runtime.entity(Payment));
      const payment = { paymentId: "6b2d3e4f-5061-4728-9bac-1d2e3f4a5b6c", accountId: device.accountId, amountCents: 999, paidAt: new Date("2026-01-02T00:00:00Z") };
      await payments.put(payment);
      expect(await payments.get({ paymentId: payment.paymentId })).toEqual(payment);
    } finally {
      await runtime.close();
    }

    const second = await runCliAsync(dir, ["schema", "apply"]);
    expect(second.stderr).not.toContain("polyxena:");
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/^polyxena: schema of 2 entities on 2 store\(s\): 0 applied, \d+ already in place$/m);
    expect(second.stdout).toContain("postgres: 0 applied,");
    expect(second.stdout).toContain("dynamodb: 0 applied,");
    expect(listed(second.stdout, "postgres")).toEqual(pgFirst.map(([, s]) => ["in place", s]));
    expect(listed(second.stdout, "dynamodb")).toContainEqual(["in place", `CreateTable ${tablePrefix}device`]);
    expect(listed(second.stdout, "dynamodb").every(([status]) => status === "in place")).toBe(true);
  }, 90_000);

  it("exits 1 with a clear message when the config has no stores factory", async () => {
    const dir = project("no-stores", false);
    const run = await runCliAsync(dir, ["schema", "apply"]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`"stores" is missing; polyxena schema apply needs the adapters to apply the schema through`);
    expect(run.stderr).not.toContain("    at ");
  }, 60_000);
});
