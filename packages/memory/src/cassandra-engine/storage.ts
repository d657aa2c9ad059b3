import type { ColumnSchema, TableSchema } from "./catalog.js";
import { compareBytes, compareValues, serializeValue, type CqlValue } from "./cql-values.js";
import { murmur3Token } from "./murmur3-partitioner.js";
import { invalid } from "./cql-error.js";

/** Cassandra stores a partition key's length in an unsigned short: longer serialized keys are refused. */
export const MAX_PARTITION_KEY_LENGTH = 65_535;

/**
 * Refuses a partition key whose serialized form (the value itself, or for a composite key each
 * component with its 2-byte length and end byte) is over 65535 bytes, with Cassandra's Invalid message.
 */
export function validatePartitionKeyLength(columns: readonly ColumnSchema[], key: readonly CqlValue[]): void {
  if (key.some((v) => v === null || v === undefined)) return;
  const parts = key.map((v, i) => serializeValue(columns[i]!.type, v).length);
  const length = parts.length === 1 ? parts[0]! : parts.reduce((n, p) => n + 2 + p + 1, 0);
  if (length > MAX_PARTITION_KEY_LENGTH) throw invalid(`Key length of ${length} is longer than maximum of ${MAX_PARTITION_KEY_LENGTH}`);
}

/** A cell: a value (null = tombstone), its write timestamp in microseconds and its expiry. */
export interface Cell {
  value: CqlValue;
  timestamp: bigint;
  /** Local expiry time in seconds since the epoch (Cassandra's localDeletionTime). */
  expiresAtSec?: number;
  /** The TTL the cell was written with, in seconds. */
  ttl?: number;
}

/** The primary-key liveness an INSERT writes (Cassandra's row marker). */
export interface RowMarker {
  timestamp: bigint;
  expiresAtSec?: number;
  ttl?: number;
}

/** One row of a partition. */
export interface StoredRow {
  clustering: CqlValue[];
  marker?: RowMarker;
  /** Timestamp of the newest row tombstone. */
  deletedAt?: bigint;
  cells: Map<string, Cell>;
}

/** A bound on one clustering column of a range tombstone or a read. */
export interface SliceBound {
  value: CqlValue;
  inclusive: boolean;
}

/** A deletion of the rows whose clustering starts with `prefix` (and whose next column lies in the slice). */
export interface RangeTombstone {
  prefix: CqlValue[];
  lower?: SliceBound;
  upper?: SliceBound;
  timestamp: bigint;
}

/** A partition: its rows in clustering order plus partition and range tombstones. */
export interface Partition {
  key: CqlValue[];
  keyString: string;
  /** Murmur3 token of the key: the order of full scans and token() restrictions. */
  token: bigint;
  deletedAt?: bigint;
  rangeTombstones: RangeTombstone[];
  rows: StoredRow[];
}

/** A live row as reads see it at one instant. */
export interface LiveRow {
  partition: Partition;
  row: StoredRow;
  /** Live cells by column name (regular columns only). */
  cells: Map<string, Cell>;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** A stable string for a key made of typed values (used as a map key and in paging states). */
export function keyString(columns: ColumnSchema[], values: CqlValue[]): string {
  return values.map((v, i) => hex(serializeValue(columns[i]!.type, v))).join(":");
}

/** Compares clustering prefixes in the table's stored order (honouring DESC columns). */
export function compareClustering(table: TableSchema, a: CqlValue[], b: CqlValue[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const column = table.clustering[i]!;
    const c = compareValues(column.type, a[i]!, b[i]!);
    if (c !== 0) return column.descending ? -c : c;
  }
  return 0;
}

/** True when `value` lies within the bounds, compared by the column's type. */
export function inSlice(column: ColumnSchema, value: CqlValue, lower?: SliceBound, upper?: SliceBound): boolean {
  if (lower) {
    const c = compareValues(column.type, value, lower.value);
    if (c < 0 || (c === 0 && !lower.inclusive)) return false;
  }
  if (upper) {
    const c = compareValues(column.type, value, upper.value);
    if (c > 0 || (c === 0 && !upper.inclusive)) return false;
  }
  return true;
}

/** Cell-level last-write-wins: true when `incoming` supersedes `existing`. */
export function supersedes(type: ColumnSchema["type"], incoming: Cell, existing: Cell | undefined): boolean {
  if (!existing) return true;
  if (incoming.timestamp !== existing.timestamp) return incoming.timestamp > existing.timestamp;
  // Equal timestamps: a tombstone wins, then the greater value (Cassandra's reconciliation).
  if (existing.value === null) return false;
  if (incoming.value === null) return true;
  const c = compareBytes(serializeValue(type, incoming.value), serializeValue(type, existing.value));
  if (c !== 0) return c > 0;
  return (incoming.expiresAtSec ?? Infinity) < (existing.expiresAtSec ?? Infinity);
}

/** The data of one table. Rows are kept sorted in clustering order. */
export class TableStore {
  readonly partitions = new Map<string, Partition>();

  constructor(public schema: TableSchema) {}

  /** Removes a dropped column's cells from every row. */
  dropColumn(name: string): void {
    for (const p of this.partitions.values()) for (const row of p.rows) row.cells.delete(name);
  }

  /** Removes all data. */
  truncate(): void {
    this.partitions.clear();
  }

  /** The partition for a key, created when `create` is set. */
  partition(key: CqlValue[], create: boolean): Partition | undefined {
    const ks = keyString(this.schema.partitionKey, key);
    let p = this.partitions.get(ks);
    if (!p && create) {
      const token = murmur3Token(key.map((v, i) => serializeValue(this.schema.partitionKey[i]!.type, v)));
      p = { key, keyString: ks, token, rangeTombstones: [], rows: [] };
      this.partitions.set(ks, p);
    }
    return p;
  }

  /** Partitions in token order (ties, which need a hash collision, by serialized key), as Cassandra scans them. */
  allPartitions(): Partition[] {
    return [...this.partitions.values()].sort((a, b) =>
      a.token !== b.token ? (a.token < b.token ? -1 : 1) : a.keyString < b.keyString ? -1 : a.keyString > b.keyString ? 1 : 0,
    );
  }

  /** Finds or inserts the row with this full clustering key. */
  row(partition: Partition, clustering: CqlValue[], create: boolean): StoredRow | undefined {
    const rows = partition.rows;
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = compareClustering(this.schema, rows[mid]!.clustering, clustering);
      if (c === 0) return rows[mid];
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    if (!create) return undefined;
    const row: StoredRow = { clustering, cells: new Map() };
    rows.splice(lo, 0, row);
    return row;
  }

  /** The newest deletion timestamp that covers a row (partition, range and row tombstones). */
  deletionTimestamp(partition: Partition, row: StoredRow): bigint | undefined {
    let ts = partition.deletedAt;
    const bump = (t: bigint | undefined) => {
      if (t !== undefined && (ts === undefined || t > ts)) ts = t;
    };
    bump(row.deletedAt);
    for (const rt of partition.rangeTombstones) {
      if (this.rangeCovers(rt, row.clustering)) bump(rt.timestamp);
    }
    return ts;
  }

  /** True when a range tombstone covers a clustering key. */
  rangeCovers(rt: RangeTombstone, clustering: CqlValue[]): boolean {
    for (let i = 0; i < rt.prefix.length; i++) {
      if (compareValues(this.schema.clustering[i]!.type, rt.prefix[i]!, clustering[i]!) !== 0) return false;
    }
    if (!rt.lower && !rt.upper) return true;
    const column = this.schema.clustering[rt.prefix.length]!;
    return inSlice(column, clustering[rt.prefix.length]!, rt.lower, rt.upper);
  }

  /** The row as seen at `nowSec`, or undefined when it has no live marker and no live cell. */
  liveRow(partition: Partition, row: StoredRow, nowSec: number): LiveRow | undefined {
    const deletedAt = this.deletionTimestamp(partition, row);
    const alive = (timestamp: bigint, expiresAtSec?: number) =>
      (deletedAt === undefined || timestamp > deletedAt) && (expiresAtSec === undefined || nowSec < expiresAtSec);
    const cells = new Map<string, Cell>();
    for (const [name, cell] of row.cells) {
      if (cell.value !== null && alive(cell.timestamp, cell.expiresAtSec)) cells.set(name, cell);
    }
    const markerAlive = row.marker !== undefined && alive(row.marker.timestamp, row.marker.expiresAtSec);
    if (!markerAlive && cells.size === 0) return undefined;
    return { partition, row, cells };
  }

  /** Writes a cell if it wins against the current one. */
  writeCell(row: StoredRow, column: ColumnSchema, cell: Cell): void {
    if (supersedes(column.type, cell, row.cells.get(column.name))) row.cells.set(column.name, cell);
  }

  /** Writes the row marker if newer. */
  writeMarker(row: StoredRow, marker: RowMarker): void {
    if (!row.marker || marker.timestamp >= row.marker.timestamp) row.marker = marker;
  }

  /** Deletes a row at `timestamp`. */
  deleteRow(row: StoredRow, timestamp: bigint): void {
    if (row.deletedAt === undefined || timestamp > row.deletedAt) row.deletedAt = timestamp;
  }

  /** Deletes a whole partition at `timestamp`. */
  deletePartition(partition: Partition, timestamp: bigint): void {
    if (partition.deletedAt === undefined || timestamp > partition.deletedAt) partition.deletedAt = timestamp;
  }

  /** Adds a range tombstone. */
  deleteRange(partition: Partition, tombstone: RangeTombstone): void {
    partition.rangeTombstones.push(tombstone);
  }
}
