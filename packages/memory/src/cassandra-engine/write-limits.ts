/**
 * Cassandra's size limits on keys and batches, as a Cassandra 5.0 node with
 * default settings enforces them (found by probing one through the stock
 * driver): partition and clustering keys of at most 65,535 bytes, no empty
 * single-column partition key, and `batch_size_fail_threshold` (50 KiB) on a
 * batch that spans more than one partition.
 */
import type { ColumnSchema, TableSchema } from "./catalog.js";
import { invalid } from "./cql-error.js";
import { serializeValue, type CqlValue } from "./cql-values.js";
import { MAX_PARTITION_KEY_LENGTH, validatePartitionKeyLength } from "./storage.js";

/** Largest serialized clustering Cassandra accepts (the same as a partition key's). */
export const MAX_KEY_BYTES = MAX_PARTITION_KEY_LENGTH;
/** Cassandra's default `batch_size_fail_threshold` (50 KiB). */
export const BATCH_SIZE_FAIL_THRESHOLD_BYTES = 50 * 1024;

// Per-row and per-cell bytes Cassandra adds to the data size of a batched
// mutation (timestamps, TTL and liveness); measured against Cassandra 5.0.
const ROW_OVERHEAD_BYTES = 49;
const CELL_OVERHEAD_BYTES = 21;

function sizeOf(column: ColumnSchema, value: CqlValue): number {
  return value === null ? 0 : serializeValue(column.type, value, column.name).length;
}

/** Refuses what Cassandra refuses in a partition key: an empty single-column key, and more than 65,535 bytes. */
export function checkPartitionKey(table: TableSchema, key: readonly CqlValue[]): void {
  if (table.partitionKey.length === 1 && key[0] !== null && key[0] !== undefined && sizeOf(table.partitionKey[0]!, key[0]) === 0) {
    throw invalid("Key may not be empty");
  }
  validatePartitionKeyLength(table.partitionKey, key);
}

/** Refuses a clustering whose values add up to more than 65,535 bytes. */
export function checkClustering(table: TableSchema, clustering: readonly CqlValue[]): void {
  const size = clustering.reduce<number>((sum, v, i) => sum + (table.clustering[i] ? sizeOf(table.clustering[i]!, v) : 0), 0);
  if (size > MAX_KEY_BYTES) throw invalid(`Key length of ${size} is longer than maximum of ${MAX_KEY_BYTES}`);
}

/** One statement of a batch, for {@link checkBatchSize}. */
export interface BatchedWrite {
  table: TableSchema;
  partitionKeys: readonly (readonly CqlValue[])[];
  clusterings: readonly (readonly CqlValue[])[];
  /** Columns written, with their values. */
  cells: ReadonlyArray<{ column: ColumnSchema; value: CqlValue }>;
}

/**
 * Refuses a batch spanning more than one partition (keyspace and partition
 * key, across tables) whose data size is over `batch_size_fail_threshold`, as
 * Cassandra does ("Batch too large"). A batch on one partition has no limit.
 */
export function checkBatchSize(writes: readonly BatchedWrite[], thresholdBytes = BATCH_SIZE_FAIL_THRESHOLD_BYTES): void {
  const partitions = new Set<string>();
  let size = 0;
  for (const w of writes) {
    for (const key of w.partitionKeys) {
      partitions.add(`${w.table.keyspace}\u0000${w.table.partitionKey.map((c, i) => Buffer.from(serializeValue(c.type, key[i]!, c.name)).toString("hex")).join(":")}`);
    }
    const rows = Math.max(1, w.clusterings.length) * Math.max(1, w.partitionKeys.length);
    const clusteringBytes = w.clusterings.reduce((sum, c) => sum + c.reduce<number>((s, v, i) => s + (w.table.clustering[i] ? sizeOf(w.table.clustering[i]!, v) : 0), 0), 0);
    const cellBytes = w.cells.reduce((sum, { column, value }) => sum + sizeOf(column, value) + CELL_OVERHEAD_BYTES, 0);
    size += rows * (ROW_OVERHEAD_BYTES + cellBytes) + clusteringBytes;
  }
  if (partitions.size > 1 && size > thresholdBytes) throw invalid("Batch too large");
}
