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
import { PolyxenaError } from "@polyxena/core";
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
 *
 * The keyspace comes from `options.keyspace`, or else from the driver's own
 * `keyspace` option. The adapter qualifies every statement with it, so the
 * client it creates connects without one: the keyspace need not exist until
 * `applySchema` creates it.
 */
export function createCassandraAdapter(connection: CassandraConnection, options: Partial<CassandraAdapterOptions> = {}): CassandraDriverAdapter {
  const driverKeyspace = "client" in connection ? connection.client.keyspace : connection.keyspace;
  const keyspace = options.keyspace ?? driverKeyspace;
  if (keyspace === undefined) {
    throw new PolyxenaError("E_DEFINITION", "no Cassandra keyspace given", {
      store: options.name ?? "cassandra",
      path: "keyspace",
      fix: 'pass createCassandraAdapter(connection, { keyspace: "..." })',
    });
  }
  const adapterOptions = { ...options, keyspace };
  if ("client" in connection) return new CassandraDriverAdapter(new DriverCqlSession(connection.client, false), adapterOptions);
  const { keyspace: _connectKeyspace, ...clientOptions } = connection;
  return new CassandraDriverAdapter(new DriverCqlSession(new cassandra.Client(clientOptions), true), adapterOptions);
}

/**
 * The Cassandra adapter on `cassandra-driver`, with the driver's `Client`
 * for statements beyond the declared access patterns.
 *
 * @example
 * const { rows } = await cassandraStore.client.execute(
 *   `SELECT title_id FROM ${cassandraStore.keyspace}.viewing_history WHERE profile_id = ?`, [profileId], { prepare: true });
 */
export class CassandraDriverAdapter extends CassandraAdapter {
  /** The driver's client the adapter sends through (shared: do not shut it down while the adapter is in use). */
  readonly client: cassandra.Client;

  constructor(session: DriverCqlSession, options: CassandraAdapterOptions) {
    super(session, options);
    this.client = session.client;
  }
}
