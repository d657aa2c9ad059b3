import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main, MARKER_FILE } from "../src/index.js";
import { makeProject, removeTempDir, snapshotFolder } from "./helpers/temp-project.js";

const dirs: string[] = [];
const project = (label: string, folders: string[], extra?: string) => {
  const dir = makeProject(label, folders, extra);
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) removeTempDir(dir);
});

/** Runs `main` in this process and captures what it prints. */
async function run(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { status, stdout: out.join("\n"), stderr: err.join("\n") };
}

describe("polyxena generate (in process)", () => {
  it("leaves unchanged files untouched on a second run", async () => {
    const dir = project("rerun", ["entities"]);
    const config = join(dir, "polyxena.config.ts");
    expect((await run(["generate", "--config", config])).status).toBe(0);
    const before = snapshotFolder(join(dir, "generated"));
    const again = await run(["generate", "--config", config]);
    expect(again.stdout).toContain("(0 written, 12 unchanged, 0 removed)");
    const after = snapshotFolder(join(dir, "generated"));
    for (const [path, entry] of Object.entries(before)) {
      if (path !== MARKER_FILE) expect(after[path], path).toEqual(entry);
    }
  });

  it("never takes generated output or the config for entity modules", async () => {
    const dir = project("wide-glob", ["entities"]);
    writeFileSync(join(dir, "polyxena.config.ts"), `export default { entities: ["./**/*.ts"], out: "./generated" };\n`);
    const config = join(dir, "polyxena.config.ts");
    expect((await run(["generate", "--config", config])).status).toBe(0);
    const first = snapshotFolder(join(dir, "generated"));
    const again = await run(["generate", "--config", config]);
    expect(again.stdout).toContain("5 entities -> ");
    expect(again.stdout).toContain("(0 written, 12 unchanged, 0 removed)");
    expect(first["profile.ts"]?.text).toContain(`from "../entities/profile.js"`);
  });

  it("rejects two different entities with the same name across modules", async () => {
    const dir = project("duplicate", ["duplicate"]);
    const result = await run(["generate", "--config", join(dir, "polyxena.config.ts")]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("E_DEFINITION: two entities are named Profile");
    expect(result.stderr).toContain("./duplicate/first.ts");
    expect(snapshotFolder(dir)["generated/index.ts"]).toBeUndefined();
  });

  it("refuses a non-generated output folder", async () => {
    const dir = project("foreign", ["entities"]);
    mkdirSync(join(dir, "docs"));
    writeFileSync(join(dir, "docs", "notes.md"), "hand-written");
    writeFileSync(join(dir, "foreign.config.ts"), `export default { entities: ["./entities/*.ts"], out: "./docs" };\n`);
    const before = snapshotFolder(join(dir, "docs"));
    const result = await run(["generate", "--config", join(dir, "foreign.config.ts")]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("refusing to write into");
    expect(snapshotFolder(join(dir, "docs"))).toEqual(before);
  });

  it("explains a bad config, a pattern matching nothing, a missing config and bad arguments", async () => {
    const dir = project("bad-config", ["entities"]);
    writeFileSync(join(dir, "bad.config.ts"), `export default { entities: [], out: "./generated" };\n`);
    const bad = await run(["generate", "--config", join(dir, "bad.config.ts")]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(`"entities" must be a non-empty list`);
    writeFileSync(join(dir, "empty.config.ts"), `export default { entities: ["./nowhere/*.ts"], out: "./generated" };\n`);
    const empty = await run(["generate", `--config=${join(dir, "empty.config.ts")}`]);
    expect(empty.status).toBe(1);
    expect(empty.stderr).toContain(`entity pattern "./nowhere/*.ts" matched no files`);
    const missing = await run(["generate", "--config", join(dir, "nope.config.ts")]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("nope.config.ts not found");
    const help = await run(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("usage: polyxena generate");
    const unknown = await run(["generate", "--force"]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("unknown option --force");
    const command = await run(["deploy"]);
    expect(command.status).toBe(1);
    expect(command.stderr).toContain("unknown command deploy");
  });
});
