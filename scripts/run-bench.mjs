#!/usr/bin/env node
// `pnpm bench NAME [args]` builds bench/NAME.ts and runs it; `pnpm bench` lists the benchmarks.
// `pnpm bench peers [STORE...]` runs the peer benchmarks (bench/peers/STORE.ts, all by default)
// one after the other and writes their final JSON lines to bench/peers/results.json,
// from which `node scripts/peers-table.mjs` writes the README's performance table.
//
// The benchmark is bundled with esbuild the way a service build would ship
// it (TypeScript stripped, workspace packages inlined, npm dependencies left
// external) and run by plain Node. Running through tsx instead would charge
// every closure the SDK creates with esbuild's keep-names wrapper, which no
// production build has. `--tsx` runs it through tsx anyway.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const [name, ...rest] = process.argv.slice(2);
const useTsx = rest.includes("--tsx");
const args = rest.filter((a) => a !== "--tsx");
// Modules the benchmarks share, not benchmarks themselves.
const helpers = new Set(["harness.ts", "cql-server-process.ts", "dynamodb-bench-client.ts", "peer-lines.ts"]);
const benchmarks = (dir) =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith(".ts") && !helpers.has(f) && !f.endsWith("-tmp.ts"))
    .map((f) => f.slice(0, -3))
    .sort();
const available = benchmarks("bench");
const peers = benchmarks("bench/peers");

/** Bundles bench/RELATIVE.ts (unless --tsx) and runs it; returns its exit code and, when captured, its stdout. */
async function runBenchmark(relative, benchArgs, captureStdout) {
  const source = join(root, "bench", `${relative}.ts`);
  let entry = source;
  if (!useTsx) {
    const outdir = join(root, "bench", ".build");
    mkdirSync(outdir, { recursive: true });
    entry = join(outdir, `${relative.replaceAll("/", "-")}.mjs`);
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
            // A workspace module that finds files next to itself (the testkit's engine poms) keeps its own
            // import.meta.url: inside the bundle it would otherwise be the bundle's.
            b.onLoad({ filter: /[\\/]packages[\\/].*\.ts$/ }, (args) => {
              const source = readFileSync(args.path, "utf8");
              if (!source.includes("import.meta.url")) return undefined;
              return { contents: source.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)), loader: "ts" };
            });
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
  const result = spawnSync(runner[0], [...runner.slice(1), ...benchArgs], {
    cwd: join(root, "bench"),
    stdio: ["inherit", captureStdout ? "pipe" : "inherit", "inherit"],
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (captureStdout) process.stdout.write(result.stdout ?? "");
  return { status: result.status ?? 1, stdout: result.stdout ?? "" };
}

if (name === "peers") {
  const chosen = args.length ? args : peers;
  const unknown = chosen.filter((p) => !peers.includes(p));
  if (unknown.length) {
    console.log(`unknown peer benchmark: ${unknown.join(", ")}\n\npeer benchmarks:\n${peers.map((b) => `  ${b}`).join("\n")}`);
    process.exit(1);
  }
  const resultsFile = join(root, "bench", "peers", "results.json");
  const results = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, "utf8")) : {};
  let failed = 0;
  for (const peer of chosen) {
    console.error(`\n== peers ${peer}`);
    const { status, stdout } = await runBenchmark(`peers/${peer}`, [], true);
    const last = stdout.trim().split("\n").at(-1);
    if (status !== 0 || !last?.startsWith("{")) {
      console.error(`peers ${peer} failed (exit ${status}); results.json keeps its previous lines`);
      failed++;
      continue;
    }
    results[peer] = { ...JSON.parse(last), measuredAt: new Date().toISOString() };
    writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  }
  console.error(`\nwrote ${resultsFile}; render the README table with: node scripts/peers-table.mjs`);
  process.exit(failed ? 1 : 0);
}

if (!name || !available.includes(name)) {
  console.log(`usage: pnpm bench NAME [--tsx] [args]\n       pnpm bench peers [${peers.join("|")}...]\n\nbenchmarks:\n${available.map((b) => `  ${b}`).join("\n")}`);
  process.exit(name ? 1 : 0);
}
process.exit((await runBenchmark(name, args, false)).status);
