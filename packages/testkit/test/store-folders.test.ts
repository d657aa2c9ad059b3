import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { STORE_KINDS, type StoreKind } from "@polyxena/core";

/**
 * A store is one unit: for every store kind in the registry, no file outside
 * the store's own folders names it (its kind, in any case, or a driver
 * package only its adapter imports). Adding a store must not need a line
 * anywhere else; where a cross-cutting file names stores for a reason, the
 * allow-list below says why, per store, in one line.
 */

const ROOT = resolve(fileURLToPath(import.meta.url), "../../../..");

/** The store's own folders: its rules, its adapter, its test kit (with its own tests). */
const ownFolders = (kind: string) => [`packages/core/src/stores/${kind}/`, `packages/adapters/src/${kind}/`, `packages/testkit/src/stores/${kind}/`];

/** Files any store may be named in: the registry line, docs, the manifests and lockfile that carry its driver, and this check. */
const SHARED = [/^packages\/core\/src\/stores\/store-registry\.ts$/, /\.md$/, /^docs\//, /(^|\/)package\.json$/, /^pnpm-lock\.yaml$/, /^packages\/testkit\/test\/store-folders\.test\.ts$/];

/** The stores the SDK started with, whose cross-cutting mentions predate the kits. */
const FIRST_FOUR: readonly string[] = ["cassandra", "dynamodb", "postgres", "elasticsearch"];

/** A path prefix where the listed stores may be named, and why. */
interface Allowance {
  readonly path: string;
  readonly kinds: readonly string[];
  readonly reason: string;
}

const ALLOWED: readonly Allowance[] = [
  { path: "docker-compose.yml", kinds: [...FIRST_FOUR, "mysql"], reason: "documents a real server per store for machines with Docker (DESIGN: Testing)" },
  { path: "scripts/ensure-services.mjs", kinds: ["postgres", "mysql"], reason: "starts the local servers before typecheck and vitest, in plain Node before any TypeScript loads" },
  { path: "scripts/", kinds: FIRST_FOUR, reason: "the real-engine launcher and the consumer check compile and run the first stores' adapters by name" },
  { path: ".ci/", kinds: FIRST_FOUR, reason: "CI runs the real-engine lane, which starts Cassandra from Maven Central" },
  { path: "packages/testkit/engines/", kinds: FIRST_FOUR, reason: "the Maven descriptions of the real engines the real-engine lane runs" },
  { path: "tsconfig.build.base.json", kinds: FIRST_FOUR, reason: "a comment on the drivers' declaration files" },
  { path: "vitest.global-setup.ts", kinds: FIRST_FOUR, reason: "the test setup's comments name the servers the default lane needs" },
  { path: "examples/", kinds: FIRST_FOUR, reason: "the streaming example keeps each kind of data in the store that suits it; that is what it shows" },
  { path: "bench/", kinds: FIRST_FOUR, reason: "each benchmark measures one store's adapter against its raw driver and peers" },
  { path: "packages/adapters/src/sql/", kinds: ["mysql"], reason: "the statement code the relational adapters share; its comments say where MySQL's server differs" },
  { path: "packages/memory/", kinds: FIRST_FOUR, reason: "memory twins: the in-process engines and ports of the stores that have one (a store without a twin adds nothing here)" },
  { path: "packages/core/src/", kinds: FIRST_FOUR, reason: "doc comments and messages that name a store as an example (`postgres`, `cassandra:viewing`)" },
  { path: "packages/codegen/src/", kinds: FIRST_FOUR, reason: "the `polyxena init` example entity, and messages that show a stores factory" },
  { path: "packages/adapters/src/", kinds: FIRST_FOUR, reason: "comments comparing one store's behaviour with another's" },
  { path: "packages/testkit/src/", kinds: FIRST_FOUR, reason: "the in-process test servers (CQL, search, dynalite), the real-engine launchers and the change-event fixtures" },
  { path: "packages/core/test/", kinds: FIRST_FOUR, reason: "tests of cross-store rules, each on concrete stores" },
  { path: "packages/codegen/test/", kinds: FIRST_FOUR, reason: "generation fixtures and snapshots with entities in the first stores" },
  { path: "packages/adapters/test/", kinds: FIRST_FOUR, reason: "the first adapters' own tests, from before a store's tests lived in its kit folder" },
  { path: "packages/testkit/test/", kinds: FIRST_FOUR, reason: "tests of the test servers, and fault and change-event suites on the first stores' own failure modes" },
];

/** Tracked and new (not ignored) files, relative to the repository root. */
function repositoryFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return [...new Set(out.split("\0").filter(Boolean))];
}

/** Packages imported by a store's adapter folder and by no other store's: its drivers. */
function driverPackages(files: readonly string[]): Map<string, string[]> {
  const importers = new Map<string, Set<string>>();
  for (const kind of STORE_KINDS) {
    for (const file of files.filter((f) => f.startsWith(`packages/adapters/src/${kind}/`) && f.endsWith(".ts"))) {
      for (const [, specifier] of readText(file).matchAll(/from "([^".][^"]*)"/g)) {
        if (specifier!.startsWith("node:") || specifier!.startsWith("@polyxena/")) continue;
        const name = specifier!.startsWith("@") ? specifier!.split("/").slice(0, 2).join("/") : specifier!.split("/")[0]!;
        importers.set(name, (importers.get(name) ?? new Set()).add(kind));
      }
    }
  }
  const byKind = new Map<string, string[]>(STORE_KINDS.map((k) => [k, []]));
  for (const [name, kinds] of importers) if (kinds.size === 1) byKind.get([...kinds][0]!)!.push(name);
  return byKind;
}

function readText(file: string): string {
  try {
    const text = readFileSync(join(ROOT, file), "utf8");
    return text.includes("\0") ? "" : text;
  } catch {
    return ""; // deleted in the working tree
  }
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** For each store kind, the files outside its folders (and the shared ones) that name it and no allowance covers. */
function strayMentions(files: readonly string[], read: (file: string) => string = readText): Map<StoreKind, string[]> {
  const drivers = driverPackages(files);
  const result = new Map<StoreKind, string[]>();
  for (const kind of STORE_KINDS) {
    const names = new RegExp([escape(kind), ...drivers.get(kind)!.map((d) => `["'\`]${escape(d)}["'\`/]`)].join("|"), "i");
    const own = ownFolders(kind);
    result.set(
      kind,
      files.filter(
        (file) =>
          !own.some((folder) => file.startsWith(folder)) &&
          !SHARED.some((pattern) => pattern.test(file)) &&
          !ALLOWED.some((a) => a.kinds.includes(kind) && file.startsWith(a.path)) &&
          names.test(read(file)),
      ),
    );
  }
  return result;
}

describe("a store is one unit", () => {
  const files = repositoryFiles();

  it("no file outside a store's own folders names it, except where the allow-list says why", () => {
    // Each file listed names its store outside the store's folders: move it into them, or make the shared code ask the registry.
    const stray = Object.fromEntries(strayMentions(files));
    expect(stray).toEqual(Object.fromEntries(STORE_KINDS.map((kind) => [kind, []])));
  });

  it("keeps the allow-list honest: each entry names registered stores, says why in one line, and still covers a file", () => {
    for (const allowance of ALLOWED) {
      expect(allowance.reason, allowance.path).toMatch(/^[^\n]{10,200}$/);
      for (const kind of allowance.kinds) expect(STORE_KINDS, `${allowance.path}: ${kind}`).toContain(kind);
      expect(
        files.some((f) => f.startsWith(allowance.path)),
        `${allowance.path} no longer exists: remove its entry`,
      ).toBe(true);
    }
  });

  it("finds a store's drivers from its adapter folder, and a file naming a store outside its folders", () => {
    const drivers = driverPackages(files);
    expect(drivers.get("mysql")).toContain("mysql2");
    expect(drivers.get("postgres")).toContain("pg");
    // kysely serves two stores: naming it names neither.
    expect([...drivers.values()].flat()).not.toContain("kysely");
    const text: Record<string, string> = {
      "packages/core/src/stores/store-registry.ts": "mysql: mysqlDialect,",
      "packages/adapters/src/mysql/index.ts": 'import { createPool } from "mysql2/promise";',
      "packages/testkit/test/breaker.test.ts": 'const KINDS = ["postgres", "MySQL"];',
      "packages/core/src/polyxena-runtime.ts": 'import type { Pool } from "mysql2";',
      "examples/streaming/src/stores.ts": "createMysqlAdapter({ uri })",
    };
    const stray = strayMentions(Object.keys(text), (file) => text[file]!);
    expect(stray.get("mysql")).toEqual(["packages/testkit/test/breaker.test.ts", "packages/core/src/polyxena-runtime.ts", "examples/streaming/src/stores.ts"]);
    // An allowance covers only the stores it lists.
    expect(stray.get("postgres")).toEqual([]);
  });
});
