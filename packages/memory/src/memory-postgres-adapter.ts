/**
 * An in-memory stand-in for the Postgres adapter with the same semantics:
 * unique primary key, conditional writes, version increments, transactions
 * with real rollback, and keyset paging in exactly Postgres' order.
 */
import {
  postgresColumnType,
  conditionFailedError,
  PolyxenaError,
  claimedConstraints,
  uniqueViolationError,
  type DeleteCondition,
  type DeleteRequest,
  type EntityModel,
  type ErrorClass,
  type GetManyRequest,
  type GetRequest,
  type PutRequest,
  type QueryRequest,
  type SchemaApplyOptions,
  type SchemaApplyResult,
  type SchemaPlan,
  type StoreAdapter,
  type StoredItem,
  type StorePage,
  type StoreRequestBase,
  type StoreTransaction,
  type TransactionOptions,
  type UniqueConstraintModel,
  type UpdateCondition,
  type UpdateRequest,
  refusedSchemaChanges,
} from "@polyxena/core";
import {
  classifyPostgresError,
  decodePosition,
  directed,
  encodePosition,
  queryOrdering,
  type OrderingColumn,
  isolationLevel,
  POSTGRES_CAPABILITIES,
  assertIndexRowSizes,
  catalogType,
  diffPostgresSchema,
  type LivePostgresSchema,
  type LiveTable,
} from "@polyxena/adapters/postgres/in-process";
import { MemoryPostgresStore, MemoryPostgresTransaction } from "./memory-postgres-store.js";
import { MemoryOutbox } from "./memory-outbox.js";
import { compareNullable, compareValues, memoryKeyString, normalizeItem, normalizeValue } from "./memory-postgres-values.js";

/** Options of {@link createMemoryPostgresAdapter}. */
export interface MemoryPostgresAdapterOptions {
  /** Instance id in errors and metrics (default `postgres`). */
  name?: string | undefined;
}

/** The schema the memory Postgres plans in (the real adapter's default). */
const MEMORY_SCHEMA = "public";

/** A declared table as the catalog would describe it once created. */
function declaredTable(model: EntityModel): LiveTable {
  const column = (name: string) => model.fields.find((f) => f.name === name)!.column;
  return {
    columns: new Map(model.fields.map((f) => [f.column, { type: catalogType(postgresColumnType(f)), notNull: !f.optional && !f.nullable }])),
    primaryKey: model.key.partition.map(column),
    unique: new Map(model.unique.map((u) => [u.name, u.fields.map(column)])),
    hasRows: false,
  };
}

/** The in-memory Postgres adapter; `clear()` empties it between tests. */
export class MemoryPostgresAdapter implements StoreAdapter {
  readonly kind = "postgres" as const;
  readonly capabilities = POSTGRES_CAPABILITIES;
  readonly name: string;
  private readonly store: MemoryPostgresStore;
  /** Change events, recorded in the same transaction as the writes that caused them. */
  readonly outbox: MemoryOutbox;
  /**
   * The live catalog: the tables, columns, keys, unique constraints and indexes that
   * `applySchema` created, as information_schema would describe them. Rows are written
   * without it (so tests need no schema step); `planSchema` and `applySchema` compare the
   * declared schema with it, with the real adapter's diff.
   */
  private readonly catalog: LivePostgresSchema = { tables: new Map(), indexes: new Set() };
  private readonly orderings = new WeakMap<object, OrderingColumn[]>();

  constructor(options: MemoryPostgresAdapterOptions = {}) {
    this.name = options.name ?? "postgres";
    this.store = new MemoryPostgresStore(this.name);
    this.outbox = new MemoryOutbox(this.name, (model) => this.store.scan(model.table, undefined));
  }

  async get(request: GetRequest): Promise<StoredItem | undefined> {
    assertIndexRowSizes(request.op.entity, request.key, "key");
    await tick();
    const model = request.op.entity;
    const item = this.store.read(model.table, memoryKeyString(model, request.key), this.tx(request));
    return item === undefined ? undefined : structuredClone(item);
  }

  async getMany(request: GetManyRequest): Promise<(StoredItem | undefined)[]> {
    for (const key of request.keys) assertIndexRowSizes(request.op.entity, key, "key");
    await tick();
    const model = request.op.entity;
    const tx = this.tx(request);
    return request.keys.map((key) => {
      const item = this.store.read(model.table, memoryKeyString(model, key), tx);
      return item === undefined ? undefined : structuredClone(item);
    });
  }

  async put(request: PutRequest): Promise<void> {
    assertIndexRowSizes(request.op.entity, request.item, "item");
    if (request.change && !request.transaction) return this.store.transaction("read committed", (tx) => this.put({ ...request, transaction: tx }));
    const model = request.op.entity;
    const statement = `INSERT INTO "${model.table}"`;
    const item = normalizeItem(model, request.item, statement);
    const key = memoryKeyString(model, item);
    const tx = this.tx(request);
    await this.store.lock(model.table, key, tx);
    const current = this.store.read(model.table, key, tx);
    const condition = request.condition;
    if (condition?.kind === "notExists" && current !== undefined) {
      throw new PolyxenaError("E_CONDITION_FAILED", `duplicate key value violates unique constraint "${model.table}_pkey"`, {
        statement,
        current: structuredClone(current),
        constraint: `${model.table}_pkey`,
        fix: "update the existing item, or put without ifNotExists",
      });
    }
    if (condition?.kind === "version") this.checkCondition(model, current, condition, statement);
    for (let wait = this.uniqueWait(model, key, item, tx); wait; wait = this.uniqueWait(model, key, item, tx)) await wait;
    this.checkUnique(model, key, item, tx, statement);
    this.store.write(model.table, key, item, tx, statement);
    if (request.change && tx) this.outbox.stage(tx, tx, request.change, "put", item);
  }

  async update(request: UpdateRequest): Promise<StoredItem | undefined> {
    assertIndexRowSizes(request.op.entity, request.key, "key");
    assertIndexRowSizes(request.op.entity, request.changes, "changes");
    if (request.change && !request.transaction) return this.store.transaction("read committed", (tx) => this.update({ ...request, transaction: tx }));
    const model = request.op.entity;
    const statement = `UPDATE "${model.table}"`;
    const key = memoryKeyString(model, request.key);
    const fields = new Map(model.fields.map((f) => [f.name, f]));
    const changes: StoredItem = {};
    for (const [name, value] of Object.entries(request.changes)) {
      const field = fields.get(name);
      if (!field) throw new PolyxenaError("E_VALIDATION", `unknown field ${name}`, { statement, issues: [{ path: ["changes", name], message: "unknown field" }] });
      changes[name] = normalizeValue(field, value, statement);
    }
    const tx = this.tx(request);
    await this.store.lock(model.table, key, tx);
    const current = this.store.read(model.table, key, tx);
    this.checkCondition(model, current, request.condition, statement);
    const next: StoredItem = { ...current };
    for (const [name, value] of Object.entries(changes)) {
      if (value === undefined) delete next[name];
      else next[name] = value;
    }
    const version = request.incrementVersion;
    if (version && typeof next[version] === "number") next[version] = (next[version] as number) + 1;
    for (let wait = this.uniqueWait(model, key, next, tx); wait; wait = this.uniqueWait(model, key, next, tx)) await wait;
    this.checkUnique(model, key, next, tx, statement);
    this.store.write(model.table, key, next, tx, statement);
    if (request.change && tx) this.outbox.stage(tx, tx, request.change, "put", next);
    return structuredClone(next);
  }

  async delete(request: DeleteRequest): Promise<void> {
    assertIndexRowSizes(request.op.entity, request.key, "key");
    if (request.change && !request.transaction) return this.store.transaction("read committed", (tx) => this.delete({ ...request, transaction: tx }));
    const model = request.op.entity;
    const statement = `DELETE FROM "${model.table}"`;
    const key = memoryKeyString(model, request.key);
    const tx = this.tx(request);
    await this.store.lock(model.table, key, tx);
    const current = this.store.read(model.table, key, tx);
    if (request.condition) this.checkCondition(model, current, request.condition, statement);
    if (current !== undefined) this.store.write(model.table, key, null, tx, statement);
    if (request.change && tx && current !== undefined) this.outbox.stage(tx, tx, request.change, "delete", current);
  }

  async query(request: QueryRequest): Promise<StorePage> {
    assertIndexRowSizes(request.op.entity, request.params, "params");
    await tick();
    const model = request.op.entity;
    const query = request.op.query;
    const statement = `SELECT FROM "${model.table}"`;
    if (!query) throw new PolyxenaError("E_VALIDATION", `operation ${request.op.id} is not a declared query`, { statement });
    let ordering = this.orderings.get(query);
    if (!ordering) this.orderings.set(query, (ordering = queryOrdering(model, query)));
    const fields = new Map(model.fields.map((f) => [f.name, f]));
    const params = query.by.map((name) => ({ field: fields.get(name)!, value: normalizeValue(fields.get(name)!, request.params[name], statement) }));
    const rangeField = query.rangeField ? fields.get(query.rangeField) : undefined;
    const range = request.range;
    const order = directed(ordering, request.reverse);
    const position = request.position === undefined ? undefined : decodePosition(ordering, request.position);

    const compareRows = (a: StoredItem, b: StoredItem) => {
      for (const c of order) {
        const r = compareNullable(c.field, a[c.field.name], b[c.field.name]);
        if (r !== 0) return c.desc ? -r : r;
      }
      return 0;
    };
    const afterPosition = (item: StoredItem) => {
      for (let i = 0; i < order.length; i++) {
        const c = order[i]!;
        const r = compareNullable(c.field, item[c.field.name], position![i]);
        if (r !== 0) return (c.desc ? -r : r) > 0;
      }
      return false;
    };
    const inRange = (item: StoredItem) => {
      if (!range || !rangeField) return true;
      const v = item[rangeField.name];
      if (v === undefined || v === null) return false;
      const cmp = (bound: unknown) => compareValues(rangeField, v, normalizeValue(rangeField, bound, statement));
      if (range.gt !== undefined && !(cmp(range.gt) > 0)) return false;
      if (range.gte !== undefined && !(cmp(range.gte) >= 0)) return false;
      if (range.lt !== undefined && !(cmp(range.lt) < 0)) return false;
      if (range.lte !== undefined && !(cmp(range.lte) <= 0)) return false;
      return true;
    };
    const matches = this.store
      .scan(model.table, this.tx(request))
      .filter((item) => params.every((p) => item[p.field.name] != null && p.value != null && compareValues(p.field, item[p.field.name], p.value) === 0))
      .filter(inRange)
      .filter((item) => position === undefined || afterPosition(item))
      .sort(compareRows);
    const items = matches.slice(0, request.limit).map((item) => structuredClone(item));
    const last = items[items.length - 1];
    return matches.length > request.limit && last ? { items, position: encodePosition(ordering, last) } : { items };
  }

  async transaction<T>(work: (tx: StoreTransaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const level = isolationLevel(options.isolation, this.name) ?? "read committed";
    return this.store.transaction(level, work);
  }

  /** The differences between the declared tables and this store's catalog, as the real adapter plans them; changes nothing. */
  async planSchema(entities: readonly EntityModel[]): Promise<SchemaPlan> {
    await tick();
    return diffPostgresSchema(entities, MEMORY_SCHEMA, this.liveCatalog());
  }

  /**
   * Brings the catalog to the declared tables with the real adapter's plan: additive changes
   * always, destructive ones only with `allowDestructive`, incompatible ones never
   * (`E_DEFINITION` with the reasons, nothing changed). The memory store keeps values as
   * JavaScript values, so a column type change converts no stored value.
   */
  async applySchema(entities: readonly EntityModel[], options: SchemaApplyOptions = {}): Promise<SchemaApplyResult> {
    await tick();
    const plan = diffPostgresSchema(entities, MEMORY_SCHEMA, this.liveCatalog());
    const refused = plan.changes.filter((c) => c.kind === "incompatible" || (c.kind === "destructive" && !options.allowDestructive));
    if (refused.length > 0) throw refusedSchemaChanges(this.name, refused);
    for (const model of entities) {
      if (model.store.kind !== "postgres") continue;
      this.catalog.tables.set(model.table, declaredTable(model));
    }
    for (const change of plan.changes) {
      const created = /^CREATE (TABLE|INDEX) IF NOT EXISTS (?:"[^"]+"\.)?"([^"]+)"/.exec(change.statement);
      if (created?.[1] === "INDEX") this.catalog.indexes.add(created[2]!);
      else if (created?.[1] === "TABLE" && !this.catalog.tables.has(created[2]!)) this.catalog.tables.set(created[2]!, { columns: new Map(), primaryKey: [], unique: new Map(), hasRows: false });
    }
    return { applied: plan.changes.map((c) => c.statement), unchanged: plan.unchanged };
  }

  /** The catalog with whether each table holds committed rows, as the real plan reads it. */
  private liveCatalog(): LivePostgresSchema {
    const tables = new Map<string, LiveTable>();
    for (const [name, table] of this.catalog.tables) tables.set(name, { ...table, hasRows: this.store.scan(name, undefined).length > 0 });
    return { tables, indexes: this.catalog.indexes };
  }

  classifyError(error: unknown): ErrorClass {
    return classifyPostgresError(error);
  }

  /** Empties every table. */
  clear(): void {
    this.store.clear();
  }

  async close(): Promise<void> {}

  private tx(request: StoreRequestBase): MemoryPostgresTransaction | undefined {
    // Core has checked the handle is this adapter's and still open.
    return request.transaction as MemoryPostgresTransaction | undefined;
  }

  /**
   * Outside a transaction, a row the running transaction wrote with the same
   * values of a unique constraint is waited for, as Postgres waits on the
   * unique index: the end of that transaction, or undefined when none.
   */
  private uniqueWait(model: EntityModel, key: string, item: StoredItem, tx: MemoryPostgresTransaction | undefined): Promise<void> | undefined {
    if (tx || model.unique.length === 0) return undefined;
    const pending = this.store.pendingRows(model.table);
    const conflict = pending?.rows.some(([otherKey, other]) => otherKey !== key && other !== null && uniqueClash(model, other, item) !== undefined);
    return conflict ? pending!.done : undefined;
  }

  /** `E_ALREADY_EXISTS` when another row visible to this statement holds the values of one of the entity's unique constraints. */
  private checkUnique(model: EntityModel, key: string, item: StoredItem, tx: MemoryPostgresTransaction | undefined, statement: string): void {
    if (model.unique.length === 0) return;
    for (const other of this.store.scan(model.table, tx)) {
      if (memoryKeyString(model, other) === key) continue;
      const violated = uniqueClash(model, other, item);
      if (violated) throw uniqueViolationError(model, violated, { statement });
    }
  }

  private checkCondition(model: EntityModel, current: StoredItem | undefined, condition: UpdateCondition | DeleteCondition, statement: string): void {
    const failed = condition.kind === "exists" ? current === undefined : condition.kind === "version" && (current === undefined || current[condition.field] !== condition.expected);
    if (failed) throw conditionFailedError(model.name, condition, current === undefined ? undefined : structuredClone(current), { statement, constraint: condition.kind });
  }
}

/**
 * Creates an in-memory Postgres adapter for tests.
 *
 * @example
 * const repos = createRepositories({ stores: { postgres: createMemoryPostgresAdapter() } });
 */
export function createMemoryPostgresAdapter(options: MemoryPostgresAdapterOptions = {}): MemoryPostgresAdapter {
  return new MemoryPostgresAdapter(options);
}

/** The first unique constraint whose values `item` claims and `other` holds too. */
function uniqueClash(model: EntityModel, other: StoredItem, item: StoredItem): UniqueConstraintModel | undefined {
  return claimedConstraints(model, item).find((c) =>
    c.fields.every((f) => {
      const field = model.fields.find((x) => x.name === f)!;
      return other[f] != null && compareValues(field, other[f], item[f]) === 0;
    }),
  );
}

/** Yields once, so calls stay asynchronous like a real store's. */
function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
