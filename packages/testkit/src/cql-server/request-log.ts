import type { ConsistencyLevel } from "@polyxena/memory/cassandra-engine";

/** What the server recorded about one request frame, so tests can assert what a client sent. */
export interface RecordedRequest {
  /** Connection number (1-based, in accept order). */
  connectionId: number;
  streamId: number;
  /** Opcode name: STARTUP, OPTIONS, QUERY, PREPARE, EXECUTE, BATCH, REGISTER. */
  opcode: string;
  /** CQL text (for EXECUTE: the prepared statement's text, when known). */
  query?: string;
  /** For EXECUTE: the prepared id in hex. */
  preparedId?: string;
  /** For BATCH: the statements' CQL text (or prepared text) in order. */
  batchQueries?: string[];
  batchType?: "logged" | "unlogged" | "counter";
  consistency?: ConsistencyLevel;
  serialConsistency?: ConsistencyLevel;
  pageSize?: number;
  hasPagingState?: boolean;
  defaultTimestamp?: bigint;
  valueCount?: number;
  /** Keyspace of the connection (USE) when the request arrived. */
  keyspace?: string;
  /** Set when the request failed: the protocol error code and message. */
  error?: { code: number; message: string };
}
