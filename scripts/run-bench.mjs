#!/usr/bin/env node
// `pnpm bench NAME` runs bench/NAME.ts; `pnpm bench` lists the benchmarks.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const name = process.argv[2];
const available = readdirSync(join(root, "bench")).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3)).sort();
if (!name || !available.includes(name)) {
  console.log(`usage: pnpm bench NAME [args]\n\nbenchmarks:\n${available.map((b) => `  ${b}`).join("\n")}`);
  process.exit(name ? 1 : 0);
}
const tsx = join(root, "node_modules", ".bin", "tsx");
const result = spawnSync(existsSync(tsx) ? tsx : "npx", existsSync(tsx) ? [join("bench", `${name}.ts`), ...process.argv.slice(3)] : ["tsx", join("bench", `${name}.ts`)], {
  cwd: root,
  stdio: "inherit",
});
process.exit(result.status ?? 1);
