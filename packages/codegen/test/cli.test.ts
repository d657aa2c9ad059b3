import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../src/index.js";
import { makeProject, removeTempDir, runCli, snapshotFolder } from "./helpers/temp-project.js";

const dirs: string[] = [];
const project = (label: string, folders: string[], extra?: string) => {
  const dir = makeProject(label, folders, extra);
  dirs.push(dir);
  return dir;
};
const silent = { out: () => undefined, err: () => undefined };
afterEach(() => {
  for (const dir of dirs.splice(0)) removeTempDir(dir);
});

describe("polyxena generate (child process)", () => {
  it("generates, then --check passes, then reports hand edits and removed entities as stale", async () => {
    const dir = project("check", ["entities"], `  cassandra: { keyspace: "cli_ks" },\n`);
    const generate = runCli(dir, ["generate"]);
    expect(generate.stderr).toBe("");
    expect(generate.status).toBe(0);
    expect(generate.stdout).toContain("5 entities -> generated (12 written, 0 unchanged, 0 removed)");
    expect(readFileSync(join(dir, "generated", "schema.cql"), "utf8")).toContain(`CREATE KEYSPACE IF NOT EXISTS "cli_ks"`);
    expect(readFileSync(join(dir, "generated", "profile.ts"), "utf8")).toContain(`from "../entities/profile.js"`);

    const clean = runCli(dir, ["generate", "--check"]);
    expect(clean.status).toBe(0);
    expect(clean.stdout).toContain("up to date");

    writeFileSync(join(dir, "generated", "index.ts"), "// edited\n");
    rmSync(join(dir, "entities", "profile.ts"));
    const stale = runCli(dir, ["generate", "--check"]);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain("are stale");
    const listed = stale.stderr.split("\n").filter((l) => l.startsWith("  ")).map((l) => l.trim());
    expect(listed).toEqual(["dynamodb-tables.json", "index.ts", "profile.ts", "statements.md"]);

    const out: string[] = [];
    expect(await main(["generate", "--config", join(dir, "polyxena.config.ts")], { out: (l) => out.push(l), err: (l) => out.push(l) })).toBe(0);
    expect(out.join("\n")).toContain("2 removed)");
    const after = snapshotFolder(join(dir, "generated"));
    expect(after["profile.ts"]).toBeUndefined();
    expect(after["dynamodb-tables.json"]).toBeUndefined();
  }, 90_000);

  it("prints a definition error and exits 1 without touching the output folder", async () => {
    const dir = project("broken", ["entities", "broken"]);
    writeFileSync(
      join(dir, "polyxena.config.ts"),
      `import { defineConfig } from "@polyxena/codegen";\nexport default defineConfig({ entities: ["./entities/*.ts"], out: "./generated" });\n`,
    );
    expect(await main(["generate", "--config", join(dir, "polyxena.config.ts")], silent)).toBe(0);
    const before = snapshotFolder(join(dir, "generated"));
    writeFileSync(
      join(dir, "polyxena.config.ts"),
      `import { defineConfig } from "@polyxena/codegen";\nexport default defineConfig({ entities: ["./entities/*.ts", "./broken/*.ts"], out: "./generated" });\n`,
    );
    const run = runCli(dir, ["generate"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("polyxena: E_DEFINITION: a dynamodb query needs exactly one equality field (got 2) [entity Broken, at queries.byAandB.by]");
    expect(run.stderr).not.toContain("    at ");
    expect(snapshotFolder(join(dir, "generated"))).toEqual(before);
  }, 90_000);

  it("refuses a misspelt declaration option and a misspelt config option with E_DEFINITION and a suggestion", () => {
    const dir = project("typo", ["entities"]);
    mkdirSync(join(dir, "typos"));
    writeFileSync(
      join(dir, "typos", "typo.ts"),
      `import { z } from "zod";\nimport { defineEntity } from "@polyxena/core";\n` +
        `export const Typo = defineEntity("Typo", {\n  store: "postgres",\n  schema: z.object({ id: z.string(), title: z.string() }),\n  key: { primary: ["id"] },\n  querys: { byTitle: { by: ["title"] } },\n} as never);\n`,
    );
    writeFileSync(join(dir, "polyxena.config.ts"), `import { defineConfig } from "@polyxena/codegen";\nexport default defineConfig({ entities: ["./entities/*.ts", "./typos/*.ts"], out: "./generated" });\n`);
    const entity = runCli(dir, ["generate"]);
    expect(entity.status).toBe(1);
    expect(entity.stderr).toContain('E_DEFINITION');
    expect(entity.stderr).toContain('unknown option "querys" [entity Typo, at querys] Fix: did you mean "queries"?');

    writeFileSync(join(dir, "polyxena.config.ts"), `export default { entities: ["./entities/*.ts"], out: "./generated", postgres: { shema: "billing" } };\n`);
    const config = runCli(dir, ["generate"]);
    expect(config.status).toBe(1);
    expect(config.stderr).toContain("E_DEFINITION");
    expect(config.stderr).toContain('unknown option "shema" in postgres in the polyxena config [at postgres.shema] Fix: did you mean "schema"?');
    expect(config.stderr).not.toContain("    at ");
  }, 90_000);

  it("loads a TypeScript config in a package that is not an ES module package", () => {
    const dir = project("commonjs", ["entities"]);
    writeFileSync(join(dir, "package.json"), `{ "name": "commonjs-project", "private": true }\n`);
    // Outside @polyxena/codegen's package scope the config cannot import defineConfig by name; a plain object is enough.
    writeFileSync(join(dir, "polyxena.config.ts"), `import { Profile } from "./entities/profile.js";\nvoid Profile;\nexport default { entities: ["./entities/*.ts"], out: "./generated", cassandra: { keyspace: "cjs_ks" } };\n`);
    const run = runCli(dir, ["generate"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("5 entities -> generated (12 written");
    expect(readFileSync(join(dir, "generated", "schema.cql"), "utf8")).toContain(`CREATE KEYSPACE IF NOT EXISTS "cjs_ks"`);
  }, 90_000);
});
