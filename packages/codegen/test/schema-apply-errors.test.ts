import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../src/index.js";
import { makeProject, removeTempDir } from "./helpers/temp-project.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) removeTempDir(dir);
});

/** A temp project over the apply fixtures whose config ends with `storesSource` (the `stores` property, or nothing). */
function project(label: string, storesSource: string, folders: readonly string[] = ["apply-entities"]): string {
  const dir = makeProject(label, folders);
  dirs.push(dir);
  writeFileSync(
    join(dir, "polyxena.config.ts"),
    [
      `import { defineConfig } from "@polyxena/codegen";`,
      `import { createPostgresAdapter } from "@polyxena/adapters/postgres";`,
      `import { MemoryPostgresAdapter, MemoryDynamoDbAdapter, createMemoryCassandraAdapter } from "@polyxena/memory";`,
      `void createPostgresAdapter; void MemoryPostgresAdapter; void MemoryDynamoDbAdapter; void createMemoryCassandraAdapter;`,
      `export default defineConfig({`,
      `  entities: ${JSON.stringify(folders.map((f) => `./${f}/*.ts`))},`,
      `  out: "./generated",`,
      storesSource,
      `} as never);`,
      ``,
    ].join("\n"),
  );
  return join(dir, "polyxena.config.ts");
}

/** Runs `main` in this process and captures what it prints. */
async function run(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { status, stdout: out.join("\n"), stderr: err.join("\n") };
}

describe("polyxena schema apply failures (in process)", () => {
  it("reports a stores factory that throws, without a stack trace", async () => {
    const config = project("factory-throws", `  stores: () => { throw new Error("DATABASE_URL is not set"); },`);
    const result = await run(["schema", "apply", "--config", config]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`polyxena: ${config}: the stores factory failed: DATABASE_URL is not set`);
  });

  it("refuses stores that are not a function, or values that are not adapters", async () => {
    const notFunction = await run(["schema", "apply", "--config", project("not-function", `  stores: { postgres: 1 },`)]);
    expect(notFunction.status).toBe(1);
    expect(notFunction.stderr).toContain(`"stores" must be a function returning the adapters`);

    const notAdapter = await run(["schema", "apply", "--config", project("not-adapter", `  stores: () => ({ postgres: { kind: "postgres" } }),`)]);
    expect(notAdapter.status).toBe(1);
    expect(notAdapter.stderr).toContain("stores.postgres is not a store adapter");
  });

  it("names the store an entity needs when the factory leaves it out", async () => {
    const config = project("missing-store", `  stores: () => ({ postgres: new MemoryPostgresAdapter() }),`);
    const result = await run(["schema", "apply", "--config", config]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`stores() returned no adapter for store dynamodb, used by entity Device; add "dynamodb": <a dynamodb adapter> to it`);
  });

  it("applies through in-memory adapters and prints what each store applied", async () => {
    const config = project("memory", `  stores: () => ({ postgres: new MemoryPostgresAdapter(), dynamodb: new MemoryDynamoDbAdapter() }),`);
    const result = await run(["schema", "apply", "--config", config]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toMatch(/^polyxena: schema of 2 entities on 2 store\(s\): [1-9]\d* applied, 0 already in place$/);
    expect(lines).toContain("postgres: 2 applied, 0 already in place");
    expect(lines.filter((l) => l.startsWith("  applied   ")).length).toBeGreaterThanOrEqual(3);
  });

  it("warns when the Postgres adapter applies to another schema than the config generates for", async () => {
    // A memory adapter standing in for createPostgresAdapter(..., { schema: "public" }).
    const config = project("schema-mismatch", `  postgres: { schema: "billing" },\n  stores: () => ({ postgres: Object.assign(new MemoryPostgresAdapter(), { schema: "public" }), dynamodb: new MemoryDynamoDbAdapter() }),`);
    const result = await run(["schema", "apply", "--config", config]);
    expect(result.status).toBe(0);
    expect(result.stdout.split("\n").at(-1)).toBe(`warning: postgres: the adapter uses schema "public", but the config generates for schema "billing"`);
  });

  it("warns when the Cassandra adapter creates its keyspace with another replication than the config's schema.cql", async () => {
    const config = project(
      "replication-mismatch",
      `  cassandra: { keyspace: "activity", replication: { class: "NetworkTopologyStrategy", datacenter1: 3 } },\n  stores: () => ({ cassandra: createMemoryCassandraAdapter({ keyspace: "activity" }) }),`,
      ["apply-cassandra"],
    );
    const result = await run(["schema", "apply", "--config", config]);
    expect(result.status).toBe(0);
    expect(result.stdout.split("\n").at(-1)).toBe(
      `warning: cassandra: the adapter creates keyspaces with replication {"class":"SimpleStrategy","replication_factor":"1"}, but the config's schema.cql uses {"class":"NetworkTopologyStrategy","datacenter1":"3"}`,
    );
    const matching = project(
      "replication-match",
      `  cassandra: { keyspace: "activity", replication: { class: "SimpleStrategy", replication_factor: "1" } },\n  stores: () => ({ cassandra: createMemoryCassandraAdapter({ keyspace: "activity" }) }),`,
      ["apply-cassandra"],
    );
    const clean = await run(["schema", "apply", "--config", matching]);
    expect(clean.status).toBe(0);
    expect(clean.stdout).not.toContain("warning:");
  });

  it("exits 1 with the E_* message and the statement when a store is unreachable", async () => {
    const config = project("unreachable", `  stores: () => ({ postgres: createPostgresAdapter({ connectionString: "postgres://postgres@127.0.0.1:9/none" }), dynamodb: new MemoryDynamoDbAdapter() }),`);
    const result = await run(["schema", "apply", "--config", config]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^polyxena: E_(UNAVAILABLE|STORE): /);
    expect(result.stderr).toContain("store postgres");
    expect(result.stderr).not.toContain("    at ");
  });

  it("rejects --check and stray arguments", async () => {
    const check = await run(["schema", "apply", "--check"]);
    expect(check.status).toBe(1);
    expect(check.stderr).toContain("--check belongs to polyxena generate");
    const stray = await run(["schema", "apply", "now"]);
    expect(stray.status).toBe(1);
    expect(stray.stderr).toContain("unexpected argument now");
    const unknown = await run(["schema", "drop"]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("unknown command schema drop");
  });
});
