import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkGeneratedFiles, CodegenError, MARKER_FILE, writeGeneratedFiles } from "../src/index.js";
import { makeTempDir, removeTempDir, snapshotFolder } from "./helpers/temp-project.js";

const dirs: string[] = [];
const temp = (label: string) => {
  const dir = makeTempDir(label);
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) removeTempDir(dir);
});

const files = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe("writeGeneratedFiles", () => {
  it("creates the folder, writes the files and the marker listing them", () => {
    const out = join(temp("write"), "generated");
    const result = writeGeneratedFiles(out, files({ "a.ts": "A\n", "b.sql": "B\n" }));
    expect(result).toEqual({ written: ["a.ts", "b.sql"], unchanged: [], removed: [] });
    expect(readFileSync(join(out, "a.ts"), "utf8")).toBe("A\n");
    expect(readFileSync(join(out, MARKER_FILE), "utf8").split("\n").slice(1)).toEqual(["a.ts", "b.sql", ""]);
  });

  it("refuses a non-empty folder without the marker and leaves it untouched", () => {
    const out = temp("foreign");
    writeFileSync(join(out, "notes.txt"), "mine");
    const before = snapshotFolder(out);
    expect(() => writeGeneratedFiles(out, files({ "a.ts": "A\n" }))).toThrow(CodegenError);
    expect(() => writeGeneratedFiles(out, files({ "a.ts": "A\n" }))).toThrow(/not empty and has no \.polyxena-generated marker/);
    expect(snapshotFolder(out)).toEqual(before);
  });

  it("writes into an existing empty folder", () => {
    const out = temp("empty");
    expect(writeGeneratedFiles(out, files({ "a.ts": "A\n" })).written).toEqual(["a.ts"]);
  });

  it("rewrites only changed files and removes stale files it owns, never others", () => {
    const out = temp("stale");
    writeGeneratedFiles(out, files({ "a.ts": "A\n", "old.ts": "OLD\n" }));
    writeFileSync(join(out, "user-notes.md"), "kept");
    const result = writeGeneratedFiles(out, files({ "a.ts": "A\n", "c.ts": "C\n" }));
    expect(result).toEqual({ written: ["c.ts"], unchanged: ["a.ts"], removed: ["old.ts"] });
    expect(existsSync(join(out, "old.ts"))).toBe(false);
    expect(readFileSync(join(out, "user-notes.md"), "utf8")).toBe("kept");
  });

  it("ignores marker entries that point outside the folder", () => {
    const root = temp("escape");
    const out = join(root, "generated");
    mkdirSync(out);
    writeFileSync(join(root, "precious.txt"), "keep me");
    writeFileSync(join(out, MARKER_FILE), "# marker\n../precious.txt\n/etc/hostname\n");
    writeGeneratedFiles(out, files({ "a.ts": "A\n" }));
    expect(readFileSync(join(root, "precious.txt"), "utf8")).toBe("keep me");
  });
});

describe("checkGeneratedFiles", () => {
  it("lists missing, changed and no-longer-generated files; nothing when up to date", () => {
    const out = temp("check");
    writeGeneratedFiles(out, files({ "a.ts": "A\n", "b.ts": "B\n", "gone.ts": "G\n" }));
    expect(checkGeneratedFiles(out, files({ "a.ts": "A\n", "b.ts": "B\n", "gone.ts": "G\n" }))).toEqual([]);
    writeFileSync(join(out, "b.ts"), "edited by hand");
    expect(checkGeneratedFiles(out, files({ "a.ts": "A\n", "b.ts": "B\n", "new.ts": "N\n" }))).toEqual(["b.ts", "gone.ts", "new.ts"]);
  });
});
