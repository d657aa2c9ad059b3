import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFiles, hasGlob } from "../src/find-files.js";
import { makeTempDir, removeTempDir } from "./helpers/temp-project.js";

let dir: string;
beforeAll(() => {
  dir = makeTempDir("glob");
  for (const file of ["src/a.ts", "src/b.ts", "src/c.js", "src/nested/d.ts", "src/nested/deep/e.ts", "src/.hidden/f.ts", "src/node_modules/g.ts", "other/h.ts"]) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), "");
  }
});
afterAll(() => removeTempDir(dir));

describe("findFiles", () => {
  const rel = (files: string[]) => files.map((f) => f.slice(dir.length + 1));

  it("matches * within one segment, sorted", () => {
    expect(rel(findFiles(dir, "./src/*.ts"))).toEqual(["src/a.ts", "src/b.ts"]);
    expect(rel(findFiles(dir, "src/?.js"))).toEqual(["src/c.js"]);
  });

  it("matches ** across folders, skipping dot folders and node_modules", () => {
    expect(rel(findFiles(dir, "src/**/*.ts"))).toEqual(["src/a.ts", "src/b.ts", "src/nested/d.ts", "src/nested/deep/e.ts"]);
  });

  it("resolves leading parent segments and plain paths", () => {
    expect(rel(findFiles(join(dir, "src"), "../other/*.ts"))).toEqual(["other/h.ts"]);
    expect(rel(findFiles(dir, "src/nested/d.ts"))).toEqual(["src/nested/d.ts"]);
    expect(findFiles(dir, "src/missing/*.ts")).toEqual([]);
  });

  it("detects glob characters", () => {
    expect(hasGlob("./src/*.ts")).toBe(true);
    expect(hasGlob("./src/a.ts")).toBe(false);
  });
});
