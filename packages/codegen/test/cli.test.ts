import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MARKER_FILE } from "../src/index.js";
import { makeProject, removeTempDir, runCli, snapshotFolder } from "./helpers/temp-project.js";

const dirs: string[] = [];
const project = (label: string, folders: string[], extra?: string) => {
  const dir = makeProject(label, folders, extra);
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) removeTempDir(dir);
});

describe("polyxena generate (child process)", () => {
  it("generates, then --check passes, then reports hand edits and removed entities as stale", () => {
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

    const regenerate = runCli(dir, ["generate"]);
    expect(regenerate.status).toBe(0);
    expect(regenerate.stdout).toContain("removed");
    expect(snapshotFolder(join(dir, "generated"))["profile.ts"]).toBeUndefined();
    expect(runCli(dir, ["generate", "--check"]).status).toBe(0);
  });

  it("leaves unchanged files untouched on a second run", () => {
    const dir = project("rerun", ["entities"]);
    expect(runCli(dir, ["generate"]).status).toBe(0);
    const before = snapshotFolder(join(dir, "generated"));
    const again = runCli(dir, ["generate"]);
    expect(again.stdout).toContain("(0 written, 12 unchanged, 0 removed)");
    const after = snapshotFolder(join(dir, "generated"));
    for (const [path, entry] of Object.entries(before)) {
      if (path !== MARKER_FILE) expect(after[path], path).toEqual(entry);
    }
  });

  it("prints a definition error and exits 1 without touching the output folder", () => {
    const dir = project("broken", ["entities", "broken"]);
    writeFileSync(
      join(dir, "polyxena.config.ts"),
      `import { defineConfig } from "@polyxena/codegen";\nexport default defineConfig({ entities: ["./entities/*.ts"], out: "./generated" });\n`,
    );
    expect(runCli(dir, ["generate"]).status).toBe(0);
    const before = snapshotFolder(join(dir, "generated"));
    writeFileSync(
      join(dir, "polyxena.config.ts"),
      `import { defineConfig } from "@polyxena/codegen";\nexport default defineConfig({ entities: ["./entities/*.ts", "./broken/*.ts"], out: "./generated" });\n`,
    );
    const run = runCli(dir, ["generate"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("E_DEFINITION: a dynamodb query needs exactly one equality field (got 2) [entity Broken, at queries.byAandB.by]");
    expect(run.stderr).not.toContain("    at ");
    expect(snapshotFolder(join(dir, "generated"))).toEqual(before);
  });

  it("rejects two different entities with the same name across modules", () => {
    const dir = project("duplicate", ["duplicate"]);
    const run = runCli(dir, ["generate"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("E_DEFINITION: two entities are named Profile");
    expect(run.stderr).toContain("./duplicate/first.ts");
    expect(snapshotFolder(dir)["generated/index.ts"]).toBeUndefined();
  });

  it("refuses a non-generated output folder", () => {
    const dir = project("foreign", ["entities"]);
    writeFileSync(join(dir, "polyxena.config.ts"), `export default { entities: ["./entities/*.ts"], out: "./entities" };\n`);
    const before = snapshotFolder(join(dir, "entities"));
    const run = runCli(dir, ["generate"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("refusing to write into");
    expect(snapshotFolder(join(dir, "entities"))).toEqual(before);
  });

  it("explains a bad config, a pattern matching nothing, and bad arguments", () => {
    const dir = project("bad-config", ["entities"]);
    writeFileSync(join(dir, "bad.config.ts"), `export default { entities: [], out: "./generated" };\n`);
    const bad = runCli(dir, ["generate", "--config", "bad.config.ts"]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(`"entities" must be a non-empty list`);
    writeFileSync(join(dir, "empty.config.ts"), `export default { entities: ["./nowhere/*.ts"], out: "./generated" };\n`);
    const empty = runCli(dir, ["generate", "--config=empty.config.ts"]);
    expect(empty.status).toBe(1);
    expect(empty.stderr).toContain(`entity pattern "./nowhere/*.ts" matched no files`);
    const missing = runCli(dir, ["generate", "--config", "nope.config.ts"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("config file nope.config.ts not found");
    const help = runCli(dir, ["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("usage: polyxena generate");
    const unknown = runCli(dir, ["generate", "--force"]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("unknown option --force");
  });
});
