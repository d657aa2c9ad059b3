/**
 * The Postgres outbox: change events recorded atomically with the write
 * that caused them, and the relay's view of them. A put and its event are
 * one statement (a data-modifying CTE, atomic on its own: one round trip);
 * an update or a delete records its event after the write in one
 * transaction, because the event carries the row the write returned.
 *
 * - `polyxena_outbox` holds pending events; a relay reads one partition in
 *   id order. The version row of a key is locked from before the event's
 *   id is drawn until commit, so a key's next event gets a higher id and
 *   commits later: id order is version order per key.
 * - `polyxena_outbox_version` holds the latest version per key.
 * - `polyxena_outbox_lease` holds one lease per partition (owner, epoch,
 *   expiry on the database clock); completing is fenced by the epoch.
 * - `polyxena_outbox_dead_letter` keeps what sinks refused for good.
 */
import {
  changeKeyString,
  OUTBOX_PARTITIONS,
  quoteIdent,
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
import { holdClient, type HeldClient } from "./postgres-transaction.js";
import { postgresError } from "./postgres-errors.js";
import type { PostgresPort, PostgresSession } from "./postgres-port.js";
import { pgStatement, type EntityStatements, type PgStatement } from "./postgres-statements.js";

/** SQL of one outbox, in one database schema. */
class OutboxSql {
  readonly record: string;
  readonly claim: string;
  readonly release: string;
  readonly read: string;
  readonly complete: string;
  readonly backlog: string;
  readonly latest: string;
  readonly latestMany: string;
  readonly deadLetter: string;
  readonly deadLetters: string;

  constructor(private readonly schema: string) {
    const t = (name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;
    const outbox = t("polyxena_outbox");
    const version = t("polyxena_outbox_version");
    const lease = t("polyxena_outbox_lease");
    this.record = this.recordAfter(undefined, 0);
    this.claim =
      `INSERT INTO ${lease} AS cur (partition, owner, epoch, expires_at) VALUES ($1, $2, 1, clock_timestamp() + $3 * interval '1 millisecond') ` +
      `ON CONFLICT (partition) DO UPDATE SET owner = EXCLUDED.owner, ` +
      `epoch = CASE WHEN cur.owner = EXCLUDED.owner AND cur.expires_at > clock_timestamp() THEN cur.epoch ELSE cur.epoch + 1 END, ` +
      `expires_at = EXCLUDED.expires_at ` +
      `WHERE cur.owner = EXCLUDED.owner OR cur.expires_at <= clock_timestamp() ` +
      `RETURNING epoch::text, (extract(epoch from (expires_at - clock_timestamp())) * 1000)::float8 AS remaining`;
    this.release = `UPDATE ${lease} SET expires_at = clock_timestamp() WHERE partition = $1 AND owner = $2 AND epoch = $3`;
    // Ordered by the bigint column (an output column named id would sort as text).
    this.read = `SELECT o.id::text AS entry_id, o.event, (extract(epoch from o.recorded_at) * 1000)::float8 FROM ${outbox} o WHERE o.partition = $1 ORDER BY o.id LIMIT $2`;
    this.complete =
      `WITH l AS (SELECT 1 FROM ${lease} WHERE partition = $1 AND owner = $2 AND epoch = $3 AND expires_at > clock_timestamp() FOR SHARE), ` +
      `d AS (DELETE FROM ${outbox} WHERE partition = $1 AND id = ANY($4::bigint[]) AND EXISTS (SELECT 1 FROM l) RETURNING 1) ` +
      `SELECT (SELECT count(*) FROM l)::int AS held, (SELECT count(*) FROM d)::int AS deleted`;
    this.backlog = `SELECT count(*)::int, (extract(epoch from min(recorded_at)) * 1000)::float8 FROM ${outbox}`;
    this.latest = `SELECT version::int8 FROM ${version} WHERE entity = $1 AND entity_key = $2`;
    this.latestMany = `SELECT entity_key, version::int8 FROM ${version} WHERE entity = $1 AND entity_key = ANY($2::text[])`;
    this.deadLetter = `INSERT INTO ${t("polyxena_outbox_dead_letter")} (sink, code, message, event, at) VALUES ($1, $2, $3, $4::jsonb, to_timestamp($5 / 1000.0))`;
    this.deadLetters = `SELECT sink, code, message, event, (extract(epoch from at) * 1000)::float8 FROM ${t("polyxena_outbox_dead_letter")} ORDER BY id`;
  }

  /**
   * The record of a change: the key's next version, and the event with that
   * version. With `write` (a statement that returns one row when it wrote,
   * taking `parameters` parameters), one statement that records the event
   * only when the write wrote; without, the record alone. Its own parameters
   * follow the write's: entity, key string, partition, event JSON.
   */
  recordAfter(write: string | undefined, parameters: number): string {
    const [entity, key, partition, event] = [1, 2, 3, 4].map((i) => `$${parameters + i}`);
    const t = (name: string) => `${quoteIdent(this.schema)}.${quoteIdent(name)}`;
    const next =
      `INSERT INTO ${t("polyxena_outbox_version")} AS cur (entity, entity_key, version) ` +
      (write === undefined ? `VALUES (${entity}::text, ${key}::text, 1) ` : `SELECT ${entity}::text, ${key}::text, 1 FROM w `) +
      `ON CONFLICT (entity, entity_key) DO UPDATE SET version = cur.version + 1 RETURNING version`;
    return (
      `WITH ${write === undefined ? "" : `w AS (${write}), `}v AS (${next}) ` +
      `INSERT INTO ${t("polyxena_outbox")} (partition, entity, entity_key, version, event) ` +
      `SELECT ${partition}::int2, ${entity}::text, ${key}::text, v.version, jsonb_set(${event}::jsonb, '{version}', to_jsonb(v.version)) FROM v RETURNING version`
    );
  }
}

/** What the outbox needs from the adapter: the driver port, the database schema and the compiled statements of an entity. */
export interface PostgresOutboxHost {
  readonly name: string;
  readonly port: PostgresPort;
  readonly schema: string;
  statementsOf(model: EntityModel): EntityStatements;
}

/** The {@link OutboxPort} of a Postgres adapter. */
export class PostgresOutbox implements OutboxPort {
  readonly partitions = OUTBOX_PARTITIONS;
  readonly store: string;
  private readonly sql: OutboxSql;
  private readonly recordings = new WeakMap<PgStatement, PgStatement>();

  constructor(private readonly host: PostgresOutboxHost) {
    this.store = host.name;
    this.sql = new OutboxSql(host.schema);
  }

  /** Records the change of a write on `client`, inside the write's transaction; returns the version. */
  async record(client: PostgresSession, change: ChangeRecordRequest, kind: "put" | "delete", item: StoredItem): Promise<number> {
    try {
      const result = await client.query<[string]>({ text: this.sql.record, values: this.recordValues(change, kind, item), rowMode: "array" });
      return Number(result.rows[0]![0]);
    } catch (error) {
      throw postgresError(error, this.sql.record, false);
    }
  }

  /**
   * `write` and the record of its change as one statement, atomic without a
   * transaction: the event is recorded exactly when the write wrote a row
   * (`write` returns one row then, and takes `parameters` parameters, which
   * {@link recordValues} follow). A key's concurrent writes serialize on its
   * row and its version row until the statement commits, so a key's next
   * event gets a higher id and commits later, as in a transaction.
   */
  recording(write: PgStatement, parameters: number): PgStatement {
    let statement = this.recordings.get(write);
    if (!statement) {
      statement = pgStatement(this.sql.recordAfter(write.text, parameters));
      this.recordings.set(write, statement);
    }
    return statement;
  }

  /** The parameters of a change record (after the write's). */
  recordValues(change: ChangeRecordRequest, kind: "put" | "delete", item: StoredItem): unknown[] {
    const event = recordChangeEvent(change, 0, kind, item);
    return [event.entity, event.keyString, change.partition, JSON.stringify(event)];
  }

  async claim(owner: string, partition: number, leaseMs: number): Promise<OutboxLease | undefined> {
    const result = await this.query<[string, number]>(this.sql.claim, [partition, owner, leaseMs]);
    const row = result.rows[0];
    if (!row) return undefined;
    return { partition, owner, epoch: Number(row[0]), expiresAt: Date.now() + row[1] };
  }

  async release(lease: OutboxLease): Promise<void> {
    await this.query(this.sql.release, [lease.partition, lease.owner, lease.epoch]);
  }

  async read(lease: OutboxLease, limit: number): Promise<OutboxEntry[]> {
    const result = await this.query<[string, ChangeEvent, number]>(this.sql.read, [lease.partition, limit]);
    return result.rows.map(([id, event, recordedAt]) => ({ id, event, recordedAt }));
  }

  async complete(lease: OutboxLease, ids: readonly string[]): Promise<boolean> {
    const result = await this.query<[number, number]>(this.sql.complete, [lease.partition, lease.owner, lease.epoch, ids]);
    return (result.rows[0]?.[0] ?? 0) > 0;
  }

  async recordDeadLetter(letter: DeadLetter): Promise<void> {
    await this.query(this.sql.deadLetter, [letter.sink, letter.code, letter.message, JSON.stringify(letter.event), letter.at]);
  }

  async deadLetters(): Promise<DeadLetter[]> {
    const result = await this.query<[string, string, string, ChangeEvent, number]>(this.sql.deadLetters, []);
    return result.rows.map(([sink, code, message, event, at]) => ({ sink, code, message, event, at }));
  }

  async backlog(): Promise<OutboxBacklog> {
    const result = await this.query<[number, number | null]>(this.sql.backlog, []);
    const [pending, oldest] = result.rows[0] ?? [0, null];
    return { pending, oldestRecordedAt: oldest ?? undefined };
  }

  async latestVersion(entity: string, keyString: string): Promise<number | undefined> {
    const result = await this.query<[string]>(this.sql.latest, [entity, keyString]);
    const row = result.rows[0];
    return row ? Number(row[0]) : undefined;
  }

  /** Pages of the source table in primary-key order, with versions read in the same snapshot. */
  async scan(model: EntityModel, position: unknown, limit: number): Promise<VersionedPage> {
    const s = this.host.statementsOf(model);
    const offset = typeof position === "number" ? position : 0;
    const order = s.keyFields.map((f) => quoteIdent(f.column)).join(", ");
    const select = `SELECT ${model.fields.map((f) => quoteIdent(f.column)).join(", ")} FROM ${s.table} ORDER BY ${order} LIMIT $1 OFFSET $2`;
    let held: HeldClient;
    try {
      held = await holdClient(this.host.port);
    } catch (error) {
      throw postgresError(error, select);
    }
    const client = held.session;
    try {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      const rows = await client.query<unknown[]>({ text: select, values: [limit + 1, offset], rowMode: "array" });
      const items = rows.rows.slice(0, limit).map((row) => s.decodeRow(row));
      const keys = items.map((item) => changeKeyString(model, item));
      const versions = await client.query<[string, string]>({ text: this.sql.latestMany, values: [model.name, keys], rowMode: "array" });
      await client.query("COMMIT");
      const byKey = new Map(versions.rows.map(([k, v]) => [k, Number(v)]));
      const page = items.map((item, i) => ({ item, version: byKey.get(keys[i]!) ?? 0 }));
      return rows.rows.length > limit ? { items: page, position: offset + limit } : { items: page };
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw postgresError(error, select);
    } finally {
      held.release();
    }
  }

  private async query<R extends unknown[]>(text: string, values: unknown[]) {
    try {
      return await this.host.port.query<R>({ text, values, rowMode: "array" });
    } catch (error) {
      throw postgresError(error, text);
    }
  }
}
