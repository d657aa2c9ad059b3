import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createCacheAside,
  decodeEnvelope,
  defineEntity,
  InProcessInvalidationBus,
  PolyxenaRuntime,
  type CacheAside,
  type EntityRuntime,
} from "@polyxena/core";
import { createMemcachedDriver } from "../src/memcached/index.js";
import { CacheTestStore, startMemcached, type MemcachedCluster } from "@polyxena/testkit";

/**
 * Faults under load: memcached servers are killed, paused (SIGSTOP) and
 * restarted while clients read and write. Reads and writes must keep
 * succeeding (from the store when the cache cannot answer), and once the
 * faults are over and queued invalidations are retried, no cache tier holds
 * a value older than the store.
 */

const Item = defineEntity("Item", {
  store: "dynamodb",
  schema: z.object({ id: z.string(), rev: z.number().int() }),
  key: { partition: "id" },
  cache: { ttl: "60s", l1: { ttl: "100ms", max: 100 } },
});

const KEYS = Array.from({ length: 24 }, (_, i) => `item${i}`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let cluster: MemcachedCluster;

beforeAll(async () => {
  cluster = await startMemcached({ count: 4 });
});

afterAll(async () => {
  await cluster?.stop();
});

describe("memcached faults under load", () => {
  it("keeps reads and writes succeeding through kill, pause and restart, and leaves nothing stale", async () => {
    const store = new CacheTestStore({ afterRead: () => sleep(Math.floor(Math.random() * 3)) });
    for (const id of KEYS) store.seed({ id, rev: 0 }, ["id"]);
    const bus = new InProcessInvalidationBus();
    const prefix = `faults${Date.now().toString(36)}`;
    const zones = [
      { name: "a", servers: cluster.addresses.slice(0, 2) },
      { name: "b", servers: cluster.addresses.slice(2, 4) },
    ];
    const drivers = [0, 1, 2].map((p) => createMemcachedDriver({ zones, localZone: p % 2 ? "b" : "a", timeoutMs: 150, failureCooldownMs: 300 }));
    const caches: CacheAside[] = drivers.map((driver) => createCacheAside({ driver, bus, prefix, tombstoneTtlSeconds: 3, retry: { attempts: 20, baseDelayMs: 50, maxDelayMs: 500 } }));
    const runtimes: EntityRuntime[] = caches.map((cache) => new PolyxenaRuntime({ stores: { dynamodb: store }, cache }, [Item]).entity(Item));

    const lastRev = new Map(KEYS.map((k) => [k, 0]));
    const writing = new Set<string>();
    const errors: unknown[] = [];
    let reads = 0;
    let writes = 0;
    let slowestReadMs = 0;
    let running = true;
    const client = async (c: number) => {
      const runtime = runtimes[c % runtimes.length]!;
      while (running) {
        const key = KEYS[Math.floor(Math.random() * KEYS.length)]!;
        try {
          if (Math.random() < 0.1 && !writing.has(key)) {
            writing.add(key);
            const rev = lastRev.get(key)! + 1;
            lastRev.set(key, rev);
            await runtime.put({ id: key, rev });
            writing.delete(key);
            writes++;
          } else {
            const started = performance.now();
            await runtime.get({ id: key });
            slowestReadMs = Math.max(slowestReadMs, performance.now() - started);
            reads++;
          }
        } catch (error) {
          errors.push(error);
        }
        await sleep(1);
      }
    };
    const clients = Array.from({ length: 16 }, (_, c) => client(c));

    const [a0, a1, b0] = cluster.servers;
    await sleep(500);
    await a0!.kill();
    await sleep(1_000);
    await a0!.restart();
    await sleep(500);
    b0!.pause();
    await sleep(1_500);
    b0!.resume();
    await sleep(500);
    a1!.pause();
    await sleep(800);
    await a1!.restart();
    await sleep(1_000);
    running = false;
    await Promise.all(clients);

    expect(errors).toEqual([]);
    expect(reads).toBeGreaterThan(500);
    expect(writes).toBeGreaterThan(50);
    const stats = caches.map((c) => c.stats());
    expect(stats.reduce((s, x) => s + x.l2Errors, 0)).toBeGreaterThan(0);
    console.log(JSON.stringify({ reads, writes, slowestReadMs: Math.round(slowestReadMs), invalidationFailures: stats.reduce((s, x) => s + x.invalidationFailures, 0) }));

    // Let cooldowns pass, then retry queued invalidations until none is left.
    for (let i = 0; i < 20; i++) {
      await sleep(350);
      const left = await Promise.all(caches.map((c) => c.flushInvalidations()));
      if (left.every((n) => n === 0)) break;
    }
    expect(caches.map((c) => c.stats().pendingInvalidations)).toEqual([0, 0, 0]);
    expect(caches.reduce((s, c) => s + c.stats().invalidationsAbandoned, 0)).toBe(0);

    // Nothing stale afterwards: every zone holds a tombstone, nothing, or the stored revision...
    const keys = caches[0]!.forEntity(Item)!.keys;
    for (const id of KEYS) {
      const stored = store.peek({ id })!.rev;
      for (const zone of drivers[0]!.zones) {
        const raw = await zone.get(keys.itemKey({ id }));
        if (!raw) continue;
        const envelope = decodeEnvelope(raw, Item.model.schemaHash)!;
        if (envelope.kind === "v") expect({ id, rev: (JSON.parse(envelope.body) as { rev: number }).rev }).toEqual({ id, rev: stored });
        else expect(envelope.kind).toBe("t");
      }
      // ...and every process reads the stored revision.
      for (const runtime of runtimes) expect((await runtime.get({ id })).item).toEqual({ id, rev: stored });
    }
    await Promise.all(caches.map((c) => c.close()));
  });
});
