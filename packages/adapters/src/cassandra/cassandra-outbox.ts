/**
 * The Cassandra outbox: a change event is an outbox row in the same logged
 * batch as the write that caused it, so the batchlog applies both or
 * neither; and the relay's view of those rows.
 *
 * Design: a partitioned outbox table with lightweight-transaction leases.
 *
 * - Versions are write timestamps. Every statement of the batch (item, query
 *   tables, outbox row, version row) carries the same client timestamp in
 *   microseconds, strictly increasing per process, and the event's version
 *   is that timestamp. Cassandra resolves concurrent writes of a key by
 *   timestamp (last write wins), so the event with the highest version is
 *   always the state the store kept, and projections applied by version
 *   converge on it even when writers on several machines race. Versions are
 *   increasing per key, not consecutive.
 * - `polyxena_outbox` is partitioned by outbox partition (16, like every
 *   outbox) and clustered by version: the relay reads a partition in version
 *   order with one single-partition range read. Gapless per-key counters
 *   would need a lightweight transaction per write, and Cassandra cannot put
 *   a lightweight transaction and rows of other partitions in one batch.
 * - `polyxena_outbox_version` keeps the latest version per key without a
 *   read: every batch writes it at its own timestamp, so the highest wins.
 * - Leases are rows of `polyxena_outbox_lease` taken and renewed with
 *   lightweight transactions (`IF owner = ? AND epoch = ?`), so two relays
 *   never both win a partition; expiry compares the relays' clocks.
 *   Completing checks the lease with a lightweight transaction, then deletes
 *   the delivered rows (one single-partition batch per chunk). A relay that
 *   lost its lease in between only deletes events it has delivered.
 * - A batch can reach its replicas after a batch with a later timestamp, so
 *   the relay reads only events older than `settleMs`: a later event of a
 *   key is not delivered while an earlier one may still be on its way.
 *   (A write stalled for longer is delivered late; projections ignore it by
 *   version, and Kafka consumers drop versions at or below one they saw.)
 *
 * Writes the outbox cannot make atomic are refused with `E_UNSUPPORTED`:
 * conditional writes (a lightweight transaction cannot share a batch with
 * another partition's row) and updates with a TTL.
 */
import {
  changeKeyString,
  OUTBOX_PARTITIONS,
  PolyxenaError,
  qualifiedName,
  recordChangeEvent,
  type ChangeEvent,
  type ChangeRecordRequest,
  type DeadLetter,
  type EntityModel,
  type OutboxBacklog,
  type OutboxEntry,
  type OutboxLease,
  type OutboxPort,
  type StoredItem,
  type VersionedPage,
} from "@polyxena/core";
import { cassandraOutboxCql } from "@polyxena/core/stores/cassandra";
import { cassandraError } from "./cassandra-errors.js";
import type { CqlRequestOptions, CqlSession, CqlStatement, NeutralValue } from "./cassandra-session.js";
import type { EntityStatements } from "./cassandra-statements.js";

/** A statement with its bind values, as batches take them. */
export interface OutboxBatchItem {
  statement: CqlStatement;
  params: NeutralValue[];
}

/** What the outbox needs from the adapter. */
export interface CassandraOutboxHost {
  readonly name: string;
  readonly keyspace: string;
  readonly session: CqlSession;
  /** Events younger than this are not read yet (milliseconds). */
  readonly settleMs: number;
  /** Clock in epoch milliseconds. */
  readonly now: () => number;
  statementsOf(model: EntityModel): EntityStatements;
}

/** Rows deleted per batch when completing (a single-partition batch, kept small). */
const COMPLETE_CHUNK = 100;

const statement = (cql: string, types: string[]): CqlStatement => ({ cql, types });

/** The prepared CQL of one keyspace's outbox (the text is core's, which `statements.md` lists). */
class OutboxCql {
  readonly record: CqlStatement;
  readonly recordVersion: CqlStatement;
  readonly read: CqlStatement;
  readonly remove: CqlStatement;
  readonly leaseOf: CqlStatement;
  readonly leaseInsert: CqlStatement;
  readonly leaseTake: CqlStatement;
  readonly leaseCheck: CqlStatement;
  readonly leaseRelease: CqlStatement;
  readonly count: CqlStatement;
  readonly oldest: CqlStatement;
  readonly latest: CqlStatement;
  readonly deadLetter: CqlStatement;
  readonly deadLetters: CqlStatement;

  constructor(keyspace: string) {
    const cql = cassandraOutboxCql(keyspace);
    this.record = statement(cql.record, ["int", "bigint", "text", "text", "text", "text"]);
    this.recordVersion = statement(cql.recordVersion, ["text", "text", "bigint"]);
    this.read = statement(cql.read, ["int", "bigint", "int"]);
    this.remove = statement(cql.remove, ["int", "bigint", "text"]);
    this.leaseOf = statement(cql.leaseOf, ["int"]);
    this.leaseInsert = statement(cql.leaseInsert, ["int", "text", "bigint"]);
    this.leaseTake = statement(cql.leaseTake, ["text", "bigint", "bigint", "int", "text", "bigint"]);
    this.leaseCheck = statement(cql.leaseCheck, ["text", "int", "text", "bigint", "bigint"]);
    this.leaseRelease = statement(cql.leaseRelease, ["int", "text", "bigint"]);
    this.count = statement(cql.count, ["int"]);
    this.oldest = statement(cql.oldest, ["int"]);
    this.latest = statement(cql.latest, ["text", "text"]);
    this.deadLetter = statement(cql.deadLetter, ["bigint", "text", "text", "text", "text", "text"]);
    this.deadLetters = statement(cql.deadLetters, []);
  }
}

const READ: CqlRequestOptions = Object.freeze({ consistency: "LOCAL_QUORUM", idempotent: true });
const WRITE: CqlRequestOptions = Object.freeze({ consistency: "LOCAL_QUORUM", idempotent: true });
const LWT: CqlRequestOptions = Object.freeze({ consistency: "LOCAL_QUORUM", serialConsistency: "LOCAL_SERIAL", idempotent: false });
const SERIAL_READ: CqlRequestOptions = Object.freeze({ consistency: "LOCAL_SERIAL", idempotent: true });

/** The {@link OutboxPort} of a Cassandra adapter. */
export class CassandraOutbox implements OutboxPort {
  readonly partitions = OUTBOX_PARTITIONS;
  readonly store: string;
  private readonly cql: OutboxCql;
  private lastTimestamp = 0;

  constructor(private readonly host: CassandraOutboxHost) {
    this.store = host.name;
    this.cql = new OutboxCql(host.keyspace);
  }

  /** The write timestamp (and event version) of the next write: the clock in microseconds, strictly increasing. */
  nextVersion(): number {
    const now = this.host.now() * 1000;
    this.lastTimestamp = now > this.lastTimestamp ? now : this.lastTimestamp + 1;
    return this.lastTimestamp;
  }

  /** The rows that record `change` in the write's batch, which must run at timestamp `version`. */
  recordItems(change: ChangeRecordRequest, version: number, kind: "put" | "delete", item: StoredItem): OutboxBatchItem[] {
    const event = recordChangeEvent(change, version, kind, item);
    return [
      { statement: this.cql.record, params: [change.partition, version, change.id, event.entity, event.keyString, JSON.stringify(event)] },
      { statement: this.cql.recordVersion, params: [event.entity, event.keyString, version] },
    ];
  }

  async claim(owner: string, partition: number, leaseMs: number): Promise<OutboxLease | undefined> {
    const now = this.host.now();
    const expiresAt = now + leaseMs;
    const current = (await this.execute(this.cql.leaseOf, [partition], SERIAL_READ)).rows[0];
    if (!current) {
      const inserted = await this.execute(this.cql.leaseInsert, [partition, owner, expiresAt], LWT);
      return inserted.applied === false ? undefined : { partition, owner, epoch: 1, expiresAt };
    }
    const holder = current["owner"] as string;
    const epoch = Number(current["epoch"]);
    const held = Number(current["expires_at"]) > now;
    if (held && holder !== owner) return undefined;
    // Renewing a lease still held keeps its epoch; taking one (expired, or another's) bumps it.
    const next = held ? epoch : epoch + 1;
    const taken = await this.execute(this.cql.leaseTake, [owner, next, expiresAt, partition, holder, epoch], LWT);
    return taken.applied === false ? undefined : { partition, owner, epoch: next, expiresAt };
  }

  async release(lease: OutboxLease): Promise<void> {
    await this.execute(this.cql.leaseRelease, [lease.partition, lease.owner, lease.epoch], LWT);
  }

  async read(lease: OutboxLease, limit: number): Promise<OutboxEntry[]> {
    const settled = (this.host.now() - this.host.settleMs) * 1000;
    const result = await this.execute(this.cql.read, [lease.partition, settled, limit], { ...READ, fetchSize: limit });
    return result.rows.map((row) => {
      const version = Number(row["version"]);
      return { id: `${version}:${row["change_id"] as string}`, event: JSON.parse(row["event"] as string) as ChangeEvent, recordedAt: Math.floor(version / 1000) };
    });
  }

  async complete(lease: OutboxLease, ids: readonly string[]): Promise<boolean> {
    const held = await this.execute(this.cql.leaseCheck, [lease.owner, lease.partition, lease.owner, lease.epoch, this.host.now()], LWT);
    if (held.applied === false) return false;
    const deletes = ids.map((id) => {
      const colon = id.indexOf(":");
      return { statement: this.cql.remove, params: [lease.partition, Number(id.slice(0, colon)), id.slice(colon + 1)] };
    });
    const chunks: OutboxBatchItem[][] = [];
    for (let i = 0; i < deletes.length; i += COMPLETE_CHUNK) chunks.push(deletes.slice(i, i + COMPLETE_CHUNK));
    await Promise.all(chunks.map((chunk) => this.batch(chunk)));
    return true;
  }

  async recordDeadLetter(letter: DeadLetter): Promise<void> {
    await this.execute(this.cql.deadLetter, [letter.at, letter.event.id, letter.sink, letter.code, letter.message, JSON.stringify(letter.event)], WRITE);
  }

  async deadLetters(): Promise<DeadLetter[]> {
    const result = await this.execute(this.cql.deadLetters, [], READ);
    return result.rows.map((row) => ({
      at: Number(row["at"]),
      sink: row["sink"] as string,
      code: row["code"] as string,
      message: row["message"] as string,
      event: JSON.parse(row["event"] as string) as ChangeEvent,
    }));
  }

  async backlog(): Promise<OutboxBacklog> {
    let pending = 0;
    let oldest: number | undefined;
    await Promise.all(
      Array.from({ length: this.partitions }, async (_, partition) => {
        const [count, first] = await Promise.all([this.execute(this.cql.count, [partition], READ), this.execute(this.cql.oldest, [partition], READ)]);
        pending += Number(count.rows[0]?.["count"] ?? 0);
        const version = first.rows[0]?.["version"];
        if (version !== undefined && version !== null) {
          const at = Math.floor(Number(version) / 1000);
          if (oldest === undefined || at < oldest) oldest = at;
        }
      }),
    );
    return { pending, oldestRecordedAt: oldest };
  }

  async latestVersion(entity: string, keyString: string): Promise<number | undefined> {
    const row = (await this.execute(this.cql.latest, [entity, keyString], READ)).rows[0];
    return row ? Number(row["version"]) : undefined;
  }

  /**
   * Pages of the source table, each item with the version it was written at
   * (the latest write timestamp of its cells, read with the item itself: every
   * write of an entity with events rewrites the whole row at its version).
   */
  async scan(model: EntityModel, position: unknown, limit: number): Promise<VersionedPage> {
    const s = this.host.statementsOf(model);
    const nonKey = s.nonKeyFields();
    const scan = statement(
      `SELECT ${s.columnList}${nonKey.map((f, i) => `, writetime("${f.column.replace(/"/g, '""')}") AS "polyxena_wt${i}"`).join("")} FROM ${qualifiedName(this.host.keyspace, model.table)}`,
      [],
    );
    const result = await this.execute(scan, [], { ...READ, fetchSize: limit, ...(typeof position === "string" ? { pageState: position } : {}) });
    const items = await Promise.all(
      result.rows.map(async (row) => {
        const item = s.decodeRow(row);
        const stamps = nonKey.map((_, i) => row[`polyxena_wt${i}`]).filter((v) => v !== null && v !== undefined).map(Number);
        const version = stamps.length > 0 ? Math.max(...stamps) : ((await this.latestVersion(model.name, changeKeyString(model, item))) ?? 0);
        return { item, version };
      }),
    );
    return result.pageState && items.length > 0 ? { items, position: result.pageState } : { items };
  }

  private async batch(items: readonly OutboxBatchItem[]): Promise<void> {
    try {
      await this.host.session.batch(items, WRITE);
    } catch (error) {
      throw cassandraError(error, items[0]?.statement.cql ?? "BATCH", true).withContext({ store: this.store });
    }
  }

  private async execute(cql: CqlStatement, params: NeutralValue[], options: CqlRequestOptions) {
    try {
      return await this.host.session.execute(cql, params, options);
    } catch (error) {
      throw cassandraError(error, cql.cql, options.idempotent).withContext({ store: this.store });
    }
  }
}

/** `E_UNSUPPORTED` for a write of an entity with events that Cassandra cannot make atomic with its outbox row. */
export function outboxUnsupported(model: EntityModel, what: string, store: string): PolyxenaError {
  return new PolyxenaError(
    "E_UNSUPPORTED",
    `${what} of ${model.name} cannot record its change event atomically on Cassandra: a lightweight transaction cannot share a batch with the outbox row, which lives in another partition`,
    {
      entity: model.name,
      store,
      fix: "write entities with events on Cassandra with plain put, update and delete (last write wins, and the event's version is the write timestamp), or keep the entity in postgres or dynamodb when it needs conditional writes",
    },
  );
}
