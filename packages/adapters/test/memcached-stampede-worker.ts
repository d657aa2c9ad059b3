/**
 * One "process" of the multi-process stampede test: builds a runtime over
 * the memcached zones given in the environment, reports `ready`, waits for
 * `go` on stdin, reads one cold key 10,000 times concurrently and prints one
 * JSON line with its store reads and cache counters.
 */
import { createInterface } from "node:readline";
import { z } from "zod";
import { createCacheAside, defineEntity, PolyxenaRuntime } from "@polyxena/core";
import { createMemcachedDriver } from "../src/memcached/index.js";
import { CacheTestStore } from "@polyxena/testkit";

const Title = defineEntity("Title", {
  store: "dynamodb",
  schema: z.object({ id: z.string(), name: z.string() }),
  key: { partition: "id" },
  cache: { ttl: "60s", l1: { ttl: "10s", max: 10 } },
});

const zones = JSON.parse(process.env.STAMPEDE_ZONES ?? "[]") as { name: string; servers: string[] }[];
const store = new CacheTestStore({ afterRead: () => new Promise((r) => setTimeout(r, Number(process.env.STAMPEDE_LOAD_MS ?? 300))) });
store.seed({ id: "hot", name: "Hot title" }, ["id"]);
const driver = createMemcachedDriver({ zones, localZone: process.env.STAMPEDE_LOCAL_ZONE, timeoutMs: 1_000 });
const cache = createCacheAside({ driver, prefix: process.env.STAMPEDE_PREFIX ?? "stampede", leaseWaitMs: 5_000 });
const titles = new PolyxenaRuntime({ stores: { dynamodb: store }, cache }, [Title]).entity(Title);

const lines = createInterface({ input: process.stdin });
process.stdout.write("ready\n");
for await (const line of lines) {
  if (line.trim() !== "go") continue;
  const reads = await Promise.all(Array.from({ length: 10_000 }, () => titles.get({ id: "hot" })));
  const sources: Record<string, number> = {};
  for (const r of reads) sources[r.source] = (sources[r.source] ?? 0) + 1;
  const ok = reads.every((r) => r.item?.name === "Hot title");
  process.stdout.write(`${JSON.stringify({ storeReads: store.reads, ok, sources, stats: cache.stats() })}\n`);
  break;
}
lines.close();
await cache.close();
