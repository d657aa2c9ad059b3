/**
 * What the peer benchmarks report: one line per measured workload, with
 * Polyxena's median throughput, each peer's and each raw-driver baseline's,
 * and Polyxena's ratio to the fastest peer (the median over rounds of the
 * ratio within each round pair, see {@link versusBaseline}).
 */
import { versusBaseline, type CompareResult } from "../harness.js";

/** How one contender of a line relates to Polyxena. */
export type ContenderRole = "polyxena" | "peer" | "baseline" | "explanation";

/** One line of a peer benchmark, as the README table shows it. */
export interface PeerLine {
  /** What the line measures, e.g. `Postgres get by key, 16 in flight`. */
  line: string;
  /** Median operations per second of every contender, Polyxena first. */
  opsPerSec: Record<string, number>;
  /** Median CPU microseconds per operation of every contender. */
  cpuMicrosPerOp: Record<string, number>;
  /** The role of each contender (peers are what a user would pick instead; baselines are raw drivers). */
  roles: Record<string, ContenderRole>;
  /** The peer with the highest median throughput. */
  fastestPeer: string;
  /** Polyxena's throughput divided by the fastest peer's, paired by round. */
  ratioVsFastestPeer: number;
  /** Polyxena's throughput divided by each peer's and baseline's, paired by round. */
  ratios: Record<string, number>;
  /** Why Polyxena trails the fastest peer, backed by the `explanation` contenders of the line. */
  reason?: string;
  /** Store loads per round, on lines that count them (the cold stampede). */
  storeLoadsPerRound?: Record<string, number>;
}

/**
 * Builds the {@link PeerLine} of one {@link compare} run, prints it to stderr
 * (ops/s median and ratio Polyxena/contender for each) and returns it.
 * `roles` names every contender but Polyxena.
 */
export function peerLine(line: string, result: CompareResult, roles: Record<string, Exclude<ContenderRole, "polyxena">>, reason?: (ratios: Record<string, number>) => string | undefined): PeerLine {
  const ratios: Record<string, number> = {};
  for (const name of Object.keys(roles)) ratios[name] = versusBaseline(result, "polyxena", name).ratio;
  const peers = Object.keys(roles).filter((n) => roles[n] === "peer");
  const fastestPeer = peers.reduce((best, n) => (result.opsPerSec[n]! > result.opsPerSec[best]! ? n : best));
  const ratioVsFastestPeer = ratios[fastestPeer]!;
  const why = ratioVsFastestPeer < 1 ? reason?.(ratios) : undefined;
  const out: PeerLine = {
    line,
    opsPerSec: result.opsPerSec,
    cpuMicrosPerOp: result.cpuMicrosPerOp,
    roles: { polyxena: "polyxena", ...roles },
    fastestPeer,
    ratioVsFastestPeer,
    ratios,
    ...(why ? { reason: why } : {}),
  };
  const cells = Object.keys(roles).map((n) => `${n} ${fmt(result.opsPerSec[n]!)} (x${ratios[n]!.toFixed(2)})`);
  console.error(`${line}: polyxena ${fmt(result.opsPerSec.polyxena!)} ops/s | ${cells.join(" | ")}${why ? ` | ${why}` : ""}`);
  return out;
}

function fmt(n: number): string {
  return n.toLocaleString("en-US");
}
