import type { z } from "zod";
import type { CallPolicy } from "./call-policy.js";
import { resolveConsistency, type ConsistencyInput } from "./consistency.js";
import { canonicalJson, type CursorCodec } from "./cursor-codec.js";
import type { EntityDefinition, EntitySchema } from "./define-entity.js";
import { toMilliseconds, type Duration } from "./duration.js";
import type { CachedRead, EntityCache, LoadMany, ReadSource } from "./entity-cache.js";
import type { ConsistencyLevelModel, EntityModel, FieldModel, QueryModel, SortOrder } from "./entity-model.js";
import { isPolyxenaError, PolyxenaError, type ValidationIssue } from "./errors.js";
import { describeValue } from "./describe-value.js";
import { ValueCanonicalizer } from "./canonical-values.js";
import { inspectInput, isWellFormedText, type InputShape } from "./input-inspection.js";
import { activeCallTrace, emitOperationEvent, startTraced, type OperationListener } from "./operation-events.js";
import type {
  DeleteCondition,
  ErrorClass,
  KeyValues,
  OperationDescriptor,
  OperationKind,
  PutCondition,
  RangeCondition,
  SearchFilterValue,
  SearchHit,
  StoreAdapter,
  StoredItem,
  StorePage,
  StoreTransaction,
  UpdateCondition,
} from "./store-adapter.js";
import { errorCodeOfClass } from "./store-adapter.js";
import { storeKindsWith } from "./stores/store-registry.js";
import { randomUUID } from "node:crypto";
import { changeKeyString, outboxPartitionOf, type ChangeRecordRequest } from "./events/change-event.js";

/** Options every call accepts. */
export interface CallOptions {
  /** Override the entity's consistency for this call (portable or the store's native level). */
  consistency?: ConsistencyInput;
  signal?: AbortSignal;
}

/** Options of `get`, `getMany`, `getOrThrow`. */
export type ReadOptions = CallOptions;

/** Options of `put`: create only (`ifNotExists`) or replace an expected version, never both. */
export type PutOptions = CallOptions & {
  /** Row TTL for this write, overriding the entity's. */
  ttl?: Duration;
} & (
    | {
        /** Fail with `E_CONDITION_FAILED` when an item with this key exists. */
        ifNotExists?: boolean;
        expectedVersion?: undefined;
      }
    | {
        ifNotExists?: false;
        /** Fail with `E_CONDITION_FAILED` unless the stored version equals this; the new version is this + 1. */
        expectedVersion?: number;
      }
  );

/** Options of `putMany`. */
export interface PutManyOptions extends CallOptions {
  ttl?: Duration;
}

/** Outcome of a bulk write: what was written, and each refused item with its error. */
export interface BulkWriteResult<T> {
  written: T[];
  failed: { index: number; error: PolyxenaError }[];
}

/** Options of `update`. */
export interface UpdateOptions extends CallOptions {
  expectedVersion?: number;
  ttl?: Duration;
}

/** Options of `delete`. */
export interface DeleteOptions extends CallOptions {
  expectedVersion?: number;
  /** Fail with `E_CONDITION_FAILED` when there is nothing to delete. */
  ifExists?: boolean;
}

/** A range restriction on a query's order field. */
export interface Range<V> {
  gt?: V;
  gte?: V;
  lt?: V;
  lte?: V;
}

/** Options of a declared query. */
export interface QueryOptions<V = unknown> extends CallOptions {
  /** Page size, 1..1000 (default 100). */
  limit?: number;
  /** The cursor of the previous page. */
  cursor?: string | undefined;
  range?: Range<V>;
  /** Return the declared order reversed. */
  reverse?: boolean;
}

/** A page of items and the cursor of the next page (absent on the last page). */
export interface Page<T> {
  items: T[];
  cursor?: string | undefined;
}

/** Options of `search` on Elasticsearch entities. */
export interface SearchOptions<T> extends CallOptions {
  /** User text matched against the declared text fields; never parsed as query syntax. */
  text?: string;
  fields?: readonly (keyof T & string)[];
  filter?: { [F in keyof T]?: SearchFilterValue };
  sort?: readonly { field: keyof T & string; order?: SortOrder }[];
  limit?: number;
  cursor?: string | undefined;
  highlight?: boolean;
  /**
   * Suggestions as the user types: the text's last word matches as the start of a
   * word (`"stranger th"` finds "Stranger Things"), the others as whole words.
   */
  asYouType?: boolean;
}

/** A page of search results with total count and per-hit metadata. */
export interface SearchResult<T> extends Page<T> {
  total: number;
  hits: SearchHit[];
}

/** A read result with where it came from. */
export interface ReadResult<T> {
  item: T | undefined;
  source: ReadSource;
  /** True when served from cache because the store failed (stale-if-error). */
  stale: boolean;
}

/** Services shared by every entity runtime of one `createRepositories` call. */
export interface RuntimeServices {
  readonly policy: CallPolicy;
  readonly cursors: CursorCodec;
  readonly listeners: readonly OperationListener[];
  readonly defaultLimit: number;
  readonly maxLimit: number;
  /** Put primary keys on operation events (on unless the service turns it off). */
  readonly includeKeys: boolean;
}

/**
 * Per-transaction state: the adapter's handle and the invalidations to run after commit.
 * Core is the one place that checks a handle is used with its own adapter and only while
 * the transaction is open, so adapters trust `request.transaction`.
 */
export interface TransactionScope {
  /** The adapter running the transaction; entities of other stores refuse to run inside it. */
  readonly adapter: StoreAdapter;
  readonly handle: StoreTransaction;
  readonly pendingInvalidations: Array<() => Promise<void>>;
  /** Set once the transaction's work has returned or thrown: later store calls through it are refused. */
  finished: boolean;
}

const MAX_SEARCH_TEXT = 4096;
const MAX_GET_MANY = 1000;
const MAX_BULK = 10_000;
/** In-flight puts when an adapter has no native bulk write. */
const BULK_CONCURRENCY = 16;

/**
 * Executes the operations of one entity: validation, consistency, cache
 * seam, policy seam, adapter call, invalidation and events. Generated
 * repositories are thin typed facades over this class.
 */
export class EntityRuntime {
  readonly model: EntityModel;
  readonly schema: EntitySchema;
  readonly ops: {
    readonly get: OperationDescriptor;
    readonly getMany: OperationDescriptor;
    readonly put: OperationDescriptor;
    /** A put with a condition: not idempotent (a retry after success would fail its own condition). */
    readonly conditionalPut: OperationDescriptor;
    readonly putMany: OperationDescriptor;
    readonly update: OperationDescriptor;
    readonly delete: OperationDescriptor;
    readonly conditionalDelete: OperationDescriptor;
    readonly search: OperationDescriptor;
    readonly queries: ReadonlyMap<string, OperationDescriptor>;
  };
  private readonly keySchema: z.ZodType;
  /** The key fields with their schemas, in the order the key schema parses them (the fast path of `validateKey`). */
  private readonly keyFields: readonly (readonly [string, z.ZodType])[];
  private readonly fieldSchemas: Readonly<Record<string, z.ZodType>>;
  private readonly fieldModels: ReadonlyMap<string, FieldModel>;
  private batchLoader: LoadMany | undefined;
  /** The cache's pre-validation L1 lookup, when reads of this entity may use it (cached, eventual by default, no listeners). */
  private readonly peek: ((rawKey: unknown) => Promise<StoredItem | undefined> | string | undefined) | undefined;
  private readonly itemShape: InputShape;
  private readonly canonical: ValueCanonicalizer;

  constructor(
    definition: EntityDefinition,
    readonly adapter: StoreAdapter,
    private readonly services: RuntimeServices,
    private readonly cache: EntityCache | undefined,
    private readonly tx?: TransactionScope | undefined,
  ) {
    this.model = definition.model;
    this.schema = definition.schema;
    const entity = definition.model;
    const op = (kind: OperationKind, idempotent: boolean, query?: QueryModel): OperationDescriptor =>
      Object.freeze({ id: query ? `${entity.name}.query.${query.name}` : `${entity.name}.${kind}`, kind, entity, query, idempotent });
    this.ops = {
      get: op("get", true),
      getMany: op("getMany", true),
      // A put replaces the whole item: repeating it yields the same state. Conditional puts are not idempotent.
      put: op("put", true),
      conditionalPut: op("put", false),
      putMany: Object.freeze({ id: `${entity.name}.putMany`, kind: "put" as const, entity, query: undefined, idempotent: true }),
      update: op("update", false),
      delete: op("delete", true),
      conditionalDelete: op("delete", false),
      search: op("search", true),
      queries: new Map(entity.queries.map((q) => [q.name, op("query", true, q)])),
    };
    this.fieldSchemas = definition.schema.shape as Record<string, z.ZodType>;
    const keySchema = definition.schema.pick(Object.fromEntries(entity.key.fields.map((f) => [f, true])) as Record<string, true>);
    this.keySchema = keySchema;
    this.keyFields = Object.entries(keySchema.shape as Record<string, z.ZodType>);
    this.fieldModels = new Map(entity.fields.map((f) => [f.name, f]));
    const peek = cache?.peek;
    this.peek = peek && services.listeners.length === 0 && entity.consistency.read.level === "eventual" ? peek.bind(cache) : undefined;
    this.itemShape = { fields: entity.fields };
    this.canonical = new ValueCanonicalizer(entity.fields);
  }

  /** A view of this runtime bound to a transaction (shares every compiled schema and descriptor). */
  withTransaction(tx: TransactionScope): EntityRuntime {
    const view = Object.create(this) as { tx: TransactionScope | undefined };
    view.tx = tx;
    return view as unknown as EntityRuntime;
  }

  async get(key: KeyValues, options: ReadOptions = {}): Promise<ReadResult<StoredItem>> {
    const op = this.ops.get;
    const consistency = this.consistency(op, options.consistency, "read");
    const cleanKey = this.validateKey(op, key);
    return this.observe(op, consistency, (mark) => this.readOne(cleanKey, consistency, options.signal, mark), cleanKey);
  }

  /**
   * `get` without the metadata: the hot path of `Repository.get`. Without
   * listeners it skips the event wrapper, so an L1 hit costs one validation
   * and one promise.
   */
  getItem(key: KeyValues, options: ReadOptions = NO_OPTIONS): Promise<StoredItem | undefined> {
    // An L1 hit answers before validation when the cache can tell it is the answer validation would lead to.
    let l1Missed: string | undefined;
    if (options.consistency === undefined && this.tx === undefined && this.peek !== undefined) {
      const peeked = this.peek(key);
      if (typeof peeked === "object") return peeked;
      l1Missed = peeked;
    }
    if (this.services.listeners.length > 0) return this.get(key, options).then(itemOf);
    let consistency: ConsistencyLevelModel;
    let cleanKey: KeyValues;
    try {
      consistency = options.consistency === undefined ? this.model.consistency.read : this.consistency(this.ops.get, options.consistency, "read");
      cleanKey = this.validateKey(this.ops.get, key);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.useCache(consistency)) return this.cache!.get(cleanKey, () => this.loadOne(cleanKey, consistency, options.signal), this.coalescedLoader(consistency), l1Missed).then(valueOf);
    return this.loadOne(cleanKey, consistency, options.signal);
  }

  private readOne(key: KeyValues, consistency: ConsistencyLevelModel, signal: AbortSignal | undefined, mark: (source: ReadSource) => void): Promise<ReadResult<StoredItem>> {
    if (!this.useCache(consistency)) return this.loadOne(key, consistency, signal).then((item) => ({ item, source: "store", stale: false }));
    return this.cache!.get(key, () => this.loadOne(key, consistency, signal), this.coalescedLoader(consistency)).then((read) => {
      mark(read.source);
      return { item: read.value, source: read.source, stale: read.source === "stale" };
    });
  }

  /**
   * The batch loader coalesced gets share (one per runtime, kept stable so the
   * cache keeps one coalescing queue for it); `undefined` unless the entity
   * coalesces and the read uses the entity's own read consistency. Coalesced
   * loads do not carry one caller's abort signal.
   */
  private coalescedLoader(consistency: ConsistencyLevelModel): LoadMany | undefined {
    if (!this.model.cache || !this.model.cache.coalesce || consistency !== this.model.consistency.read) return undefined;
    if (!this.batchLoader) {
      const op = this.ops.getMany;
      this.batchLoader = (keys) => this.call(op, undefined, (signal) => this.adapter.getMany({ op, consistency, keys, signal }));
    }
    return this.batchLoader;
  }

  private loadOne(key: KeyValues, consistency: ConsistencyLevelModel, signal: AbortSignal | undefined): Promise<StoredItem | undefined> {
    const op = this.ops.get;
    return this.call(op, signal, (s) => this.adapter.get({ op, consistency, key, signal: s, transaction: this.tx?.handle }));
  }

  async getMany(keys: readonly KeyValues[], options: ReadOptions = {}): Promise<(StoredItem | undefined)[]> {
    const op = this.ops.getMany;
    if (!Array.isArray(keys)) throw this.validationError(op, [{ path: ["keys"], message: "expected an array of keys" }]);
    if (keys.length > MAX_GET_MANY) throw this.validationError(op, [{ path: ["keys"], message: `at most ${MAX_GET_MANY} keys per call (got ${keys.length})` }]);
    const consistency = this.consistency(op, options.consistency, "read");
    const cleanKeys = keys.map((k, i) => this.validateKey(op, k, ["keys", i]));
    if (cleanKeys.length === 0) return [];
    return this.observe(op, consistency, async (mark) => {
      if (!this.useCache(consistency)) {
        return this.call(op, options.signal, (signal) => this.adapter.getMany({ op, consistency, keys: cleanKeys, signal, transaction: this.tx?.handle }));
      }
      const cache = this.cache!;
      // Through the cache in one batch: one multi-key cache read per zone, one store call for the misses.
      const reads = cache.getMany
        ? await cache.getMany(cleanKeys, (missing) => this.call(op, options.signal, (signal) => this.adapter.getMany({ op, consistency, keys: missing, signal })))
        : await Promise.all(cleanKeys.map((k) => cache.get(k, () => this.call(op, options.signal, (signal) => this.adapter.get({ op: this.ops.get, consistency, key: k, signal })))));
      mark(reads.every((r) => r.source === "l1") ? "l1" : reads.every((r) => r.source === "l1" || r.source === "l2") ? "l2" : "store");
      return reads.map((r) => r.value);
    });
  }

  async put(input: unknown, options: PutOptions = {}): Promise<StoredItem> {
    const op = this.ops.put;
    const consistency = this.consistency(op, options.consistency, "write");
    const item = this.parseItem(op, input);
    if (options.ifNotExists && options.expectedVersion !== undefined) {
      throw this.validationError(op, [{ path: ["options"], message: "ifNotExists and expectedVersion exclude each other" }]);
    }
    let condition: PutCondition | undefined;
    const versionField = this.model.version;
    if (options.expectedVersion !== undefined) {
      const field = this.requireVersionField(op);
      condition = { kind: "version", field, expected: this.validateVersion(op, options.expectedVersion) };
      item[field] = options.expectedVersion + 1;
    } else if (options.ifNotExists) {
      condition = { kind: "notExists" };
      if (versionField) item[versionField] = 1;
    } else if (versionField && item[versionField] === undefined) {
      item[versionField] = 1;
    }
    if (condition) this.requireCapability(op, "conditionalWrites", "conditional writes");
    const ttlSeconds = this.ttl(op, options.ttl);
    const key = pick(item, this.model.key.fields);
    const writeOp = condition ? this.ops.conditionalPut : op;
    const change = this.changeRequest(key);
    try {
      await this.write(writeOp, consistency, [key], (signal) =>
        this.adapter.put({ op: writeOp, consistency, item, condition, ttlSeconds, signal, transaction: this.tx?.handle, change }),
        options.signal,
        change?.id,
      );
    } catch (error) {
      if (condition?.kind === "notExists" && isPolyxenaError(error, "E_CONDITION_FAILED")) throw this.alreadyExistsError(error, key);
      throw error;
    }
    return item;
  }

  /** A failed `ifNotExists`, worded alike for every store: what exists (the key, unless keys are kept out of errors) and the fix. */
  private alreadyExistsError(error: PolyxenaError, key: KeyValues): PolyxenaError {
    const which = this.services.includeKeys
      ? `with key ${this.model.key.fields.map((f) => `${f}=${describeKeyValue(key[f])}`).join(", ")}`
      : "with this key";
    return new PolyxenaError("E_CONDITION_FAILED", `${this.model.name} ${which} already exists, so put with ifNotExists wrote nothing`, {
      entity: error.entity,
      operation: error.operation,
      store: error.store,
      statement: error.statement,
      current: error.current,
      constraint: error.constraint,
      cause: error.cause ?? error,
      fix: "change it with update(key, changes), replace it with put without ifNotExists, or create the new item under another key",
    });
  }

  /**
   * Validates and writes many items; each succeeds or fails on its own.
   * Invalid items are reported with `E_VALIDATION` and never sent; the store
   * refusing one item does not lose the others.
   */
  async putMany(inputs: readonly unknown[], options: PutManyOptions = {}): Promise<BulkWriteResult<StoredItem>> {
    const op = this.ops.putMany;
    if (!Array.isArray(inputs)) throw this.validationError(op, [{ path: ["items"], message: "expected an array of items" }]);
    if (inputs.length > MAX_BULK) throw this.validationError(op, [{ path: ["items"], message: `at most ${MAX_BULK} items per call (got ${inputs.length})` }]);
    const consistency = this.consistency(op, options.consistency, "write");
    const ttlSeconds = this.ttl(op, options.ttl);
    const failed: BulkWriteResult<StoredItem>["failed"] = [];
    const valid: { index: number; item: StoredItem }[] = [];
    inputs.forEach((input, index) => {
      let item: StoredItem;
      try {
        item = this.parseItem(op, input, [index]);
      } catch (error) {
        failed.push({ index, error: error as PolyxenaError });
        return;
      }
      if (this.model.version && item[this.model.version] === undefined) item[this.model.version] = 1;
      valid.push({ index, item });
    });
    if (valid.length === 0) return { written: [], failed };
    const items = valid.map((v) => v.item);
    const refused = await this.observe(op, consistency, async () => {
      // A native bulk write has no per-item outbox record: entities with events write item by item.
      const failures = this.adapter.putMany && !this.model.events
        ? await this.call(op, options.signal, (signal) => this.adapter.putMany!({ op, consistency, items, ttlSeconds, signal, transaction: this.tx?.handle }))
        : await this.putEach(items, consistency, ttlSeconds, options.signal);
      const refusedSet = new Set(failures.map((f) => f.index));
      await this.invalidate(items.filter((_, i) => !refusedSet.has(i)).map((item) => pick(item, this.model.key.fields)));
      return failures;
    });
    const refusedIndexes = new Set<number>();
    for (const failure of refused) {
      const original = valid[failure.index];
      if (!original) continue;
      refusedIndexes.add(failure.index);
      failed.push({ index: original.index, error: this.wrapError(this.ops.put, failure.error) });
    }
    failed.sort((a, b) => a.index - b.index);
    return { written: items.filter((_, i) => !refusedIndexes.has(i)), failed };
  }

  async update(key: KeyValues, changes: unknown, options: UpdateOptions = {}): Promise<StoredItem> {
    const op = this.ops.update;
    const consistency = this.consistency(op, options.consistency, "write");
    const cleanKey = this.validateKey(op, key);
    const cleanChanges = this.validateChanges(op, changes);
    let condition: UpdateCondition = { kind: "exists" };
    let incrementVersion: string | undefined;
    if (options.expectedVersion !== undefined) {
      const field = this.requireVersionField(op);
      condition = { kind: "version", field, expected: this.validateVersion(op, options.expectedVersion) };
      cleanChanges[field] = options.expectedVersion + 1;
    } else if (this.model.version) {
      if (!this.adapter.capabilities.atomicVersionIncrement) {
        throw new PolyxenaError("E_UNSUPPORTED", `${this.adapter.kind} cannot increment the version of ${this.model.name} without a read`, {
          ...this.context(op),
          fix: "pass expectedVersion to update",
        });
      }
      incrementVersion = this.model.version;
    }
    this.requireCapability(op, "conditionalWrites", "updates of existing items");
    const ttlSeconds = this.ttl(op, options.ttl);
    const change = this.changeRequest(cleanKey);
    const updated = await this.write(op, consistency, [cleanKey], (signal) =>
      this.adapter.update({ op, consistency, key: cleanKey, changes: cleanChanges, condition, incrementVersion, ttlSeconds, signal, transaction: this.tx?.handle, change }),
      options.signal,
      change?.id,
    );
    if (updated) return updated;
    const reread = await this.call(this.ops.get, options.signal, (signal) =>
      this.adapter.get({ op: this.ops.get, consistency: { level: "strong" }, key: cleanKey, signal, transaction: this.tx?.handle }),
    );
    return reread ?? { ...cleanKey, ...cleanChanges };
  }

  async delete(key: KeyValues, options: DeleteOptions = {}): Promise<void> {
    const op = this.ops.delete;
    const consistency = this.consistency(op, options.consistency, "write");
    const cleanKey = this.validateKey(op, key);
    let condition: DeleteCondition | undefined;
    if (options.expectedVersion !== undefined) {
      condition = { kind: "version", field: this.requireVersionField(op), expected: this.validateVersion(op, options.expectedVersion) };
    } else if (options.ifExists) {
      condition = { kind: "exists" };
    }
    if (condition) this.requireCapability(op, "conditionalWrites", "conditional deletes");
    const writeOp = condition ? this.ops.conditionalDelete : op;
    const change = this.changeRequest(cleanKey);
    await this.write(writeOp, consistency, [cleanKey], (signal) =>
      this.adapter.delete({ op: writeOp, consistency, key: cleanKey, condition, signal, transaction: this.tx?.handle, change }),
      options.signal,
      change?.id,
    );
  }

  /**
   * Writes an item a projection produced from source version `sourceVersion`,
   * unless the target already holds that version or a newer one (`orEqual`:
   * rewrite an equal version too, for rebuilds that repair). A compare-and-set
   * on the target's version field, retried when a concurrent apply moved it;
   * the cache entry is invalidated like any write. Returns whether it wrote.
   * Used by the projection applier; not for application code.
   */
  async applyProjected(input: unknown, sourceVersion: number, options: { changeId?: string | undefined; orEqual?: boolean | undefined } = {}): Promise<boolean> {
    const field = this.requireVersionField(this.ops.put);
    const item = this.parseItem(this.ops.put, { ...(input as object), [field]: sourceVersion });
    const key = pick(item, this.model.key.fields);
    const consistency = this.model.consistency.write;
    const putIfNewer = this.adapter.putIfNewer;
    if (putIfNewer) {
      const op = this.ops.conditionalPut;
      let wrote = false;
      await this.write(op, consistency, [key], async (signal) => {
        wrote = await putIfNewer.call(this.adapter, { op, consistency, item, signal, ttlSeconds: this.model.ttlSeconds }, sourceVersion, options.orEqual === true);
      }, undefined, options.changeId);
      return wrote;
    }
    for (let attempt = 0; ; attempt++) {
      const current = await this.call(this.ops.get, undefined, (signal) => this.adapter.get({ op: this.ops.get, consistency: { level: "strong" }, key, signal }));
      const stored = current?.[field];
      if (typeof stored === "number" && (stored > sourceVersion || (stored === sourceVersion && !options.orEqual))) return false;
      const condition: PutCondition = current === undefined ? { kind: "notExists" } : { kind: "version", field, expected: stored as number };
      const op = this.ops.conditionalPut;
      try {
        await this.write(op, consistency, [key], (signal) => this.adapter.put({ op, consistency, item, condition, signal, ttlSeconds: this.model.ttlSeconds }), undefined, options.changeId);
        return true;
      } catch (error) {
        if (!isPolyxenaError(error, "E_CONDITION_FAILED") || attempt >= 8) throw error;
      }
    }
  }

  /**
   * Deletes a projected item for a tombstone of source version
   * `sourceVersion`, unless the target holds a newer version. Returns whether
   * it deleted. Used by the projection applier; not for application code.
   */
  async deleteProjected(key: KeyValues, sourceVersion: number, options: { changeId?: string | undefined } = {}): Promise<boolean> {
    const field = this.requireVersionField(this.ops.delete);
    const cleanKey = this.validateKey(this.ops.delete, key);
    const consistency = this.model.consistency.write;
    const deleteIfNewer = this.adapter.deleteIfNewer;
    if (deleteIfNewer) {
      const op = this.ops.conditionalDelete;
      let deleted = false;
      await this.write(op, consistency, [cleanKey], async (signal) => {
        deleted = await deleteIfNewer.call(this.adapter, { op, consistency, key: cleanKey, signal }, sourceVersion);
      }, undefined, options.changeId);
      return deleted;
    }
    for (let attempt = 0; ; attempt++) {
      const current = await this.call(this.ops.get, undefined, (signal) => this.adapter.get({ op: this.ops.get, consistency: { level: "strong" }, key: cleanKey, signal }));
      if (current === undefined) return false;
      const stored = current[field];
      if (typeof stored === "number" && stored > sourceVersion) return false;
      const op = this.ops.conditionalDelete;
      const condition: DeleteCondition = { kind: "version", field, expected: stored as number };
      try {
        await this.write(op, consistency, [cleanKey], (signal) => this.adapter.delete({ op, consistency, key: cleanKey, condition, signal }), undefined, options.changeId);
        return true;
      } catch (error) {
        if (!isPolyxenaError(error, "E_CONDITION_FAILED") || attempt >= 8) throw error;
      }
    }
  }

  query(name: string, params: unknown, options: QueryOptions = {}): Promise<Page<StoredItem>> {
    try {
      const op = this.ops.queries.get(name);
      if (!op?.query) {
        throw new PolyxenaError("E_VALIDATION", `unknown query ${describeValue(name)}`, {
          entity: this.model.name,
          operation: "query",
          issues: [{ path: ["query"], message: "unknown query" }],
          fix: `use one of: ${[...this.ops.queries.keys()].join(", ")}`,
        });
      }
      const query = op.query;
      const base = query.consistency ?? this.model.consistency.read;
      const consistency = options.consistency === undefined ? base : this.consistency(op, options.consistency, "read");
      if (query.index.kind === "gsi" && consistency.level === "strong") {
        throw new PolyxenaError("E_UNSUPPORTED", `query ${name} reads a global secondary index, which cannot be read strongly`, {
          ...this.context(op),
          fix: "read this query with eventual consistency, or key the table by this field",
        });
      }
      const cleanParams = this.validateParams(op, query, params);
      const range = this.validateRange(op, query, options.range);
      const limit = this.validateLimit(op, options.limit);
      const reverse = options.reverse === true;
      // Parameters and range were rebuilt in a fixed field order by validation, so plain JSON is canonical here.
      const scope = once(() => `${op.id}|${JSON.stringify([cleanParams, range ?? null, reverse, limit], jsonBigint)}`);
      const position = options.cursor === undefined ? undefined : this.decodeCursor(op, scope(), options.cursor);
      const run = (signal: AbortSignal | undefined) => this.adapter.query({ op, consistency, params: cleanParams, range, reverse, limit, position, signal, transaction: this.tx?.handle });
      const cached = query.cached && this.useCache(consistency);
      // The hot path: no events, no cache, one promise from the store call to the page.
      if (!cached && this.services.listeners.length === 0) return this.call(op, options.signal, run, (page) => pageOf(page, this.services.cursors, scope));
      const load = () => this.call(op, options.signal, run);
      return this.observe(op, consistency, async (mark) => {
        let page: StorePage;
        if (cached) {
          const read: CachedRead<StorePage> = await this.cache!.query(query.name, `${scope()}|${canonicalJson(position ?? null)}`, load);
          mark(read.source);
          page = read.value;
        } else {
          page = await load();
        }
        return pageOf(page, this.services.cursors, scope);
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async search(options: SearchOptions<Record<string, unknown>> = {}): Promise<SearchResult<StoredItem>> {
    const op = this.ops.search;
    if (!this.adapter.search || !this.adapter.capabilities.search) {
      throw new PolyxenaError("E_UNSUPPORTED", `${this.adapter.kind} does not support search`, { ...this.context(op), fix: `declare the entity on a store with full-text search (${storeKindsWith((d) => d.features.fullTextSearch)})` });
    }
    const consistency = this.consistency(op, options.consistency, "read");
    const issues: ValidationIssue[] = [];
    if (options.text !== undefined && (typeof options.text !== "string" || options.text.length > MAX_SEARCH_TEXT)) {
      issues.push({ path: ["text"], message: `text must be a string of at most ${MAX_SEARCH_TEXT} characters` });
    }
    if (typeof options.text === "string" && !isWellFormedText(options.text)) issues.push({ path: ["text"], message: "text holds invalid Unicode (a lone surrogate)" });
    if (options.asYouType !== undefined && typeof options.asYouType !== "boolean") issues.push({ path: ["asYouType"], message: "asYouType must be true or false" });
    issues.push(...inspectInput(options.filter, undefined, ["filter"], "strip"));
    const fields = options.fields ?? undefined;
    if (fields !== undefined && !Array.isArray(fields)) issues.push({ path: ["fields"], message: "fields must be an array of declared text field names" });
    for (const [i, f] of (Array.isArray(fields) ? fields : []).entries()) {
      if (!this.model.textFields.includes(f)) issues.push({ path: ["fields", i], message: `${describeValue(f)} is not a declared text field (${this.model.textFields.join(", ")})` });
    }
    if (options.filter !== undefined && options.filter !== null && (typeof options.filter !== "object" || Array.isArray(options.filter))) {
      issues.push({ path: ["filter"], message: "filter must be an object of field names to values" });
    }
    const sortInput: unknown = options.sort ?? [];
    if (!Array.isArray(sortInput) || sortInput.some((s) => typeof s !== "object" || s === null || typeof (s as { field?: unknown }).field !== "string")) {
      issues.push({ path: ["sort"], message: 'sort must be an array of { field, order } with order "asc" or "desc"' });
      throw this.validationError(op, issues);
    }
    const filter: Record<string, SearchFilterValue> = {};
    const filterInput = typeof options.filter === "object" && options.filter !== null && !Array.isArray(options.filter) ? options.filter : {};
    for (const [field, value] of Object.entries(filterInput)) {
      if (value === undefined) continue;
      const model = this.fieldModels.get(field);
      if (!model) issues.push({ path: ["filter", field], message: `unknown field ${field}` });
      else if (this.model.textFields.includes(field)) issues.push({ path: ["filter", field], message: `${field} is full text; use text to match it` });
      else issues.push(...this.checkFilterValue(field, value as SearchFilterValue));
      if (!issues.length) filter[field] = this.canonical.value(field, value) as SearchFilterValue;
    }
    const sort = (options.sort ?? []).map((s, i) => {
      if (!this.fieldModels.has(s.field) || this.model.textFields.includes(s.field)) issues.push({ path: ["sort", i], message: `cannot sort by ${s.field}` });
      if (s.order !== undefined && s.order !== "asc" && s.order !== "desc") issues.push({ path: ["sort", i, "order"], message: 'order must be "asc" or "desc"' });
      return { field: s.field, order: s.order ?? ("asc" as SortOrder) };
    });
    if (issues.length) throw this.validationError(op, issues);
    const limit = this.validateLimit(op, options.limit);
    const asYouType = options.asYouType === true;
    const scope = once(() => `${op.id}|${canonicalJson({ t: options.text, f: fields, filter, sort, limit, ...(asYouType ? { p: true } : {}) })}`);
    const position = options.cursor === undefined ? undefined : this.decodeCursor(op, scope(), options.cursor);
    return this.observe(op, consistency, async () => {
      const page = await this.call(op, options.signal, (signal) =>
        this.adapter.search!({ op, consistency, text: options.text, fields, asYouType, filter, sort, limit, position, highlight: options.highlight === true, signal }),
      );
      const result: SearchResult<StoredItem> = { items: page.items, total: page.total, hits: page.hits };
      return page.position === undefined ? result : LazyCursorPage.of(result, { total: page.total, hits: page.hits }, this.services.cursors, scope, page.position);
    });
  }

  // ---- helpers ------------------------------------------------------------

  private useCache(consistency: ConsistencyLevelModel): boolean {
    return this.cache !== undefined && this.tx === undefined && consistency.level === "eventual";
  }

  private async write<T>(
    op: OperationDescriptor,
    consistency: ConsistencyLevelModel,
    keys: KeyValues[],
    run: (signal: AbortSignal | undefined) => Promise<T>,
    signal: AbortSignal | undefined,
    changeId?: string | undefined,
  ): Promise<T> {
    return this.observe(op, consistency, async () => {
      const result = await this.call(op, signal, run);
      await this.invalidate(keys);
      return result;
    }, keys[0], changeId);
  }

  /** The change record of a write of `key`, for entities with events. */
  private changeRequest(key: KeyValues): ChangeRecordRequest | undefined {
    if (!this.model.events) return undefined;
    const keyString = changeKeyString(this.model, key);
    const partitions = this.adapter.outbox?.partitions;
    return { id: randomUUID(), model: this.model, key, keyString, partition: outboxPartitionOf(this.model.name, keyString, partitions), occurredAt: new Date() };
  }

  /** After a successful write: invalidate the cache now, or after commit inside a transaction. Never throws. */
  private async invalidate(keys: readonly KeyValues[]): Promise<void> {
    if (!this.cache || keys.length === 0) return;
    const invalidate = () => this.cache!.invalidate(keys).catch(() => undefined);
    if (this.tx) this.tx.pendingInvalidations.push(invalidate);
    else await invalidate();
  }

  /** Writes items one by one through the policy (for adapters without a bulk write); returns the refused ones. */
  private async putEach(items: readonly StoredItem[], consistency: ConsistencyLevelModel, ttlSeconds: number | undefined, signal: AbortSignal | undefined) {
    const op = this.ops.put;
    const failures: { index: number; error: unknown }[] = [];
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const index = next++;
        try {
          const item = items[index]!;
          const change = this.changeRequest(pick(item, this.model.key.fields));
          await this.call(op, signal, (s) => this.adapter.put({ op, consistency, item, ttlSeconds, signal: s, transaction: this.tx?.handle, change }));
        } catch (error) {
          failures.push({ index, error });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, items.length) }, worker));
    return failures;
  }

  /**
   * Runs a store call through the policy and wraps its errors; `map` shapes
   * the result in the same promise reaction (hot paths save a hop).
   */
  private call<T>(op: OperationDescriptor, signal: AbortSignal | undefined, run: (signal: AbortSignal | undefined) => Promise<T>): Promise<T>;
  private call<T, R>(op: OperationDescriptor, signal: AbortSignal | undefined, run: (signal: AbortSignal | undefined) => Promise<T>, map: (value: T) => R): Promise<R>;
  private call<T, R>(op: OperationDescriptor, signal: AbortSignal | undefined, run: (signal: AbortSignal | undefined) => Promise<T>, map?: (value: T) => R): Promise<T | R> {
    let pending: Promise<T>;
    try {
      const tx = this.tx;
      let attempt = run;
      if (tx) {
        this.checkTransaction(op, tx);
        // Every attempt, retries included: a retry must not reach a transaction that has ended meanwhile.
        attempt = (s) => {
          this.checkTransaction(op, tx);
          return run(s);
        };
      }
      pending = this.services.policy.run({ op, adapter: this.adapter, signal, trace: activeCallTrace() }, attempt);
    } catch (error) {
      return Promise.reject(this.wrapError(op, error));
    }
    return pending.then(map, (error: unknown) => {
      throw this.wrapError(op, error);
    });
  }

  /** The one check of transaction ownership: the handle is this adapter's, and its transaction is still open. */
  private checkTransaction(op: OperationDescriptor, tx: TransactionScope): void {
    if (tx.adapter !== this.adapter) {
      throw new PolyxenaError("E_UNSUPPORTED", `${this.model.name} lives in ${this.adapter.name}, outside this ${tx.adapter.name} transaction`, {
        ...this.context(op),
        fix: "use the non-transactional repository for entities of other stores",
      });
    }
    if (tx.finished) {
      throw new PolyxenaError("E_UNSUPPORTED", "the transaction has already finished", {
        ...this.context(op),
        fix: "await every operation inside the transaction callback before it returns, or use the non-transactional repository",
      });
    }
  }

  private async observe<T>(
    op: OperationDescriptor,
    consistency: ConsistencyLevelModel,
    run: (mark: (source: ReadSource) => void) => Promise<T>,
    key?: KeyValues,
    changeId?: string | undefined,
  ): Promise<T> {
    const listeners = this.services.listeners;
    if (listeners.length === 0) return run(noop);
    const started = performance.now();
    let cache: ReadSource | "bypass" = "bypass";
    let failure: unknown;
    let failed = false;
    // Store calls started synchronously by `run` count their attempts into this trace.
    const trace = { attempts: 0, retries: 0 };
    try {
      return await startTraced(trace, () => run((source) => (cache = source)));
    } catch (error) {
      failed = true;
      failure = error;
      throw error;
    } finally {
      const known = isPolyxenaError(failure) ? failure : undefined;
      emitOperationEvent(listeners, {
        store: this.adapter.name,
        storeKind: this.adapter.kind,
        entity: this.model.name,
        operation: op.kind,
        operationId: op.id,
        consistency: consistency.level,
        nativeConsistency: consistency.native,
        cache,
        stale: (cache as ReadSource | "bypass") === "stale",
        durationMs: performance.now() - started,
        outcome: failed ? "error" : "ok",
        errorCode: failed ? (known?.code ?? "E_STORE") : undefined,
        errorOutcome: known?.outcome,
        attempts: trace.attempts > 0 ? trace.attempts : undefined,
        retries: trace.attempts > 0 ? trace.retries : undefined,
        statement: known?.statement,
        key: this.services.includeKeys ? key : undefined,
        changeId,
      });
    }
  }

  private wrapError(op: OperationDescriptor, error: unknown): PolyxenaError {
    const context = this.context(op);
    if (isPolyxenaError(error)) return error.withContext(context);
    const kind: ErrorClass = this.adapter.classifyError?.(error) ?? "store";
    const code = errorCodeOfClass(kind);
    const message = error instanceof Error ? error.message : String(error);
    const outcome = (code === "E_TIMEOUT" || code === "E_UNAVAILABLE") && !op.idempotent ? "unknown" : undefined;
    return new PolyxenaError(code, message, { ...context, cause: error, outcome });
  }

  private context(op: OperationDescriptor) {
    return { entity: this.model.name, operation: op.id, store: this.adapter.name };
  }

  private consistency(op: OperationDescriptor, override: ConsistencyInput | undefined, mode: "read" | "write"): ConsistencyLevelModel {
    if (override === undefined) return this.model.consistency[mode];
    const level = typeof override === "string" ? resolveConsistency(this.adapter.kind, override) : undefined;
    if (!level) {
      throw this.validationError(op, [{ path: ["consistency"], message: `${describeValue(override)} is not a consistency level ${this.adapter.kind} understands` }]);
    }
    return level;
  }

  private ttl(op: OperationDescriptor, override: Duration | undefined): number | undefined {
    if (override === undefined) return this.model.ttlSeconds;
    this.requireCapability(op, "rowTtl", "row TTL");
    let ms: number;
    try {
      ms = toMilliseconds(override, "ttl");
    } catch {
      throw this.validationError(op, [{ path: ["ttl"], message: `invalid ttl ${describeValue(override)}` }]);
    }
    return Math.max(1, Math.ceil(ms / 1000));
  }

  private requireCapability(op: OperationDescriptor, flag: "conditionalWrites" | "rowTtl", what: string): void {
    if (!this.adapter.capabilities[flag]) {
      throw new PolyxenaError("E_UNSUPPORTED", `${this.adapter.kind} adapter does not support ${what}`, { ...this.context(op), fix: "drop the option or use a store that supports it" });
    }
  }

  private requireVersionField(op: OperationDescriptor): string {
    if (!this.model.version) {
      throw this.validationError(op, [{ path: ["expectedVersion"], message: `${this.model.name} declares no version field` }]);
    }
    return this.model.version;
  }

  private validateVersion(op: OperationDescriptor, version: unknown): number {
    if (!Number.isSafeInteger(version) || (version as number) < 0) {
      throw this.validationError(op, [{ path: ["expectedVersion"], message: "expectedVersion must be a non-negative integer" }]);
    }
    return version as number;
  }

  private validateKey(op: OperationDescriptor, key: unknown, path: PropertyKey[] = ["key"]): KeyValues {
    if (typeof key !== "object" || key === null || Array.isArray(key)) {
      throw this.validationError(op, [{ path, message: `expected an object with ${this.model.key.fields.join(", ")}` }]);
    }
    const scalar = this.scalarKey(key);
    if (scalar !== undefined) return scalar;
    this.inspectArgument(op, key, path);
    const result = this.keySchema.safeParse(key);
    if (!result.success) throw this.validationError(op, result.error.issues.map((i) => ({ ...i, path: [...path, ...i.path] })));
    return this.canonical.apply(result.data as KeyValues);
  }

  /**
   * A key the field schemas settle alone, validated without the input
   * inspection and the object schema: a plain object holding exactly the key
   * fields, in the key schema's order, each a string, number or boolean its
   * field's schema accepts. The inspection passes such a key (a scalar fails
   * it only as text with a lone surrogate, checked here) and the object schema
   * parses it field by field to the same values. Anything else answers
   * `undefined` and takes the full path, which gives a bad key its errors.
   */
  private scalarKey(key: object): KeyValues | undefined {
    if (Object.getPrototypeOf(key) !== Object.prototype) return undefined;
    const names = Object.keys(key);
    const fields = this.keyFields;
    if (names.length !== fields.length) return undefined;
    const out: KeyValues = {};
    for (let i = 0; i < fields.length; i++) {
      const [name, schema] = fields[i]!;
      if (names[i] !== name) return undefined;
      const value = (key as Record<string, unknown>)[name];
      if (typeof value === "string" ? !isWellFormedText(value) : typeof value !== "number" && typeof value !== "boolean") return undefined;
      const result = schema.safeParse(value);
      if (!result.success) return undefined;
      out[name] = result.data;
    }
    return this.canonical.apply(out);
  }

  private validateChanges(op: OperationDescriptor, changes: unknown): StoredItem {
    if (typeof changes !== "object" || changes === null || Array.isArray(changes)) {
      throw this.validationError(op, [{ path: ["changes"], message: "expected an object of fields to change" }]);
    }
    const issues: ValidationIssue[] = inspectInput(changes, this.itemShape, ["changes"], this.model.unknownFields);
    if (issues.length) throw this.validationError(op, issues);
    const out: StoredItem = {};
    for (const [field, value] of Object.entries(changes)) {
      const fieldSchema = Object.hasOwn(this.fieldSchemas, field) ? this.fieldSchemas[field] : undefined;
      if (!fieldSchema) continue; // unknown: refused above, or stripped by the entity's rule
      else if (this.model.key.fields.includes(field)) issues.push({ path: ["changes", field], message: `${field} is part of the key and cannot be updated; put a new item instead` });
      else if (field === this.model.version) issues.push({ path: ["changes", field], message: `${field} is the version field; pass expectedVersion instead` });
      else if (value === undefined) {
        if (!this.fieldModels.get(field)!.optional) issues.push({ path: ["changes", field], message: `${field} is required and cannot be removed` });
        else out[field] = undefined;
      } else {
        const r = fieldSchema.safeParse(value);
        if (r.success) out[field] = r.data;
        else issues.push(...r.error.issues.map((i) => ({ ...i, path: ["changes", field, ...i.path] })));
      }
    }
    if (Object.keys(out).length === 0 && issues.length === 0) issues.push({ path: ["changes"], message: "no fields to change" });
    if (issues.length) throw this.validationError(op, issues);
    return this.canonical.apply(out);
  }

  private validateParams(op: OperationDescriptor, query: QueryModel, params: unknown): StoredItem {
    if (typeof params !== "object" || params === null || Array.isArray(params)) {
      throw this.validationError(op, [{ path: ["params"], message: `expected { ${query.by.join(", ")} }` }]);
    }
    this.inspectArgument(op, params, ["params"]);
    const issues: ValidationIssue[] = [];
    const out: StoredItem = {};
    for (const field of query.by) {
      const value = (params as Record<string, unknown>)[field];
      const r = this.fieldSchemas[field]!.safeParse(value);
      if (!r.success || r.data === undefined || r.data === null) issues.push({ path: ["params", field], message: r.success ? "required" : (r.error.issues[0]?.message ?? "invalid") });
      else out[field] = r.data;
    }
    for (const field of Object.keys(params)) {
      if (!query.by.includes(field)) issues.push({ path: ["params", field], message: `${field} is not a parameter of ${query.name} (${query.by.join(", ")})` });
    }
    if (issues.length) throw this.validationError(op, issues);
    return this.canonical.apply(out);
  }

  private validateRange(op: OperationDescriptor, query: QueryModel, range: unknown): RangeCondition | undefined {
    if (range === undefined) return undefined;
    if (!query.rangeField) throw this.validationError(op, [{ path: ["range"], message: `${query.name} declares no order field to range over` }]);
    if (typeof range !== "object" || range === null) throw this.validationError(op, [{ path: ["range"], message: "expected { gt?, gte?, lt?, lte? }" }]);
    this.inspectArgument(op, range, ["range"]);
    const schema = this.fieldSchemas[query.rangeField]!;
    const issues: ValidationIssue[] = [];
    const out: RangeCondition = {};
    for (const bound of Object.keys(range)) {
      if (bound !== "gt" && bound !== "gte" && bound !== "lt" && bound !== "lte") issues.push({ path: ["range", bound], message: "unknown bound (use gt, gte, lt, lte)" });
    }
    for (const bound of ["gt", "gte", "lt", "lte"] as const) {
      const value = (range as RangeCondition)[bound];
      if (value === undefined) continue;
      const r = schema.safeParse(value);
      if (!r.success || r.data == null) issues.push({ path: ["range", bound], message: r.success ? "required" : (r.error.issues[0]?.message ?? "invalid") });
      else out[bound] = this.canonical.value(query.rangeField, r.data);
    }
    if ((out.gt !== undefined && out.gte !== undefined) || (out.lt !== undefined && out.lte !== undefined)) {
      issues.push({ path: ["range"], message: "give at most one lower and one upper bound" });
    }
    if (issues.length) throw this.validationError(op, issues);
    return Object.keys(out).length ? out : undefined;
  }

  private validateLimit(op: OperationDescriptor, limit: unknown): number {
    if (limit === undefined) return this.services.defaultLimit;
    if (!Number.isSafeInteger(limit) || (limit as number) < 1 || (limit as number) > this.services.maxLimit) {
      throw this.validationError(op, [{ path: ["limit"], message: `limit must be an integer from 1 to ${this.services.maxLimit}` }]);
    }
    return limit as number;
  }

  private checkFilterValue(field: string, value: SearchFilterValue): ValidationIssue[] {
    const schema = this.fieldSchemas[field]!;
    const model = this.fieldModels.get(field)!;
    const element = model.type === "list" ? ((schema as unknown as { _zod: { def: { element?: z.ZodType; innerType?: z.ZodType } } })._zod.def.element ?? schema) : schema;
    const check = (v: unknown, path: PropertyKey[]): ValidationIssue[] => {
      const r = element.safeParse(v);
      return r.success ? [] : [{ path: ["filter", field, ...path], message: r.error.issues[0]?.message ?? "invalid" }];
    };
    if (Array.isArray(value)) {
      if (value.length > 1024) return [{ path: ["filter", field], message: "at most 1024 terms" }];
      return value.flatMap((v, i) => check(v, [i]));
    }
    if (value instanceof Date || typeof value !== "object" || value === null) return check(value, []);
    if ("exists" in value) return typeof value.exists === "boolean" ? [] : [{ path: ["filter", field, "exists"], message: "exists must be a boolean" }];
    return Object.entries(value).flatMap(([bound, v]) =>
      ["gt", "gte", "lt", "lte"].includes(bound) ? check(v, [bound]) : [{ path: ["filter", field, bound], message: "unknown bound (use gt, gte, lt, lte)" }],
    );
  }

  private decodeCursor(op: OperationDescriptor, scope: string, cursor: unknown): unknown {
    try {
      return this.services.cursors.decode(scope, cursor);
    } catch (error) {
      throw isPolyxenaError(error) ? error.withContext(this.context(op)) : error;
    }
  }

  /**
   * Validates one whole item: hostile keys, invalid Unicode and (unless the
   * entity strips them) unknown fields first, then the schema; returns the
   * item in canonical form. Every write of an item comes through here.
   */
  private parseItem(op: OperationDescriptor, input: unknown, base: PropertyKey[] = []): StoredItem {
    const inspected = inspectInput(input, this.itemShape, base, this.model.unknownFields);
    if (inspected.length) throw this.validationError(op, inspected);
    const result = this.schema.safeParse(input);
    if (!result.success) throw this.validationError(op, result.error.issues.map((i) => ({ ...i, path: [...base, ...i.path] })));
    return this.canonical.apply(result.data as StoredItem);
  }

  /** Refuses hostile keys and invalid Unicode in a value that names no new fields (keys, parameters, options). */
  private inspectArgument(op: OperationDescriptor, value: unknown, path: PropertyKey[]): void {
    const issues = inspectInput(value, undefined, path, "strip");
    if (issues.length) throw this.validationError(op, issues);
  }

  private validationError(op: OperationDescriptor, issues: readonly ValidationIssue[]): PolyxenaError {
    const summary = issues
      .slice(0, 3)
      .map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    return new PolyxenaError("E_VALIDATION", `invalid input: ${summary}${issues.length > 3 ? ` (+${issues.length - 3} more)` : ""}`, {
      ...this.context(op),
      issues: issues.map((i) => ({ path: i.path, message: i.message, code: i.code })),
      fix: "correct the listed fields; nothing was written",
    });
  }
}

/** One key value as an error message shows it (long values cut). */
function describeKeyValue(value: unknown): string {
  const text = value instanceof Date ? value.toISOString() : typeof value === "bigint" ? `${value}n` : typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function pick(item: StoredItem, fields: readonly string[]): KeyValues {
  const out: KeyValues = {};
  for (const f of fields) out[f] = item[f];
  return out;
}

function noop(): void {}

/** Memoizes a computation that may never be needed. */
function once<T>(compute: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = compute();
      done = true;
    }
    return value;
  };
}

/**
 * A page whose `cursor` is signed when a caller first reads it (most pages'
 * cursors are never read). To callers `cursor` is an ordinary enumerable own
 * property (spread, JSON and `Object.keys` see it); the signing inputs sit in
 * private fields, behind one shared accessor. Measured cost: an own accessor
 * makes V8 take slow paths when the page is defined and when it resolves a
 * promise, about 0.4 µs per page in all. A getter on the prototype would cost
 * nothing, but `{ ...page }` would then silently drop the cursor.
 */
class LazyCursorPage {
  readonly #cursors: CursorCodec;
  readonly #scope: () => string;
  readonly #position: unknown;
  #cursor: string | undefined;

  private constructor(items: readonly unknown[], extra: object | undefined, cursors: CursorCodec, scope: () => string, position: unknown) {
    // Own properties in the order callers see them: items, the extra fields, then cursor.
    (this as { items?: readonly unknown[] }).items = items;
    if (extra) Object.assign(this, extra);
    this.#cursors = cursors;
    this.#scope = scope;
    this.#position = position;
    Object.defineProperty(this, "cursor", LAZY_CURSOR);
  }

  /** A page of `items` (plus `extra` fields) with a lazily signed `cursor`. */
  static of<P extends { items: readonly unknown[] }>(page: P, extra: Omit<P, "items"> | undefined, cursors: CursorCodec, scope: () => string, position: unknown): P & { cursor?: string | undefined } {
    return new LazyCursorPage(page.items, extra, cursors, scope, position) as unknown as P & { cursor?: string | undefined };
  }

  static cursorOf(page: LazyCursorPage): string {
    page.#cursor ??= page.#cursors.encode(page.#scope(), page.#position);
    return page.#cursor;
  }
}

const LAZY_CURSOR: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: LazyCursorPage) {
    return LazyCursorPage.cursorOf(this);
  },
};

/** The caller's page of a store page: its items, and a lazily signed cursor when more may follow. */
function pageOf(page: StorePage, cursors: CursorCodec, scope: () => string): Page<StoredItem> {
  return page.position === undefined ? { items: page.items } : LazyCursorPage.of<Page<StoredItem>>(page, undefined, cursors, scope, page.position);
}

function jsonBigint(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `${value}n` : value;
}

const NO_OPTIONS: ReadOptions = Object.freeze({});

function itemOf(read: ReadResult<StoredItem>): StoredItem | undefined {
  return read.item;
}

function valueOf(read: CachedRead<StoredItem | undefined>): StoredItem | undefined {
  return read.value;
}
