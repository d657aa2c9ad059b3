/**
 * Cassandra's size limits, checked before anything is sent so that an item
 * Cassandra would refuse is refused whole with `E_VALIDATION` (never written
 * to the base table and then refused in its query tables): keys of at most
 * 65,535 bytes, no empty single-column partition key, and
 * `batch_size_fail_threshold` (50 KiB by default) on the logged batch that
 * writes an item and its query-table rows.
 */
import { limitExceeded, PolyxenaError, type FieldModel, type StoreLimit, type StoredItem } from "@polyxena/core";
import { cassandraColumnType } from "@polyxena/core/stores/cassandra";
import type { NeutralValue } from "./cassandra-session.js";
import type { EntityStatements } from "./cassandra-statements.js";
import { encodeField } from "./cassandra-values.js";

/** Cassandra's default `batch_size_fail_threshold` (50 KiB). */
export const CASSANDRA_BATCH_SIZE_FAIL_THRESHOLD_BYTES = 50 * 1024;

/** The limits a single Cassandra request can break (Cassandra 5.0 defaults). */
export const CASSANDRA_LIMITS = {
  partitionKeyBytes: {
    name: "cassandra.partitionKeyBytes",
    subject: "a Cassandra partition key (a composite key counts 3 framing bytes per component)",
    max: 65_535,
    unit: "bytes",
    fix: "use a shorter partition key value (hash long natural keys and keep the original in a non-key field)",
  },
  clusteringKeyBytes: {
    name: "cassandra.clusteringKeyBytes",
    subject: "a Cassandra clustering key",
    max: 65_535,
    unit: "bytes",
    fix: "use shorter clustering values",
  },
  batchSizeFailThreshold: {
    name: "cassandra.batchSizeFailThreshold",
    subject: "the logged batch writing an item with its query-table rows (Cassandra's batch_size_fail_threshold)",
    max: CASSANDRA_BATCH_SIZE_FAIL_THRESHOLD_BYTES,
    unit: "bytes",
    fix: "store large values elsewhere (or declare fewer query tables for the entity), or raise batch_size_fail_threshold in cassandra.yaml and pass the same batchSizeFailThresholdBytes to the adapter",
  },
} as const satisfies Record<string, StoreLimit>;

// What Cassandra 5.0 adds per batched row and per cell to a batch's data size (timestamps, TTL, liveness).
const ROW_OVERHEAD_BYTES = 49;
const CELL_OVERHEAD_BYTES = 21;

const FIXED_SIZES: Record<string, number> = {
  boolean: 1, tinyint: 1, smallint: 2, int: 4, float: 4, date: 4, bigint: 8, counter: 8, double: 8, timestamp: 8, time: 8, uuid: 16, timeuuid: 16,
};

/** The serialized size of a bind value of CQL type `type` (collections: every element with its length prefix). */
export function cqlValueSize(value: NeutralValue, type: string | undefined): number {
  if (value === null) return 0;
  const fixed = type === undefined ? undefined : FIXED_SIZES[type];
  if (fixed !== undefined) return fixed;
  if (typeof value === "string") return Buffer.byteLength(value, "utf8");
  if (typeof value === "number" || typeof value === "bigint" || value instanceof Date) return 8;
  if (typeof value === "boolean") return 1;
  const element = type?.match(/<\s*(?:frozen<)?([a-z]+)/)?.[1];
  if (Array.isArray(value)) return value.reduce<number>((sum, v) => sum + 4 + cqlValueSize(v, element), 4);
  if (value instanceof Uint8Array) return value.length;
  return Object.entries(value).reduce((sum, [k, v]) => sum + 8 + Buffer.byteLength(k, "utf8") + cqlValueSize(v, undefined), 4);
}

function fieldSize(field: FieldModel, value: unknown): number {
  return cqlValueSize(encodeField(field, value), cassandraColumnType(field));
}

/**
 * Refuses keys Cassandra refuses, for every table of `tables` ("all": the base
 * table and the query tables an item is written to; "base": the key of a read,
 * update or delete): an empty single-column partition key, a partition key or
 * clustering over 65,535 bytes.
 */
export function checkKeySizes(s: EntityStatements, item: StoredItem, tables: "all" | "base", store: string): void {
  for (const compiled of tables === "all" ? [s.base, ...s.queryTables] : [s.base]) {
    const t = compiled.table;
    if (t.partition.some((f) => item[f] === undefined)) continue;
    const sizes = t.partition.map((f) => fieldSize(s.field(f), item[f]));
    const partitionSize = sizes.length === 1 ? sizes[0]! : sizes.reduce((a, b) => a + b + 3, 0);
    if (sizes.length === 1 && partitionSize === 0) {
      throw new PolyxenaError("E_VALIDATION", `${t.partition[0]} is empty; Cassandra refuses an empty partition key (table ${t.name})`, {
        store,
        entity: s.model.name,
        constraint: "cassandra.nonEmptyPartitionKey",
        issues: [{ path: ["key", t.partition[0]!], message: "must not be empty: it is the Cassandra partition key" }],
        fix: "give the key a non-empty value",
      });
    }
    const context = { entity: s.model.name, store };
    if (partitionSize > CASSANDRA_LIMITS.partitionKeyBytes.max) {
      throw limitExceeded(CASSANDRA_LIMITS.partitionKeyBytes, partitionSize, { ...context, path: ["key", t.partition[0]!] });
    }
    const clustering = t.clustering.filter((c) => item[c.field] !== undefined);
    const clusteringSize = clustering.reduce((sum, c) => sum + fieldSize(s.field(c.field), item[c.field]), 0);
    if (clusteringSize > CASSANDRA_LIMITS.clusteringKeyBytes.max) {
      throw limitExceeded(CASSANDRA_LIMITS.clusteringKeyBytes, clusteringSize, { ...context, path: ["key", clustering[0]!.field] });
    }
  }
}

/** A batched statement: its bind types and values. */
export interface SizedStatement {
  statement: { readonly cql: string; readonly types: readonly string[] };
  params: readonly NeutralValue[];
}

/**
 * Refuses a batch of several statements whose data size is over
 * `thresholdBytes`, as Cassandra refuses a batch over
 * `batch_size_fail_threshold` that spans several partitions ("Batch too
 * large"). The estimate counts every bound value, keys included, so it errs
 * on the side of refusing.
 */
export function checkBatchSize(items: readonly SizedStatement[], thresholdBytes: number, store: string, entity: string): void {
  if (items.length < 2) return;
  let size = 0;
  for (const { statement, params } of items) {
    size += ROW_OVERHEAD_BYTES;
    for (let i = 0; i < params.length; i++) size += CELL_OVERHEAD_BYTES + cqlValueSize(params[i]!, statement.types[i]);
  }
  if (size <= thresholdBytes) return;
  throw limitExceeded({ ...CASSANDRA_LIMITS.batchSizeFailThreshold, max: thresholdBytes }, size, { entity, store });
}

/** Whether a Cassandra Invalid error is one of the size limits above (refused before anything was written). */
export function isSizeLimitRefusal(message: string): boolean {
  return /^(Batch too large|Key length of \d+ is longer than maximum|Key may not be empty)/.test(message);
}
