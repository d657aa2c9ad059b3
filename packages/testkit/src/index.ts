/**
 * @polyxena/testkit: conformance suites, wire-compatible test servers and
 * launchers for local services.
 */
export * from "./conformance/index.js";
export * from "./conformance/postgres-conformance.js";
export * from "./conformance/dynamodb-conformance.js";
export * from "./postgres-test-database.js";
export * from "./dynalite-server.js";
export * from "./memcached-server.js";
export * from "./chaos-adapter.js";
export * from "./connection-killer.js";
export * from "./cache-test-store.js";
export * from "./cql-server/index.js";
export * from "./cassandra-test-cluster.js";
export * from "./elasticsearch-server/index.js";
export * from "./elasticsearch-test-cluster.js";
