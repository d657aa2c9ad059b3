import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { spawn, spawnSync } from "node:child_process";

/** packages/codegen */
export const CODEGEN_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const FIXTURES_DIR = join(CODEGEN_DIR, "test", "fixtures");
const TEMP_ROOT = join(CODEGEN_DIR, "test", "generated-fixtures", ".polyxena-tmp");
const BIN = join(CODEGEN_DIR, "bin", "polyxena.mjs");

let counter = 0;

/**
 * A fresh folder inside the repository (so `@polyxena/core` and `zod`
 * resolve from it), excluded from the workspace tsconfig and git.
 */
export function makeTempDir(label: string): string {
  const dir = join(TEMP_ROOT, `${label}-${process.pid}-${++counter}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Removes a folder made by {@link makeTempDir}. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A temp project: copies of fixture entity folders and a config pointing at
 * them, writing to `./generated`.
 */
export function makeProject(label: string, entityFolders: readonly string[], extraConfig = ""): string {
  const dir = makeTempDir(label);
  for (const folder of entityFolders) cpSync(join(FIXTURES_DIR, folder), join(dir, folder), { recursive: true });
  writeFileSync(
    join(dir, "polyxena.config.ts"),
    `import { defineConfig } from "@polyxena/codegen";\n\nexport default defineConfig({\n  entities: [${entityFolders.map((f) => JSON.stringify(`./${f}/*.ts`)).join(", ")}],\n  out: "./generated",\n${extraConfig}});\n`,
  );
  return dir;
}

/** Result of one CLI run. */
export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `polyxena <args>` as a child process in `cwd`. */
export function runCli(cwd: string, args: readonly string[]): CliRun {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs `polyxena <args>` as a child process without blocking this process, so
 * servers running in the test process (dynalite, test servers) can answer it.
 */
export function runCliAsync(cwd: string, args: readonly string[], timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Every file under `dir` (relative path -> contents and mtime), for before/after comparisons. */
export function snapshotFolder(dir: string): Record<string, { text: string; mtimeMs: number }> {
  const out: Record<string, { text: string; mtimeMs: number }> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out[relative(dir, path)] = { text: readFileSync(path, "utf8"), mtimeMs: statSync(path).mtimeMs };
    }
  };
  walk(dir);
  return out;
}
