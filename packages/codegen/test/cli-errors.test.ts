import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../src/index.js";
import { makeProject, removeTempDir, runCli } from "./helpers/temp-project.js";

const dirs: string[] = [];
const variables: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) removeTempDir(dir);
  for (const name of variables.splice(0)) delete process.env[name];
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function run(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { status, stdout: out.join("\n"), stderr: err.join("\n") };
}

/** A project over the apply fixtures whose Postgres adapter connects to `connection` (source text). */
function postgresProject(label: string, connection: string): string {
  const dir = makeProject(label, ["apply-entities"]);
  dirs.push(dir);
  writeFileSync(
    join(dir, "polyxena.config.ts"),
    [
      `import { defineConfig } from "@polyxena/codegen";`,
      `import { createPostgresAdapter } from "@polyxena/adapters/postgres";`,
      `import { MemoryDynamoDbAdapter } from "@polyxena/memory";`,
      `export default defineConfig({`,
      `  entities: ["./apply-entities/*.ts"],`,
      `  out: "./generated",`,
      `  stores: () => ({ postgres: createPostgresAdapter({ connectionString: ${connection} }), dynamodb: new MemoryDynamoDbAdapter() }),`,
      `});`,
      ``,
    ].join("\n"),
  );
  return join(dir, "polyxena.config.ts");
}

describe("polyxena CLI errors", () => {
  it("names the store, the address and the environment variable when a store cannot be reached", async () => {
    const port = await closedPort();
    process.env.POLYXENA_CHECK_UNREACHABLE_URL = `postgres://postgres@127.0.0.1:${port}/test`;
    variables.push("POLYXENA_CHECK_UNREACHABLE_URL");
    const config = postgresProject("unreachable-env", "process.env.POLYXENA_CHECK_UNREACHABLE_URL!");
    const result = await run(["schema", "apply", "--config", config]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `polyxena: E_UNAVAILABLE: store postgres cannot be reached at 127.0.0.1:${port} (connection refused, ECONNREFUSED);\n` +
        `  the address comes from the environment variable POLYXENA_CHECK_UNREACHABLE_URL, read by stores["postgres"] in ${config}.\n` +
        `  Fix: start the store at 127.0.0.1:${port}, or set POLYXENA_CHECK_UNREACHABLE_URL to the address of a running one.`,
    );
  });

  it("names the config entry when the address is written in the config", async () => {
    const port = await closedPort();
    const config = postgresProject("unreachable-config", JSON.stringify(`postgres://postgres@127.0.0.1:${port}/test`));
    const result = await run(["schema", "apply", "--config", config]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`polyxena: E_UNAVAILABLE: store postgres cannot be reached at 127.0.0.1:${port} (connection refused, ECONNREFUSED);`);
    expect(result.stderr).toContain(`the address is set by stores["postgres"] in ${config} (no environment variable holds it).`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("shows the file, line and message of a syntax error in a TypeScript entity file, without a stack trace", () => {
    const dir = makeProject("syntax-ts", ["entities"]);
    dirs.push(dir);
    writeFileSync(join(dir, "entities", "broken.ts"), `import { z } from "zod";\n\nexport const Broken = {\n  name: "x",,\n};\nvoid z;\n`);
    const result = runCli(dir, ["generate"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`polyxena: entities/broken.ts:4:13: syntax error: Expected identifier but found ","\n      name: "x",,\n                ^\n`);
  });

  it("shows the file, line and message of a syntax error in a JavaScript entity module", () => {
    const dir = makeProject("syntax-js", ["entities"]);
    dirs.push(dir);
    writeFileSync(join(dir, "polyxena.config.ts"), `import { defineConfig } from "@polyxena/codegen";\nexport default defineConfig({ entities: ["./entities/*.ts", "./broken.mjs"], out: "./generated" });\n`);
    writeFileSync(join(dir, "broken.mjs"), `export const Broken = {\n  a: 1\n  b: 2,\n};\n`);
    const result = runCli(dir, ["generate"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^polyxena: broken\.mjs:3:3: syntax error: Unexpected identifier( 'b')?\n {4} {2}b: 2,\n {4} {2}\^\n$/);
  });
});
