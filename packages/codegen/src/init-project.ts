import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { CodegenError } from "./codegen-error.js";

/** What `polyxena init` wrote, and the commands to run next. */
export interface InitResult {
  /** Paths written, relative to the project folder. */
  written: string[];
  /** The test command for the written test, for the project's test runner. */
  testCommand: string;
  /** Packages the project still has to install (dependencies, then dev dependencies). */
  missing: { dependencies: string[]; devDependencies: string[] };
}

const CONFIG = `import { defineConfig } from "@polyxena/codegen";

export default defineConfig({
  // Every exported defineEntity(...) of these modules is generated.
  entities: ["./src/entities/*.ts"],
  // Owned by polyxena generate: do not edit the files in it.
  out: "./src/generated",
});
`;

const ENTITY = `import { z } from "zod";
import { defineEntity } from "@polyxena/core";

/** An example entity: a to-do item in Postgres, listed per owner, newest first. */
export const Task = defineEntity("Task", {
  store: "postgres",
  schema: z.object({
    taskId: z.uuid(),
    ownerId: z.uuid(),
    title: z.string().min(1).max(200),
    done: z.boolean().default(false),
    createdAt: z.date(),
  }),
  key: { primary: ["taskId"] },
  queries: {
    tasksOfOwner: { by: ["ownerId"], order: { createdAt: "desc" } },
  },
});
`;

function testSource(runner: "vitest" | "node"): string {
  const imports =
    runner === "vitest"
      ? `import { describe, expect, it } from "vitest";`
      : `import assert from "node:assert/strict";\nimport { describe, it } from "node:test";`;
  const equal = (actual: string, expected: string) =>
    runner === "vitest" ? `expect(${actual}).toEqual(${expected});` : `assert.deepEqual(${actual}, ${expected});`;
  return `${imports}
import { randomUUID } from "node:crypto";
import { memoryStores } from "@polyxena/memory";
import { createRepositories } from "../src/generated/index.js";

// The memory adapters keep each store's semantics, so this test means the same on the real Postgres.
describe("Task", () => {
  it("puts a task, reads it back and lists the owner's tasks", async () => {
    const repos = createRepositories({ stores: memoryStores() });
    const ownerId = randomUUID();
    const task = { taskId: randomUUID(), ownerId, title: "Write the first entity", createdAt: new Date() };
    await repos.task.put(task);

    const stored = await repos.task.get({ taskId: task.taskId });
    ${equal("stored", "{ ...task, done: false }")}
    const { items } = await repos.task.tasksOfOwner({ ownerId });
    ${equal("items.map((t) => t.title)", '["Write the first entity"]')}
    await repos.close();
  });
});
`;
}

interface PackageManifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/**
 * Writes `polyxena.config.ts`, an example entity (`src/entities/task.ts`) and
 * a test over the memory adapters (`test/task.test.ts`) into an existing
 * project (a folder with a package.json). Refuses, writing nothing, when the
 * folder has no package.json or when any of these files already exists.
 * The test uses vitest when the project depends on it, else `node:test`.
 */
export function initProject(projectDir: string): InitResult {
  const manifestPath = join(projectDir, "package.json");
  if (!existsSync(manifestPath)) {
    throw new CodegenError(`${projectDir} has no package.json; run polyxena init in an existing project (create one with \`npm init -y\`)`);
  }
  let manifest: PackageManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as PackageManifest;
  } catch (error) {
    throw new CodegenError(`${manifestPath} is not valid JSON: ${(error as Error).message}`);
  }
  const declared = { ...manifest.dependencies, ...manifest.devDependencies };
  const runner = "vitest" in declared ? "vitest" : "node";
  const files: Record<string, string> = {
    "polyxena.config.ts": CONFIG,
    "src/entities/task.ts": ENTITY,
    "test/task.test.ts": testSource(runner),
  };
  const existing = Object.keys(files).filter((path) => existsSync(join(projectDir, path)));
  if (existing.length > 0) {
    throw new CodegenError(`polyxena init writes nothing: ${existing.join(", ")} already exist(s); move them aside or add the entity by hand`);
  }
  for (const [path, text] of Object.entries(files)) {
    const target = join(projectDir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text, { flag: "wx" });
  }
  const absent = (names: readonly string[]) => names.filter((name) => !(name in declared));
  return {
    written: Object.keys(files).map((path) => relative(projectDir, join(projectDir, path)).split("\\").join("/")),
    testCommand: runner === "vitest" ? "npx vitest run test/task.test.ts" : "npx tsx --test test/task.test.ts",
    missing: {
      // kysely: the Postgres adapter's query builder (the example entity is a Postgres one).
      dependencies: absent(["@polyxena/core", "@polyxena/adapters", "zod", "kysely"]),
      devDependencies: absent(["@polyxena/codegen", "@polyxena/memory", ...(runner === "node" ? ["tsx"] : [])]),
    },
  };
}
