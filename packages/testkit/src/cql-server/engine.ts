// The storage engine lives in @polyxena/adapters (packages/adapters/src/memory/cassandra-engine) and is shared
// with the in-memory Cassandra adapter. It is not part of the adapters package's public subpaths, so the
// testkit reaches it by path.
export * from "../../../adapters/src/memory/cassandra-engine/index.js";
