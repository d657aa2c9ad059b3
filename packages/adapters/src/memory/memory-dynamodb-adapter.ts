/**
 * An in-memory DynamoDB adapter with the real adapter's semantics, for
 * tests: the same item encoding and 400 KB size computation, the same
 * condition expressions' meaning (`E_CONDITION_FAILED` with the current
 * item), GSI queries (never readable strongly), TTL expiry through an
 * injectable clock, all-or-nothing transactions with DynamoDB's limits, and
 * deep copies in and out.
 *
 * Consistency: strongly and eventually consistent reads are both served
 * from the latest write (eventual reads are modelled as immediately
 * consistent); strong reads of a GSI are refused as DynamoDB refuses them.
 * Tables are created on first use; `applySchema` creates them up front.
 */
import { DYNAMODB_CAPABILITIES } from "../dynamodb/dynamodb-capabilities.js";
import {
  dynamoClaimTableName,
  isPolyxenaError,
  planUniqueClaims,
  PolyxenaError,
  uniqueClaimOwner,
  uniqueFields,
  uniqueViolationError,
  type DeleteRequest,
  type EntityModel,
  type GetManyRequest,
  type GetRequest,
  type PutRequest,
  type QueryRequest,
  type SchemaApplyResult,
  type SchemaPlan,
  buildDynamoDbTables,
  type StoreAdapter,
  type StoreCapabilities,
  type StoredItem,
  type StorePage,
  type StoreTransaction,
  type TransactionOptions,
  type UpdateRequest,
} from "@polyxena/core";
import { queryAccess } from "../dynamodb/dynamodb-access.js";
import { compareKeyValues } from "../dynamodb/dynamodb-key-range.js";
import { encodeItem, encodeKey, encodeValue, expiryFor, fieldsOf, isExpired, positionOf, readPosition, TTL_ATTRIBUTE, type NativeItem } from "../dynamodb/dynamodb-codec.js";
import { dynamoItemSize } from "../dynamodb/dynamodb-item-size.js";
import { planRange, type RangePlan } from "../dynamodb/dynamodb-key-range.js";
import { collectTransaction, ownTransaction, transactionConditionFailed } from "../dynamodb/dynamodb-transaction.js";
import { applyChanges, assertItemSize, assertKeyValues } from "../dynamodb/dynamodb-write-rules.js";
import { assertKeySizes } from "../dynamodb/dynamodb-limits.js";
import { assertClaimSizes } from "../dynamodb/dynamodb-unique-claims.js";
import { MemoryDynamoDbTable } from "./memory-dynamodb-table.js";
import { diffDynamoDbTable, type LiveDynamoDbTable } from "../dynamodb/dynamodb-schema.js";
import { refusedSchemaChanges } from "@polyxena/core";

/** Options of {@link createMemoryDynamoDbAdapter}. */
export interface MemoryDynamoDbAdapterOptions {
  /** Instance name in errors and metrics (default `dynamodb`). */
  name?: string | undefined;
  /** Prepended to table names, as in the real adapter. */
  tablePrefix?: string | undefined;
  /** Clock in epoch milliseconds for TTL expiry (default `Date.now`). */
  now?: (() => number) | undefined;
}

/** A write prepared for now or for commit: `check` throws when its condition fails, `apply` stores it. */
interface MemoryWrite {
  check(nowSeconds: number): void;
  apply(nowSeconds: number): void;
}

/**
 * Creates an in-memory DynamoDB adapter.
 *
 * @example
 * const repos = createRepositories({ stores: { dynamodb: createMemoryDynamoDbAdapter() } });
 */
export function createMemoryDynamoDbAdapter(options: MemoryDynamoDbAdapterOptions = {}): MemoryDynamoDbAdapter {
  return new MemoryDynamoDbAdapter(options);
}

/** The in-memory DynamoDB adapter. */
export class MemoryDynamoDbAdapter implements StoreAdapter {
  readonly kind = "dynamodb" as const;
  readonly name: string;
  readonly capabilities: StoreCapabilities = DYNAMODB_CAPABILITIES;
  private readonly tables = new Map<string, MemoryDynamoDbTable>();
  /** Unique claims: `<claims table>|<claim>` -> owner key text (and `_ttl` when it expires with its item). */
  private readonly claims = new Map<string, { owner: string; [TTL_ATTRIBUTE]?: number }>();
  private readonly tablePrefix: string;
  private readonly now: () => number;
  /**
   * The live catalog: each table's key schema and GSIs as DescribeTable would report
   * them, recorded when the table is created (on first use or by `applySchema`) and when
   * `applySchema` adds a GSI. `planSchema` compares the declared tables with it.
   */
  private readonly catalog = new Map<string, LiveDynamoDbTable>();

  constructor(options: MemoryDynamoDbAdapterOptions = {}) {
    this.name = options.name ?? "dynamodb";
    this.tablePrefix = options.tablePrefix ?? "";
    this.now = options.now ?? Date.now;
  }

  async get(request: GetRequest): Promise<StoredItem | undefined> {
    const table = this.table(request.op.entity);
    const key = encodeKey(table.model, request.key);
    assertKeySizes(table.model, key);
    const item = table.live(table.identity(key), this.nowSeconds());
    return item && table.decode(item);
  }

  async getMany(request: GetManyRequest): Promise<(StoredItem | undefined)[]> {
    const table = this.table(request.op.entity);
    const nowSeconds = this.nowSeconds();
    const keys = request.keys.map((key) => encodeKey(table.model, key));
    for (const key of keys) assertKeySizes(table.model, key);
    return keys.map((key) => {
      const item = table.live(table.identity(key), nowSeconds);
      return item && table.decode(item);
    });
  }

  async put(request: PutRequest): Promise<void> {
    const table = this.table(request.op.entity);
    const item = encodeItem(table.model, request.item, expiryFor(this.now(), request.ttlSeconds));
    assertKeyValues(table.model, item);
    assertItemSize(table.model, item);
    const identity = table.identity(item);
    const statement = `PutItem ${table.name}`;
    const write: MemoryWrite = {
      check: (now) => table.check(table.live(identity, now), request.condition, statement),
      apply: () => table.set(identity, item),
    };
    if (table.model.unique.length > 0) this.runClaimed(request.transaction, table, identity, dynamoItemSize(item), write, () => request.item, item[TTL_ATTRIBUTE] as number | undefined);
    else this.run(request.transaction, table, identity, dynamoItemSize(item), write);
  }

  async update(request: UpdateRequest): Promise<StoredItem | undefined> {
    const table = this.table(request.op.entity);
    const model = table.model;
    const fields = fieldsOf(model);
    const key = encodeKey(model, request.key);
    const identity = table.identity(key);
    const sets: NativeItem = {};
    const removes: string[] = [];
    for (const [field, value] of Object.entries(request.changes)) {
      if (value === undefined) removes.push(field);
      else sets[field] = encodeValue(fields.get(field), value)!;
    }
    const expiresAt = expiryFor(this.now(), request.ttlSeconds);
    assertKeyValues(model, { ...key, ...sets });
    assertItemSize(model, { ...key, ...sets }, "the updated part of the item");
    const statement = `UpdateItem ${table.name}`;
    const next = (current: NativeItem): NativeItem => {
      const item: NativeItem = { ...current, ...sets };
      for (const field of removes) delete item[field];
      if (expiresAt !== undefined) item[TTL_ATTRIBUTE] = expiresAt;
      if (request.incrementVersion) {
        const v = current[request.incrementVersion];
        item[request.incrementVersion] = (typeof v === "number" ? v : 0) + 1;
      }
      return item;
    };
    let stored: NativeItem | undefined;
    const write: MemoryWrite = {
      check: (now) => {
        const current = table.live(identity, now);
        table.check(current, request.condition, statement);
        assertItemSize(model, next(current!));
      },
      apply: (now) => {
        stored = next(table.live(identity, now)!);
        table.set(identity, stored);
      },
    };
    const bytes = dynamoItemSize({ ...key, ...sets });
    if (model.unique.length > 0 && (expiresAt !== undefined || model.unique.some((c) => c.fields.some((f) => f in request.changes)))) {
      this.runClaimed(request.transaction, table, identity, bytes, write, (current) => current && table.decode(next(current)), expiresAt);
    } else {
      this.run(request.transaction, table, identity, bytes, write);
    }
    if (request.transaction) {
      // Nothing is written before commit: predict the item, as the real adapter does.
      const current = await this.get({ op: request.op, consistency: { level: "strong" }, key: request.key });
      return current ? applyChanges(current, request.changes, request.incrementVersion) : undefined;
    }
    return stored && table.decode(stored);
  }

  async delete(request: DeleteRequest): Promise<void> {
    const table = this.table(request.op.entity);
    const key = encodeKey(table.model, request.key);
    assertKeySizes(table.model, key);
    const identity = table.identity(key);
    const statement = `DeleteItem ${table.name}`;
    const write: MemoryWrite = {
      check: (now) => table.check(table.live(identity, now), request.condition, statement),
      apply: () => table.remove(identity),
    };
    if (table.model.unique.length > 0) this.runClaimed(request.transaction, table, identity, dynamoItemSize(key), write, () => undefined, undefined);
    else this.run(request.transaction, table, identity, dynamoItemSize(key), write);
  }

  async query(request: QueryRequest): Promise<StorePage> {
    const model = request.op.entity;
    const query = request.op.query;
    if (!query) throw new PolyxenaError("E_VALIDATION", `operation ${request.op.id} is not a declared query`, { entity: model.name, store: this.name });
    const table = this.table(model);
    const access = queryAccess(model, query);
    if (access.indexName && request.consistency.level === "strong") {
      throw new PolyxenaError("E_UNSUPPORTED", `query ${query.name} reads the global secondary index ${access.indexName}, which cannot be read strongly`, {
        entity: model.name,
        store: this.name,
        fix: "read this query with eventual consistency",
      });
    }
    const fields = fieldsOf(model);
    const sortField = access.sort === undefined ? undefined : fields.get(access.sort);
    const plan: RangePlan = sortField ? planRange(sortField, request.range) : { kind: "all" };
    let after: NativeItem | undefined;
    if (request.position !== undefined) {
      const position = readPosition(model, request.position, access.positionAttributes);
      after = {};
      for (const attr of access.positionAttributes) after[attr] = encodeValue(fields.get(attr), position[attr])!;
    }
    const partitionValue = encodeValue(fields.get(access.partition), request.params[access.partition])!;
    assertKeySizes(model, { [access.partition]: partitionValue }, "params");
    const found = table.query({
      access,
      partitionValue,
      plan,
      forward: access.ascending !== request.reverse,
      after,
      take: request.limit + 1,
      nowSeconds: this.nowSeconds(),
    });
    const items = found.slice(0, request.limit).map((item) => table.decode(item));
    if (found.length <= request.limit) return { items };
    return { items, position: positionOf(items[request.limit - 1]!, access.positionAttributes) };
  }

  /**
   * Collects the writes of `work` and applies them at the end, all or
   * nothing: every condition is checked before any write is applied.
   * Reads inside do not see the transaction's own writes.
   */
  async transaction<T>(work: (tx: StoreTransaction) => Promise<T>, _options: TransactionOptions): Promise<T> {
    const { result, entries } = await collectTransaction<MemoryWrite, T>(this.name, work);
    const nowSeconds = this.nowSeconds();
    entries.forEach((entry, i) => {
      try {
        entry.write.check(nowSeconds);
      } catch (error) {
        if (isPolyxenaError(error, "E_CONDITION_FAILED")) {
          throw transactionConditionFailed(this.name, i, entry.model, `TransactWriteItems (${entries.length} writes)`, error.current, error);
        }
        throw error;
      }
    });
    for (const entry of entries) entry.write.apply(nowSeconds);
    return result;
  }

  /** The differences between the declared tables and this store's catalog, as the real adapter plans them; changes nothing. */
  async planSchema(entities: readonly EntityModel[]): Promise<SchemaPlan> {
    const plan: SchemaPlan = { changes: [], unchanged: [] };
    for (const table of buildDynamoDbTables(entities, { tablePrefix: this.tablePrefix })) {
      const part = diffDynamoDbTable(table, this.catalog.get(table.createTable.TableName));
      plan.changes.push(...part.changes);
      plan.unchanged.push(...part.unchanged);
    }
    return plan;
  }

  /**
   * Creates the tables of these entities (tables are otherwise created on first use) and
   * adds declared GSIs to existing ones; a changed key schema is `E_DEFINITION`, as on
   * DynamoDB, and a GSI no query declares is left in place, as the real adapter does.
   */
  async applySchema(entities: readonly EntityModel[]): Promise<SchemaApplyResult> {
    const plans = buildDynamoDbTables(entities, { tablePrefix: this.tablePrefix }).map((table) => ({ table, plan: diffDynamoDbTable(table, this.catalog.get(table.createTable.TableName)) }));
    const refused = plans.flatMap(({ plan }) => plan.changes.filter((c) => c.kind === "incompatible"));
    if (refused.length > 0) throw refusedSchemaChanges(this.name, refused);
    const applied: string[] = [];
    const unchanged: string[] = [];
    for (const model of entities) if (model.store.kind === "dynamodb") this.table(model);
    for (const { table, plan } of plans) {
      const live = this.catalog.get(table.createTable.TableName);
      for (const change of plan.changes) {
        if (change.kind === "destructive") continue;
        const index = / CREATE INDEX (.+)$/.exec(change.statement)?.[1];
        const gsi = table.createTable.GlobalSecondaryIndexes?.find((i) => i.IndexName === index);
        if (live && gsi) live.GlobalSecondaryIndexes = [...(live.GlobalSecondaryIndexes ?? []), { IndexName: gsi.IndexName, KeySchema: [...gsi.KeySchema] }];
        applied.push(change.statement);
      }
      unchanged.push(...plan.unchanged);
    }
    return { applied, unchanged };
  }

  async close(): Promise<void> {}

  private table(model: EntityModel): MemoryDynamoDbTable {
    const name = `${this.tablePrefix}${model.table}`;
    let table = this.tables.get(name);
    if (!table) {
      table = new MemoryDynamoDbTable(name, model);
      this.tables.set(name, table);
      for (const created of buildDynamoDbTables([model], { tablePrefix: this.tablePrefix })) {
        const { KeySchema, GlobalSecondaryIndexes } = created.createTable;
        this.catalog.set(created.createTable.TableName, {
          KeySchema: KeySchema.map((k) => ({ ...k })),
          ...(GlobalSecondaryIndexes ? { GlobalSecondaryIndexes: GlobalSecondaryIndexes.map((i) => ({ IndexName: i.IndexName, KeySchema: [...i.KeySchema] })) } : {}),
        });
      }
    } else if (table.model !== model && table.model.name !== model.name) {
      throw new PolyxenaError("E_DEFINITION", `table ${name} already holds entity ${table.model.name}`, { entity: model.name, store: this.name, fix: "give each entity its own table" });
    }
    return table;
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /**
   * A write of an entity with unique claims, as the real adapter sends it in
   * one TransactWriteItems: the item write guarded on the item still being as
   * read now, the claims it takes (refused with `E_ALREADY_EXISTS` when
   * another live item owns one) and the claims it releases; all checked
   * before any is applied, now or at the caller's commit.
   */
  private runClaimed(
    handle: StoreTransaction | undefined,
    table: MemoryDynamoDbTable,
    identity: string,
    bytes: number,
    write: MemoryWrite,
    after: (current: NativeItem | undefined) => StoredItem | undefined,
    expiresAt: number | undefined,
  ): void {
    const model = table.model;
    const readNow = this.nowSeconds();
    const beforeNative = table.live(identity, readNow);
    const before = beforeNative && table.decode(beforeNative);
    const plan = planUniqueClaims(model, before, after(beforeNative));
    const owner = uniqueClaimOwner(model, before ?? after(beforeNative) ?? {});
    const claimTable = dynamoClaimTableName(model, this.tablePrefix);
    const claims = this.claims;
    const watched = uniqueFields(model);
    const guarded: MemoryWrite = {
      check: (now) => {
        const current = table.live(identity, now);
        const same = before === undefined ? current === undefined : current !== undefined && watched.every((f) => compareKeyValues(current[f] ?? null, beforeNative![f] ?? null) === 0);
        if (!same) throw new PolyxenaError("E_CONDITION_FAILED", "the item changed while its unique claims were written", { entity: model.name, statement: `TransactWriteItems ${table.name}`, current: current && table.decode(current) });
        write.check(now);
      },
      apply: (now) => write.apply(now),
    };
    const entries: { identity: string; write: MemoryWrite }[] = [{ identity: `${table.name}|${identity}`, write: guarded }];
    const takes = expiresAt !== undefined ? [...plan.take, ...plan.keep] : plan.take;
    assertClaimSizes(model, takes);
    for (const c of takes) {
      const id = `${claimTable}|${c.claim}`;
      entries.push({
        identity: id,
        write: {
          check: (now) => {
            const held = claims.get(id);
            if (held && held.owner !== owner && !isExpired(held, now)) throw uniqueViolationError(model, c.constraint, { statement: `Put ${claimTable}` });
          },
          apply: () => claims.set(id, expiresAt === undefined ? { owner } : { owner, [TTL_ATTRIBUTE]: expiresAt }),
        },
      });
    }
    for (const c of plan.release) {
      const id = `${claimTable}|${c.claim}`;
      entries.push({
        identity: id,
        write: {
          check: () => {
            const held = claims.get(id);
            if (held && held.owner !== owner) throw new PolyxenaError("E_CONDITION_FAILED", `claim ${c.claim} is held by another item`, { entity: model.name, statement: `Delete ${claimTable}` });
          },
          apply: () => claims.delete(id),
        },
      });
    }
    if (handle) {
      const tx = ownTransaction<MemoryWrite>(handle);
      entries.forEach((entry, i) => tx.add({ write: entry.write, model, identity: entry.identity, bytes: i === 0 ? bytes : entry.identity.length + 64 }));
      return;
    }
    try {
      for (const entry of entries) entry.write.check(readNow);
    } catch (error) {
      throw isPolyxenaError(error) ? error.withContext({ store: this.name }) : error;
    }
    for (const entry of entries) entry.write.apply(readNow);
  }

  /** Applies a write now (check, then apply), or adds it to the transaction. */
  private run(handle: StoreTransaction | undefined, table: MemoryDynamoDbTable, identity: string, bytes: number, write: MemoryWrite): void {
    if (handle) {
      ownTransaction<MemoryWrite>(handle).add({ write, model: table.model, identity: `${table.name}|${identity}`, bytes });
      return;
    }
    const nowSeconds = this.nowSeconds();
    try {
      write.check(nowSeconds);
    } catch (error) {
      throw isPolyxenaError(error) ? error.withContext({ store: this.name }) : error;
    }
    write.apply(nowSeconds);
  }
}
