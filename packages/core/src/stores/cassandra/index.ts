/**
 * The Cassandra store rules: `@polyxena/core/stores/cassandra`, for its adapter and tools.
 */
export { cassandraDialect } from "./cassandra-dialect.js";
export type { CassandraConsistency } from "./cassandra-consistency.js";
export { DEFAULT_CASSANDRA_KEYSPACE } from "./cassandra-options.js";
export type { CassandraOptions } from "./cassandra-options.js";
export {
  DEFAULT_CASSANDRA_REPLICATION,
  buildCassandraSchema,
  cassandraClaimTableStatement,
  cassandraOutboxStatements,
  CASSANDRA_OUTBOX_TABLES,
  cassandraColumnType,
  cassandraKeyspaceStatement,
  cassandraStoresAsJson,
  cassandraTableStatement,
  cassandraTables,
} from "./cassandra-schema.js";
export type { CassandraReplication, CassandraSchemaOptions, CassandraTable } from "./cassandra-schema.js";
export { cassandraChangeEventRecording, cassandraOutboxCql } from "./cassandra-outbox-statements.js";
export type { CassandraOutboxCql } from "./cassandra-outbox-statements.js";
export { cassandraDeleteStatement, cassandraInsertStatement, cassandraQueryStatement, cassandraSelectStatement, cassandraStatements } from "./cassandra-statements.js";
