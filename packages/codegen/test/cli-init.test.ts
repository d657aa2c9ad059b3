import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CODEGEN_DIR, makeTempDir, removeTempDir, runCli, snapshotFolder } from "./helpers/temp-project.js";

const PACKAGES_DIR = join(CODEGEN_DIR, "..");

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) removeTempDir(dir);
});

function emptyProject(label: string, manifest: object = { name: label, private: true, type: "module" }): string {
  const dir = makeTempDir(label);
  dirs.push(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify(manifest));
  return dir;
}

/** Links the workspace packages and zod into the project's node_modules, as an install would. */
function linkDependencies(dir: string): void {
  mkdirSync(join(dir, "node_modules", "@polyxena"), { recursive: true });
  for (const name of ["core", "adapters", "memory", "codegen"]) symlinkSync(join(PACKAGES_DIR, name), join(dir, "node_modules", "@polyxena", name), "dir");
  symlinkSync(realpathSync(join(PACKAGES_DIR, "core", "node_modules", "zod")), join(dir, "node_modules", "zod"), "dir");
}

describe("polyxena init", () => {
  it("writes a config, an example entity and a test that passes on the memory adapters after generate", () => {
    const dir = emptyProject("init");
    linkDependencies(dir);
    const init = runCli(dir, ["init"]);
    expect(init.stderr).toBe("");
    expect(init.status).toBe(0);
    expect(init.stdout).toContain("wrote polyxena.config.ts, src/entities/task.ts, test/task.test.ts");
    expect(init.stdout).toContain("npm install @polyxena/core @polyxena/adapters zod kysely");
    expect(init.stdout).toContain("npm install --save-dev @polyxena/codegen @polyxena/memory tsx");
    expect(init.stdout).toContain("npx tsx --test test/task.test.ts");

    const generate = runCli(dir, ["generate"]);
    expect(generate.stderr).toBe("");
    expect(generate.stdout).toContain("1 entities -> src/generated");

    const tsx = join(PACKAGES_DIR, "..", "node_modules", "tsx", "dist", "cli.mjs");
    const test = spawnSync(process.execPath, [tsx, "--test", "test/task.test.ts"], { cwd: dir, encoding: "utf8", timeout: 60_000 });
    expect(test.stdout + test.stderr).toMatch(/# pass 1\s+# fail 0/);
    expect(test.status).toBe(0);
  }, 90_000);

  it("writes a vitest test when the project uses vitest", () => {
    const dir = emptyProject("init-vitest", { name: "v", devDependencies: { vitest: "^4.0.0" } });
    expect(runCli(dir, ["init"]).status).toBe(0);
    expect(readFileSync(join(dir, "test", "task.test.ts"), "utf8")).toContain(`from "vitest"`);
  });

  it("refuses to overwrite any file and then writes nothing", () => {
    const dir = emptyProject("init-existing");
    writeFileSync(join(dir, "polyxena.config.ts"), "// mine\n");
    const before = snapshotFolder(dir);
    const init = runCli(dir, ["init"]);
    expect(init.status).toBe(1);
    expect(init.stderr).toContain("polyxena init writes nothing: polyxena.config.ts already exist(s)");
    expect(snapshotFolder(dir)).toEqual(before);
    expect(existsSync(join(dir, "src"))).toBe(false);
  });

  it("refuses a folder without package.json", () => {
    const dir = makeTempDir("init-no-package");
    dirs.push(dir);
    const init = runCli(dir, ["init"]);
    expect(init.status).toBe(1);
    expect(init.stderr).toContain("has no package.json; run polyxena init in an existing project");
  });
});
