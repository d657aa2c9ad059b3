/**
 * A wire-compatible Cassandra test server (native protocol v4) backed by the
 * in-memory Cassandra engine. See README.md for the known gaps.
 */
export { startCqlTestServer } from "./cql-test-server.js";
export type { CqlTestServer, CqlTestServerOptions } from "./cql-test-server.js";
export type { RecordedRequest } from "./request-log.js";
export { CassandraEngine, CqlError, CqlErrorCode, ManualClock } from "@polyxena/memory/cassandra-engine";
export type { EngineClock } from "@polyxena/memory/cassandra-engine";
