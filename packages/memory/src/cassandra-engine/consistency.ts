import { CqlError, CqlErrorCode, invalid } from "./cql-error.js";
import type { KeyspaceSchema } from "./catalog.js";

/** Consistency level names with their native protocol codes. */
export const CONSISTENCY_CODES = {
  ANY: 0x0000,
  ONE: 0x0001,
  TWO: 0x0002,
  THREE: 0x0003,
  QUORUM: 0x0004,
  ALL: 0x0005,
  LOCAL_QUORUM: 0x0006,
  EACH_QUORUM: 0x0007,
  SERIAL: 0x0008,
  LOCAL_SERIAL: 0x0009,
  LOCAL_ONE: 0x000a,
} as const;

/** A consistency level name. */
export type ConsistencyLevel = keyof typeof CONSISTENCY_CODES;

/** The level name for a protocol code, or undefined when the code is unknown. */
export function consistencyName(code: number): ConsistencyLevel | undefined {
  return (Object.keys(CONSISTENCY_CODES) as ConsistencyLevel[]).find((k) => CONSISTENCY_CODES[k] === code);
}

/**
 * The cluster as the engine simulates it: the node itself in `dataCenter`,
 * `nodes` nodes in that data center in all (default 1), `down` of them
 * stopped. Every keyspace places min(replication factor, nodes) replicas in
 * the data center, and a stopped node is taken to hold one of them.
 */
export interface LocalTopology {
  dataCenter: string;
  nodes?: number;
  down?: number;
}

function replicationFactors(ks: KeyspaceSchema): Map<string, number> {
  const cls = ks.replication["class"] ?? "";
  const out = new Map<string, number>();
  if (cls.endsWith("SimpleStrategy")) out.set("*", Number(ks.replication["replication_factor"] ?? "0"));
  else if (cls.endsWith("NetworkTopologyStrategy")) {
    for (const [k, v] of Object.entries(ks.replication)) if (k !== "class") out.set(k, Number(v));
  } else out.set("*", 1);
  return out;
}

/** What a request is, for the consistency rules. */
export type RequestKind = "read" | "write" | "conditionalWrite";

/**
 * Applies Cassandra's consistency rules for the simulated cluster: ANY for a
 * read and SERIAL / LOCAL_SERIAL for a plain write raise Invalid (every other
 * level is valid for reads, EACH_QUORUM included, since Cassandra 3.0), and a
 * level needing more live replicas than the single node can provide raises
 * Unavailable (code 0x1000) with required/alive.
 */
export function checkConsistency(ks: KeyspaceSchema, level: ConsistencyLevel, kind: RequestKind, topology: LocalTopology): void {
  if (kind === "read" && level === "ANY") throw invalid("ANY ConsistencyLevel is only supported for writes");
  if (kind === "write" && (level === "SERIAL" || level === "LOCAL_SERIAL")) {
    throw invalid("You must use conditional updates for serializable writes");
  }
  if (ks.system) return;
  const factors = replicationFactors(ks);
  const simple = factors.has("*");
  const total = [...factors.values()].reduce((a, b) => a + b, 0);
  const local = simple ? total : factors.get(topology.dataCenter) ?? 0;
  // Remote data centers have no live replica; the local one has its replicas less the stopped nodes.
  const aliveLocal = local > 0 ? Math.max(0, Math.min(local, topology.nodes ?? 1) - (topology.down ?? 0)) : 0;
  const aliveTotal = aliveLocal;
  const quorum = (rf: number) => Math.floor(rf / 2) + 1;
  let required: number;
  let alive = aliveTotal;
  switch (level) {
    case "ANY":
      return;
    case "ONE":
      required = 1;
      break;
    case "TWO":
      required = 2;
      break;
    case "THREE":
      required = 3;
      break;
    case "LOCAL_ONE":
      required = 1;
      alive = aliveLocal;
      break;
    case "QUORUM":
    case "SERIAL":
      required = quorum(total);
      break;
    case "LOCAL_QUORUM":
    case "LOCAL_SERIAL":
      required = quorum(local);
      alive = aliveLocal;
      break;
    case "ALL":
      required = total;
      break;
    case "EACH_QUORUM": {
      for (const [dc, rf] of factors) {
        const need = quorum(rf);
        const have = dc === "*" || dc === topology.dataCenter ? aliveLocal : 0;
        if (rf > 0 && have < need) throw unavailable(level, need, have);
      }
      return;
    }
  }
  if (required > alive) throw unavailable(level, required, alive);
}

function unavailable(level: ConsistencyLevel, required: number, alive: number): CqlError {
  return new CqlError(CqlErrorCode.unavailable, `Cannot achieve consistency level ${level}`, {
    unavailable: { consistency: CONSISTENCY_CODES[level], required, alive },
  });
}
