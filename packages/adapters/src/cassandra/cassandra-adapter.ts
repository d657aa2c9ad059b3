/**
 * The Cassandra store adapter. It compiles each entity's CQL once, runs it
 * through a {@link CqlSession} (the real driver or the in-memory engine), and
 * keeps denormalized query tables in step with logged batches. Conditions are
 * lightweight transactions on the base table.
 */
import {
  conditionFailedError,
  isPolyxenaError,
  PolyxenaError,
  qualifiedName,
  quoteIdent,
  uniqueClaimTable,
  type ConsistencyLevelModel,
  type DeleteRequest,
  type EntityModel,
  type ErrorClass,
  type GetManyRequest,
  type GetRequest,
  type OperationDescriptor,
  type PutCondition,
  type PutRequest,
  type QueryRequest,
  type SchemaApplyResult,
  type SchemaPlan,
  type StoreAdapter,
  type StoredItem,
  type StorePage,
  type StoreRequestBase,
  type UpdateRequest,
  type WriteCondition,
} from "@polyxena/core";
import {
  buildCassandraSchema,
  cassandraColumnType,
  cassandraClaimTableStatement,
  cassandraOutboxStatements,
  CASSANDRA_OUTBOX_TABLES,
  cassandraKeyspaceStatement,
  cassandraTables,
  cassandraTableStatement,
  DEFAULT_CASSANDRA_REPLICATION,
  type CassandraReplication,
} from "@polyxena/core/stores/cassandra";
import { CASSANDRA_CAPABILITIES } from "./cassandra-capabilities.js";
import { cassandraLevels } from "./cassandra-consistency.js";
import { cassandraError, classifyCassandraError } from "./cassandra-errors.js";
import type { CqlPage, CqlRequestOptions, CqlResult, CqlSession, CqlStatement, NeutralValue, RowReader } from "./cassandra-session.js";
import { EntityStatements } from "./cassandra-statements.js";
import { CassandraClaims, type ClaimRunner } from "./cassandra-unique-claims.js";
import { encodeField } from "./cassandra-values.js";
import { CassandraOutbox, outboxUnsupported } from "./cassandra-outbox.js";
import { CASSANDRA_BATCH_SIZE_FAIL_THRESHOLD_BYTES, checkBatchSize, checkKeySizes } from "./cassandra-write-limits.js";

/** Options of the Cassandra adapter besides the session. */
export interface CassandraAdapterOptions {
  /** Keyspace holding the entity tables. */
  keyspace: string;
  /** Replication used by `applySchema` when it creates the keyspace. */
  replication?: CassandraReplication | undefined;
  /** Instance id in errors and metrics (default `cassandra`). */
  name?: string | undefined;
  /**
   * The cluster's `batch_size_fail_threshold` in bytes (default 50 KiB, Cassandra's default): an
   * item whose logged batch with its query tables would exceed it is refused before anything is written.
   */
  batchSizeFailThresholdBytes?: number | undefined;
  /**
   * How old a unique claim whose owner does not hold its value must be before
   * another item may take it over (default 30 s): younger ones may belong to
   * a write in flight. See the README's store notes.
   */
  uniqueClaimGraceMs?: number | undefined;
  /** Clock in epoch milliseconds for claim ages, outbox leases and write timestamps of entities with events (default `Date.now`). */
  now?: (() => number) | undefined;
  /**
   * How old an outbox event must be before the relay reads it, in
   * milliseconds (default 1 000): a batch can reach its replicas after a
   * batch with a later timestamp, and a key's later event must not be
   * delivered while an earlier one is still on its way.
   */
  outboxSettleMs?: number | undefined;
}

type BatchItem = { statement: CqlStatement; params: NeutralValue[] };

/** How a statement's levels are chosen: a read, a serial read (around LWTs), a read before a write (at the write's level), a write. */
type RunMode = "read" | "serialRead" | "beforeWrite" | "write";
const RUN_MODES: Record<RunMode, number> = { read: 0, serialRead: 1, beforeWrite: 2, write: 3 };
/** The run mode of each kind of single-row read. */
const READ_MODES = { read: "read", serial: "serialRead", beforeWrite: "beforeWrite" } as const satisfies Record<string, RunMode>;

function firstItem(page: CqlPage): StoredItem | undefined {
  return page.items[0];
}

/** A store page of a CQL page: the paging state is the position of the next page, when there are rows. */
function storePage(page: CqlPage): StorePage {
  return page.pageState && page.items.length > 0 ? { items: page.items, position: page.pageState } : { items: page.items };
}

/** Attempts of a compare-and-set update before it gives up on a row other writers keep changing. */
const MAX_COMPARE_AND_SET_ATTEMPTS = 5;

/** The CQL of a batch, for errors. */
function batchText(items: readonly BatchItem[]): string {
  return ["BEGIN BATCH", ...items.map((i) => `  ${i.statement.cql};`), "APPLY BATCH"].join("\n");
}

/** `item` with `changes` of the `changed` fields applied (undefined removes a field). */
function withChanges(item: StoredItem, changed: readonly string[], changes: StoredItem): StoredItem {
  const next: StoredItem = { ...item };
  for (const f of changed) {
    const v = changes[f];
    if (v === undefined) delete next[f];
    else next[f] = v;
  }
  return next;
}

/** A value to compare a column with in an IF condition: Cassandra stores an empty collection as null. */
function conditionValue(value: NeutralValue): NeutralValue {
  if (Array.isArray(value)) return value.length === 0 ? null : value;
  if (value !== null && typeof value === "object" && !(value instanceof Date)) return Object.keys(value).length === 0 ? null : value;
  return value;
}

/**
 * Whether a bound key value could be empty or over Cassandra's 65,535-byte key limit (a string of
 * up to 21,845 UTF-16 units has at most 65,535 UTF-8 bytes), so the exact check is worth running.
 */
function mayBreakKeyLimits(value: NeutralValue): boolean {
  return typeof value === "string" ? value.length === 0 || value.length > 21_845 : typeof value === "object" && value !== null && !(value instanceof Date);
}

/** Reads in flight at once for one `getMany`. */
const GET_MANY_CONCURRENCY = 32;

/** The expected version encoded for the version column's CQL type. */
function versionValue(s: EntityStatements, expected: number): NeutralValue {
  return encodeField(s.field(s.model.version!), expected);
}

/** A {@link StoreAdapter} for Cassandra over any {@link CqlSession}. */
export class CassandraAdapter implements StoreAdapter {
  readonly kind = "cassandra" as const;
  readonly capabilities = CASSANDRA_CAPABILITIES;
  readonly name: string;
  readonly keyspace: string;
  /** Replication of the keyspace `applySchema` creates. */
  readonly replication: CassandraReplication;
  /** The batch size over which the cluster refuses a batch spanning several partitions. */
  readonly batchSizeFailThresholdBytes: number;
  private readonly byModel = new WeakMap<EntityModel, EntityStatements>();
  private readonly optionsByLevel = new WeakMap<ConsistencyLevelModel, CqlRequestOptions[]>();
  private readonly optionsBySize = new WeakMap<CqlRequestOptions, Map<number, CqlRequestOptions>>();
  private readonly claimsByModel = new WeakMap<EntityModel, CassandraClaims>();
  private readonly uniqueClaimGraceMs: number;
  private readonly now: () => number;
  private closed = false;
  /** The outbox of entities with events (see `cassandra-outbox.ts`). */
  readonly outbox: CassandraOutbox;

  constructor(
    readonly session: CqlSession,
    options: CassandraAdapterOptions,
  ) {
    if (!/^\w{1,48}$/.test(options.keyspace)) {
      throw new PolyxenaError("E_DEFINITION", `invalid Cassandra keyspace name ${JSON.stringify(options.keyspace)}`, {
        store: options.name ?? "cassandra",
        path: "keyspace",
        fix: "use 1 to 48 letters, digits or underscores",
      });
    }
    this.keyspace = options.keyspace;
    this.replication = options.replication ?? DEFAULT_CASSANDRA_REPLICATION;
    this.name = options.name ?? "cassandra";
    this.batchSizeFailThresholdBytes = options.batchSizeFailThresholdBytes ?? CASSANDRA_BATCH_SIZE_FAIL_THRESHOLD_BYTES;
    this.uniqueClaimGraceMs = options.uniqueClaimGraceMs ?? 30_000;
    this.now = options.now ?? Date.now;
    this.outbox = new CassandraOutbox({
      name: this.name,
      keyspace: this.keyspace,
      session,
      settleMs: options.outboxSettleMs ?? 1_000,
      now: this.now,
      statementsOf: (model) => this.statementsOf(model),
    });
  }

  get(request: GetRequest): Promise<StoredItem | undefined> {
    try {
      return this.read(request, this.statements(request.op), request.key, "read");
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async getMany(request: GetManyRequest): Promise<(StoredItem | undefined)[]> {
    const s = this.statements(request.op);
    // One single-partition read per key, a bounded number at a time (an IN across partitions would load one coordinator).
    const results = new Array<StoredItem | undefined>(request.keys.length);
    let next = 0;
    const worker = async () => {
      while (next < request.keys.length) {
        const i = next++;
        results[i] = await this.read(request, s, request.keys[i]!, "read");
      }
    };
    await Promise.all(Array.from({ length: Math.min(GET_MANY_CONCURRENCY, request.keys.length) }, worker));
    return results;
  }

  async put(request: PutRequest): Promise<void> {
    const s = this.statements(request.op);
    if (s.model.unique.length === 0) return this.putRow(request, s);
    const before = await this.read(request, s, request.item, "serial");
    return this.claims(s).around(this.claimRunner(request, s), request.item, before, request.item, request.ttlSeconds, () => this.putRow(request, s));
  }

  private async putRow(request: PutRequest, s: EntityStatements): Promise<void> {
    const item = request.item;
    const ttl = request.ttlSeconds;
    const condition = request.condition;
    checkKeySizes(s, item, "all", this.name);
    if (request.change && condition) throw outboxUnsupported(s.model, "a conditional put", this.name);
    const old = s.queryTables.length > 0 ? await this.read(request, s, item, condition ? "serial" : "beforeWrite") : undefined;
    if (request.change) {
      const version = this.outbox.nextVersion();
      await this.batch(request, [this.insert(s, s.base, item, ttl), ...this.queryTableWrites(s, old, item, ttl), ...this.outbox.recordItems(request.change, version, "put", item)], false, version);
      return;
    }
    if (condition) {
      const lwt = this.conditionalPut(s, item, condition, ttl);
      const after = s.queryTables.length > 0 ? this.queryTableWrites(s, old, item, ttl) : [];
      this.checkBatchSize(s, after);
      const result = await this.conditional(request, lwt);
      if (result.applied === false) throw await this.conditionFailed(request, s, item, condition, lwt[0]!.statement, result);
      if (after.length > 0) await this.afterCondition(request, s, after);
      return;
    }
    const base = this.insert(s, s.base, item, ttl);
    if (s.queryTables.length === 0) {
      await this.run(request, base.statement, base.params, { mode: "write", idempotent: true });
      return;
    }
    await this.batch(request, [base, ...this.queryTableWrites(s, old, item, ttl)]);
  }

  async update(request: UpdateRequest): Promise<StoredItem | undefined> {
    const s = this.statements(request.op);
    const model = s.model;
    if (model.unique.length === 0 || (request.ttlSeconds === undefined && !model.unique.some((c) => c.fields.some((f) => f in request.changes)))) {
      return this.updateRow(request, s);
    }
    const before = await this.read(request, s, request.key, "serial");
    if (!before) return this.updateRow(request, s);
    const after = withChanges(before, Object.keys(request.changes), request.changes);
    return this.claims(s).around(this.claimRunner(request, s), request.key, before, after, request.ttlSeconds, () => this.updateRow(request, s));
  }

  private async updateRow(request: UpdateRequest, s: EntityStatements): Promise<StoredItem | undefined> {
    const condition = request.condition;
    if (request.incrementVersion !== undefined) {
      throw new PolyxenaError("E_UNSUPPORTED", "Cassandra cannot increment a version without the expected version", {
        store: this.name,
        operation: request.op.id,
        fix: "pass expectedVersion to update",
      });
    }
    const changed = Object.keys(request.changes).filter((f) => !request.op.entity.key.fields.includes(f)).sort();
    for (const f of Object.keys(request.changes)) {
      if (request.op.entity.key.fields.includes(f)) {
        throw new PolyxenaError("E_VALIDATION", `key field ${f} cannot be updated`, { store: this.name, issues: [{ path: ["changes", f], message: "key fields cannot change" }] });
      }
    }
    checkKeySizes(s, request.key, "base", this.name);
    const ttl = request.ttlSeconds;
    if (request.change) return this.updateWithEvent(request, s, changed);
    if (ttl !== undefined) return this.updateWithTtl(request, s, changed, ttl);
    const old = s.queryTables.length > 0 ? await this.read(request, s, request.key, "serial") : undefined;
    if (changed.length === 0) {
      // Nothing to set: the condition alone decides.
      const current = await this.read(request, s, request.key, "serial");
      if (!current || (condition.kind === "version" && current[condition.field] !== condition.expected)) {
        throw await this.conditionFailed(request, s, request.key, condition, s.get, undefined);
      }
      return undefined;
    }
    const statement = s.update(changed, condition.kind, false);
    const params: NeutralValue[] = [];
    for (const f of changed) params.push(encodeField(s.field(f), request.changes[f]));
    params.push(...s.keyValues(request.op.entity.key.fields, request.key));
    if (condition.kind === "version") params.push(versionValue(s, condition.expected));
    const after = s.queryTables.length > 0 && old ? this.queryTableWrites(s, old, withChanges(old, changed, request.changes), undefined) : [];
    this.checkBatchSize(s, after);
    const result = await this.run(request, statement, params, { mode: "write", idempotent: false, serial: true });
    if (result.applied === false) throw await this.conditionFailed(request, s, request.key, condition, statement, result);
    if (after.length > 0) await this.afterCondition(request, s, after);
    return undefined;
  }

  /**
   * An update of an entity with events: the item is read, changed, and
   * written whole in one logged batch with its query tables and the outbox
   * row, at the event's version as write timestamp (a plain write, last
   * write wins, like a put: Cassandra cannot condition a batch that spans
   * the outbox's partition). Updates under a version condition or with a
   * TTL are refused.
   */
  private async updateWithEvent(request: UpdateRequest, s: EntityStatements, changed: readonly string[]): Promise<undefined> {
    const change = request.change!;
    if (request.condition.kind !== "exists") throw outboxUnsupported(s.model, "an update with expectedVersion", this.name);
    if (request.ttlSeconds !== undefined) throw outboxUnsupported(s.model, "an update with a TTL", this.name);
    const current = await this.read(request, s, request.key, "serial");
    if (!current) throw await this.conditionFailed(request, s, request.key, request.condition, s.get, undefined);
    const next = withChanges(current, changed, request.changes);
    const version = this.outbox.nextVersion();
    await this.batch(request, [this.insert(s, s.base, next, undefined), ...this.queryTableWrites(s, current, next, undefined), ...this.outbox.recordItems(change, version, "put", next)], false, version);
    return undefined;
  }

  /**
   * An update with a TTL rewrites the whole row with that TTL, row marker
   * included: Cassandra expires cells, not rows, so cells written earlier
   * without it would outlive the rest of the item as a partial row. The new
   * row is built from a serial read; the write is a lightweight-transaction
   * batch conditioned on the version, or, without a version condition, on
   * every column still holding what was read (compare-and-set, retried while
   * other writers get in between).
   */
  private async updateWithTtl(request: UpdateRequest, s: EntityStatements, changed: readonly string[], ttl: number): Promise<undefined> {
    const condition = request.condition;
    const nonKey = s.nonKeyFields();
    const shape = condition.kind === "version" ? "version" : "unchanged";
    const statement = s.update(
      nonKey.map((f) => f.name),
      shape,
      true,
    );
    for (let attempt = 1; ; attempt++) {
      const current = await this.read(request, s, request.key, "serial");
      if (!current || (condition.kind === "version" && current[condition.field] !== condition.expected)) {
        throw await this.conditionFailed(request, s, request.key, condition, statement, undefined);
      }
      const next = withChanges(current, changed, request.changes);
      const after = s.queryTables.length > 0 ? this.queryTableWrites(s, current, next, ttl) : [];
      this.checkBatchSize(s, after);
      const expected = condition.kind === "version" ? [versionValue(s, condition.expected)] : nonKey.map((f) => conditionValue(encodeField(f, current[f.name])));
      const result = await this.conditional(request, this.rowRewrite(s, next, shape, expected, ttl));
      if (result.applied !== false) {
        if (after.length > 0) await this.afterCondition(request, s, after);
        return undefined;
      }
      if (condition.kind === "version") throw await this.conditionFailed(request, s, request.key, condition, statement, result);
      if (attempt >= MAX_COMPARE_AND_SET_ATTEMPTS) {
        throw new PolyxenaError("E_CONDITION_FAILED", `${s.model.name} kept changing while this update with a TTL was applied (${attempt} attempts)`, {
          statement: statement.cql,
          constraint: "IF <every column> = <as read>",
          fix: "retry the update, or declare a version field and pass expectedVersion",
        });
      }
    }
  }

  async delete(request: DeleteRequest): Promise<void> {
    const s = this.statements(request.op);
    if (s.model.unique.length === 0) return this.deleteRow(request, s);
    const before = await this.read(request, s, request.key, "serial");
    return this.claims(s).around(this.claimRunner(request, s), request.key, before, undefined, undefined, () => this.deleteRow(request, s));
  }

  private async deleteRow(request: DeleteRequest, s: EntityStatements): Promise<void> {
    const condition = request.condition;
    const key = s.keyValues(request.op.entity.key.fields, request.key);
    if (key.some(mayBreakKeyLimits)) checkKeySizes(s, request.key, "base", this.name);
    if (request.change) {
      if (condition) throw outboxUnsupported(s.model, "a conditional delete", this.name);
      // The event carries the deleted item; deleting nothing records no event.
      const old = await this.read(request, s, request.key, "beforeWrite");
      if (!old) return;
      const version = this.outbox.nextVersion();
      const queryDeletes = s.queryTables.map((t) => ({ statement: t.delete, params: s.keyValues(t.keyFields, old) }));
      await this.batch(request, [{ statement: s.base.delete, params: key }, ...queryDeletes, ...this.outbox.recordItems(request.change, version, "delete", old)], false, version);
      return;
    }
    const old = s.queryTables.length > 0 ? await this.read(request, s, request.key, condition ? "serial" : "beforeWrite") : undefined;
    const queryDeletes: BatchItem[] = old ? s.queryTables.map((t) => ({ statement: t.delete, params: s.keyValues(t.keyFields, old) })) : [];
    if (condition) {
      const statement = condition.kind === "version" ? s.deleteIfVersion : s.deleteIfExists;
      if (!statement) throw new PolyxenaError("E_VALIDATION", `${s.model.name} declares no version field`, { store: this.name });
      const params = condition.kind === "version" ? [...key, versionValue(s, condition.expected)] : key;
      const result = await this.run(request, statement, params, { mode: "write", idempotent: false, serial: true });
      if (result.applied === false) throw await this.conditionFailed(request, s, request.key, condition, statement, result);
      if (queryDeletes.length > 0) await this.afterCondition(request, s, queryDeletes);
      return;
    }
    const base = { statement: s.base.delete, params: key };
    if (queryDeletes.length === 0) await this.run(request, base.statement, base.params, { mode: "write", idempotent: true });
    else await this.batch(request, [base, ...queryDeletes]);
  }

  query(request: QueryRequest): Promise<StorePage> {
    try {
      const s = this.statements(request.op);
      const query = request.op.query;
      if (!query) throw new PolyxenaError("E_VALIDATION", `operation ${request.op.id} is not a declared query`, { store: this.name });
      const compiled = s.query(query);
      const statement = compiled.variant(request.reverse, request.range);
      const position = request.position;
      if (position !== undefined && (typeof position !== "string" || !/^[0-9a-f]*$/i.test(position))) {
        throw new PolyxenaError("E_VALIDATION", "invalid query position", { store: this.name, statement: statement.cql, issues: [{ path: ["cursor"], message: "not a Cassandra paging state" }] });
      }
      const values = compiled.values(request.params, request.range);
      // A promise taken from `take` is adopted by the one `select` returns: no extra promise unless the page is full.
      return this.select<StorePage | Promise<StorePage>>(request, statement, values, compiled.reader, "read", request.limit, position as string | undefined, (page) =>
        page.pageState && page.items.length >= request.limit ? this.lastPageChecked(request, statement, values, compiled.reader, page) : storePage(page),
      ) as Promise<StorePage>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * A page that is exactly full: Cassandra answers it with a paging state whether or not a row
   * follows (its pagers stop at the page size without looking further), and the next page is then
   * empty. Callers are promised that the last page carries no cursor, as on every store, so one row
   * past the page is read: when there is none, this page is the last.
   */
  private async lastPageChecked(request: QueryRequest, statement: CqlStatement, values: NeutralValue[], reader: RowReader, page: CqlPage): Promise<StorePage> {
    const rowsAfter = await this.select(request, statement, values, reader, "read", 1, page.pageState, (next) => next.items.length);
    return rowsAfter > 0 ? storePage(page) : { items: page.items };
  }

  /** Creates the keyspace and every table of these entities when missing. */
  async applySchema(entities: readonly EntityModel[]): Promise<SchemaApplyResult> {
    const applied: string[] = [];
    const unchanged: string[] = [];
    const options: CqlRequestOptions = { consistency: "LOCAL_QUORUM", idempotent: true };
    const exists = async (cql: string, params: string[]) => {
      const result = await this.session.execute({ cql, types: params.map(() => "text") }, params, { consistency: "LOCAL_ONE", idempotent: true });
      return result.rows.length > 0;
    };
    const apply = async (cql: string, present: boolean) => {
      if (present) {
        unchanged.push(cql);
        return;
      }
      try {
        await this.session.execute({ cql, types: [] }, [], options);
      } catch (error) {
        throw cassandraError(error, cql, true).withContext({ store: this.name, operation: "applySchema" });
      }
      applied.push(cql);
    };
    // Fail early on definitions the builder rejects, before touching the cluster.
    buildCassandraSchema(entities, { keyspace: this.keyspace, replication: this.replication });
    try {
      await apply(cassandraKeyspaceStatement(this.keyspace, this.replication), await exists("SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?", [this.keyspace]));
      for (const model of entities) {
        if (model.store.kind !== "cassandra") continue;
        for (const table of cassandraTables(model)) {
          const present = await exists("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?", [this.keyspace, table.name]);
          await apply(cassandraTableStatement(model, table, this.keyspace), present);
          if (present) for (const cql of await this.missingColumns(model, table.name)) await apply(cql, false);
        }
        const claims = cassandraClaimTableStatement(model, this.keyspace);
        if (claims) await apply(claims, await exists("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?", [this.keyspace, uniqueClaimTable(model)]));
      }
      if (entities.some((m) => m.store.kind === "cassandra" && m.events)) {
        const tables = Object.values(CASSANDRA_OUTBOX_TABLES);
        const statements = cassandraOutboxStatements(this.keyspace);
        for (let i = 0; i < tables.length; i++) {
          await apply(statements[i]!, await exists("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?", [this.keyspace, tables[i]!]));
        }
      }
    } catch (error) {
      throw cassandraError(error, "applySchema", true).withContext({ store: this.name, operation: "applySchema" });
    }
    return { applied, unchanged };
  }

  /**
   * The differences between these entities' tables and the keyspace, read
   * from `system_schema`; changes nothing. Missing keyspace, tables and
   * columns are additive; a column of another type or a changed primary key
   * is incompatible (Cassandra changes neither in place); a column no field
   * declares is destructive (dropping it deletes its data; `applySchema`
   * never drops columns).
   */
  async planSchema(entities: readonly EntityModel[]): Promise<SchemaPlan> {
    const plan: SchemaPlan = { changes: [], unchanged: [] };
    const read = async (cql: string, params: string[]) =>
      (await this.session.execute({ cql, types: params.map(() => "text") }, params, { consistency: "LOCAL_ONE", idempotent: true })).rows;
    try {
      const keyspaceStatement = cassandraKeyspaceStatement(this.keyspace, this.replication);
      const keyspaceExists = (await read("SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?", [this.keyspace])).length > 0;
      if (keyspaceExists) plan.unchanged.push(keyspaceStatement);
      else plan.changes.push({ kind: "additive", statement: keyspaceStatement });
      for (const model of entities) {
        if (model.store.kind !== "cassandra") continue;
        for (const table of cassandraTables(model)) {
          const create = cassandraTableStatement(model, table, this.keyspace);
          const rows = keyspaceExists ? await read("SELECT column_name, type, kind FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?", [this.keyspace, table.name]) : [];
          if (rows.length === 0) {
            plan.changes.push({ kind: "additive", statement: create });
            continue;
          }
          const before = plan.changes.length;
          const live = new Map(rows.map((r) => [r["column_name"] as string, { type: r["type"] as string, kind: r["kind"] as string }]));
          const name = `${this.keyspace}.${table.name}`;
          const keyColumns = (kind: string) => rows.filter((r) => r["kind"] === kind).map((r) => r["column_name"] as string).sort().join(",");
          const column = (f: string) => model.fields.find((x) => x.name === f)!.column;
          const wantPartition = table.partition.map(column).sort().join(",");
          const wantClustering = table.clustering.map((c) => column(c.field)).sort().join(",");
          if (keyColumns("partition_key") !== wantPartition || keyColumns("clustering") !== wantClustering) {
            plan.changes.push({
              kind: "incompatible",
              statement: create,
              reason: `the primary key of ${name} is ((${keyColumns("partition_key")}), ${keyColumns("clustering")}) but ${model.name} declares ((${wantPartition}), ${wantClustering}): Cassandra cannot re-key a table; give the entity a new table name and copy the data`,
            });
          }
          for (const field of model.fields) {
            const found = live.get(field.column);
            const wanted = cassandraColumnType(field);
            if (!found) plan.changes.push({ kind: "additive", statement: `ALTER TABLE ${qualifiedName(this.keyspace, table.name)} ADD ${quoteIdent(field.column)} ${wanted}` });
            else if (found.type !== wanted) {
              plan.changes.push({
                kind: "incompatible",
                statement: `ALTER TABLE ${qualifiedName(this.keyspace, table.name)} ALTER ${quoteIdent(field.column)} TYPE ${wanted}`,
                reason: `column ${field.column} of ${name} is ${found.type}, but ${model.name}.${field.name} needs ${wanted}: Cassandra cannot change a column's type; add a new field (new column) and migrate the data`,
              });
            }
          }
          for (const [columnName] of live) {
            if (model.fields.some((f) => f.column === columnName)) continue;
            plan.changes.push({
              kind: "destructive",
              statement: `ALTER TABLE ${qualifiedName(this.keyspace, table.name)} DROP ${quoteIdent(columnName)}`,
              reason: `column ${columnName} of ${name} is not a field of ${model.name}: dropping it deletes its data (schema apply leaves it in place)`,
            });
          }
          if (plan.changes.length === before) plan.unchanged.push(create);
        }
        const claims = cassandraClaimTableStatement(model, this.keyspace);
        if (claims) {
          const present = keyspaceExists && (await read("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?", [this.keyspace, uniqueClaimTable(model)])).length > 0;
          if (present) plan.unchanged.push(claims);
          else plan.changes.push({ kind: "additive", statement: claims });
        }
      }
    } catch (error) {
      throw cassandraError(error, "planSchema", true).withContext({ store: this.name, operation: "planSchema" });
    }
    return plan;
  }

  /**
   * `ALTER TABLE ... ADD` for fields the existing table lacks. A column whose
   * type differs from the model's is a definition error: Cassandra cannot
   * change a column's type.
   */
  private async missingColumns(model: EntityModel, table: string): Promise<string[]> {
    const result = await this.session.execute(
      { cql: "SELECT column_name, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?", types: ["text", "text"] },
      [this.keyspace, table],
      { consistency: "LOCAL_ONE", idempotent: true },
    );
    const existing = new Map(result.rows.map((r) => [r["column_name"] as string, r["type"] as string]));
    const statements: string[] = [];
    for (const field of model.fields) {
      const wanted = cassandraColumnType(field);
      const found = existing.get(field.column);
      if (found === undefined) {
        statements.push(`ALTER TABLE ${qualifiedName(this.keyspace, table)} ADD ${quoteIdent(field.column)} ${wanted}`);
      } else if (found !== wanted) {
        throw new PolyxenaError("E_DEFINITION", `column ${field.column} of ${this.keyspace}.${table} is ${found}, but ${model.name}.${field.name} needs ${wanted}`, {
          entity: model.name,
          path: `fields.${field.name}`,
          store: this.name,
          fix: "Cassandra cannot change a column's type: add a new field (new column) and migrate the data",
        });
      }
    }
    return statements;
  }

  classifyError(error: unknown): ErrorClass {
    return classifyCassandraError(error);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.close();
  }

  // ---- internals ----------------------------------------------------------

  /** The statements of an operation's entity, compiled on first use and cached per entity model. */
  statements(op: OperationDescriptor): EntityStatements {
    return this.statementsOf(op.entity);
  }

  /** The statements of an entity, compiled on first use and cached per entity model. */
  statementsOf(model: EntityModel): EntityStatements {
    let s = this.byModel.get(model);
    if (!s) {
      s = new EntityStatements(model, this.keyspace);
      this.byModel.set(model, s);
    }
    return s;
  }

  /**
   * Reads one item. `serial` reads at the serial level (before and after lightweight transactions);
   * `beforeWrite` reads at the write's level, with the write-only levels EACH_QUORUM and ANY
   * replaced by QUORUM and ONE, which Cassandra accepts for reads.
   */
  private read(request: StoreRequestBase, s: EntityStatements, key: StoredItem, mode: "read" | "serial" | "beforeWrite"): Promise<StoredItem | undefined> {
    let params: NeutralValue[];
    try {
      params = s.primaryKeyValues(key);
      if (params.some(mayBreakKeyLimits)) checkKeySizes(s, key, "base", this.name);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.select(request, s.get, params, s.reader, READ_MODES[mode], undefined, undefined, firstItem);
  }

  private insert(s: EntityStatements, table: EntityStatements["base"], item: StoredItem, ttl: number | undefined): BatchItem {
    const values = s.itemValues(item);
    return ttl === undefined ? { statement: table.insert, params: values } : { statement: table.insertWithTtl, params: [...values, ttl] };
  }

  /** The lightweight transaction of a conditional put: one statement, or a batch on the item's partition when a TTL must reach the row marker. */
  private conditionalPut(s: EntityStatements, item: StoredItem, condition: PutCondition, ttl: number | undefined): BatchItem[] {
    if (condition.kind === "notExists") {
      // An INSERT writes the row marker itself.
      const values = s.itemValues(item);
      return ttl === undefined ? [{ statement: s.insertIfNotExists, params: values }] : [{ statement: s.insertIfNotExistsWithTtl, params: [...values, ttl] }];
    }
    return this.rowRewrite(s, item, "version", [versionValue(s, condition.expected)], ttl);
  }

  /**
   * An UPDATE of every non-key column of `item` under a condition (bound by
   * `expected`), plus, with a TTL, the row marker in the same batch: an
   * UPDATE never writes the marker, which would otherwise outlive the cells.
   */
  private rowRewrite(s: EntityStatements, item: StoredItem, condition: "version" | "unchanged", expected: NeutralValue[], ttl: number | undefined): BatchItem[] {
    const nonKey = s.nonKeyFields();
    const statement = s.update(
      nonKey.map((f) => f.name),
      condition,
      ttl !== undefined,
    );
    const key = s.keyValues(s.model.key.fields, item);
    const params: NeutralValue[] = [...(ttl === undefined ? [] : [ttl]), ...nonKey.map((f) => encodeField(f, item[f.name])), ...key, ...expected];
    if (ttl === undefined) return [{ statement, params }];
    return [
      { statement, params },
      { statement: s.rowMarkerWithTtl, params: [...key, ttl] },
    ];
  }

  /** Runs a lightweight transaction: one conditional statement, or a conditional batch on one partition. */
  private async conditional(request: StoreRequestBase, items: readonly BatchItem[]): Promise<CqlResult> {
    if (items.length === 1) return this.run(request, items[0]!.statement, items[0]!.params, { mode: "write", idempotent: false, serial: true });
    return this.batch(request, items, true);
  }

  /** Inserts of the new item into every query table, plus deletes of rows whose query key changed. */
  private queryTableWrites(s: EntityStatements, old: StoredItem | undefined, next: StoredItem, ttl: number | undefined): BatchItem[] {
    const writes: BatchItem[] = [];
    for (const t of s.queryTables) {
      if (old && s.keyString(t.keyFields, old) !== s.keyString(t.keyFields, next)) {
        writes.push({ statement: t.delete, params: s.keyValues(t.keyFields, old) });
      }
      writes.push(this.insert(s, t, next, ttl));
    }
    return writes;
  }

  /**
   * Brings the query tables in step after a lightweight transaction on the
   * base table. Cassandra cannot condition a batch across tables, so this is a
   * second logged batch; if it fails, the error says that the base row has
   * changed and how to repair the query tables.
   */
  private async afterCondition(request: StoreRequestBase, s: EntityStatements, items: BatchItem[]): Promise<void> {
    try {
      await this.batch(request, items);
    } catch (error) {
      const cause = isPolyxenaError(error) ? error : cassandraError(error, batchText(items), true);
      throw new PolyxenaError(cause.code, `the conditional write to ${s.model.table} was applied, but its query tables were not updated: ${cause.summary}`, {
        statement: cause.statement,
        store: this.name,
        outcome: "unknown",
        fix: "write the item again with an unconditional put (it rewrites every table), or retry the same write with the new version",
        cause,
      });
    }
  }

  /** Refuses a multi-statement batch Cassandra would refuse as too large, before anything is sent. */
  private checkBatchSize(s: EntityStatements, items: readonly BatchItem[]): void {
    checkBatchSize(items, this.batchSizeFailThresholdBytes, this.name, s.model.name);
  }

  /**
   * A logged batch at the write level; `conditional` makes it a lightweight
   * transaction (serial level, not idempotent); `timestamp` (microseconds)
   * is the write timestamp of every statement.
   */
  private async batch(request: StoreRequestBase, items: readonly BatchItem[], conditional = false, timestamp?: number): Promise<CqlResult> {
    if (items.length === 0) return { rows: [] };
    const { consistency, serial } = cassandraLevels(request.consistency, "write");
    if (!conditional) this.checkBatchSize(this.statements(request.op), items);
    const text = batchText(items);
    this.checkOpen(request, text);
    this.checkAborted(request, text);
    try {
      return await this.session.batch(
        items,
        conditional ? { consistency, serialConsistency: serial, idempotent: false } : timestamp === undefined ? { consistency, idempotent: true } : { consistency, idempotent: true, timestamp },
      );
    } catch (error) {
      throw cassandraError(error, text, !conditional);
    }
  }

  private async run(request: StoreRequestBase, statement: CqlStatement, params: NeutralValue[], how: { mode: RunMode; idempotent: boolean; serial?: boolean }): Promise<CqlResult> {
    this.checkOpen(request, statement.cql);
    this.checkAborted(request, statement.cql);
    const options = this.requestOptions(request.consistency, how.mode, how.idempotent, how.serial === true);
    try {
      return await this.session.execute(statement, params, options);
    } catch (error) {
      throw cassandraError(error, statement.cql, how.idempotent);
    }
  }

  /**
   * Runs an idempotent SELECT of entity rows, decoded by `reader`, and hands
   * the page to `take` (one promise: reads are the hot path); `pageState`
   * continues an earlier page.
   */
  private select<T>(
    request: StoreRequestBase,
    statement: CqlStatement,
    params: NeutralValue[],
    reader: RowReader,
    mode: RunMode,
    fetchSize: number | undefined,
    pageState: string | undefined,
    take: (page: CqlPage) => T,
  ): Promise<T> {
    try {
      this.checkOpen(request, statement.cql);
      this.checkAborted(request, statement.cql);
    } catch (error) {
      return Promise.reject(error);
    }
    let options = this.requestOptions(request.consistency, mode, true, false);
    if (pageState !== undefined) {
      options = { ...options, ...(fetchSize !== undefined ? { fetchSize } : {}), pageState };
    } else if (fetchSize !== undefined) {
      options = this.withFetchSize(options, fetchSize);
    }
    return this.session.select(statement, params, options, reader, take, (error) => {
      throw cassandraError(error, statement.cql, true);
    });
  }

  /**
   * The request options of a consistency level, mode and shape, built once:
   * the level object of an entity is the same on every call, so reads and
   * writes reuse one frozen options object (which the session may cache by identity).
   */
  private requestOptions(level: ConsistencyLevelModel, mode: RunMode, idempotent: boolean, serial: boolean): CqlRequestOptions {
    let slots = this.optionsByLevel.get(level);
    if (!slots) {
      slots = [];
      this.optionsByLevel.set(level, slots);
    }
    const slot = RUN_MODES[mode] * 4 + (idempotent ? 2 : 0) + (serial ? 1 : 0);
    let options = slots[slot];
    if (!options) {
      const levels = cassandraLevels(level, mode === "write" || mode === "beforeWrite" ? "write" : "read");
      let consistency = mode === "serialRead" ? levels.serial : levels.consistency;
      if (mode === "beforeWrite") consistency = consistency === "EACH_QUORUM" ? "QUORUM" : consistency === "ANY" ? "ONE" : consistency;
      options = Object.freeze({ consistency, idempotent, ...(serial ? { serialConsistency: levels.serial } : {}) });
      slots[slot] = options;
    }
    return options;
  }

  /** First-page options with a page size, built once per options object and size (query limits repeat). */
  private withFetchSize(options: CqlRequestOptions, fetchSize: number): CqlRequestOptions {
    let sizes = this.optionsBySize.get(options);
    if (!sizes) {
      sizes = new Map();
      this.optionsBySize.set(options, sizes);
    }
    let sized = sizes.get(fetchSize);
    if (!sized) {
      sized = Object.freeze({ ...options, fetchSize });
      sizes.set(fetchSize, sized);
    }
    return sized;
  }

  private checkAborted(request: StoreRequestBase, statement: string): void {
    if (request.signal?.aborted) {
      throw new PolyxenaError("E_TIMEOUT", "the call was aborted before it was sent", { statement, outcome: "not-applied", cause: request.signal.reason });
    }
  }

  private checkOpen(request: StoreRequestBase, statement: string): void {
    if (this.closed) {
      throw new PolyxenaError("E_UNAVAILABLE", `${this.name} adapter is closed`, { statement, store: this.name, operation: request.op.id, outcome: "not-applied" });
    }
  }

  /** The unique-claim statements of an entity (see `cassandra-unique-claims.ts`). */
  private claims(s: EntityStatements): CassandraClaims {
    let claims = this.claimsByModel.get(s.model);
    if (!claims) {
      claims = new CassandraClaims(s.model, this.keyspace, this.uniqueClaimGraceMs);
      this.claimsByModel.set(s.model, claims);
    }
    return claims;
  }

  private claimRunner(request: StoreRequestBase, s: EntityStatements): ClaimRunner {
    return {
      lwt: (statement, params) => this.run(request, statement, params, { mode: "write", idempotent: false, serial: true }),
      readItem: (key) => this.read(request, s, key, "serial"),
      now: this.now,
    };
  }

  /** `E_CONDITION_FAILED` for a lightweight transaction that was not applied, with the current row. */
  private async conditionFailed(
    request: StoreRequestBase,
    s: EntityStatements,
    key: StoredItem,
    condition: WriteCondition,
    statement: CqlStatement,
    result: CqlResult | undefined,
  ): Promise<PolyxenaError> {
    let current: StoredItem | undefined;
    const returned = result?.rows[0];
    if (condition.kind === "notExists" && returned) {
      current = s.decodeRow(returned);
    } else {
      try {
        current = await this.read(request, s, key, "serial");
      } catch {
        current = undefined;
      }
    }
    return conditionFailedError(s.model.name, condition, current, {
      statement: statement.cql,
      constraint: condition.kind === "notExists" ? "IF NOT EXISTS" : condition.kind === "version" ? `IF ${condition.field} = ?` : "IF EXISTS",
    });
  }
}
