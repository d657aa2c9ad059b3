import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMemcached, type MemcachedCluster } from "@polyxena/testkit";

/**
 * Cold-key stampede across processes: several child processes each read one
 * cold key 10,000 times at once. Single-flight collapses each process's reads
 * to one; the memcached `add` lease collapses the processes' loads to one.
 */

const WORKER = fileURLToPath(new URL("./memcached-stampede-worker.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const PROCESSES = 3;

let cluster: MemcachedCluster;

beforeAll(async () => {
  cluster = await startMemcached({ count: 4 });
});

afterAll(async () => {
  await cluster?.stop();
});

interface WorkerResult {
  storeReads: number;
  ok: boolean;
  sources: Record<string, number>;
  stats: { leasesAcquired: number; leaseWaits: number; singleFlightJoins: number; loads: number };
}

function startWorker(env: Record<string, string>): { child: ChildProcess; ready: Promise<void>; result: Promise<WorkerResult> } {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout! });
  let onReady!: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  const result = new Promise<WorkerResult>((resolve, reject) => {
    lines.on("line", (line) => {
      if (line === "ready") onReady();
      else if (line.startsWith("{")) resolve(JSON.parse(line) as WorkerResult);
    });
    child.once("exit", (code) => reject(new Error(`worker exited with ${code}: ${stderr}`)));
  });
  return { child, ready: Promise.race([ready, result.then(() => undefined)]), result };
}

describe("cold-key stampede", () => {
  it("loads a cold hot key once across processes, once per process at most", async () => {
    const zones = JSON.stringify([
      { name: "a", servers: cluster.addresses.slice(0, 2) },
      { name: "b", servers: cluster.addresses.slice(2, 4) },
    ]);
    const prefix = `stampede${Date.now().toString(36)}`;
    const workers = Array.from({ length: PROCESSES }, (_, i) =>
      startWorker({ STAMPEDE_ZONES: zones, STAMPEDE_PREFIX: prefix, STAMPEDE_LOCAL_ZONE: i % 2 ? "b" : "a", STAMPEDE_LOAD_MS: "300" }),
    );
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.child.stdin!.write("go\n");
    const results = await Promise.all(workers.map((w) => w.result));

    expect(results.every((r) => r.ok)).toBe(true);
    // Each process: 10,000 reads, one read of the cache tier, the rest joined it.
    for (const r of results) {
      expect(r.storeReads).toBeLessThanOrEqual(1);
      expect(r.stats.singleFlightJoins).toBe(9_999);
    }
    // All processes together: exactly one store load; the others read the filled value.
    expect(results.reduce((sum, r) => sum + r.storeReads, 0)).toBe(1);
    expect(results.reduce((sum, r) => sum + r.stats.leasesAcquired, 0)).toBe(1);
  }, 45_000);
});
