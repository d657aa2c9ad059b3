/**
 * The store adapter port: the small interface between core and a backend.
 *
 * Core hands an adapter structured requests that carry an
 * {@link OperationDescriptor}. Descriptors are created once per repository
 * and are stable objects, so an adapter compiles each one to a native
 * statement once per process (e.g. in a `WeakMap<OperationDescriptor, ...>`)
 * and reuses it.
 *
 * Values crossing the port are domain values, exactly as the zod schema
 * outputs them: `Date` for date fields, `bigint` for bigint fields, arrays,
 * plain objects. Each adapter converts to and from its store's encoding.
 *
 * Adapters throw {@link PolyxenaError}s for conditions they detect
 * (`E_CONDITION_FAILED`, `E_ALREADY_EXISTS`, `E_VALIDATION` for limits such
 * as item size, `E_UNSUPPORTED`) with `statement` set; anything else they
 * throw is wrapped by core as `E_STORE` (or the code of the class
 * {@link StoreAdapter.classifyError} gives it: `E_TIMEOUT`, `E_UNAVAILABLE`,
 * `E_VALIDATION` for the caller's mistakes, ...).
 */
import type { ConsistencyLevelModel, EntityModel, QueryModel, SortOrder, StoreKind } from "./entity-model.js";
import type { PolyxenaErrorCode } from "./errors.js";
import type { StoreLimit } from "./store-limits.js";
import type { ChangeRecordRequest } from "./events/change-event.js";
import type { OutboxPort } from "./events/outbox-port.js";

/** What an adapter supports. Core decides behaviour from these flags. */
export interface StoreCapabilities {
  /** `ifNotExists`, `ifExists` and expected-version conditions. */
  conditionalWrites: boolean;
  /** Rows expire by themselves (`ttlSeconds` is honoured). */
  rowTtl: boolean;
  /** `transaction()` is available. */
  transactions: boolean;
  /** Updates of a versioned entity without `expectedVersion` can increment the version atomically. */
  atomicVersionIncrement: boolean;
  /** `update` returns the item as stored after the update (otherwise core reads it back). */
  returnsUpdatedItem: boolean;
  /** `search()` is available. */
  search: boolean;
  /** Largest item the store accepts, in bytes, when it has a limit. */
  maxItemBytes?: number | undefined;
  /**
   * Limits a request can break (key sizes, id length, batch sizes), declared by
   * the store's own module. The adapter checks them before the call and refuses
   * with `E_VALIDATION` naming the limit ({@link limitExceeded}).
   */
  limits?: Readonly<Record<string, StoreLimit>> | undefined;
}

/** Capabilities of an adapter that supports nothing optional. */
export const BASE_CAPABILITIES: StoreCapabilities = {
  conditionalWrites: false,
  rowTtl: false,
  transactions: false,
  atomicVersionIncrement: false,
  returnsUpdatedItem: false,
  search: false,
};

/** A stored item in domain values (field name -> value). */
export type StoredItem = Record<string, unknown>;

/** Primary-key field values of one item. */
export type KeyValues = Record<string, unknown>;

/** The kinds of operation a repository performs. */
/** `publish`: the outbox relay delivering a change event to a sink. */
export type OperationKind = "get" | "getMany" | "put" | "update" | "delete" | "query" | "search" | "publish";

/**
 * One operation of one entity, created once per repository. Adapters key
 * their compiled statements on this object.
 */
export interface OperationDescriptor {
  /** Stable id, e.g. `ViewingHistory.get` or `ViewingHistory.query.historyForProfile`. */
  readonly id: string;
  readonly kind: OperationKind;
  readonly entity: EntityModel;
  /** The declared query, for `query` operations. */
  readonly query?: QueryModel | undefined;
  /** Whether repeating the operation cannot change its outcome (safe to retry). */
  readonly idempotent: boolean;
}

/** Opaque handle of a store transaction, created by the adapter. */
export interface StoreTransaction {
  readonly store: string;
}

/** Fields common to every request. */
export interface StoreRequestBase {
  readonly op: OperationDescriptor;
  /** Resolved consistency for this call (entity default or per-call override). */
  readonly consistency: ConsistencyLevelModel;
  readonly signal?: AbortSignal | undefined;
  /**
   * Set when the call runs inside `repos.transaction(...)`. Core checks it once
   * for every adapter: it is a handle this adapter's own `transaction()` made,
   * and that transaction is still open. Adapters use it without checking again.
   */
  readonly transaction?: StoreTransaction | undefined;
}

/** Read one item by primary key. */
export interface GetRequest extends StoreRequestBase {
  readonly key: KeyValues;
}

/** Read several items by primary key. The result is aligned with `keys`. */
export interface GetManyRequest extends StoreRequestBase {
  readonly keys: readonly KeyValues[];
}

/** The item must not exist yet (only a put can create it). */
export interface NotExistsCondition {
  readonly kind: "notExists";
}

/** The item must exist. */
export interface ExistsCondition {
  readonly kind: "exists";
}

/** The stored version field must equal `expected` (and the item must exist). */
export interface VersionCondition {
  readonly kind: "version";
  readonly field: string;
  readonly expected: number;
}

/** The precondition of a put: create only (`ifNotExists`) or replace an expected version. */
export type PutCondition = NotExistsCondition | VersionCondition;

/** The precondition of an update: it never creates, so the item exists, at an expected version or any. */
export type UpdateCondition = ExistsCondition | VersionCondition;

/** The precondition of a delete (`ifExists` or an expected version). */
export type DeleteCondition = ExistsCondition | VersionCondition;

/** Any write precondition, for code shared by every write (errors, compiled condition expressions). */
export type WriteCondition = PutCondition | UpdateCondition | DeleteCondition;

/** Write a whole item (insert or replace). */
export interface PutRequest extends StoreRequestBase {
  readonly item: StoredItem;
  readonly condition?: PutCondition | undefined;
  /** Row TTL in seconds, when the store has row TTL. */
  readonly ttlSeconds?: number | undefined;
  /** Set for entities with events: record the change event atomically with this write (see {@link StoreAdapter.outbox}). */
  readonly change?: ChangeRecordRequest | undefined;
}

/** Write many whole items (insert or replace), each on its own. */
export interface PutManyRequest extends StoreRequestBase {
  readonly items: readonly StoredItem[];
  readonly ttlSeconds?: number | undefined;
}

/** One item of a bulk write that the store refused; `index` points into the request's items. */
export interface BulkItemFailure {
  index: number;
  error: unknown;
}

/** Change some fields of an existing item. */
export interface UpdateRequest extends StoreRequestBase {
  readonly key: KeyValues;
  /** Fields to set (never key fields). `undefined` removes an optional field. */
  readonly changes: StoredItem;
  /** Always present: at least `exists`, since updates never create items. */
  readonly condition: UpdateCondition;
  /** When set, the adapter increments this integer field atomically (no expected version given). */
  readonly incrementVersion?: string | undefined;
  readonly ttlSeconds?: number | undefined;
  /** Set for entities with events: record the change event atomically with this write. */
  readonly change?: ChangeRecordRequest | undefined;
}

/** Delete one item. */
export interface DeleteRequest extends StoreRequestBase {
  readonly key: KeyValues;
  readonly condition?: DeleteCondition | undefined;
  /** Set for entities with events: record a tombstone event atomically with the delete (none when nothing was deleted). */
  readonly change?: ChangeRecordRequest | undefined;
}

/** A range restriction on the query's range field. */
export interface RangeCondition {
  gt?: unknown;
  gte?: unknown;
  lt?: unknown;
  lte?: unknown;
}

/** Run a declared query. */
export interface QueryRequest extends StoreRequestBase {
  /** Equality values for every field of `op.query.by`. */
  readonly params: StoredItem;
  readonly range?: RangeCondition | undefined;
  /** Return the declared order reversed. */
  readonly reverse: boolean;
  readonly limit: number;
  /** Where the previous page ended, as this adapter returned it. */
  readonly position?: unknown;
}

/** A page of results; `position` is absent on the last page. */
export interface StorePage {
  items: StoredItem[];
  /** JSON-serializable resume point; core wraps it in a signed cursor. */
  position?: unknown;
}

/** A filter value: a term, a set of terms, a range, or an existence test. */
export type SearchFilterValue =
  | string
  | number
  | boolean
  | Date
  | readonly (string | number | boolean | Date)[]
  | { gt?: unknown; gte?: unknown; lt?: unknown; lte?: unknown }
  | { exists: boolean };

/** Full-text search with exact filters. */
export interface SearchRequest extends StoreRequestBase {
  /** User text, matched against the entity's declared text fields (never parsed as query syntax). */
  readonly text?: string | undefined;
  /** Restrict the text match to some of the declared text fields. */
  readonly fields?: readonly string[] | undefined;
  /** The text's last word matches as a word prefix (search-as-you-type suggestions). */
  readonly asYouType?: boolean | undefined;
  readonly filter: Readonly<Record<string, SearchFilterValue>>;
  /** Explicit sort; empty means relevance (then id as tiebreaker). */
  readonly sort: readonly { field: string; order: SortOrder }[];
  readonly limit: number;
  readonly position?: unknown;
  readonly highlight: boolean;
}

/** One search hit's metadata, aligned with `items`. */
export interface SearchHit {
  score: number | null;
  highlights?: Record<string, string[]> | undefined;
}

/** A page of search results. */
export interface SearchPage extends StorePage {
  total: number;
  hits: SearchHit[];
}

/** Options of `transaction()`. */
export interface TransactionOptions {
  /** Native isolation level, e.g. `serializable` on Postgres. */
  isolation?: string | undefined;
}

/**
 * Classification of a driver error, so core can map it to a stable code.
 * `invalid` is a request the store refused as the caller's mistake (a key
 * over its size limit, a value of the wrong type, a malformed document):
 * it is `E_VALIDATION` and, like every class but `timeout`, `unavailable`
 * and `store`, never counts against the store's health (breakers, retries).
 */
export type ErrorClass = "timeout" | "unavailable" | "condition" | "already-exists" | "invalid" | "store";

const CLASS_CODES: Readonly<Record<ErrorClass, PolyxenaErrorCode>> = {
  timeout: "E_TIMEOUT",
  unavailable: "E_UNAVAILABLE",
  condition: "E_CONDITION_FAILED",
  "already-exists": "E_ALREADY_EXISTS",
  invalid: "E_VALIDATION",
  store: "E_STORE",
};

/** The stable code of an error class. */
export function errorCodeOfClass(kind: ErrorClass): PolyxenaErrorCode {
  return CLASS_CODES[kind];
}

/** The class of an error an adapter already mapped to a Polyxena code (codes without a class of their own are `store`). */
export function errorClassOfCode(code: PolyxenaErrorCode): ErrorClass {
  switch (code) {
    case "E_TIMEOUT":
      return "timeout";
    case "E_UNAVAILABLE":
      return "unavailable";
    case "E_CONDITION_FAILED":
      return "condition";
    case "E_ALREADY_EXISTS":
      return "already-exists";
    case "E_VALIDATION":
      return "invalid";
    default:
      return "store";
  }
}

/** Result of applying a physical schema. */
export interface SchemaApplyResult {
  /** Statements or requests that changed something. */
  applied: string[];
  /** Statements or requests that found the object already in place. */
  unchanged: string[];
}

/**
 * One difference between the declared schema and the live store, and the
 * statement or request that closes it.
 * - `additive`: adds something (a table, column, index, GSI, mapping field,
 *   constraint, or relaxes a NOT NULL); `applySchema` makes it.
 * - `destructive`: removes or rewrites something (a column, a type, a key,
 *   a NOT NULL on existing rows); made only with `allowDestructive`.
 * - `incompatible`: the store cannot make it in place at all (a DynamoDB key,
 *   a Cassandra column type); never made, `reason` says what to do instead.
 */
export interface SchemaChange {
  kind: "additive" | "destructive" | "incompatible";
  /** The statement or request that makes the change (or would, for `incompatible`). */
  statement: string;
  /** Why the change is destructive or incompatible, and the fix. */
  reason?: string | undefined;
}

/** What `planSchema` found: the changes to make and what is already in place. */
export interface SchemaPlan {
  changes: SchemaChange[];
  /** Statements whose object is already in place as declared. */
  unchanged: string[];
}

/** Options of `applySchema`. */
export interface SchemaApplyOptions {
  /** Make `destructive` changes too (never `incompatible` ones). Default false: refuse them with the reason, changing nothing. */
  allowDestructive?: boolean | undefined;
}

/** A store backend. Every adapter (real or in-memory) implements this. */
export interface StoreAdapter {
  readonly kind: StoreKind;
  /** Instance id used in errors and metrics, e.g. `postgres` or `cassandra:viewing`. */
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  get(request: GetRequest): Promise<StoredItem | undefined>;
  getMany(request: GetManyRequest): Promise<(StoredItem | undefined)[]>;
  put(request: PutRequest): Promise<void>;
  /**
   * Native bulk write (Elasticsearch `_bulk`, DynamoDB BatchWrite, ...).
   * Resolves with the items the store refused; the others are written.
   * Without it, core writes the items one by one.
   */
  putMany?(request: PutManyRequest): Promise<BulkItemFailure[]>;
  /** Returns the stored item when `capabilities.returnsUpdatedItem`. */
  update(request: UpdateRequest): Promise<StoredItem | undefined>;
  delete(request: DeleteRequest): Promise<void>;
  /**
   * Store-native external versioning for projections: writes the item only
   * when `version` is newer than the version the store holds for the key
   * (`orEqual`: or equal), in one request whatever order events arrive in.
   * Resolves whether it wrote. Without it, core reads the target and writes
   * with a version condition.
   */
  putIfNewer?(request: PutRequest, version: number, orEqual: boolean): Promise<boolean>;
  /** Deletes the item unless the store holds a version newer than `version` (see {@link StoreAdapter.putIfNewer}). Resolves whether it deleted. */
  deleteIfNewer?(request: DeleteRequest, version: number): Promise<boolean>;
  query(request: QueryRequest): Promise<StorePage>;
  search?(request: SearchRequest): Promise<SearchPage>;
  transaction?<T>(work: (tx: StoreTransaction) => Promise<T>, options: TransactionOptions): Promise<T>;
  /**
   * Brings the live store to the declared schema of these entities, compared
   * by introspection: makes additive changes, refuses destructive ones
   * (`E_DEFINITION` with the reasons, changing nothing) unless
   * `allowDestructive`, and reports only what it changed.
   */
  applySchema?(entities: readonly EntityModel[], options?: SchemaApplyOptions): Promise<SchemaApplyResult>;
  /** The differences `applySchema` would act on, read from the live store, changing nothing. */
  planSchema?(entities: readonly EntityModel[]): Promise<SchemaPlan>;
  /**
   * The store's outbox, when the adapter records change events: a write
   * request with `change` then records the event (with the next per-key
   * version) atomically with the write, or neither. Adapters without it
   * cannot serve entities that declare `events`.
   */
  readonly outbox?: OutboxPort | undefined;
  /** Maps a driver error to a class; unknown errors are `store`. */
  classifyError?(error: unknown): ErrorClass;
  close(): Promise<void>;
}

/** Adapters by store: a kind (`"postgres"`) or a named instance (`"cassandra:viewing"`). */
export type StoreMap = Readonly<Record<string, StoreAdapter>>;
