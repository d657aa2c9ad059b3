/**
 * The Cassandra a test file talks to: a real cluster when
 * `POLYXENA_TEST_CASSANDRA=host:port` is set (local data center from
 * `POLYXENA_TEST_CASSANDRA_DC`, default `datacenter1`), otherwise the
 * in-process CQL test server. Either way the test gets a contact point and a
 * keyspace name of its own.
 */
import { randomBytes } from "node:crypto";
import cassandra from "cassandra-driver";
import { ManualClock, startCqlTestServer, type CqlTestServer } from "./cql-server/index.js";

/** The environment variable naming a real Cassandra (`host:port`). */
export const CASSANDRA_TEST_ENV = "POLYXENA_TEST_CASSANDRA";
/** The environment variable naming the real cluster's local data center. */
export const CASSANDRA_TEST_DC_ENV = "POLYXENA_TEST_CASSANDRA_DC";

/** What {@link createCassandraTestCluster} hands a test file. */
export interface CassandraTestCluster {
  /** `host:port` for the driver's `contactPoints`. */
  readonly contactPoint: string;
  /** Pass as the driver's `localDataCenter`. */
  readonly localDataCenter: string;
  /**
   * A keyspace name unique to this test file (not created: adapters create it in
   * `applySchema`). A file needing several keyspaces appends `_<suffix>` to it;
   * `close()` drops this keyspace and every `<keyspace>_*` one on a real cluster.
   */
  readonly keyspace: string;
  /** True when the tests run against the real Cassandra named by `POLYXENA_TEST_CASSANDRA`. */
  readonly external: boolean;
  /** The in-process server, or undefined on a real cluster. */
  readonly server: CqlTestServer | undefined;
  /**
   * The in-process server, for tests of server-only features (recorded
   * requests, request hooks, the engine). On a real cluster it throws, naming
   * the feature, so such a test fails loudly instead of passing or skipping.
   */
  requireServer(feature: string): CqlTestServer;
  /**
   * Lets `ms` of server time pass: moves the in-process server's manual clock,
   * or waits in real time on a real cluster (TTL expiry tests).
   */
  advanceClock(ms: number): Promise<void>;
  /** Drops this file's keyspaces (real cluster) or stops the in-process server. */
  close(): Promise<void>;
}

/** Options of {@link createCassandraTestCluster}. */
export interface CassandraTestClusterOptions {
  /** Clock of the in-process server (default: a `ManualClock` at the current time). */
  clock?: ManualClock;
}

/**
 * Starts the in-process CQL test server, or, when `POLYXENA_TEST_CASSANDRA`
 * is set, checks that the real Cassandra it names answers. `label` names the
 * keyspace (`px_<label>_<random>`).
 *
 * @example
 * const cluster = await createCassandraTestCluster("cassandra-adapter");
 * const adapter = createCassandraAdapter(
 *   { contactPoints: [cluster.contactPoint], localDataCenter: cluster.localDataCenter },
 *   { keyspace: cluster.keyspace },
 * );
 * afterAll(() => cluster.close());
 */
export async function createCassandraTestCluster(label: string, options: CassandraTestClusterOptions = {}): Promise<CassandraTestCluster> {
  const safe = label.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 24);
  const keyspace = `px_${safe}_${randomBytes(4).toString("hex")}`;
  const target = process.env[CASSANDRA_TEST_ENV];
  if (target !== undefined && target !== "") return connectExternal(target, process.env[CASSANDRA_TEST_DC_ENV] || "datacenter1", keyspace);

  const clock = options.clock ?? new ManualClock();
  const server = await startCqlTestServer({ clock });
  return {
    contactPoint: server.contactPoint,
    localDataCenter: server.localDataCenter,
    keyspace,
    external: false,
    server,
    requireServer: () => server,
    async advanceClock(ms) {
      clock.advanceMillis(ms);
    },
    close: () => server.close(),
  };
}

async function connectExternal(target: string, localDataCenter: string, keyspace: string): Promise<CassandraTestCluster> {
  if (!/^[^\s:]+:\d{1,5}$/.test(target)) {
    throw new Error(`${CASSANDRA_TEST_ENV} must be host:port (e.g. 127.0.0.1:9042), got ${JSON.stringify(target)}`);
  }
  const admin = new cassandra.Client({ contactPoints: [target], localDataCenter });
  try {
    await admin.connect();
  } catch (error) {
    await admin.shutdown().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Cassandra is not reachable at ${target} with local data center ${localDataCenter} (${reason}). ` +
        `Start it (see docker-compose.yml), set ${CASSANDRA_TEST_DC_ENV} to its data center, ` +
        `or unset ${CASSANDRA_TEST_ENV} to use the in-process CQL test server.`,
      { cause: error },
    );
  }
  let closed = false;
  return {
    contactPoint: target,
    localDataCenter,
    keyspace,
    external: true,
    server: undefined,
    requireServer(feature) {
      throw new Error(
        `this test needs the in-process CQL test server (${feature}), which a real Cassandra does not offer; ` +
          `${CASSANDRA_TEST_ENV}=${target} is set. Run it without ${CASSANDRA_TEST_ENV}.`,
      );
    },
    advanceClock: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    async close() {
      if (closed) return;
      closed = true;
      try {
        const result = await admin.execute("SELECT keyspace_name FROM system_schema.keyspaces");
        const mine = result.rows.map((r) => r["keyspace_name"] as string).filter((k) => k === keyspace || k.startsWith(`${keyspace}_`));
        for (const k of mine) await admin.execute(`DROP KEYSPACE IF EXISTS "${k}"`);
      } finally {
        await admin.shutdown();
      }
    },
  };
}
