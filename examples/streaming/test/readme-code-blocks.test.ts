// Every code block of the README and the package READMEs is checked here, so
// the documentation cannot drift from the code: TypeScript blocks are
// type-checked (strict, exactOptionalPropertyTypes) against the packages and
// the example's generated code, blocks marked `<!-- doc-test run -->` are
// run, and shell blocks may only name scripts and CLI commands that exist.
//
// A block may be preceded by `<!-- doc-test [run] [prelude: CODE] -->`: CODE
// is put before the block (the imports and values a snippet takes for
// granted); `run` runs it with tsx.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "@polyxena/codegen";

const EXAMPLE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = join(EXAMPLE_DIR, "..", "..");
const SRC_DIR = join(EXAMPLE_DIR, "src");
const DOCUMENTS = ["README.md", ...readdirSync(join(ROOT, "packages")).map((p) => `packages/${p}/README.md`).filter((p) => existsFile(join(ROOT, p)))];

function existsFile(path: string): boolean {
  try {
    return readFileSync(path).length >= 0;
  } catch {
    return false;
  }
}

interface CodeBlock {
  document: string;
  /** 1-based line of the block's first code line in the document. */
  line: number;
  lang: string;
  code: string;
  prelude: string;
  run: boolean;
}

function codeBlocks(document: string): CodeBlock[] {
  const lines = readFileSync(join(ROOT, document), "utf8").split("\n");
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    const marker = /^<!-- doc-test\b(.*)-->\s*$/.exec(lines[i - 1] ?? "");
    const options = marker?.[1] ?? "";
    const prelude = /prelude:(.*)$/s.exec(options)?.[1]?.trim() ?? "";
    blocks.push({ document, line: start + 1, lang: open[1]!, code: lines.slice(start, end).join("\n"), prelude, run: /^\s*run\b/.test(options) });
    i = end;
  }
  return blocks;
}

const blocks = DOCUMENTS.flatMap(codeBlocks);
const tsBlocks = blocks.filter((b) => b.lang === "ts" || b.lang === "typescript");
const shellBlocks = blocks.filter((b) => b.lang === "bash" || b.lang === "sh");

/** The file a TypeScript block is checked as: beside the example's sources, so `./generated/index.js` is the example's. */
function blockFile(block: CodeBlock, index: number): string {
  return join(SRC_DIR, `doc-block-${block.document.replace(/\W+/g, "-")}-${index}-tmp.ts`);
}

const written: string[] = [];
afterAll(() => {
  for (const file of written) rmSync(file, { force: true });
});

function writeBlocks(): Map<string, CodeBlock> {
  const files = new Map<string, CodeBlock>();
  tsBlocks.forEach((block, index) => {
    const file = blockFile(block, index);
    // The prelude shares the block's first line, so diagnostics keep the document's line numbers.
    writeFileSync(file, `${block.prelude} ${block.code}\nexport {};\n`);
    written.push(file);
    files.set(file, block);
  });
  return files;
}

describe("documentation code blocks", () => {
  it("finds the blocks of the README and the package READMEs", () => {
    expect(DOCUMENTS).toContain("README.md");
    expect(DOCUMENTS).toContain("packages/codegen/README.md");
    expect(tsBlocks.length).toBeGreaterThanOrEqual(7);
    expect(shellBlocks.length).toBeGreaterThanOrEqual(3);
  });

  it("type-checks every TypeScript block under strict and exactOptionalPropertyTypes", () => {
    const files = writeBlocks();
    const program = ts.createProgram({
      rootNames: [...files.keys()],
      options: {
        target: ts.ScriptTarget.ES2022,
        lib: ["lib.es2023.d.ts"],
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: true,
        noEmit: true,
        types: ["node"],
      },
    });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file !== undefined && files.has(d.file.fileName))
      .map((d) => {
        const block = files.get(d.file!.fileName)!;
        const line = d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line;
        return `${block.document}:${block.line + line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
      });
    expect(problems).toEqual([]);
  }, 120_000);

  it("runs the blocks marked to run", () => {
    const runnable = tsBlocks.map((block, index) => ({ block, index })).filter(({ block }) => block.run);
    expect(runnable.length).toBeGreaterThanOrEqual(3);
    for (const { block, index } of runnable) {
      const file = blockFile(block, index);
      writeFileSync(file, `${block.prelude} ${block.code}\nexport {};\n`);
      written.push(file);
      const run = spawnSync(process.execPath, ["--import", "tsx", file], { cwd: EXAMPLE_DIR, encoding: "utf8", timeout: 60_000 });
      expect(`${block.document}:${block.line}: exit ${run.status}\n${run.stderr}`).toBe(`${block.document}:${block.line}: exit 0\n`);
    }
  }, 120_000);

  it("names only scripts and CLI commands that exist in shell blocks", async () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    const usage: string[] = [];
    await main(["--help"], { out: (l) => usage.push(l), err: (l) => usage.push(l) });
    const usageText = usage.join("\n");
    const problems: string[] = [];
    for (const block of shellBlocks) {
      block.code.split("\n").forEach((text, i) => {
        const where = `${block.document}:${block.line + i}`;
        const command = text.replace(/#.*$/, "").trim();
        for (const part of command.split("&&").map((p) => p.trim())) {
          const pnpm = /^npx -y pnpm@[\d.]+ (\S+)/.exec(part);
          if (pnpm && pnpm[1] !== "install" && !(pnpm[1]! in scripts)) problems.push(`${where}: no script "${pnpm[1]}" in package.json`);
          const polyxena = /^(?:npx )?polyxena ((?:[a-z]+ ?)+)(.*)$/.exec(part);
          if (polyxena) {
            const words = polyxena[1]!.trim();
            if (!usageText.includes(`polyxena ${words}`)) problems.push(`${where}: polyxena ${words} is not a command`);
            for (const flag of polyxena[2]!.match(/--[a-z-]+/g) ?? []) if (!usageText.includes(flag)) problems.push(`${where}: ${flag} is not an option`);
          }
        }
      });
    }
    expect(problems).toEqual([]);
    expect(relative(ROOT, EXAMPLE_DIR)).toBe(join("examples", "streaming"));
  });
});
