/**
 * @polyxena/adapters/cassandra/in-process: the Cassandra adapter and the
 * session port it sends CQL through, without `cassandra-driver`. An
 * in-process engine behind a {@link CqlSession} runs the real adapter
 * (`@polyxena/memory` does so for its Cassandra twin).
 */
export { CassandraAdapter, type CassandraAdapterOptions } from "./cassandra-adapter.js";
export type { CqlPage, CqlRequestOptions, CqlResult, CqlSession, CqlStatement, NeutralValue, RowReader } from "./cassandra-session.js";
export type { EntityStatements } from "./cassandra-statements.js";
