/**
 * The seam between the Cassandra adapter and whatever executes CQL: the real
 * `cassandra-driver` client, or the in-memory engine. Values crossing it are
 * neutral CQL values (see {@link NeutralValue}).
 */

import type { CassandraConsistency } from "@polyxena/core/stores/cassandra";

/** Cassandra consistency levels the adapter sends (the levels core resolves). */
export type CqlConsistency = CassandraConsistency;

/**
 * A CQL value in driver-neutral form: text/uuid -> string, int/double ->
 * number, bigint/varint -> bigint, timestamp -> Date, boolean, list -> array,
 * map<text, t> -> plain object, null.
 */
export type NeutralValue = null | string | number | bigint | boolean | Date | NeutralValue[] | { [key: string]: NeutralValue };

/** A statement compiled once: its CQL text and the CQL type of each bind marker. */
export interface CqlStatement {
  readonly cql: string;
  readonly types: readonly string[];
}

/** Per-request options. */
export interface CqlRequestOptions {
  consistency: CqlConsistency;
  serialConsistency?: "SERIAL" | "LOCAL_SERIAL" | undefined;
  /** Safe to retry or speculate. */
  idempotent: boolean;
  fetchSize?: number | undefined;
  /** Paging state returned by the previous page. */
  pageState?: string | undefined;
  /** Write timestamp of every statement of a batch, in microseconds (default: the driver's or the server's clock). */
  timestamp?: number | undefined;
}

/**
 * A result: rows keyed by column name, the paging state, and `[applied]` for
 * conditional statements. The rows and their values (dates, arrays, objects)
 * belong to the caller: a session never hands out objects it keeps.
 */
export interface CqlResult {
  rows: Array<Record<string, NeutralValue>>;
  pageState?: string | undefined;
  applied?: boolean | undefined;
}

/** One selected column of a {@link RowReader}: the field it fills and how its neutral value becomes the field's value. */
export interface ReaderColumn {
  readonly column: string;
  readonly field: string;
  /** Neutral value (null when the cell is empty) to the field's value; `undefined` leaves the field out. */
  readonly decode: (value: NeutralValue | undefined) => unknown;
  /** Whether a non-null neutral value already is the field's value (`decode` only matters for empty cells). */
  readonly neutralIsDomain: boolean;
  /**
   * The index of the bind value that restricts this column by equality in the
   * statement's WHERE clause (so every row of a result holds that value), if any.
   */
  readonly boundParam: number | undefined;
}

/**
 * How the rows of a SELECT become items, compiled once per entity (and per
 * query, for `boundParam`). Sessions may decode their native rows
 * straight to items in one pass, as long as the result equals `decode` over
 * the neutral rows.
 */
export interface RowReader {
  readonly columns: readonly ReaderColumn[];
  /** A neutral row to an item. */
  readonly decode: (row: Record<string, NeutralValue>) => Record<string, unknown>;
}

/** A page of items read through a {@link RowReader}. */
export interface CqlPage {
  items: Array<Record<string, unknown>>;
  pageState?: string | undefined;
}

/** Executes CQL. */
export interface CqlSession {
  execute(statement: CqlStatement, params: readonly NeutralValue[], options: CqlRequestOptions): Promise<CqlResult>;
  /**
   * Runs a SELECT (never a lightweight transaction), decodes its rows with
   * `reader`, and settles with `take(page)`, or with `fail(error)` when the
   * statement fails. The continuations run in the session's own promise
   * reaction, so that a read costs one promise between driver and caller.
   */
  select<T>(
    statement: CqlStatement,
    params: readonly NeutralValue[],
    options: CqlRequestOptions,
    reader: RowReader,
    take: (page: CqlPage) => T,
    fail: (error: unknown) => never,
  ): Promise<T>;
  /** A logged batch: applied atomically with one timestamp. */
  batch(items: ReadonlyArray<{ statement: CqlStatement; params: readonly NeutralValue[] }>, options: CqlRequestOptions): Promise<CqlResult>;
  close(): Promise<void>;
}
