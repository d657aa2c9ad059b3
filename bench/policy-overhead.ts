/**
 * Cost of the resilience policy (timeout + retry + breaker + bulkhead) on a
 * store call that does nothing, against calling the adapter directly. The
 * difference is what the policy layer adds to every store call.
 *
 * Usage: pnpm bench policy-overhead [--rounds N] [--ops N]
 */
import { BASE_CAPABILITIES, defineEntity, PolyxenaRuntime, type StoreAdapter, createResiliencePolicy } from "@polyxena/core";
import { z } from "zod";
import { compare, printResult } from "./harness.js";

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
};

const Item = defineEntity("Item", {
  store: "postgres",
  schema: z.object({ id: z.string() }),
  key: { primary: ["id"] },
});

const stored = { id: "x" };
/** A store whose calls complete at once: only the layers around it cost anything. */
const noop: StoreAdapter = {
  kind: "postgres",
  name: "postgres",
  capabilities: BASE_CAPABILITIES,
  get: async () => stored,
  getMany: async () => [],
  put: async () => undefined,
  update: async () => undefined,
  delete: async () => undefined,
  query: async () => ({ items: [] }),
  close: async () => undefined,
};

const runtime = new PolyxenaRuntime({ stores: { postgres: noop } }, [Item]);
const op = runtime.entity(Item).ops.get;
const consistency = Item.model.consistency.read;
const key = { id: "x" };
const call = (signal: AbortSignal | undefined) => noop.get({ op, consistency, key, signal });
const policy = createResiliencePolicy();
const context = { op, adapter: noop };

const ops = arg("ops", 50_000);
const result = await compare(
  [
    { name: "direct", run: () => call(undefined) },
    { name: "policy", run: () => policy.run(context, call) },
  ],
  { concurrency: 1, opsPerRound: ops, rounds: arg("rounds", 9), warmupOps: 20_000 },
);

const nsPerOp = (name: string) => 1e9 / result.opsPerSec[name]!;
const overheadNs = Math.round(nsPerOp("policy") - nsPerOp("direct"));
// CPU time is the steadier measure on a shared machine: wall time also counts time the process was not scheduled.
const cpuOverheadNs = Math.round((result.cpuMicrosPerOp.policy! - result.cpuMicrosPerOp.direct!) * 1000);
console.log(`direct: ${Math.round(nsPerOp("direct"))} ns/op, policy: ${Math.round(nsPerOp("policy"))} ns/op`);
console.log(`overhead: ${overheadNs} ns/op wall, ${cpuOverheadNs} ns/op CPU (goal <= 1000)`);
printResult({
  bench: "policy-overhead",
  ratio: Number((result.opsPerSec.policy! / result.opsPerSec.direct!).toFixed(3)),
  c: 1,
  opsPerSec: result.opsPerSec.policy,
  baseline: "direct adapter call",
  baselineOpsPerSec: result.opsPerSec.direct,
  overheadNsPerOp: overheadNs,
  cpuOverheadNsPerOp: cpuOverheadNs,
  cpuMicrosPerOp: result.cpuMicrosPerOp,
  goalNs: 1000,
});
