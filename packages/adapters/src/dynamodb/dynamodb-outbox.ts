/**
 * The DynamoDB outbox: change events written in the same TransactWriteItems
 * as the item that changed, and the relay's view of them. One table
 * (`<prefix>polyxena_outbox`, key `pk` + `sk`, see
 * `dynamoOutboxTableDefinition`) holds:
 *
 * - pending events, `pk = p#<partition>`, `sk = <sequence>#<change id>`; a
 *   relay reads one partition in `sk` order;
 * - the latest version per key, `pk = v#<sha256(entity, key)>`, with the
 *   sequence of its last event. A write reads it before it reads the item,
 *   and its transaction updates it conditioned on it being unchanged, so
 *   writes of one key are serialized (a concurrent write cancels the
 *   transaction and the adapter rebuilds the write from fresh reads), the
 *   item it predicts is exact, versions are gapless, and a key's next event
 *   gets a higher sequence (`max(now, last + 1)`): `sk` order is version
 *   order per key, whatever the writers' clocks;
 * - partition leases, `pk = lease`, `sk = <partition>` (owner, epoch,
 *   expiry), taken and renewed with conditional updates on the relay's
 *   clock (DynamoDB has none of its own: keep clocks within a fraction of
 *   the lease); `complete` deletes the entries in TransactWriteItems with a
 *   ConditionCheck on the lease's owner, epoch and expiry, so a relay that
 *   lost its lease cannot mark anything done;
 * - dead letters, `pk = dead`.
 *
 * TransactWriteItems is needed: dynalite has none, so this path is tested on
 * the in-process DynamoDB (the memory twin is this adapter over it).
 */
import { createHash, randomUUID } from "node:crypto";
import {
  changeKeyString,
  OUTBOX_PARTITIONS,
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
import { DYNAMODB_OUTBOX_TABLE } from "@polyxena/core/stores/dynamodb";
import { decodeItem, encodeKey, isExpired, type NativeItem } from "./dynamodb-codec.js";
import { wrapDynamoDbError } from "./dynamodb-errors.js";
import { DYNAMODB_LIMITS } from "./dynamodb-limits.js";
import type { DynamoDbPort, PortItem, PortTransactWrite } from "./dynamodb-port.js";

/** What the outbox needs from the adapter. */
export interface DynamoDbOutboxHost {
  readonly name: string;
  readonly port: DynamoDbPort;
  readonly tablePrefix: string;
  /** Clock in epoch milliseconds. */
  readonly now: () => number;
  /** The table of an entity. */
  tableName(model: EntityModel): string;
}

/** The version state of a key as read before a write: the condition its transaction carries. */
export interface OutboxVersion {
  readonly pk: string;
  readonly version: number;
  readonly sequence: number;
}

const SEQUENCE_DIGITS = 16;
const VERSION_SK = "v";
const LEASE_PK = "lease";
const DEAD_PK = "dead";
const BATCH_GET = DYNAMODB_LIMITS.batchGetItems.max;

/** The {@link OutboxPort} of a DynamoDB adapter. */
export class DynamoDbOutbox implements OutboxPort {
  readonly partitions = OUTBOX_PARTITIONS;
  readonly store: string;
  /** The outbox table's name. */
  readonly tableName: string;

  constructor(private readonly host: DynamoDbOutboxHost) {
    this.store = host.name;
    this.tableName = `${host.tablePrefix}${DYNAMODB_OUTBOX_TABLE}`;
  }

  /** Reads a key's version state strongly; a write reads it before the item, and its transaction is conditioned on it. */
  async readVersion(change: ChangeRecordRequest, signal?: AbortSignal): Promise<OutboxVersion> {
    const pk = versionPk(change.model.name, change.keyString);
    const out = await this.send(`GetItem ${this.tableName} (version)`, false, () => this.host.port.getItem({ TableName: this.tableName, Key: { pk, sk: VERSION_SK }, ConsistentRead: true }, signal ? { abortSignal: signal } : undefined));
    return { pk, version: Number(out.Item?.["version"] ?? 0), sequence: Number(out.Item?.["sequence"] ?? 0) };
  }

  /** Identity of the version item in a transaction (one write per item). */
  versionIdentity(version: OutboxVersion): string {
    return `${this.tableName}|${version.pk}`;
  }

  /**
   * The transaction writes that record the change of a write: the version
   * item moved on (conditioned on `read` being current) and the event. Returns
   * them with the version the event carries.
   */
  recordWrites(change: ChangeRecordRequest, read: OutboxVersion, kind: "put" | "delete", item: StoredItem): { writes: PortTransactWrite[]; version: number; eventBytes: number } {
    const version = read.version + 1;
    const now = this.host.now();
    const sequence = Math.max(now, read.sequence + 1);
    const event = JSON.stringify(recordChangeEvent(change, version, kind, item));
    const sk = `${String(sequence).padStart(SEQUENCE_DIGITS, "0")}#${change.id}`;
    const condition = this.versionCondition(read);
    return {
      version,
      eventBytes: event.length + sk.length + 64,
      writes: [
        {
          Update: {
            TableName: this.tableName,
            Key: { pk: read.pk, sk: VERSION_SK },
            UpdateExpression: "SET #v = :next, #s = :seq",
            ConditionExpression: condition.ConditionExpression,
            ExpressionAttributeNames: { ...condition.ExpressionAttributeNames, "#s": "sequence" },
            ExpressionAttributeValues: { ...condition.ExpressionAttributeValues, ":next": version, ":seq": sequence },
          },
        },
        { Put: { TableName: this.tableName, Item: { pk: `p#${change.partition % this.partitions}`, sk, event, recordedAt: now } } },
      ],
    };
  }

  /** A ConditionCheck that `read` is still the key's version state (for a delete that removed nothing: no event, but serialized). */
  versionCheck(read: OutboxVersion): PortTransactWrite {
    return { ConditionCheck: { TableName: this.tableName, Key: { pk: read.pk, sk: VERSION_SK }, ...this.versionCondition(read) } };
  }

  async claim(owner: string, partition: number, leaseMs: number): Promise<OutboxLease | undefined> {
    const now = this.host.now();
    const expiresAt = now + leaseMs;
    const key = { pk: LEASE_PK, sk: String(partition) };
    const names = { "#o": "owner", "#x": "expiresAt" };
    // Renewal keeps the epoch; taking a free or lapsed lease bumps it.
    const renewed = await this.conditional(`UpdateItem ${this.tableName} (renew lease)`, () =>
      this.host.port.updateItem({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: "SET #x = :exp",
        ConditionExpression: "#o = :o AND #x > :now",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ":exp": expiresAt, ":o": owner, ":now": now },
        ReturnValues: "ALL_NEW",
      }),
    );
    const taken =
      renewed ??
      (await this.conditional(`UpdateItem ${this.tableName} (take lease)`, () =>
        this.host.port.updateItem({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: "SET #o = :o, #x = :exp ADD #e :one",
          ConditionExpression: "attribute_not_exists(pk) OR #x <= :now",
          ExpressionAttributeNames: { ...names, "#e": "epoch" },
          ExpressionAttributeValues: { ":exp": expiresAt, ":o": owner, ":now": now, ":one": 1 },
          ReturnValues: "ALL_NEW",
        }),
      ));
    if (!taken) return undefined;
    return { partition, owner, epoch: Number(taken.Attributes?.["epoch"]), expiresAt };
  }

  async release(lease: OutboxLease): Promise<void> {
    await this.conditional(`UpdateItem ${this.tableName} (release lease)`, () =>
      this.host.port.updateItem({
        TableName: this.tableName,
        Key: { pk: LEASE_PK, sk: String(lease.partition) },
        UpdateExpression: "SET #x = :zero",
        ConditionExpression: "#o = :o AND #e = :e",
        ExpressionAttributeNames: { "#o": "owner", "#e": "epoch", "#x": "expiresAt" },
        ExpressionAttributeValues: { ":zero": 0, ":o": lease.owner, ":e": lease.epoch },
      }),
    );
  }

  async read(lease: OutboxLease, limit: number): Promise<OutboxEntry[]> {
    const items = await this.queryAll(`p#${lease.partition}`, limit);
    return items.map((item) => ({ id: String(item["sk"]), event: JSON.parse(String(item["event"])) as ChangeEvent, recordedAt: Number(item["recordedAt"]) }));
  }

  async complete(lease: OutboxLease, ids: readonly string[]): Promise<boolean> {
    // One item of each transaction is the lease check: at most 99 deletes per transaction.
    const chunk = DYNAMODB_LIMITS.transactionItems.max - 1;
    for (let i = 0; i < ids.length || i === 0; i += chunk) {
      const leaseCheck: PortTransactWrite = {
        ConditionCheck: {
          TableName: this.tableName,
          Key: { pk: LEASE_PK, sk: String(lease.partition) },
          ConditionExpression: "#o = :o AND #e = :e AND #x > :now",
          ExpressionAttributeNames: { "#o": "owner", "#e": "epoch", "#x": "expiresAt" },
          ExpressionAttributeValues: { ":o": lease.owner, ":e": lease.epoch, ":now": this.host.now() },
        },
      };
      const deletes = ids.slice(i, i + chunk).map((id): PortTransactWrite => ({ Delete: { TableName: this.tableName, Key: { pk: `p#${lease.partition}`, sk: id } } }));
      const done = await this.conditional(`TransactWriteItems ${this.tableName} (complete ${deletes.length})`, () => this.host.port.transactWriteItems({ TransactItems: [leaseCheck, ...deletes] }));
      if (done === undefined) return false;
    }
    return true;
  }

  async recordDeadLetter(letter: DeadLetter): Promise<void> {
    const item = { pk: DEAD_PK, sk: `${String(letter.at).padStart(SEQUENCE_DIGITS, "0")}#${randomUUID()}`, sink: letter.sink, code: letter.code, message: letter.message, event: JSON.stringify(letter.event), at: letter.at };
    await this.send(`PutItem ${this.tableName} (dead letter)`, true, () => this.host.port.putItem({ TableName: this.tableName, Item: item }));
  }

  async deadLetters(): Promise<DeadLetter[]> {
    const items = await this.queryAll(DEAD_PK);
    return items.map((item) => ({ sink: String(item["sink"]), code: String(item["code"]), message: String(item["message"]), event: JSON.parse(String(item["event"])) as ChangeEvent, at: Number(item["at"]) }));
  }

  async backlog(): Promise<OutboxBacklog> {
    let pending = 0;
    let oldest: number | undefined;
    for (let partition = 0; partition < this.partitions; partition++) {
      for (const item of await this.queryAll(`p#${partition}`)) {
        pending++;
        const at = Number(item["recordedAt"]);
        if (oldest === undefined || at < oldest) oldest = at;
      }
    }
    return { pending, oldestRecordedAt: oldest };
  }

  async latestVersion(entity: string, keyString: string): Promise<number | undefined> {
    const out = await this.send(`GetItem ${this.tableName} (version)`, false, () => this.host.port.getItem({ TableName: this.tableName, Key: { pk: versionPk(entity, keyString), sk: VERSION_SK }, ConsistentRead: true }));
    return out.Item ? Number(out.Item["version"]) : undefined;
  }

  /**
   * A page of the source table (Scan), with the version of each item read
   * before the item is read again strongly, so a version is never newer than
   * its item. Items deleted in between are left out.
   */
  async scan(model: EntityModel, position: unknown, limit: number): Promise<VersionedPage> {
    const table = this.host.tableName(model);
    const start = position === undefined ? undefined : encodeKey(model, decodeItem(model, position as PortItem));
    const page = await this.send(`Scan ${table}`, false, () => this.host.port.scan({ TableName: table, Limit: limit, ExclusiveStartKey: start, ConsistentRead: true }));
    const keys = (page.Items ?? []).map((raw) => encodeKey(model, decodeItem(model, raw)));
    const keyStrings = keys.map((key) => changeKeyString(model, decodeItem(model, key)));
    const versions = await this.batchGet(this.tableName, keyStrings.map((k) => ({ pk: versionPk(model.name, k), sk: VERSION_SK })));
    const items = await this.batchGet(table, keys);
    const byVersionPk = new Map(versions.map((v) => [String(v["pk"]), Number(v["version"])]));
    const byKey = new Map(items.map((raw) => [changeKeyString(model, decodeItem(model, raw)), raw]));
    const nowSeconds = Math.floor(this.host.now() / 1000);
    const out: VersionedPage = { items: [] };
    keyStrings.forEach((keyString) => {
      const raw = byKey.get(keyString);
      if (!raw || isExpired(raw, nowSeconds)) return;
      out.items.push({ item: decodeItem(model, raw), version: byVersionPk.get(versionPk(model.name, keyString)) ?? 0 });
    });
    if (page.LastEvaluatedKey) out.position = page.LastEvaluatedKey;
    return out;
  }

  // ---- helpers -------------------------------------------------------------

  private versionCondition(read: OutboxVersion): { ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> } {
    return read.version === 0
      ? { ConditionExpression: "attribute_not_exists(#v)", ExpressionAttributeNames: { "#v": "version" } }
      : { ConditionExpression: "#v = :prev", ExpressionAttributeNames: { "#v": "version" }, ExpressionAttributeValues: { ":prev": read.version } };
  }

  /** Every item of one outbox partition key in `sk` order (at most `limit`). */
  private async queryAll(pk: string, limit = Infinity): Promise<PortItem[]> {
    const items: PortItem[] = [];
    let start: PortItem | undefined;
    do {
      const want = limit - items.length;
      const out = await this.send(`Query ${this.tableName} ${pk}`, false, () =>
        this.host.port.query({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": pk },
          ConsistentRead: true,
          ExclusiveStartKey: start,
          ...(Number.isFinite(want) ? { Limit: want } : {}),
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start && items.length < limit);
    return items;
  }

  /** BatchGetItem of `keys` (chunks of 100, strongly), retrying unprocessed keys. */
  private async batchGet(table: string, keys: readonly NativeItem[] | readonly PortItem[]): Promise<PortItem[]> {
    const found: PortItem[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET) {
      let pending: PortItem[] = keys.slice(i, i + BATCH_GET) as PortItem[];
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 10 * 2 ** attempt)));
        const out = await this.send(`BatchGetItem ${table}`, false, () => this.host.port.batchGetItem({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }));
        found.push(...(out.Responses?.[table] ?? []));
        pending = out.UnprocessedKeys?.[table]?.Keys ?? [];
      }
    }
    return found;
  }

  /** Runs a conditional request: its result, or undefined when its condition (or a transaction's) failed. */
  private async conditional<T>(statement: string, call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      const name = (error as { name?: string } | null)?.name;
      if (name === "ConditionalCheckFailedException") return undefined;
      if (name === "TransactionCanceledException" && (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons?.some((r) => r.Code === "ConditionalCheckFailed")) return undefined;
      throw wrapDynamoDbError(error, { store: this.store, statement, write: true });
    }
  }

  private async send<T>(statement: string, write: boolean, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw wrapDynamoDbError(error, { store: this.store, statement, write });
    }
  }
}

/** The partition key of a key's version item: a digest, so any key fits DynamoDB's key size limit. */
function versionPk(entity: string, keyString: string): string {
  return `v#${createHash("sha256").update(entity).update("\u0000").update(keyString).digest("hex")}`;
}
