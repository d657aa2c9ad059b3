/**
 * Shared benchmark harness: runs competing contenders in interleaved rounds
 * at a fixed number of requests in flight, and reports medians, so that
 * machine noise hits every contender alike. Benchmarks end by printing one
 * JSON line with {@link printResult}.
 */

/** One contender: an async operation to repeat. `i` is the operation index. */
export interface Contender {
  name: string;
  run: (i: number) => Promise<unknown>;
}

/** Options of {@link compare}. */
export interface CompareOptions {
  /** Requests in flight. */
  concurrency: number;
  /** Operations per contender per round. */
  opsPerRound: number;
  rounds: number;
  /** Operations per contender before measuring. */
  warmupOps?: number;
  /**
   * CPU microseconds the server has used so far (a monotonic total), when the
   * server runs on this machine: each round then also reports the server's
   * CPU per operation.
   */
  serverCpuMicros?: () => Promise<number>;
}

/** Median throughput of each contender. */
export interface CompareResult {
  concurrency: number;
  opsPerSec: Record<string, number>;
  /** Median microseconds of CPU per operation (user + system), per contender. */
  cpuMicrosPerOp: Record<string, number>;
  /** Median microseconds of the server's CPU per operation, per contender (with {@link CompareOptions.serverCpuMicros}). */
  serverCpuMicrosPerOp?: Record<string, number>;
  /** Per contender, each round's throughput and CPU per operation (rounds run back to back, so round i of two contenders is a pair). */
  rounds: Record<string, Array<{ opsPerSec: number; cpuMicrosPerOp: number }>>;
}

/** Runs `opsPerRound` operations with `concurrency` in flight; returns elapsed ms and CPU µs. */
async function runRound(contender: Contender, ops: number, concurrency: number, offset: number, serverCpuMicros?: () => Promise<number>): Promise<{ ms: number; cpuMicros: number; serverCpuMicros: number }> {
  let next = 0;
  const serverStart = (await serverCpuMicros?.()) ?? 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const worker = async () => {
    while (next < ops) {
      const i = next++;
      await contender.run(offset + i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  return { ms, cpuMicros: cpu.user + cpu.system, serverCpuMicros: ((await serverCpuMicros?.()) ?? 0) - serverStart };
}

/** The median of some numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Interleaves contenders round by round (rotating who goes first) and reports medians. */
export async function compare(contenders: readonly Contender[], options: CompareOptions): Promise<CompareResult> {
  const warmup = options.warmupOps ?? Math.min(options.opsPerRound, 2000);
  for (const c of contenders) await runRound(c, warmup, options.concurrency, 0);
  const throughput = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  const cpu = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  const serverCpu = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(round + k) % contenders.length]!;
      const r = await runRound(c, options.opsPerRound, options.concurrency, (round + 1) * options.opsPerRound, options.serverCpuMicros);
      throughput.get(c.name)!.push((options.opsPerRound / r.ms) * 1000);
      cpu.get(c.name)!.push(r.cpuMicros / options.opsPerRound);
      serverCpu.get(c.name)!.push(r.serverCpuMicros / options.opsPerRound);
    }
  }
  const medians = (m: Map<string, number[]>) => Object.fromEntries([...m].map(([name, v]) => [name, Number(median(v).toFixed(2))]));
  return {
    concurrency: options.concurrency,
    opsPerSec: Object.fromEntries([...throughput].map(([name, v]) => [name, Math.round(median(v))])),
    cpuMicrosPerOp: medians(cpu),
    ...(options.serverCpuMicros ? { serverCpuMicrosPerOp: medians(serverCpu) } : {}),
    rounds: Object.fromEntries(contenders.map((c) => [c.name, throughput.get(c.name)!.map((opsPerSec, i) => ({ opsPerSec, cpuMicrosPerOp: cpu.get(c.name)![i]! }))])),
  };
}

/** Prints the final JSON line of a benchmark. */
export function printResult(result: Record<string, unknown>): void {
  console.log(JSON.stringify(result));
}

/**
 * SDK-versus-baseline figures of one {@link compare} run: the median over
 * rounds of the throughput ratio and of the extra CPU per operation, each
 * taken within a round pair (the two ran back to back, so drift of the
 * machine between rounds cancels out).
 */
export function versusBaseline(result: CompareResult, sdk = "polyxena", baseline = "raw") {
  const round = (x: number) => Math.round(x * 100) / 100;
  const ours = result.rounds[sdk]!;
  const theirs = result.rounds[baseline]!;
  return {
    opsPerSec: { [sdk]: result.opsPerSec[sdk]!, [baseline]: result.opsPerSec[baseline]! },
    cpuMicrosPerOp: { [sdk]: result.cpuMicrosPerOp[sdk]!, [baseline]: result.cpuMicrosPerOp[baseline]! },
    ratio: round(median(ours.map((r, i) => r.opsPerSec / theirs[i]!.opsPerSec))),
    extraCpuMicrosPerOp: round(median(ours.map((r, i) => r.cpuMicrosPerOp - theirs[i]!.cpuMicrosPerOp))),
  };
}

/** Options of {@link ownCpu}. */
export interface OwnCpuOptions {
  /** Operations per contender per round, run one at a time. */
  opsPerRound: number;
  rounds: number;
  warmupOps?: number;
}

/**
 * The CPU an SDK adds to a baseline, per operation: both run one operation at
 * a time against an in-process stand-in for the server, in alternating order
 * round by round, and the result is the median of the per-round differences
 * (machine drift moves both halves of a pair alike, so pairing cancels most of it).
 */
export async function ownCpu(sdk: Contender, baseline: Contender, options: OwnCpuOptions) {
  const measure = async (c: Contender, offset: number) => (await runRound(c, options.opsPerRound, 1, offset)).cpuMicros / options.opsPerRound;
  const warmup = options.warmupOps ?? options.opsPerRound;
  for (let done = 0; done < warmup; done += options.opsPerRound) {
    await measure(sdk, done);
    await measure(baseline, done);
  }
  const sdkCpu: number[] = [];
  const baseCpu: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const offset = (round + 1) * options.opsPerRound;
    if (round % 2 === 0) {
      sdkCpu.push(await measure(sdk, offset));
      baseCpu.push(await measure(baseline, offset));
    } else {
      baseCpu.push(await measure(baseline, offset));
      sdkCpu.push(await measure(sdk, offset));
    }
  }
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    cpuMicrosPerOp: { [sdk.name]: round(median(sdkCpu)), [baseline.name]: round(median(baseCpu)) },
    extraCpuMicrosPerOp: round(median(sdkCpu.map((c, i) => c - baseCpu[i]!))),
  };
}
