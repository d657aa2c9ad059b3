/**
 * The CQL of a keyspace's outbox: what the adapter prepares and what
 * `statements.md` lists for an entity with change events, from one source.
 */
import { qualifiedName } from "../../physical/identifiers.js";
import type { ChangeEventRecording } from "../store-dialect.js";
import { CASSANDRA_OUTBOX_TABLES } from "./cassandra-schema.js";

/** Every statement of a keyspace's outbox, by what it does. */
export interface CassandraOutboxCql {
  /** The event's row, in the write's logged batch. */
  readonly record: string;
  /** The key's latest version, in the same batch (the highest write timestamp wins). */
  readonly recordVersion: string;
  /** The relay's read of a partition's settled events, in version order. */
  readonly read: string;
  /** Deletes one delivered event (in single-partition batches). */
  readonly remove: string;
  /** The partition's lease, read at the serial level before claiming it. */
  readonly leaseOf: string;
  /** Claims a partition nobody claimed yet. */
  readonly leaseInsert: string;
  /** Takes an expired lease or renews one's own, when it is unchanged since it was read. */
  readonly leaseTake: string;
  /** Checks that the lease is still held before deleting delivered events. */
  readonly leaseCheck: string;
  /** Gives a lease up. */
  readonly leaseRelease: string;
  /** Pending events of a partition (metrics). */
  readonly count: string;
  /** The oldest pending event of a partition (metrics). */
  readonly oldest: string;
  /** The latest version of a key. */
  readonly latest: string;
  /** Records an event a sink refused. */
  readonly deadLetter: string;
  /** Lists dead letters. */
  readonly deadLetters: string;
}

/** The outbox statements of `keyspace` (unqualified table names without one). */
export function cassandraOutboxCql(keyspace?: string): CassandraOutboxCql {
  const t = (name: string) => qualifiedName(keyspace, name);
  const outbox = t(CASSANDRA_OUTBOX_TABLES.outbox);
  const version = t(CASSANDRA_OUTBOX_TABLES.version);
  const lease = t(CASSANDRA_OUTBOX_TABLES.lease);
  const dead = t(CASSANDRA_OUTBOX_TABLES.deadLetter);
  return {
    record: `INSERT INTO ${outbox} ("partition", "version", "change_id", "entity", "entity_key", "event") VALUES (?, ?, ?, ?, ?, ?)`,
    recordVersion: `INSERT INTO ${version} ("entity", "entity_key", "version") VALUES (?, ?, ?)`,
    read: `SELECT "version", "change_id", "event" FROM ${outbox} WHERE "partition" = ? AND "version" <= ? LIMIT ?`,
    remove: `DELETE FROM ${outbox} WHERE "partition" = ? AND "version" = ? AND "change_id" = ?`,
    leaseOf: `SELECT "owner", "epoch", "expires_at" FROM ${lease} WHERE "partition" = ?`,
    leaseInsert: `INSERT INTO ${lease} ("partition", "owner", "epoch", "expires_at") VALUES (?, ?, 1, ?) IF NOT EXISTS`,
    leaseTake: `UPDATE ${lease} SET "owner" = ?, "epoch" = ?, "expires_at" = ? WHERE "partition" = ? IF "owner" = ? AND "epoch" = ?`,
    leaseCheck: `UPDATE ${lease} SET "owner" = ? WHERE "partition" = ? IF "owner" = ? AND "epoch" = ? AND "expires_at" > ?`,
    leaseRelease: `UPDATE ${lease} SET "expires_at" = 0 WHERE "partition" = ? IF "owner" = ? AND "epoch" = ?`,
    count: `SELECT count(*) FROM ${outbox} WHERE "partition" = ?`,
    oldest: `SELECT "version" FROM ${outbox} WHERE "partition" = ? LIMIT 1`,
    latest: `SELECT "version" FROM ${version} WHERE "entity" = ? AND "entity_key" = ?`,
    deadLetter: `INSERT INTO ${dead} ("bucket", "at", "change_id", "sink", "code", "message", "event") VALUES (0, ?, ?, ?, ?, ?, ?)`,
    deadLetters: `SELECT "at", "sink", "code", "message", "event" FROM ${dead} WHERE "bucket" = 0`,
  };
}

/** How a Cassandra write records its change event, and what the relay sends, for `statements.md`. */
export function cassandraChangeEventRecording(keyspace?: string): ChangeEventRecording {
  const cql = cassandraOutboxCql(keyspace);
  return {
    where:
      "in its logged batch, every statement at one client timestamp that is the event's version (put, update and delete are that batch: an update reads the row at the serial level first and writes it whole, a delete reads the deleted item first; conditional writes and updates with a TTL are refused with E_UNSUPPORTED)",
    statements: ["BEGIN LOGGED BATCH  -- at the client timestamp <version> (microseconds, increasing per process)", "  <the put/update/delete and its query-table rows>;", `  ${cql.record};`, `  ${cql.recordVersion};`, "APPLY BATCH"].join("\n"),
    relay: [
      "-- claim a partition's lease (SERIAL read, then a lightweight transaction)",
      `${cql.leaseOf};`,
      `${cql.leaseInsert};  -- nobody held it`,
      `${cql.leaseTake};  -- expired, or renewing one's own`,
      "-- read its settled events in version order",
      `${cql.read};`,
      "-- after delivery: check the lease, then delete what was delivered (single-partition batches of 100)",
      `${cql.leaseCheck};`,
      `${cql.remove};`,
      "-- give the lease up",
      `${cql.leaseRelease};`,
      "-- a sink refused an event; the dead letters",
      `${cql.deadLetter};`,
      `${cql.deadLetters};`,
      "-- metrics: pending events and the oldest, per partition",
      `${cql.count};`,
      `${cql.oldest};`,
      "-- projections: the key's latest version, so an older event is skipped (and, in a rebuild, the version of a row without written cells)",
      `${cql.latest};`,
    ].join("\n"),
  };
}
