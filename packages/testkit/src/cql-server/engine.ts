// The storage engine lives in @polyxena/adapters and is shared with the in-memory Cassandra adapter.
export * from "@polyxena/adapters/memory/cassandra-engine";
