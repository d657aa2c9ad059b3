import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { CodegenError } from "./codegen-error.js";

/** esbuild's (tsx's compiler's) way of placing an error in its message: `file:line:column: ERROR: text`. */
const TRANSFORM_ERROR = /^(.+?):(\d+):(\d+): ERROR: (.+)$/gm;
/** Node's `--check` output: `file:line`, the line, a caret, a blank line, `SyntaxError: message`. */
const CHECK_OUTPUT = /^(.+):(\d+)\n(.*)\n( *)\^+\s*\n+SyntaxError: (.+)$/m;

function shown(file: string): string {
  const path = relative(process.cwd(), file);
  return path.startsWith("..") ? file : path;
}

function lineOf(file: string, line: number): string | undefined {
  try {
    return readFileSync(file, "utf8").split(/\r?\n/)[line - 1];
  } catch {
    return undefined;
  }
}

/** `file:line:column: syntax error: message`, then the line with a caret under the column (1-based). */
function syntaxMessage(file: string, line: number, column: number, message: string, lineText = lineOf(file, line)): string {
  const head = `${shown(file)}:${line}:${column}: syntax error: ${message}`;
  return lineText === undefined ? head : `${head}\n    ${lineText}\n    ${" ".repeat(Math.max(0, column - 1))}^`;
}

/** Where Node's parser puts a syntax error of a JavaScript module, from `node --check`. */
function locateJavaScriptSyntaxError(file: string): string | undefined {
  const check = spawnSync(process.execPath, ["--check", file], { encoding: "utf8", timeout: 10_000 });
  const match = CHECK_OUTPUT.exec(check.stderr ?? "");
  if (check.status === 0 || !match) return undefined;
  return syntaxMessage(file, Number(match[2]), match[4]!.length + 1, match[5]!, match[3]);
}

/**
 * Imports a config or entity module. A syntax error becomes a CodegenError
 * naming the file, line and column with the parser's message and the line
 * itself, instead of the TypeScript loader's stack trace. Errors thrown while
 * the module runs (such as `E_DEFINITION`) propagate unchanged.
 */
export async function importUserModule(url: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const message = error instanceof Error ? error.message : "";
    const placed = [...message.matchAll(TRANSFORM_ERROR)].map((m) => syntaxMessage(m[1]!, Number(m[2]), Number(m[3]) + 1, m[4]!));
    if (placed.length > 0) throw new CodegenError(placed.join("\n"), { cause: error });
    if (error instanceof SyntaxError && url.startsWith("file:")) {
      const file = fileURLToPath(url);
      const located = locateJavaScriptSyntaxError(file);
      throw new CodegenError(located ?? `${shown(file)} (or a module it imports): syntax error: ${message}`, { cause: error });
    }
    throw error;
  }
}
