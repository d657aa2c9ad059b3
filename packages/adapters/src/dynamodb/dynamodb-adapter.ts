/**
 * The DynamoDB adapter, on the AWS SDK v3 document client
 * (`@aws-sdk/lib-dynamodb`). One request per operation: GetItem,
 * BatchGetItem (chunks of 100, unprocessed keys retried with jittered
 * backoff), PutItem / UpdateItem / DeleteItem with condition expressions,
 * Query on the table or a GSI, TransactWriteItems for transactions.
 * Expressions are compiled once per entity (see `dynamodb-statements.ts`).
 */
import { DYNAMODB_CAPABILITIES } from "./dynamodb-capabilities.js";
import type { DynamoDbPort, PortDeleteInput, PortPutInput, PortQueryInput, PortTransactWrite, PortUpdateInput } from "./dynamodb-port.js";
import {
  isPolyxenaError,
  planUniqueClaims,
  PolyxenaError,
  uniqueViolationError,
  type DeleteRequest,
  type EntityModel,
  type ErrorClass,
  type GetManyRequest,
  type GetRequest,
  type PutRequest,
  type QueryRequest,
  type SchemaApplyResult,
  type SchemaPlan,
  type StoreAdapter,
  type StoreCapabilities,
  type StoredItem,
  type StorePage,
  type StoreTransaction,
  type TransactionOptions,
  type UpdateRequest,
  type WriteCondition,
} from "@polyxena/core";
import { dynamoClaimTableName } from "@polyxena/core/stores/dynamodb";
import {
  decodeItem,
  encodeItem,
  encodeKey,
  encodeValue,
  expiryFor,
  fieldsOf,
  fromAttributeValues,
  isExpired,
  keyIdentity,
  positionOf,
  readPosition,
  TTL_ATTRIBUTE,
  type DynamoNative,
  type NativeItem,
} from "./dynamodb-codec.js";
import { cancelledCondition, classifyDynamoDbError, conditionFailureItem, isItemSizeError, isMissingIndexError, wrapDynamoDbError } from "./dynamodb-errors.js";
import { DYNAMODB_MAX_ITEM_BYTES, dynamoItemSize } from "./dynamodb-item-size.js";
import { compareKeyValues, planRange, type RangePlan } from "./dynamodb-key-range.js";
import { applyDynamoDbSchema, planDynamoDbSchema } from "./dynamodb-schema.js";
import { DynamoDbOutbox } from "./dynamodb-outbox.js";
import { EntityStatements } from "./dynamodb-statements.js";
import { collectTransaction, ownTransaction, transactionConditionFailed, type TransactionEntry } from "./dynamodb-transaction.js";
import { assertClaimSizes, claimGuard, releaseClaimWrite, takeClaimWrite, withGuard } from "./dynamodb-unique-claims.js";
import { applyChanges, assertItemSize, assertKeyValues } from "./dynamodb-write-rules.js";
import { assertKeySizes, DYNAMODB_LIMITS } from "./dynamodb-limits.js";

/** Backoff of BatchGetItem retries of unprocessed keys. */
export interface BatchGetRetryOptions {
  /** Calls per chunk, first one included (default 8). */
  attempts?: number;
  /** First delay (default 20 ms); doubled each time, with full jitter. */
  baseDelayMs?: number;
  /** Largest delay (default 1000 ms). */
  maxDelayMs?: number;
}

/** Settings of a {@link DynamoDbAdapter}, whatever port it sends through. */
export interface DynamoDbAdapterSettings {
  /** Prepended to every table name, e.g. `"dev_"`. */
  tablePrefix?: string | undefined;
  /** Instance name in errors and metrics (default `dynamodb`). */
  name?: string | undefined;
  /** Clock in epoch milliseconds for TTL expiry (default `Date.now`); tests move it forward. */
  now?: (() => number) | undefined;
  batchGetRetry?: BatchGetRetryOptions | undefined;
  /** How long `applySchema` waits for a table to become ACTIVE (default 120 s). */
  tableActiveTimeoutMs?: number | undefined;
}

/** A collected transactional write, as TransactWriteItems takes it. */
type TransactWrite = PortTransactWrite;

const BATCH_GET_CHUNK = DYNAMODB_LIMITS.batchGetItems.max;
/** How often a guarded write (unique claims, change events) is rebuilt when the item changed between its read and its commit. */
const MAX_GUARDED_WRITE_ATTEMPTS = 12;
/** Thrown by `commit` when a guarded write should be rebuilt from a fresh read. */
const RETRY_GUARDED_WRITE = Symbol("retry guarded write");

/**
 * The DynamoDB store adapter, over a {@link DynamoDbPort}. Create it with
 * `createDynamoDbAdapter` (AWS SDK) or `createMemoryDynamoDbAdapter` (in-process tables).
 */
export class DynamoDbAdapter<Client = unknown> implements StoreAdapter {
  readonly kind = "dynamodb" as const;
  readonly name: string;
  readonly capabilities: StoreCapabilities = DYNAMODB_CAPABILITIES;
  /** The port requests go through. */
  readonly port: DynamoDbPort;
  /** The store's outbox: writes of entities with change events record them here, in the same TransactWriteItems. */
  readonly outbox: DynamoDbOutbox;
  /** The native client behind the port (the SDK document client, or the in-process tables), for requests beyond the declared operations. */
  readonly client: Client;
  private readonly tablePrefix: string;
  private readonly now: () => number;
  private readonly retry: Required<BatchGetRetryOptions>;
  private readonly tableActiveTimeoutMs: number;
  private readonly statements = new WeakMap<EntityModel, EntityStatements>();

  constructor(port: DynamoDbPort, options: DynamoDbAdapterSettings = {}, client?: Client) {
    this.port = port;
    this.client = (client ?? port) as Client;
    this.name = options.name ?? "dynamodb";
    this.tablePrefix = options.tablePrefix ?? "";
    this.now = options.now ?? Date.now;
    this.retry = { attempts: 8, baseDelayMs: 20, maxDelayMs: 1000, ...options.batchGetRetry };
    this.tableActiveTimeoutMs = options.tableActiveTimeoutMs ?? 120_000;
    this.outbox = new DynamoDbOutbox({ name: this.name, port, tablePrefix: this.tablePrefix, now: this.now, tableName: (model) => this.tableName(model) });
  }

  /** The DynamoDB table name of an entity (prefix + `model.table`). */
  tableName(model: EntityModel): string {
    return this.statementsFor(model).tableName;
  }

  // The hottest path: no closures, no extra async frame, the clock read only for items carrying a TTL.
  // Eventual reads are GetItem's default, so they send the request a hand-written GetCommand sends.
  async get(request: GetRequest): Promise<StoredItem | undefined> {
    const model = request.op.entity;
    const s = this.statementsFor(model);
    const key = encodeKey(model, request.key);
    assertKeySizes(model, key);
    const input = request.consistency.level === "strong" ? { TableName: s.tableName, Key: key, ConsistentRead: true } : { TableName: s.tableName, Key: key };
    let raw: Record<string, unknown> | undefined;
    try {
      raw = (await (request.signal ? this.port.getItem(input, { abortSignal: request.signal }) : this.port.getItem(input))).Item;
    } catch (error) {
      throw this.failure(error, s.getStatement, false, model);
    }
    if (!raw || (raw[TTL_ATTRIBUTE] != null && isExpired(raw, this.nowSeconds()))) return undefined;
    return decodeItem(model, raw);
  }

  async getMany(request: GetManyRequest): Promise<(StoredItem | undefined)[]> {
    const model = request.op.entity;
    const s = this.statementsFor(model);
    const unique = new Map<string, NativeItem>();
    for (const key of request.keys) unique.set(keyIdentity(model, key), encodeKey(model, key));
    const keys = [...unique.values()];
    for (const key of keys) assertKeySizes(model, key);
    const found = new Map<string, StoredItem>();
    const chunks: NativeItem[][] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_CHUNK) chunks.push(keys.slice(i, i + BATCH_GET_CHUNK));
    await Promise.all(chunks.map((chunk) => this.batchGet(model, s, chunk, request, found)));
    return request.keys.map((key) => found.get(keyIdentity(model, key)));
  }

  private async batchGet(model: EntityModel, s: EntityStatements, chunk: NativeItem[], request: GetManyRequest, found: Map<string, StoredItem>): Promise<void> {
    const consistent = request.consistency.level === "strong";
    let pending = chunk;
    for (let attempt = 1; ; attempt++) {
      const input = { RequestItems: { [s.tableName]: { Keys: pending, ConsistentRead: consistent } } };
      const out = await this.send(() => this.port.batchGetItem(input, abortOptions(request.signal)), () => `BatchGetItem ${s.tableName}`, false, model);
      const nowSeconds = this.nowSeconds();
      for (const raw of out.Responses?.[s.tableName] ?? []) {
        if (isExpired(raw, nowSeconds)) continue;
        const item = decodeItem(model, raw);
        found.set(keyIdentity(model, item), item);
      }
      const unprocessed = out.UnprocessedKeys?.[s.tableName]?.Keys ?? [];
      if (unprocessed.length === 0) return;
      if (attempt >= this.retry.attempts) {
        throw new PolyxenaError("E_UNAVAILABLE", `${unprocessed.length} keys were still unprocessed after ${attempt} BatchGetItem calls`, {
          entity: model.name,
          store: this.name,
          statement: `BatchGetItem ${s.tableName}`,
          fix: "the table is throttled; retry later or raise its capacity",
        });
      }
      // Unprocessed keys come back unmarshalled (numbers as text): re-encode them by field type.
      pending = unprocessed.map((key) => encodeKey(model, decodeItem(model, key)));
      await sleep(this.backoff(attempt), request.signal);
    }
  }

  async put(request: PutRequest): Promise<void> {
    const model = request.op.entity;
    const s = this.statementsFor(model);
    const item = encodeItem(model, request.item, expiryFor(this.now(), request.ttlSeconds));
    assertKeyValues(model, item);
    assertItemSize(model, item);
    const input: PortPutInput = { TableName: s.tableName, Item: item };
    if (request.condition) this.addCondition(input, s, request.condition);
    if (model.unique.length > 0 || request.change) {
      const expiresAt = item[TTL_ATTRIBUTE] as number | undefined;
      await this.writeGuarded(request, request.item, request.condition, model.unique.length > 0, () => ({ write: { Put: input }, after: request.item, bytes: dynamoItemSize(item), expiresAt }));
      return;
    }
    if (request.transaction) {
      this.collect(request.transaction, model, s, { Put: input }, encodeKey(model, request.item), dynamoItemSize(item));
      return;
    }
    await this.send(() => this.port.putItem(input, abortOptions(request.signal)), () => describeRequest("PutItem", input), true, model);
  }

  async update(request: UpdateRequest): Promise<StoredItem | undefined> {
    const model = request.op.entity;
    const s = this.statementsFor(model);
    const fields = fieldsOf(model);
    const setFields: string[] = [];
    const removeFields: string[] = [];
    for (const [field, value] of Object.entries(request.changes)) (value === undefined ? removeFields : setFields).push(field);
    const expiresAt = expiryFor(this.now(), request.ttlSeconds);
    const compiled = s.update(setFields, removeFields, request.condition, expiresAt !== undefined, request.incrementVersion);
    const key = encodeKey(model, request.key);
    assertKeySizes(model, key);
    const values: Record<string, DynamoNative> = { ":now": this.nowSeconds() };
    const written: NativeItem = { ...key };
    compiled.setFields.forEach((field, i) => {
      const value = encodeValue(fields.get(field), request.changes[field]) as DynamoNative;
      values[`:s${i}`] = value;
      written[field] = value;
    });
    if (expiresAt !== undefined) values[":ttl"] = expiresAt;
    if (request.incrementVersion) values[":one"] = 1;
    if (request.condition.kind === "version") values[":expected"] = request.condition.expected;
    assertKeyValues(model, written);
    // The stored item is not known here; its written part alone must already fit.
    assertItemSize(model, written, "the updated part of the item");
    const input: PortUpdateInput = {
      TableName: s.tableName,
      Key: key,
      UpdateExpression: compiled.updateExpression,
      ConditionExpression: compiled.conditionExpression,
      ExpressionAttributeNames: compiled.names as Record<string, string>,
      ExpressionAttributeValues: values,
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    };
    const claims = model.unique.length > 0 && (expiresAt !== undefined || model.unique.some((c) => c.fields.some((f) => f in request.changes)));
    if (claims || request.change) {
      return this.writeGuarded(request, request.key, request.condition, claims, (before) => ({
        write: { Update: { ...input, UpdateExpression: compiled.updateExpression } },
        after: before && applyChanges(before, request.changes, request.incrementVersion),
        bytes: dynamoItemSize(written),
        expiresAt,
      }));
    }
    if (request.transaction) {
      this.collect(request.transaction, model, s, { Update: { ...input, UpdateExpression: compiled.updateExpression } }, key, dynamoItemSize(written));
      // DynamoDB returns nothing before commit: predict the item from a strong read.
      const current = await this.get({ op: request.op, consistency: { level: "strong" }, key: request.key, signal: request.signal });
      return current ? applyChanges(current, request.changes, request.incrementVersion) : undefined;
    }
    input.ReturnValues = "ALL_NEW";
    const out = await this.send(() => this.port.updateItem(input, abortOptions(request.signal)), () => describeRequest("UpdateItem", input), true, model);
    return out.Attributes ? decodeItem(model, out.Attributes) : undefined;
  }

  async delete(request: DeleteRequest): Promise<void> {
    const model = request.op.entity;
    const s = this.statementsFor(model);
    const key = encodeKey(model, request.key);
    assertKeySizes(model, key);
    const input: PortDeleteInput = { TableName: s.tableName, Key: key };
    if (request.condition) this.addCondition(input, s, request.condition);
    if (model.unique.length > 0 || request.change) {
      await this.writeGuarded(request, request.key, request.condition, model.unique.length > 0, () => ({ write: { Delete: input }, after: undefined, bytes: dynamoItemSize(key) }));
      return;
    }
    if (request.transaction) {
      this.collect(request.transaction, model, s, { Delete: input }, key, dynamoItemSize(key));
      return;
    }
    await this.send(() => this.port.deleteItem(input, abortOptions(request.signal)), () => describeRequest("DeleteItem", input), true, model);
  }

  async query(request: QueryRequest): Promise<StorePage> {
    const model = request.op.entity;
    const query = request.op.query;
    if (!query) throw new PolyxenaError("E_VALIDATION", `operation ${request.op.id} is not a declared query`, { entity: model.name, store: this.name });
    const s = this.statementsFor(model);
    const compiled = s.query(query);
    const access = compiled.access;
    const strong = request.consistency.level === "strong";
    if (access.indexName && strong) {
      throw new PolyxenaError("E_UNSUPPORTED", `query ${query.name} reads the global secondary index ${access.indexName}, which cannot be read strongly`, {
        entity: model.name,
        store: this.name,
        fix: "read this query with eventual consistency",
      });
    }
    const fields = fieldsOf(model);
    const sortField = access.sort === undefined ? undefined : fields.get(access.sort);
    const plan: RangePlan = sortField ? planRange(sortField, request.range) : { kind: "all" };
    if (plan.kind === "empty") return { items: [] };
    const keyCondition = compiled.keyCondition(plan);
    const values: Record<string, DynamoNative> = { ":p": encodeValue(fields.get(access.partition), request.params[access.partition]) as DynamoNative };
    assertKeySizes(model, { [access.partition]: values[":p"]! }, "params");
    if (plan.kind === "single") values[":b"] = plan.value;
    if (plan.kind === "between") Object.assign(values, { ":lo": plan.lo, ":hi": plan.hi });
    const encodeStart = (item: StoredItem): NativeItem => {
      const out: NativeItem = {};
      for (const attr of access.positionAttributes) out[attr] = encodeValue(fields.get(attr), item[attr]) as DynamoNative;
      return out;
    };
    let start = request.position === undefined ? undefined : encodeStart(readPosition(model, request.position, access.positionAttributes));
    // One item beyond the page tells whether another page exists, so the last page carries no position.
    const want = request.limit + 1;
    const items: StoredItem[] = [];
    const dropEnds = plan.kind === "between" && (plan.excludeLo || plan.excludeHi);
    for (;;) {
      const input: PortQueryInput = {
        TableName: s.tableName,
        IndexName: access.indexName,
        KeyConditionExpression: keyCondition.expression,
        ExpressionAttributeNames: keyCondition.names as Record<string, string>,
        ExpressionAttributeValues: values,
        ScanIndexForward: access.ascending !== request.reverse,
        Limit: want - items.length,
        ExclusiveStartKey: start,
        ConsistentRead: strong,
      };
      const out = await this.send(() => this.port.query(input, abortOptions(request.signal)), () => describeRequest("Query", input), false, model);
      const nowSeconds = this.nowSeconds();
      for (const raw of out.Items ?? []) {
        if (isExpired(raw, nowSeconds)) continue;
        const item = decodeItem(model, raw);
        if (dropEnds && plan.kind === "between") {
          const value = encodeValue(sortField, item[access.sort!]);
          if ((plan.excludeLo && compareKeyValues(value, plan.lo) === 0) || (plan.excludeHi && compareKeyValues(value, plan.hi) === 0)) continue;
        }
        items.push(item);
      }
      if (items.length >= want || !out.LastEvaluatedKey) break;
      start = encodeStart(decodeItem(model, out.LastEvaluatedKey));
    }
    if (items.length <= request.limit) return { items };
    items.length = request.limit;
    return { items, position: positionOf(items[request.limit - 1]!, access.positionAttributes) };
  }

  /**
   * Runs `work`, collecting its writes, then commits them in one
   * TransactWriteItems call (all or nothing). Reads inside go straight to
   * the table and do not see the transaction's own writes. DynamoDB
   * transactions are serializable; `options.isolation` is not used.
   */
  async transaction<T>(work: (tx: StoreTransaction) => Promise<T>, _options: TransactionOptions): Promise<T> {
    const { result, entries } = await collectTransaction<TransactWrite, T>(this.name, work);
    if (entries.length === 0) return result;
    await this.commit(entries, undefined);
    return result;
  }

  /**
   * Sends collected writes as one TransactWriteItems. A failed unique-claim
   * condition is `E_ALREADY_EXISTS` naming the constraint; another failed
   * condition is `E_CONDITION_FAILED` with the item, unless `retry(index)`
   * says the write should be rebuilt (then {@link RetryClaimedWrite}).
   */
  private async commit(entries: readonly TransactionEntry<TransactWrite>[], signal: AbortSignal | undefined, retry?: (index: number) => boolean): Promise<void> {
    const input = { TransactItems: entries.map((e) => e.write) };
    const statement = `TransactWriteItems (${entries.length} writes: ${entries.map((e) => describeWrite(e.write)).join("; ")})`;
    try {
      await this.port.transactWriteItems(input, abortOptions(signal));
    } catch (error) {
      const failed = cancelledCondition(error);
      if (failed) {
        const entry = entries[failed.index];
        if (entry?.constraint) throw uniqueViolationError(entry.model, entry.constraint, { store: this.name, statement, cause: error });
        if (retry?.(failed.index)) throw RETRY_GUARDED_WRITE;
        if (entry?.rebuild === "version") {
          throw new PolyxenaError("E_UNAVAILABLE", "other writes of this key kept getting in between: the write was not applied", {
            entity: entry.model.name,
            operation: "transaction",
            store: this.name,
            statement,
            outcome: "not-applied",
            fix: "retry the write; concurrent writers of one key with change events are serialized by the key's outbox version",
            cause: error,
          });
        }
        const current = entry && failed.item ? this.currentFrom(entry.model, failed.item) : undefined;
        throw transactionConditionFailed(this.name, failed.index, entry?.model, statement, current, error);
      }
      throw wrapDynamoDbError(error, { store: this.name, statement, write: true });
    }
  }

  /**
   * A write that must be built from the item as it is: one with unique
   * claims (`claims`) or one that records a change event (`request.change`).
   * Reads the key's outbox version (for events), then the item strongly,
   * then sends the write with the claims it takes and releases and the
   * outbox writes in one TransactWriteItems, or adds them all to the
   * caller's transaction. The item write is guarded on the item still being
   * as read (claims) and the outbox writes on the version being unchanged
   * (events); when another write got in between, it reads again and
   * retries, a few times. Returns the item as written (undefined for a delete).
   */
  private async writeGuarded(
    request: PutRequest | UpdateRequest | DeleteRequest,
    key: StoredItem,
    condition: WriteCondition | undefined,
    claims: boolean,
    build: (before: StoredItem | undefined) => { write: TransactWrite; after: StoredItem | undefined; bytes: number; expiresAt?: number | undefined },
  ): Promise<StoredItem | undefined> {
    const model = request.op.entity;
    const s = this.statementsFor(model);
    const claimTable = dynamoClaimTableName(model, this.tablePrefix);
    const keyOnly = Object.fromEntries(model.key.fields.map((f) => [f, key[f]]));
    const rebuildable = condition === undefined || condition.kind === "exists";
    const change = request.change;
    for (let attempt = 1; ; attempt++) {
      // The version is read before the item: the transaction's condition on it then vouches for the item read.
      const version = change ? await this.outbox.readVersion(change, request.signal) : undefined;
      const before = await this.get({ op: request.op, consistency: { level: "strong" }, key: keyOnly, signal: request.signal });
      const built = build(before);
      const entries: TransactionEntry<TransactWrite>[] = [];
      const identity = `${s.tableName}|${keyIdentity(model, keyOnly)}`;
      if (claims) {
        const nowSeconds = this.nowSeconds();
        const plan = planUniqueClaims(model, before, built.after);
        // A write that renews the TTL renews the claims it keeps too.
        const takes = built.expiresAt !== undefined ? [...plan.take, ...plan.keep] : plan.take;
        assertClaimSizes(model, takes);
        const guard = claimGuard(model, before, nowSeconds);
        const write: TransactWrite = built.write.Put
          ? { Put: withGuard(built.write.Put, guard) }
          : built.write.Update
            ? { Update: withGuard(built.write.Update, guard) }
            : { Delete: withGuard(built.write.Delete!, guard) };
        entries.push(
          { write, model, identity, bytes: built.bytes, rebuild: rebuildable ? "guard" : undefined },
          ...takes.map((c) => ({ write: takeClaimWrite(model, this.tablePrefix, c, keyOnly, nowSeconds, built.expiresAt) as TransactWrite, model, identity: `${claimTable}|${c.claim}`, bytes: c.claim.length + 64, constraint: c.constraint })),
          ...plan.release.map((c) => ({ write: releaseClaimWrite(model, this.tablePrefix, c, keyOnly) as TransactWrite, model, identity: `${claimTable}|${c.claim}`, bytes: c.claim.length + 64 })),
        );
      } else {
        entries.push({ write: built.write, model, identity, bytes: built.bytes });
      }
      if (change && version) {
        const changed = built.after ?? before;
        const outboxIdentity = this.outbox.versionIdentity(version);
        if (changed === undefined) {
          // A delete of nothing records no event, but is still ordered with the key's writes.
          entries.push({ write: this.outbox.versionCheck(version), model, identity: outboxIdentity, bytes: 64, rebuild: "version" });
        } else {
          const recorded = this.outbox.recordWrites(change, version, built.after ? "put" : "delete", changed);
          const [versionWrite, eventWrite] = recorded.writes;
          entries.push({ write: versionWrite!, model, identity: outboxIdentity, bytes: 128, rebuild: "version" }, { write: eventWrite!, model, identity: `${this.outbox.tableName}|event|${change.id}`, bytes: recorded.eventBytes });
        }
      }
      if (request.transaction) {
        const tx = ownTransaction<TransactWrite>(request.transaction);
        for (const entry of entries) tx.add(entry);
        return built.after;
      }
      try {
        await this.commit(entries, request.signal, (index) => entries[index]?.rebuild !== undefined && attempt < MAX_GUARDED_WRITE_ATTEMPTS);
        return built.after;
      } catch (error) {
        if (error === RETRY_GUARDED_WRITE) {
          await sleep(Math.random() * Math.min(50, 2 ** attempt), request.signal);
          continue;
        }
        throw isPolyxenaError(error) ? error.withContext({ entity: model.name }) : error;
      }
    }
  }

  /** Creates the tables and GSIs of these entities (idempotent), waits until ACTIVE, enables TTL where declared. */
  async applySchema(entities: readonly EntityModel[]): Promise<SchemaApplyResult> {
    return applyDynamoDbSchema(this.port, entities, { tablePrefix: this.tablePrefix, timeoutMs: this.tableActiveTimeoutMs, store: this.name });
  }

  /** The differences between these entities' tables and the endpoint (DescribeTable); changes nothing. */
  async planSchema(entities: readonly EntityModel[]): Promise<SchemaPlan> {
    return planDynamoDbSchema(this.port, entities, { tablePrefix: this.tablePrefix, timeoutMs: this.tableActiveTimeoutMs, store: this.name });
  }

  classifyError(error: unknown): ErrorClass {
    return classifyDynamoDbError(error);
  }

  async close(): Promise<void> {
    this.port.destroy();
  }

  // ---- helpers ------------------------------------------------------------

  /** The compiled statements of an entity (once per adapter and entity). */
  protected statementsFor(model: EntityModel): EntityStatements {
    let s = this.statements.get(model);
    if (!s) {
      s = new EntityStatements(model, this.tablePrefix);
      this.statements.set(model, s);
    }
    return s;
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  private addCondition(input: PortPutInput | PortDeleteInput, s: EntityStatements, condition: WriteCondition): void {
    const compiled = s.condition(condition);
    input.ConditionExpression = compiled.expression;
    input.ExpressionAttributeNames = compiled.names as Record<string, string>;
    input.ExpressionAttributeValues = condition.kind === "version" ? { ":now": this.nowSeconds(), ":expected": condition.expected } : { ":now": this.nowSeconds() };
    input.ReturnValuesOnConditionCheckFailure = "ALL_OLD";
  }

  private collect(handle: StoreTransaction, model: EntityModel, s: EntityStatements, write: TransactWrite, key: NativeItem, bytes: number): void {
    ownTransaction<TransactWrite>(handle).add({ write, model, identity: `${s.tableName}|${keyIdentity(model, decodeItem(model, key))}`, bytes });
  }

  private currentFrom(model: EntityModel, rawAttributeValues: Record<string, unknown>): StoredItem | undefined {
    const raw = fromAttributeValues(rawAttributeValues);
    return isExpired(raw, this.nowSeconds()) ? undefined : decodeItem(model, raw);
  }

  private async send<T>(call: () => Promise<T>, statement: () => string, write: boolean, model: EntityModel): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.failure(error, statement(), write, model);
    }
  }

  /** The Polyxena error for a failed request. */
  private failure(error: unknown, statement: string, write: boolean, model: EntityModel): PolyxenaError {
    if (classifyDynamoDbError(error) === "condition") {
      const item = conditionFailureItem(error);
      return new PolyxenaError("E_CONDITION_FAILED", "the write condition was not met", {
        entity: model.name,
        store: this.name,
        statement,
        current: item ? this.currentFrom(model, item) : undefined,
        cause: error,
      });
    }
    if (isItemSizeError(error)) {
      return new PolyxenaError("E_VALIDATION", `the item would exceed DynamoDB's ${DYNAMODB_MAX_ITEM_BYTES} bytes`, {
        entity: model.name,
        store: this.name,
        statement,
        issues: [{ path: [], message: "item size exceeds 400 KB", code: "too_big" }],
        cause: error,
      });
    }
    if (isMissingIndexError(error)) {
      return new PolyxenaError("E_VALIDATION", `${(error as Error).message}: the table was created before this query was declared`, {
        entity: model.name,
        store: this.name,
        statement,
        issues: [{ path: ["query"], message: "the table has no such index" }],
        fix: "apply the schema (polyxena schema apply, or adapter.applySchema) so the table gets the query's GSI",
        cause: error,
      });
    }
    return wrapDynamoDbError(error, { store: this.name, statement, write, entity: model.name });
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.random() * ceiling;
  }
}

/** SDK send options carrying the caller's signal, when there is one. */
function abortOptions(signal: AbortSignal | undefined): { abortSignal: AbortSignal } | undefined {
  return signal ? { abortSignal: signal } : undefined;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Readable request text for errors: operation, table, index and expressions, never values. */
function describeRequest(operation: string, input: { TableName?: string | undefined; IndexName?: string | undefined; KeyConditionExpression?: string | undefined; UpdateExpression?: string | undefined; ConditionExpression?: string | undefined; ExpressionAttributeNames?: Record<string, string> | undefined }): string {
  const parts = [`${operation} ${input.TableName ?? ""}${input.IndexName ? ` INDEX ${input.IndexName}` : ""}`];
  if (input.KeyConditionExpression) parts.push(`KeyConditionExpression: ${input.KeyConditionExpression}`);
  if (input.UpdateExpression) parts.push(`UpdateExpression: ${input.UpdateExpression}`);
  if (input.ConditionExpression) parts.push(`ConditionExpression: ${input.ConditionExpression}`);
  if (input.ExpressionAttributeNames) parts.push(`names: ${JSON.stringify(input.ExpressionAttributeNames)}`);
  return parts.join("; ");
}

function describeWrite(write: TransactWrite): string {
  if (write.Put) return describeRequest("Put", write.Put);
  if (write.Update) return describeRequest("Update", write.Update);
  if (write.Delete) return describeRequest("Delete", write.Delete);
  return "ConditionCheck";
}
