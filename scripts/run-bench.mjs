#!/usr/bin/env node
// `pnpm bench NAME [args]` builds bench/NAME.ts and runs it; `pnpm bench` lists the benchmarks.
//
// The benchmark is bundled with esbuild the way a service build would ship
// it (TypeScript stripped, workspace packages inlined, npm dependencies left
// external) and run by plain Node. Running through tsx instead would charge
// every closure the SDK creates with esbuild's keep-names wrapper, which no
// production build has. `--tsx` runs it through tsx anyway.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const [name, ...rest] = process.argv.slice(2);
const available = readdirSync(join(root, "bench"))
  .filter((f) => f.endsWith(".ts") && f !== "harness.ts" && !f.endsWith("-tmp.ts"))
  .map((f) => f.slice(0, -3))
  .sort();
if (!name || !available.includes(name)) {
  console.log(`usage: pnpm bench NAME [--tsx] [args]\n\nbenchmarks:\n${available.map((b) => `  ${b}`).join("\n")}`);
  process.exit(name ? 1 : 0);
}
const source = join(root, "bench", `${name}.ts`);
const useTsx = rest.includes("--tsx");
const args = rest.filter((a) => a !== "--tsx");
let entry = source;
if (!useTsx) {
  const outdir = join(root, "bench", ".build");
  mkdirSync(outdir, { recursive: true });
  entry = join(outdir, `${name}.mjs`);
  await build({
    entryPoints: [source],
    outfile: entry,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "inline",
    logLevel: "warning",
    plugins: [
      {
        name: "external-npm-dependencies",
        setup(b) {
          // Workspace packages (and relative imports) are bundled from source; npm packages stay external.
          // External imports are pinned to the file the importing package resolves, as pnpm's layout requires.
          b.onResolve({ filter: /^[^./]/ }, async (args) => {
            if (args.path.startsWith("@polyxena/") || args.pluginData === "resolving") return undefined;
            if (args.path.startsWith("node:")) return { path: args.path, external: true };
            const resolved = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: "resolving" });
            return { path: resolved.path, external: true };
          });
        },
      },
    ],
  });
}
const runner = useTsx ? [join(root, "node_modules", ".bin", "tsx"), entry] : [process.execPath, "--enable-source-maps", entry];
const result = spawnSync(runner[0], [...runner.slice(1), ...args], { cwd: join(root, "bench"), stdio: "inherit" });
process.exit(result.status ?? 1);
