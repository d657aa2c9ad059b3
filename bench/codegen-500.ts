/**
 * Code generation for 500 synthetic entities (all four stores): builds the
 * definitions in memory, then times generateFiles + writeGeneratedFiles into
 * a fresh temp folder. Budget: < 5 s. Prints one JSON line.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { z } from "zod";
import { defineEntity, type EntityDefinition, type StoreKind } from "@polyxena/core";
import { generateFiles, writeGeneratedFiles, type EntitySource } from "@polyxena/codegen";

const ENTITIES = 500;
const RUNS = 5;
const STORES: readonly StoreKind[] = ["cassandra", "dynamodb", "postgres", "elasticsearch"];

function syntheticEntity(i: number): EntityDefinition {
  const name = `Entity${String(i).padStart(3, "0")}`;
  const schema = z.object({
    ownerId: z.uuid(),
    createdAt: z.date(),
    groupId: z.string(),
    title: z.string().max(200),
    count: z.int32().nonnegative(),
    rating: z.number(),
    state: z.enum(["new", "active", "archived"]),
    tags: z.array(z.string()),
    meta: z.object({ source: z.string(), weight: z.number() }).optional(),
    version: z.int32().nonnegative(),
  });
  switch (STORES[i % STORES.length]) {
    case "cassandra":
      return defineEntity(name, {
        store: "cassandra",
        schema,
        key: { partition: ["ownerId"], clustering: [{ field: "createdAt", order: "desc" }] },
        queries: { recentOfOwner: { by: ["ownerId"], order: { createdAt: "desc" } }, byGroup: { by: ["groupId"], order: { createdAt: "desc" } } },
        ttl: "30d",
      });
    case "dynamodb":
      return defineEntity(name, {
        store: "dynamodb",
        schema,
        key: { partition: "ownerId", sort: "createdAt" },
        queries: { byGroup: { by: ["groupId"], order: { createdAt: "asc" } } },
        cache: { ttl: "5m" },
      });
    case "postgres":
      return defineEntity(name, {
        store: "postgres",
        schema,
        key: { primary: ["ownerId"] },
        queries: { byGroup: { by: ["groupId"], order: { createdAt: "desc" } }, byState: { by: ["state"], order: { rating: "desc" } } },
        version: "version",
      });
    default:
      return defineEntity(name, {
        store: "elasticsearch",
        schema,
        key: { id: "ownerId" },
        search: { text: ["title"] },
        queries: { byGroup: { by: ["groupId"], order: { rating: "desc" } } },
      });
  }
}

const defineStart = performance.now();
const sources: EntitySource[] = Array.from({ length: ENTITIES }, (_, i) => {
  const definition = syntheticEntity(i);
  return { definition, importPath: `../entities/${definition.name.toLowerCase()}.js`, exportName: definition.name };
});
const defineMs = performance.now() - defineStart;

const root = mkdtempSync(join(tmpdir(), "polyxena-codegen-bench-"));
const timings: number[] = [];
let fileCount = 0;
try {
  for (let run = 0; run < RUNS; run++) {
    const out = join(root, `run-${run}`);
    const start = performance.now();
    const files = generateFiles(sources, { cassandra: { keyspace: "bench" }, postgres: { schema: "public" }, dynamodb: { tablePrefix: "bench_" } });
    writeGeneratedFiles(out, files);
    timings.push(performance.now() - start);
    fileCount = files.size;
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

timings.sort((a, b) => a - b);
const median = timings[Math.floor(timings.length / 2)]!;
console.log(`codegen: ${ENTITIES} entities, ${fileCount} files; runs (ms): ${timings.map((t) => t.toFixed(1)).join(", ")}`);
console.log(JSON.stringify({ bench: "codegen-500", entities: ENTITIES, ms: Math.round(median * 10) / 10, files: fileCount, runs: RUNS, defineMs: Math.round(defineMs), budgetMs: 5000, withinBudget: median < 5000 }));
