/**
 * @polyxena/adapters/cassandra: the Cassandra store adapter on `cassandra-driver`.
 *
 * @example
 * const cassandraStore = createCassandraAdapter(
 *   { contactPoints: ["127.0.0.1:9042"], localDataCenter: "datacenter1" },
 *   { keyspace: "streaming" },
 * );
 * await cassandraStore.applySchema([ViewingHistory.model]);
 * const repos = createRepositories({ stores: { cassandra: cassandraStore } });
 */
import cassandra from "cassandra-driver";
import { CassandraAdapter, type CassandraAdapterOptions } from "./cassandra-adapter.js";
import { DriverCqlSession } from "./cassandra-driver-session.js";

export { CassandraAdapter, type CassandraAdapterOptions } from "./cassandra-adapter.js";
export { CASSANDRA_CAPABILITIES } from "./cassandra-capabilities.js";
export { cassandraLevels, type CassandraLevels } from "./cassandra-consistency.js";
export { cassandraError, classifyCassandraError } from "./cassandra-errors.js";
export { DriverCqlSession } from "./cassandra-driver-session.js";
export type { CqlConsistency, CqlRequestOptions, CqlResult, CqlSession, CqlStatement, NeutralValue } from "./cassandra-session.js";

/** How the adapter reaches Cassandra: client options (it creates and owns the client) or your client. */
export type CassandraConnection = cassandra.ClientOptions | { client: cassandra.Client };

/**
 * Creates the Cassandra adapter. A client passed in is never shut down by the
 * adapter; a client created from options is shut down by `close()`.
 */
export function createCassandraAdapter(connection: CassandraConnection, options: CassandraAdapterOptions): CassandraAdapter {
  if ("client" in connection) return new CassandraAdapter(new DriverCqlSession(connection.client, false), options);
  return new CassandraAdapter(new DriverCqlSession(new cassandra.Client(connection), true), options);
}
