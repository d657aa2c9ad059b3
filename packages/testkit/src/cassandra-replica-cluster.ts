/**
 * A three-node Cassandra for consistency tests: a real cluster on 127.0.0.1,
 * 127.0.0.2 and 127.0.0.3 started by {@link startCassandra} when
 * `POLYXENA_TEST_CASSANDRA_REPLICAS=launch` (as `pnpm test:real` sets it),
 * otherwise the in-process CQL test server simulating three replicas. Either
 * way a test can stop nodes and see what the levels then answer.
 */
import { randomBytes } from "node:crypto";
import { startCassandra, type CassandraServer } from "./cassandra-server.js";
import { startCqlTestServer, type CqlTestServer } from "./cql-server/index.js";

/** Set to `launch` to run replica tests on a real three-node Cassandra. */
export const CASSANDRA_REPLICAS_ENV = "POLYXENA_TEST_CASSANDRA_REPLICAS";

/** Nodes of the replica cluster. */
export const REPLICA_CLUSTER_NODES = 3;

/** What {@link createCassandraReplicaCluster} hands a test file. */
export interface CassandraReplicaCluster {
  /** Driver options reaching every node (`contactPoints`, `localDataCenter`, the shared native port). */
  readonly clientOptions: { contactPoints: string[]; localDataCenter: string; protocolOptions: { port: number } };
  /** A keyspace name unique to this test file (not created). */
  readonly keyspace: string;
  /** True on a real cluster. */
  readonly external: boolean;
  /** Nodes currently stopped. */
  readonly stopped: number;
  /**
   * Stops one more node (never the first: the one the simulated server is),
   * the way an operator does; on a real cluster it waits until the node has
   * announced its shutdown and exited.
   */
  stopNode(): Promise<void>;
  /** Stops everything. */
  close(): Promise<void>;
}

/**
 * Starts the three-node cluster for `label`'s tests: real with
 * `POLYXENA_TEST_CASSANDRA_REPLICAS=launch` (needs Java 17 and Maven, see
 * {@link startCassandra}), simulated replicas of the CQL test server otherwise.
 */
export async function createCassandraReplicaCluster(label: string): Promise<CassandraReplicaCluster> {
  const safe = label.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 24);
  const keyspace = `px_${safe}_${randomBytes(4).toString("hex")}`;
  const mode = process.env[CASSANDRA_REPLICAS_ENV];
  if (mode !== undefined && mode !== "" && mode !== "launch") {
    throw new Error(`${CASSANDRA_REPLICAS_ENV} must be "launch" (start a real three-node cluster) or unset (simulated replicas), got ${JSON.stringify(mode)}`);
  }
  return mode === "launch" ? real(keyspace) : simulated(keyspace);
}

async function real(keyspace: string): Promise<CassandraReplicaCluster> {
  const server: CassandraServer = await startCassandra({ nodes: REPLICA_CLUSTER_NODES });
  let stopped = 0;
  return {
    clientOptions: { contactPoints: server.contactPoints, localDataCenter: server.localDataCenter, protocolOptions: { port: server.nodes[0]!.nativePort } },
    keyspace,
    external: true,
    get stopped() {
      return stopped;
    },
    async stopNode() {
      if (stopped >= REPLICA_CLUSTER_NODES - 1) throw new Error("the first node keeps running");
      stopped++;
      await server.nodes[REPLICA_CLUSTER_NODES - stopped]!.stop();
    },
    close: () => server.stop(),
  };
}

async function simulated(keyspace: string): Promise<CassandraReplicaCluster> {
  const server: CqlTestServer = await startCqlTestServer({ replicas: REPLICA_CLUSTER_NODES });
  const port = server.contactPoint.slice(server.contactPoint.lastIndexOf(":") + 1);
  return {
    clientOptions: { contactPoints: [server.contactPoint], localDataCenter: server.localDataCenter, protocolOptions: { port: Number(port) } },
    keyspace,
    external: false,
    get stopped() {
      return server.engine.replicas.down;
    },
    async stopNode() {
      if (server.engine.replicas.down >= REPLICA_CLUSTER_NODES - 1) throw new Error("the first node keeps running");
      server.engine.replicas.down++;
    },
    close: () => server.close(),
  };
}
