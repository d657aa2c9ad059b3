import { relative } from "node:path";
import { isPolyxenaError } from "@polyxena/core";
import { applyProjectSchema, formatSchemaPlan, formatSchemaReport, planProjectSchema } from "./apply-project-schema.js";
import { CodegenError } from "./codegen-error.js";
import { generateFiles } from "./generate-files.js";
import { initProject } from "./init-project.js";
import { loadProject } from "./load-project.js";
import { formatRebuild, rebuildProjectProjection } from "./rebuild-project-projection.js";
import { checkGeneratedFiles, writeGeneratedFiles } from "./write-generated-files.js";

/** Where the CLI prints. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const USAGE = `usage: polyxena generate [--config polyxena.config.ts] [--check]
       polyxena schema plan [--config polyxena.config.ts]
       polyxena schema apply [--config polyxena.config.ts] [--allow-destructive]
       polyxena projection rebuild NAME [--config polyxena.config.ts]
       polyxena init

  init            in an existing project: write polyxena.config.ts, an example
                  entity and a test on the memory adapters (never overwrites)

  generate        write the repositories and physical schema files
  schema plan     compare the declared schema with the live stores returned by the
                  config's stores() factory and print the differences; changes nothing
  schema apply    make the additive changes the plan lists (tables, columns,
                  indexes, GSIs, keyspaces, mapping fields); refuse destructive
                  ones with their reasons, changing nothing
  projection rebuild NAME
                  fill or repair projection NAME (e.g. titleSearch) from its source
                  through the config's stores, while live events keep flowing

  --config PATH   the config file (default: polyxena.config.ts in the current folder)
  --check         (generate) write nothing; exit 1 listing the generated files that are stale
  --allow-destructive  (schema apply) also make destructive changes (drop a column,
                  change a type or a key); never the ones a store cannot make`;

interface Arguments {
  /** The command words, e.g. `generate` or `schema apply`. */
  command: string | undefined;
  config: string;
  check: boolean;
  allowDestructive: boolean;
  help: boolean;
  /** The projection name of `projection rebuild`. */
  target?: string | undefined;
}

const COMMANDS = new Set(["init", "generate", "schema plan", "schema apply", "projection rebuild"]);

function parseArguments(argv: readonly string[]): Arguments {
  const args: Arguments = { command: undefined, config: "polyxena.config.ts", check: false, allowDestructive: false, help: false };
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--check") args.check = true;
    else if (arg === "--allow-destructive") args.allowDestructive = true;
    else if (arg === "--help" || arg === "-h") args.help = true;
    else if (arg === "--config" || arg === "-c") {
      const value = argv[++i];
      if (value === undefined || value.startsWith("-")) throw new CodegenError("--config needs a file path");
      args.config = value;
    } else if (arg.startsWith("--config=")) args.config = arg.slice("--config=".length);
    else if (arg.startsWith("-")) throw new CodegenError(`unknown option ${arg}`);
    else words.push(arg);
  }
  if (words.length > 0) {
    // "schema" and "projection" take a subcommand; every other command is one word.
    const length = words[0] === "schema" || words[0] === "projection" ? 2 : 1;
    args.command = words.slice(0, length).join(" ");
    let next = length;
    if (args.command === "projection rebuild") {
      args.target = words[next++];
      if (args.target === undefined) throw new CodegenError("projection rebuild needs the projection's name, e.g. polyxena projection rebuild titleSearch");
    }
    const extra = words[next];
    if (extra !== undefined) throw new CodegenError(`unexpected argument ${extra}`);
  }
  if (args.check && args.command !== "generate") throw new CodegenError("--check belongs to polyxena generate");
  if (args.allowDestructive && args.command !== "schema apply") throw new CodegenError("--allow-destructive belongs to polyxena schema apply");
  return args;
}

const consoleIo: CliIo = { out: (line) => console.log(line), err: (line) => console.error(line) };

/**
 * Runs the `polyxena` command line and returns the exit code: 0 on success,
 * 1 on a definition error, a bad config, an unsafe output folder, (with
 * `--check`) stale generated files, or (`schema apply`) a missing `stores`
 * factory or a store error. `generate` never writes anything on error.
 */
export async function main(argv: readonly string[], io: CliIo = consoleIo): Promise<number> {
  let args: Arguments;
  try {
    args = parseArguments(argv);
  } catch (error) {
    io.err(`polyxena: ${(error as Error).message}\n\n${USAGE}`);
    return 1;
  }
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  if (args.command === undefined || !COMMANDS.has(args.command)) {
    io.err(args.command === undefined ? USAGE : `polyxena: unknown command ${args.command}\n\n${USAGE}`);
    return 1;
  }
  try {
    if (args.command === "init") {
      const result = initProject(process.cwd());
      io.out(`polyxena: wrote ${result.written.join(", ")}`);
      io.out("next:");
      const { dependencies, devDependencies } = result.missing;
      if (dependencies.length > 0) io.out(`  npm install ${dependencies.join(" ")}`);
      if (devDependencies.length > 0) io.out(`  npm install --save-dev ${devDependencies.join(" ")}`);
      io.out("  npx polyxena generate");
      io.out(`  ${result.testCommand}`);
      return 0;
    }
    const project = await loadProject(args.config);
    if (args.command === "schema plan") {
      for (const line of formatSchemaPlan(await planProjectSchema(project))) io.out(line);
      return 0;
    }
    if (args.command === "schema apply") {
      for (const line of formatSchemaReport(await applyProjectSchema(project, { allowDestructive: args.allowDestructive }))) io.out(line);
      return 0;
    }
    if (args.command === "projection rebuild") {
      const result = await rebuildProjectProjection(project, args.target!, (line) => io.out(`polyxena: ${line}`));
      io.out(`polyxena: rebuilt ${formatRebuild(result)}`);
      return result.failed > 0 ? 1 : 0;
    }
    const files = generateFiles(project.sources, project.config);
    const shown = relative(process.cwd(), project.outDir) || ".";
    if (args.check) {
      const stale = checkGeneratedFiles(project.outDir, files);
      if (stale.length > 0) {
        io.err(`polyxena: ${stale.length} generated file(s) in ${shown} are stale; run \`polyxena generate\`:`);
        for (const path of stale) io.err(`  ${path}`);
        return 1;
      }
      io.out(`polyxena: ${files.size} generated files in ${shown} are up to date`);
      return 0;
    }
    const result = writeGeneratedFiles(project.outDir, files);
    const entityCount = new Set(project.sources.map((s) => s.definition.name)).size;
    io.out(`polyxena: ${entityCount} entities -> ${shown} (${result.written.length} written, ${result.unchanged.length} unchanged, ${result.removed.length} removed)`);
    return 0;
  } catch (error) {
    if (isPolyxenaError(error)) {
      io.err(`polyxena: ${error.code}: ${error.message}`);
      if (error.statement !== undefined) io.err(`  statement: ${error.statement.replace(/\s+/g, " ").trim()}`);
    } else if (error instanceof CodegenError) {
      io.err(`polyxena: ${error.message}`);
    } else {
      io.err(`polyxena: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
    return 1;
  }
}
