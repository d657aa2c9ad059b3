#!/usr/bin/env node
// Consumer check: the packages as they would be published, used by a project
// outside the workspace. Packs @polyxena/core, /adapters, /memory and /codegen (each
// pack builds dist/), creates a project in a temp folder, installs the
// tarballs (third-party packages from the npm registry), runs `npx polyxena
// init`, declares two more entities, runs `npx polyxena generate`, compiles
// under strict and exactOptionalPropertyTypes with skipLibCheck: false, runs
// a put and a get on the memory adapters, and runs the test init wrote. Exits 1 on the first failing step, printing
// its output. `--keep` leaves the temp project in place.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(import.meta.url), "..", "..");
const PACKAGES = ["core", "adapters", "memory", "codegen"];
const DRIVERS = ["cassandra-driver", "@aws-sdk/client-dynamodb", "@aws-sdk/lib-dynamodb", "@elastic/elasticsearch", "kysely", "pg", "@types/pg", "memjs", "@types/memjs"];
const PNPM = ["-y", "pnpm@10.34.8"];
const keep = process.argv.includes("--keep");
const started = performance.now();

function step(label, command, args, cwd) {
  const began = performance.now();
  const run = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" } });
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  if (run.status !== 0) {
    throw new Error(`${label} failed (exit ${run.status ?? run.signal}) after ${seconds}s: ${command} ${args.join(" ")}\n${run.stdout}\n${run.stderr}`);
  }
  console.log(`consumer-check: ${label} (${seconds}s)`);
  return run;
}

/** The version the workspace resolved, so the consumer gets the same third-party packages. */
function workspaceVersion(name, from = join(ROOT, "packages", "codegen")) {
  for (let dir = from; ; dir = resolve(dir, "..")) {
    const manifest = join(dir, "node_modules", name, "package.json");
    if (existsSync(manifest)) return JSON.parse(readFileSync(manifest, "utf8")).version;
    if (dir === resolve(dir, "..")) throw new Error(`${name} is not installed in the workspace; run pnpm install`);
  }
}

/**
 * Compiles the project (strict, exactOptionalPropertyTypes, skipLibCheck: false). Every
 * diagnostic in our declarations or the project's code fails the check. A driver's own
 * declarations may have errors of their own under these options (@elastic/elasticsearch 9.4
 * imports its optional peer apache-arrow by a path its exports do not offer): those are
 * printed and not counted, since they are not ours to fix.
 */
function compile() {
  const began = performance.now();
  const run = spawnSync("npx", ["--no-install", "tsc", "-p", "."], { cwd: project, encoding: "utf8" });
  const diagnostics = run.stdout.split("\n").filter((line) => /^\S.*\(\d+,\d+\): error /.test(line));
  const thirdParty = diagnostics.filter((line) => line.startsWith("node_modules/") && !line.startsWith("node_modules/@polyxena/"));
  const ours = diagnostics.filter((line) => !thirdParty.includes(line));
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  if (ours.length > 0 || (run.status !== 0 && diagnostics.length === 0)) {
    throw new Error(`tsc failed after ${seconds}s:\n${ours.join("\n") || run.stdout + run.stderr}`);
  }
  for (const line of thirdParty) console.log(`consumer-check:   not ours: ${line}`);
  console.log(`consumer-check: tsc (strict, exactOptionalPropertyTypes, skipLibCheck: false): 0 diagnostics in our declarations and the project (${seconds}s)`);
}

const project = mkdtempSync(join(tmpdir(), "polyxena-consumer-"));
const packs = join(project, ".packs");
mkdirSync(packs);
try {
  for (const name of PACKAGES) step(`pack @polyxena/${name}`, "npx", [...PNPM, "pack", "--pack-destination", packs], join(ROOT, "packages", name));
  const tarball = (name) => `file:./.packs/${readdirSync(packs).find((f) => f.startsWith(`polyxena-${name}-`))}`;
  const ours = Object.fromEntries(PACKAGES.map((name) => [`@polyxena/${name}`, tarball(name)]));

  writeFileSync(
    join(project, "package.json"),
    JSON.stringify(
      {
        name: "polyxena-consumer",
        private: true,
        type: "module",
        dependencies: { ...ours, zod: workspaceVersion("zod") },
        devDependencies: {
          typescript: workspaceVersion("typescript", ROOT),
          "@types/node": workspaceVersion("@types/node", ROOT),
          // The drivers (optional peers of @polyxena/adapters), so every store's declarations are compiled too.
          ...Object.fromEntries(DRIVERS.map((name) => [name, workspaceVersion(name, join(ROOT, "packages", "adapters"))])),
        },
        // The tarballs depend on @polyxena/core (and memory on /adapters) by version: take them from their tarballs too.
        overrides: { "@polyxena/core": ours["@polyxena/core"], "@polyxena/adapters": ours["@polyxena/adapters"] },
      },
      null,
      2,
    ),
  );
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify(
      {
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: false,
          outDir: "build",
          rootDir: ".",
          types: ["node"],
        },
        include: ["src", "test"],
      },
      null,
      2,
    ),
  );
  step("npm install (tarballs + registry)", "npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], project);
  step("npx polyxena init", "npx", ["--no-install", "polyxena", "init"], project);
  writeFileSync(
    join(project, "src", "entities", "watch-event.ts"),
    `import { z } from "zod";
import { defineEntity } from "@polyxena/core";

export const WatchEvent = defineEntity("WatchEvent", {
  store: "cassandra",
  schema: z.object({ profileId: z.uuid(), watchedAt: z.date(), titleId: z.string(), note: z.string().optional() }),
  key: { partition: ["profileId"], clustering: [{ field: "watchedAt", order: "desc" }] },
  queries: { eventsOfProfile: { by: ["profileId"], order: { watchedAt: "desc" } } },
});
`,
  );
  writeFileSync(
    join(project, "src", "entities", "account.ts"),
    `import { z } from "zod";
import { defineEntity } from "@polyxena/core";

export const Account = defineEntity("Account", {
  store: "dynamodb",
  schema: z.object({ accountId: z.uuid(), email: z.email(), plan: z.enum(["basic", "premium"]) }),
  key: { partition: "accountId" },
});
`,
  );
  // Compiled, not run: every store's adapter and its native client type, from the published declarations.
  writeFileSync(
    join(project, "src", "stores.ts"),
    `import type { Client as ElasticsearchClient } from "@elastic/elasticsearch";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Client as CassandraClient } from "cassandra-driver";
import type { Kysely } from "kysely";
import { createCassandraAdapter } from "@polyxena/adapters/cassandra";
import { createDynamoDbAdapter } from "@polyxena/adapters/dynamodb";
import { createElasticsearchAdapter } from "@polyxena/adapters/elasticsearch";
import { createMemcachedDriver } from "@polyxena/adapters/memcached";
import { createPostgresAdapter } from "@polyxena/adapters/postgres";
import { createCacheAside } from "@polyxena/core";
import { createRepositories, type Database } from "./generated/index.js";

export function realRepositories() {
  const cassandra = createCassandraAdapter({ contactPoints: ["127.0.0.1"], localDataCenter: "dc1" }, { keyspace: "app" });
  const dynamodb = createDynamoDbAdapter({ tablePrefix: "dev_" });
  const elasticsearch = createElasticsearchAdapter({ node: "http://127.0.0.1:9200" });
  const postgres = createPostgresAdapter({ connectionString: "postgres://127.0.0.1/app" });
  const clients: [CassandraClient, DynamoDBDocumentClient, ElasticsearchClient, Kysely<Database>] = [cassandra.client, dynamodb.client, elasticsearch.client, postgres.kysely<Database>()];
  const cache = createCacheAside({ driver: createMemcachedDriver({ zones: [{ name: "a", servers: ["127.0.0.1:11211"] }] }) });
  return { clients, repos: createRepositories({ stores: { cassandra, dynamodb, elasticsearch, postgres }, cache }) };
}
`,
  );
  writeFileSync(
    join(project, "src", "main.ts"),
    `import { randomUUID } from "node:crypto";
import { memoryStores } from "@polyxena/memory";
import { isPolyxenaError } from "@polyxena/core";
import { createRepositories } from "./generated/index.js";

const repos = createRepositories({ stores: memoryStores() });
const accountId = randomUUID();
await repos.account.put({ accountId, email: "ada@example.com", plan: "premium" });
const account = await repos.account.get({ accountId });
if (account?.plan !== "premium") throw new Error("account get returned " + JSON.stringify(account));

const profileId = randomUUID();
await repos.watchEvent.put({ profileId, watchedAt: new Date(1_000), titleId: "t1" });
const event = await repos.watchEvent.get({ profileId, watchedAt: new Date(1_000) });
if (event?.titleId !== "t1") throw new Error("watch event get returned " + JSON.stringify(event));
const titles: string[] = [];
for await (const each of repos.watchEvent.eventsOfProfile.all({ profileId }, { limit: 10 })) titles.push(each.titleId);
if (titles.join() !== "t1") throw new Error("eventsOfProfile.all yielded " + titles.join());

try {
  await repos.account.put({ accountId, email: "not an email", plan: "basic" });
  throw new Error("an invalid email was accepted");
} catch (error) {
  if (!isPolyxenaError(error, "E_VALIDATION")) throw error;
}
console.log("consumer ok: put and get on the memory adapters");
`,
  );

  step("npx polyxena generate", "npx", ["--no-install", "polyxena", "generate"], project);
  compile();
  const run = step("node build/src/main.js", "node", ["build/src/main.js"], project);
  if (!run.stdout.includes("consumer ok")) throw new Error(`the program printed no success line:\n${run.stdout}\n${run.stderr}`);
  step("node --test build/test/task.test.js (written by init)", "node", ["--test", "build/test/task.test.js"], project);
  console.log(`consumer-check: passed in ${((performance.now() - started) / 1000).toFixed(1)}s (${project})`);
} catch (error) {
  // exitCode, not process.exit(): a pipe gets the whole message before the process ends.
  console.error(`consumer-check: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  if (!keep) rmSync(project, { recursive: true, force: true });
}
