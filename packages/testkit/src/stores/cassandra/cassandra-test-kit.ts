import { createCassandraAdapter } from "@polyxena/adapters/cassandra";
import { createMemoryCassandraAdapter, ManualClock } from "@polyxena/memory";
import { CASSANDRA_TEST_ENV, createCassandraTestCluster } from "../../cassandra-test-cluster.js";
import type { StoreTestKit } from "../store-test-kit.js";

/**
 * Cassandra in tests: the stock driver against the in-process CQL test server
 * (or the cluster `POLYXENA_TEST_CASSANDRA` names), a keyspace per label; the
 * memory twin is the real adapter over the in-process engine. Both have a
 * clock the TTL cases move.
 */
export const cassandraTestKit: StoreTestKit = {
  kind: "cassandra",
  endpoint: { env: CASSANDRA_TEST_ENV, start: "pnpm test:real cassandra" },
  async real(label) {
    const cluster = await createCassandraTestCluster(label);
    return {
      adapter: () => createCassandraAdapter({ contactPoints: [cluster.contactPoint], localDataCenter: cluster.localDataCenter }, { keyspace: cluster.keyspace }),
      advanceClock: (ms) => cluster.advanceClock(ms),
      close: () => cluster.close(),
    };
  },
  async memory() {
    const clock = new ManualClock();
    return {
      adapter: () => createMemoryCassandraAdapter({ clock }),
      advanceClock: async (ms) => clock.advanceMillis(ms),
      close: async () => undefined,
    };
  },
};
