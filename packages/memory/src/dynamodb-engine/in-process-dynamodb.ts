/**
 * DynamoDB in process: tables with their key schema, GSIs and TTL setting,
 * and the commands of {@link DynamoDbPort} with DynamoDB's semantics where an
 * adapter relies on them:
 *
 * - condition and update expressions (see `dynamodb-expression.ts`), with
 *   `ConditionalCheckFailedException` carrying the old item when
 *   `ReturnValuesOnConditionCheckFailure` is `ALL_OLD`;
 * - the key schema: a key must be exactly the table's key attributes with
 *   their declared types, key values are non-empty, an update cannot change
 *   a key attribute, items are at most 400 KB;
 * - Query on the table or a GSI in the catalog (a GSI the table does not
 *   have is a `ValidationException`, as on DynamoDB; GSIs are sparse and
 *   never read strongly), with `Limit` counting evaluated items, a 1 MB page
 *   and `LastEvaluatedKey` whenever a page stopped early; Scan likewise;
 * - BatchGetItem (at most 100 keys, no duplicates, 16 MB per response: the
 *   rest comes back as `UnprocessedKeys`) and BatchWriteItem (at most 25);
 * - TransactWriteItems: at most 100 items on distinct items and 4 MB, every
 *   condition checked before anything is written, all or nothing, and
 *   `TransactionCanceledException` with one cancellation reason per item.
 *
 * Items with an expired `_ttl` stay until deleted (DynamoDB removes them
 * lazily, within days): readers filter them, as they must on DynamoDB.
 * Every value is copied on the way in and out. Each command runs to the end
 * without yielding, so commands are atomic and serializable.
 */
import {
  DYNAMODB_MAX_ITEM_BYTES,
  dynamoItemSize,
  type DynamoNative,
  type DynamoDbPort,
  type PortBatchGetInput,
  type PortBatchGetOutput,
  type PortBatchWriteInput,
  type PortBatchWriteOutput,
  type PortConditionCheckInput,
  type PortCreateTableInput,
  type PortDeleteInput,
  type PortDescribeTableOutput,
  type PortDescribeTimeToLiveOutput,
  type PortGetInput,
  type PortGetOutput,
  type PortPageOutput,
  type PortPutInput,
  type PortQueryInput,
  type PortScanInput,
  type PortTableDescription,
  type PortTimeToLiveInput,
  type PortTransactWriteInput,
  type PortUpdateInput,
  type PortUpdateOutput,
  type PortUpdateTableInput,
} from "@polyxena/adapters/dynamodb/in-process";
import { DynamoDbEngineError, engineError, type CancellationReason } from "./dynamodb-engine-error.js";
import { applyUpdate, compareScalars, evaluate, ExpressionScope, parseCondition, parseUpdate, typeOf, updatedAttributes, type Condition, type Item, type Value } from "./dynamodb-expression.js";

const MAX_PAGE_BYTES = 1024 * 1024;
const MAX_BATCH_GET_BYTES = 16 * 1024 * 1024;
const MAX_BATCH_GET_KEYS = 100;
const MAX_BATCH_WRITE_ITEMS = 25;
const MAX_TRANSACTION_ITEMS = 100;
const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;
const MAX_PARTITION_KEY_BYTES = 2048;
const MAX_SORT_KEY_BYTES = 1024;
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** A key schema: hash attribute and optional range attribute. */
interface KeySchema {
  hash: string;
  range?: string | undefined;
}

interface Index extends KeySchema {
  name: string;
  projection: string;
}

interface Table {
  name: string;
  key: KeySchema;
  /** Declared types of the key attributes of the table and its indexes. */
  types: Map<string, string>;
  indexes: Map<string, Index>;
  items: Map<string, Item>;
  ttlAttribute?: string | undefined;
}

/** A write prepared inside TransactWriteItems: its condition already checked, applied at commit. */
interface PreparedWrite {
  table: Table;
  identity: string;
  /** The item after the write; undefined deletes it (or, for a condition check, leaves it). */
  after: Item | undefined;
  check: boolean;
}

/** The in-process DynamoDB. Create one per test or per memory twin. */
export class InProcessDynamoDb implements DynamoDbPort {
  private readonly tables = new Map<string, Table>();

  // ---- tables --------------------------------------------------------------

  async createTable(input: PortCreateTableInput): Promise<{ TableDescription: PortTableDescription }> {
    return { TableDescription: this.createTableNow(input) };
  }

  /** Creates a table at once (the in-process tables are ACTIVE when created). */
  createTableNow(input: PortCreateTableInput): PortTableDescription {
    const name = input.TableName ?? "";
    if (!TABLE_NAME.test(name)) throw engineError("ValidationException", `1 validation error detected: Value '${name}' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`);
    if (this.tables.has(name)) throw engineError("ResourceInUseException", `Table already exists: ${name}`);
    const types = new Map<string, string>();
    for (const d of input.AttributeDefinitions ?? []) types.set(d.AttributeName ?? "", d.AttributeType ?? "");
    const key = keySchemaOf(input.KeySchema, types);
    const indexes = new Map<string, Index>();
    for (const index of input.GlobalSecondaryIndexes ?? []) {
      const indexName = index.IndexName ?? "";
      if (indexes.has(indexName)) throw engineError("ValidationException", `One or more parameter values were invalid: Duplicate index name: ${indexName}`);
      indexes.set(indexName, { name: indexName, projection: index.Projection?.ProjectionType ?? "ALL", ...keySchemaOf(index.KeySchema, types) });
    }
    const used = new Set([key.hash, key.range, ...[...indexes.values()].flatMap((i) => [i.hash, i.range])].filter((a): a is string => a !== undefined));
    if ([...types.keys()].some((a) => !used.has(a)) || used.size !== types.size) {
      throw engineError("ValidationException", "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions");
    }
    this.tables.set(name, { name, key, types, indexes, items: new Map() });
    return this.describe(this.tables.get(name)!);
  }

  async describeTable(input: { TableName: string | undefined }): Promise<PortDescribeTableOutput> {
    return { Table: this.describe(this.table(input.TableName)) };
  }

  async updateTable(input: PortUpdateTableInput): Promise<{ TableDescription: PortTableDescription }> {
    const table = this.table(input.TableName);
    for (const d of input.AttributeDefinitions ?? []) {
      const known = table.types.get(d.AttributeName ?? "");
      if (known !== undefined && known !== d.AttributeType) throw engineError("ValidationException", `One or more parameter values were invalid: Type of attribute ${d.AttributeName} does not match its definition`);
    }
    for (const update of input.GlobalSecondaryIndexUpdates ?? []) {
      const create = update.Create;
      if (!create) continue;
      const indexName = create.IndexName ?? "";
      if (table.indexes.has(indexName)) throw engineError("ValidationException", `One or more parameter values were invalid: Attempting to create an index which already exists: ${indexName}`);
      const types = new Map(table.types);
      for (const d of input.AttributeDefinitions ?? []) types.set(d.AttributeName ?? "", d.AttributeType ?? "");
      const index: Index = { name: indexName, projection: create.Projection?.ProjectionType ?? "ALL", ...keySchemaOf(create.KeySchema, types) };
      for (const [attr, type] of types) table.types.set(attr, type);
      // Backfilling is immediate: the index is ACTIVE with every item that has its key attributes.
      table.indexes.set(indexName, index);
    }
    return { TableDescription: this.describe(table) };
  }

  async describeTimeToLive(input: { TableName: string | undefined }): Promise<PortDescribeTimeToLiveOutput> {
    const table = this.table(input.TableName);
    return { TimeToLiveDescription: table.ttlAttribute === undefined ? { TimeToLiveStatus: "DISABLED" } : { TimeToLiveStatus: "ENABLED", AttributeName: table.ttlAttribute } };
  }

  async updateTimeToLive(input: PortTimeToLiveInput): Promise<{ TimeToLiveSpecification: PortTimeToLiveInput["TimeToLiveSpecification"] }> {
    const table = this.table(input.TableName);
    const spec = input.TimeToLiveSpecification;
    if (spec?.Enabled) {
      if (table.ttlAttribute !== undefined) throw engineError("ValidationException", "TimeToLive is already enabled");
      table.ttlAttribute = spec.AttributeName;
    } else table.ttlAttribute = undefined;
    return { TimeToLiveSpecification: spec };
  }

  /** Deletes a table and its items at once (ResourceNotFoundException when there is none). */
  deleteTableNow(name: string): void {
    this.table(name);
    this.tables.delete(name);
  }

  /** Names of the tables. */
  tableNames(): string[] {
    return [...this.tables.keys()];
  }

  /** Whether a table exists. */
  hasTable(name: string): boolean {
    return this.tables.has(name);
  }

  // ---- items ---------------------------------------------------------------

  async getItem(input: PortGetInput): Promise<PortGetOutput> {
    const table = this.table(input.TableName);
    const item = table.items.get(this.keyIdentity(table, input.Key));
    return item ? { Item: structuredClone(item) } : {};
  }

  async putItem(input: PortPutInput): Promise<{ Attributes?: Item }> {
    const table = this.table(input.TableName);
    const scope = new ExpressionScope(input.ExpressionAttributeNames, input.ExpressionAttributeValues);
    const condition = parseOptionalCondition(input.ConditionExpression, scope);
    scope.assertAllUsed();
    const item = this.validItem(table, input.Item);
    const identity = this.identityOf(table, item);
    this.check(table, identity, condition, scope, input.ReturnValuesOnConditionCheckFailure);
    table.items.set(identity, structuredClone(item));
    return {};
  }

  async updateItem(input: PortUpdateInput): Promise<PortUpdateOutput> {
    const table = this.table(input.TableName);
    const { identity, after, before } = this.prepareUpdate(table, input);
    table.items.set(identity, after);
    switch (input.ReturnValues ?? "NONE") {
      case "ALL_NEW":
        return { Attributes: structuredClone(after) };
      case "ALL_OLD":
        return before ? { Attributes: structuredClone(before) } : {};
      case "UPDATED_NEW":
      case "UPDATED_OLD": {
        const source = input.ReturnValues === "UPDATED_NEW" ? after : before;
        const names = updatedAttributes(parseUpdate(input.UpdateExpression ?? "", new ExpressionScope(input.ExpressionAttributeNames, input.ExpressionAttributeValues)));
        const out: Item = {};
        for (const name of names) if (source?.[name] !== undefined) out[name] = structuredClone(source[name]);
        return Object.keys(out).length > 0 ? { Attributes: out } : {};
      }
      default:
        return {};
    }
  }

  async deleteItem(input: PortDeleteInput): Promise<{ Attributes?: Item }> {
    const table = this.table(input.TableName);
    const scope = new ExpressionScope(input.ExpressionAttributeNames, input.ExpressionAttributeValues);
    const condition = parseOptionalCondition(input.ConditionExpression, scope);
    scope.assertAllUsed();
    const identity = this.keyIdentity(table, input.Key);
    this.check(table, identity, condition, scope, input.ReturnValuesOnConditionCheckFailure);
    table.items.delete(identity);
    return {};
  }

  async query(input: PortQueryInput): Promise<PortPageOutput> {
    const table = this.table(input.TableName);
    const index = input.IndexName === undefined ? undefined : table.indexes.get(input.IndexName);
    if (input.IndexName !== undefined && !index) throw engineError("ValidationException", `The table does not have the specified index: ${input.IndexName}`);
    if (index && input.ConsistentRead) throw engineError("ValidationException", "Consistent reads are not supported on global secondary indexes");
    const key: KeySchema = index ?? table.key;
    if (!input.KeyConditionExpression) throw engineError("ValidationException", "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
    const scope = new ExpressionScope(input.ExpressionAttributeNames, input.ExpressionAttributeValues);
    const condition = parseCondition(input.KeyConditionExpression, scope, "KeyConditionExpression");
    scope.assertAllUsed();
    checkKeyCondition(condition, key);
    const matches = [...table.items.values()].filter((item) => inIndex(table, key, item) && evaluate(condition, item, scope));
    const order = itemOrder(table, key);
    matches.sort(input.ScanIndexForward === false ? (a, b) => order(b, a) : order);
    return this.page(table, key, matches, input.ExclusiveStartKey, input.Limit, input.ScanIndexForward === false ? (a, b) => order(b, a) : order);
  }

  async scan(input: PortScanInput): Promise<PortPageOutput> {
    const table = this.table(input.TableName);
    const order = itemOrder(table, table.key);
    const items = [...table.items.values()].sort(order);
    return this.page(table, table.key, items, input.ExclusiveStartKey, input.Limit, order, "scan");
  }

  async batchGetItem(input: PortBatchGetInput): Promise<PortBatchGetOutput> {
    const requests = Object.entries(input.RequestItems ?? {});
    const total = requests.reduce((n, [, r]) => n + (r.Keys?.length ?? 0), 0);
    if (total === 0) throw engineError("ValidationException", "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1");
    if (total > MAX_BATCH_GET_KEYS) throw engineError("ValidationException", "Too many items requested for the BatchGetItem call");
    const responses: Record<string, Item[]> = {};
    const unprocessed: Record<string, { Keys: Item[] }> = {};
    let bytes = 0;
    for (const [name, request] of requests) {
      const table = this.table(name);
      const identities = new Set<string>();
      responses[name] = [];
      for (const key of request.Keys ?? []) {
        const identity = this.keyIdentity(table, key);
        if (identities.has(identity)) throw engineError("ValidationException", "Provided list of item keys contains duplicates");
        identities.add(identity);
        const item = table.items.get(identity);
        const size = item ? dynamoItemSize(item as Record<string, DynamoNative>) : 0;
        if (bytes + size > MAX_BATCH_GET_BYTES) {
          (unprocessed[name] ??= { Keys: [] }).Keys.push(structuredClone(key));
          continue;
        }
        bytes += size;
        if (item) responses[name].push(structuredClone(item));
      }
    }
    return Object.keys(unprocessed).length > 0 ? { Responses: responses, UnprocessedKeys: unprocessed } : { Responses: responses, UnprocessedKeys: {} };
  }

  async batchWriteItem(input: PortBatchWriteInput): Promise<PortBatchWriteOutput> {
    const requests = Object.entries(input.RequestItems ?? {});
    const total = requests.reduce((n, [, r]) => n + r.length, 0);
    if (total === 0 || total > MAX_BATCH_WRITE_ITEMS) {
      throw engineError("ValidationException", `1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to ${MAX_BATCH_WRITE_ITEMS}, Member must have length greater than or equal to 1]`);
    }
    const writes: { table: Table; identity: string; item: Item | undefined }[] = [];
    const identities = new Set<string>();
    for (const [name, list] of requests) {
      const table = this.table(name);
      for (const request of list) {
        const write =
          "PutRequest" in request
            ? (() => {
                const keyAttributes = [table.key.hash, table.key.range].filter((a): a is string => a !== undefined);
                if (keyAttributes.some((a) => request.PutRequest.Item?.[a] === undefined)) throw engineError("ValidationException", "The provided key element does not match the schema");
                const item = this.validItem(table, request.PutRequest.Item);
                return { table, identity: this.identityOf(table, item), item };
              })()
            : { table, identity: this.keyIdentity(table, request.DeleteRequest.Key), item: undefined };
        if (identities.has(`${name}|${write.identity}`)) throw engineError("ValidationException", "Provided list of item keys contains duplicates");
        identities.add(`${name}|${write.identity}`);
        writes.push(write);
      }
    }
    for (const write of writes) {
      if (write.item) write.table.items.set(write.identity, structuredClone(write.item));
      else write.table.items.delete(write.identity);
    }
    return { UnprocessedItems: {} };
  }

  async transactWriteItems(input: PortTransactWriteInput): Promise<Record<string, never>> {
    const items = input.TransactItems ?? [];
    if (items.length === 0 || items.length > MAX_TRANSACTION_ITEMS) {
      throw engineError("ValidationException", `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TRANSACTION_ITEMS}`);
    }
    const prepared: (PreparedWrite | undefined)[] = [];
    const reasons: CancellationReason[] = [];
    const targets = new Set<string>();
    let bytes = 0;
    for (const element of items) {
      const kinds = [element.Put, element.Update, element.Delete, element.ConditionCheck].filter((k) => k !== undefined);
      if (kinds.length !== 1) throw engineError("ValidationException", "TransactItems can only contain one of Check, Put, Update or Delete");
      const table = this.table((element.Put ?? element.Update ?? element.Delete ?? element.ConditionCheck)!.TableName);
      const identity = element.Put ? this.identityOf(table, this.validItem(table, element.Put.Item)) : this.keyIdentity(table, (element.Update ?? element.Delete ?? element.ConditionCheck)!.Key);
      if (targets.has(`${table.name}|${identity}`)) throw engineError("ValidationException", "Transaction request cannot include multiple operations on one item");
      targets.add(`${table.name}|${identity}`);
      try {
        const write = this.prepareTransactWrite(table, identity, element);
        bytes += write.after ? dynamoItemSize(write.after as Record<string, DynamoNative>) : 0;
        prepared.push(write);
        reasons.push({ Code: "None" });
      } catch (error) {
        if (!(error instanceof DynamoDbEngineError)) throw error;
        prepared.push(undefined);
        if (error.name === "ConditionalCheckFailedException") reasons.push({ Code: "ConditionalCheckFailed", Message: error.message, ...(error.Item ? { Item: error.Item } : {}) });
        else if (error.name === "ValidationException" && /item size/i.test(error.message)) reasons.push({ Code: "ValidationError", Message: error.message });
        else throw error;
      }
    }
    if (bytes > MAX_TRANSACTION_BYTES) throw engineError("ValidationException", "Transaction request cannot be larger than 4 MB");
    if (reasons.some((r) => r.Code !== "None")) {
      const error = engineError("TransactionCanceledException", `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(", ")}]`);
      error.CancellationReasons = reasons;
      throw error;
    }
    for (const write of prepared as PreparedWrite[]) {
      if (write.check) continue;
      if (write.after) write.table.items.set(write.identity, write.after);
      else write.table.items.delete(write.identity);
    }
    return {};
  }

  destroy(): void {}

  // ---- helpers -------------------------------------------------------------

  private table(name: string | undefined): Table {
    const table = this.tables.get(name ?? "");
    if (!table) throw engineError("ResourceNotFoundException", "Requested resource not found");
    return table;
  }

  private describe(table: Table): PortTableDescription {
    const keySchema = (key: KeySchema) => (key.range === undefined ? [{ AttributeName: key.hash, KeyType: "HASH" }] : [{ AttributeName: key.hash, KeyType: "HASH" }, { AttributeName: key.range, KeyType: "RANGE" }]);
    const description: PortTableDescription = {
      TableName: table.name,
      TableStatus: "ACTIVE",
      KeySchema: keySchema(table.key),
      AttributeDefinitions: [...table.types].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    };
    if (table.indexes.size > 0) {
      description.GlobalSecondaryIndexes = [...table.indexes.values()].map((i) => ({ IndexName: i.name, KeySchema: keySchema(i), Projection: { ProjectionType: i.projection }, IndexStatus: "ACTIVE" }));
    }
    return description;
  }

  /** The identity of a request key: exactly the table's key attributes with their types. */
  private keyIdentity(table: Table, key: Item | undefined): string {
    const attributes = Object.keys(key ?? {}).filter((a) => key![a] !== undefined);
    const expected = table.key.range === undefined ? 1 : 2;
    if (attributes.length !== expected || !attributes.includes(table.key.hash) || (table.key.range !== undefined && !attributes.includes(table.key.range))) {
      throw engineError("ValidationException", "The provided key element does not match the schema");
    }
    return this.identityOf(table, key!);
  }

  private identityOf(table: Table, item: Item): string {
    const hash = keyText(table, table.key.hash, item[table.key.hash]);
    return table.key.range === undefined ? hash : `${hash}\u0000${keyText(table, table.key.range, item[table.key.range])}`;
  }

  /** Checks an item to be stored: key attributes present, typed and sized, GSI key attributes typed, 400 KB at most. */
  private validItem(table: Table, item: Item | undefined, updating = false): Item {
    if (!item) throw engineError("ValidationException", "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null");
    for (const attr of [table.key.hash, table.key.range]) {
      if (attr === undefined) continue;
      if (item[attr] === undefined) throw engineError("ValidationException", `One or more parameter values were invalid: Missing the key ${attr} in the item`);
    }
    const indexKeys = new Set([...table.indexes.values()].flatMap((i) => [i.hash, i.range]));
    for (const [attr, type] of table.types) {
      const value = item[attr];
      if (value === undefined) continue;
      const isTableKey = attr === table.key.hash || attr === table.key.range;
      if (typeOf(value) !== type) {
        const index = [...table.indexes.values()].find((i) => i.hash === attr || i.range === attr);
        throw engineError(
          "ValidationException",
          isTableKey ? `One or more parameter values were invalid: Type mismatch for key ${attr} expected: ${type} actual: ${typeOf(value)}` : `One or more parameter values were invalid: Type mismatch for Index Key ${attr} Expected: ${type} Actual: ${typeOf(value)} IndexName: ${index?.name ?? ""}`,
        );
      }
      if (value === "" && (isTableKey || indexKeys.has(attr))) {
        throw engineError("ValidationException", `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: ${attr}`);
      }
      checkKeySize(attr === table.key.range || [...table.indexes.values()].some((i) => i.range === attr) ? "range" : "hash", value);
    }
    if (dynamoItemSize(item as Record<string, DynamoNative>) > DYNAMODB_MAX_ITEM_BYTES) {
      throw engineError("ValidationException", updating ? "Item size to update has exceeded the maximum allowed size" : "Item size has exceeded the maximum allowed size");
    }
    return item;
  }

  /** Throws ConditionalCheckFailedException (with the old item on `ALL_OLD`) unless `condition` holds for the stored item. */
  private check(table: Table, identity: string, condition: Condition | undefined, scope: ExpressionScope, returnOnFailure: string | undefined): void {
    if (!condition) return;
    const current = table.items.get(identity);
    if (evaluate(condition, current, scope)) return;
    const error = engineError("ConditionalCheckFailedException", "The conditional request failed");
    if (returnOnFailure === "ALL_OLD" && current) error.Item = toAttributeValues(current);
    throw error;
  }

  private prepareUpdate(table: Table, input: PortUpdateInput): { identity: string; before: Item | undefined; after: Item } {
    const scope = new ExpressionScope(input.ExpressionAttributeNames, input.ExpressionAttributeValues);
    const condition = parseOptionalCondition(input.ConditionExpression, scope);
    const update = input.UpdateExpression ? parseUpdate(input.UpdateExpression, scope) : undefined;
    scope.assertAllUsed();
    const identity = this.keyIdentity(table, input.Key);
    if (update) {
      for (const attr of updatedAttributes(update)) {
        if (attr === table.key.hash || attr === table.key.range) throw engineError("ValidationException", `One or more parameter values were invalid: Cannot update attribute ${attr}. This attribute is part of the key`);
      }
    }
    this.check(table, identity, condition, scope, input.ReturnValuesOnConditionCheckFailure);
    const before = table.items.get(identity);
    const base = before ?? structuredClone(input.Key!);
    const after = update ? applyUpdate(update, base, scope) : structuredClone(base);
    this.validItem(table, after, true);
    return { identity, before, after };
  }

  private prepareTransactWrite(table: Table, identity: string, element: NonNullable<PortTransactWriteInput["TransactItems"]>[number]): PreparedWrite {
    if (element.Update) {
      const { after } = this.prepareUpdate(table, element.Update);
      return { table, identity, after, check: false };
    }
    const request = (element.Put ?? element.Delete ?? element.ConditionCheck) as PortPutInput | PortDeleteInput | PortConditionCheckInput;
    const scope = new ExpressionScope(request.ExpressionAttributeNames, request.ExpressionAttributeValues);
    const condition = parseOptionalCondition(request.ConditionExpression, scope);
    if (element.ConditionCheck && !condition) throw engineError("ValidationException", "The ConditionExpression of a ConditionCheck must be set");
    scope.assertAllUsed();
    this.check(table, identity, condition, scope, request.ReturnValuesOnConditionCheckFailure);
    if (element.Put) return { table, identity, after: structuredClone(element.Put.Item!), check: false };
    return { table, identity, after: undefined, check: element.ConditionCheck !== undefined };
  }

  /** One page of ordered items after `start`: at most `limit` evaluated and 1 MB, with LastEvaluatedKey when it stopped early. */
  private page(table: Table, key: KeySchema, ordered: Item[], start: Item | undefined, limit: number | undefined, order: (a: Item, b: Item) => number, request: "query" | "scan" = "query"): PortPageOutput {
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw engineError("ValidationException", "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
    let from = 0;
    if (start !== undefined) {
      const attributes = new Set([table.key.hash, table.key.range, key.hash, key.range].filter((a): a is string => a !== undefined));
      if (Object.keys(start).length !== attributes.size || [...attributes].some((a) => start[a] === undefined)) {
        // DynamoDB words a start key with other attributes differently for Query and Scan.
        throw engineError("ValidationException", request === "query" ? "The provided starting key is invalid" : "The provided starting key is invalid: The provided key element does not match the schema");
      }
      try {
        this.keyIdentity(table, Object.fromEntries([table.key.hash, table.key.range].filter((a): a is string => a !== undefined).map((a) => [a, start[a]])));
      } catch (error) {
        if (error instanceof DynamoDbEngineError) throw engineError("ValidationException", `The provided starting key is invalid: ${error.message}`);
        throw error;
      }
      from = ordered.findIndex((item) => order(item, start) > 0);
      if (from < 0) from = ordered.length;
    }
    const items: Item[] = [];
    let bytes = 0;
    let stopped = false;
    for (let i = from; i < ordered.length; i++) {
      if (limit !== undefined && items.length >= limit) {
        stopped = true;
        break;
      }
      const size = dynamoItemSize(ordered[i] as Record<string, DynamoNative>);
      if (items.length > 0 && bytes + size > MAX_PAGE_BYTES) {
        stopped = true;
        break;
      }
      bytes += size;
      items.push(structuredClone(ordered[i]!));
    }
    // DynamoDB does not look ahead: a page that reached its Limit carries LastEvaluatedKey even when nothing follows.
    if (limit !== undefined && items.length === limit) stopped = true;
    const out: PortPageOutput = { Items: items, Count: items.length };
    if (stopped && items.length > 0) {
      const last = items[items.length - 1]!;
      const lastKey: Item = {};
      for (const attr of [table.key.hash, table.key.range, key.hash, key.range]) if (attr !== undefined) lastKey[attr] = structuredClone(last[attr]);
      out.LastEvaluatedKey = lastKey;
    }
    return out;
  }
}

function parseOptionalCondition(text: string | undefined, scope: ExpressionScope): Condition | undefined {
  return text === undefined ? undefined : parseCondition(text, scope);
}

function keySchemaOf(elements: PortCreateTableInput["KeySchema"], types: Map<string, string>): KeySchema {
  const hash = elements?.find((k) => k.KeyType === "HASH")?.AttributeName;
  const range = elements?.find((k) => k.KeyType === "RANGE")?.AttributeName;
  if (hash === undefined || (elements?.length ?? 0) !== (range === undefined ? 1 : 2)) throw engineError("ValidationException", "1 validation error detected: Invalid KeySchema: Some index key attribute have no definition");
  for (const attr of [hash, range]) {
    if (attr === undefined) continue;
    const type = types.get(attr);
    if (type === undefined) throw engineError("ValidationException", `One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [${attr}]`);
    if (type !== "S" && type !== "N" && type !== "B") throw engineError("ValidationException", `Member must satisfy enum value set: [B, N, S] (attribute ${attr})`);
  }
  return { hash, range };
}

/** DynamoDB's key size limits: 2048 bytes of partition key, 1024 of sort key (strings as UTF-8, binaries as bytes). */
function checkKeySize(role: "hash" | "range", value: Value): void {
  const bytes = typeof value === "string" ? Buffer.byteLength(value, "utf8") : value instanceof Uint8Array ? value.length : 0;
  if (role === "hash" && bytes > MAX_PARTITION_KEY_BYTES) throw engineError("ValidationException", `One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of${MAX_PARTITION_KEY_BYTES} bytes`);
  if (role === "range" && bytes > MAX_SORT_KEY_BYTES) throw engineError("ValidationException", `One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of ${MAX_SORT_KEY_BYTES} bytes`);
}

/** Text of a key value that is equal for equal DynamoDB values (1, 1.0 and 1n alike), checking its type, emptiness and size. */
function keyText(table: Table, attr: string, value: Value): string {
  const type = typeOf(value);
  const declared = table.types.get(attr);
  if (type !== declared) throw engineError("ValidationException", "The provided key element does not match the schema");
  // A key in a request (reads, deletes) is worded as a parameter; an item's key attribute (writes) is refused earlier by validItem.
  if (value === "") throw engineError("ValidationException", `One or more parameter values were invalid: The AttributeValue for a key attribute cannot contain an empty string value. Key: ${attr}`);
  checkKeySize(attr === table.key.range ? "range" : "hash", value);
  if (type === "N") return String(typeof value === "object" ? (value as { value: string }).value : value).replace(/\.0+$/, "");
  if (type === "B") return Buffer.from(value as Uint8Array).toString("base64");
  return value as string;
}

/** Whether an item is in the table or index with this key schema (GSIs are sparse). */
function inIndex(table: Table, key: KeySchema, item: Item): boolean {
  if (key === table.key) return true;
  for (const attr of [key.hash, key.range]) if (attr !== undefined && typeOf(item[attr]) !== table.types.get(attr)) return false;
  return true;
}

/** Order of a query or scan: hash, then range, then (inside an index) the table key, so pages are stable. */
function itemOrder(table: Table, key: KeySchema): (a: Item, b: Item) => number {
  const attributes = [...new Set([key.hash, key.range, table.key.hash, table.key.range].filter((a): a is string => a !== undefined))];
  return (a, b) => {
    for (const attr of attributes) {
      const c = compareScalars(a[attr], b[attr]) ?? 0;
      if (c !== 0) return c;
    }
    return 0;
  };
}

/**
 * Refuses a key condition DynamoDB refuses: only AND of one condition per key attribute
 * (=, <, <=, >, >=, BETWEEN, begins_with), an equality on the partition key, nothing on
 * other attributes; with DynamoDB's messages, in its order.
 */
function checkKeyCondition(condition: Condition, key: KeySchema): void {
  const conditions = new Map<string, Condition>();
  const collect = (c: Condition): void => {
    if (c.kind === "and") {
      collect(c.left);
      collect(c.right);
      return;
    }
    if (c.kind === "or" || c.kind === "not" || c.kind === "in") throw engineError("ValidationException", `Invalid operator used in KeyConditionExpression: ${c.kind.toUpperCase()}`);
    if (c.kind === "compare" && c.op === "<>") throw engineError("ValidationException", "Invalid operator used in KeyConditionExpression: <>");
    if (c.kind === "exists" || c.kind === "not_exists" || c.kind === "type" || c.kind === "contains") {
      const name = { exists: "attribute_exists", not_exists: "attribute_not_exists", type: "attribute_type", contains: "contains" }[c.kind];
      throw engineError("ValidationException", `Invalid operator used in KeyConditionExpression: ${name}`);
    }
    const operands = c.kind === "compare" ? [c.left, c.right] : c.kind === "between" ? [c.operand, c.low, c.high] : c.kind === "begins_with" ? [{ kind: "path" as const, path: c.path }, c.operand] : [];
    if (operands.some((o) => o.kind === "size")) throw engineError("ValidationException", "KeyConditionExpressions cannot contain nested operations");
    const paths = operands.filter((o): o is { kind: "path"; path: readonly (string | number)[] } => o.kind === "path");
    if (paths.length > 1) throw engineError("ValidationException", "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition");
    if (paths.length === 0) throw engineError("ValidationException", "Invalid condition in KeyConditionExpression: No key attribute specified");
    if (paths[0]!.path.length > 1) throw engineError("ValidationException", "KeyConditionExpressions cannot have conditions on nested attributes");
    const attribute = paths[0]!.path[0] as string;
    if (conditions.has(attribute)) throw engineError("ValidationException", "KeyConditionExpressions must only contain one condition per key");
    conditions.set(attribute, c);
  };
  collect(condition);
  for (const [attribute, isHash] of [[key.hash, true], [key.range, false]] as const) {
    if (attribute === undefined) continue;
    const c = conditions.get(attribute);
    if (!c) {
      if (isHash || conditions.size > 1) throw engineError("ValidationException", `Query condition missed key schema element: ${attribute}`);
      continue;
    }
    if (isHash && key.range === undefined && conditions.size > 1) throw engineError("ValidationException", "Query key condition not supported");
    if (isHash && !(c.kind === "compare" && c.op === "=")) throw engineError("ValidationException", "Query key condition not supported");
  }
}

/** A document-client item as raw `AttributeValue`s (as DynamoDB returns items on exceptions). */
export function toAttributeValues(item: Item): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) if (value !== undefined) out[name] = toAttributeValue(value);
  return out;
}

function toAttributeValue(value: Value): unknown {
  switch (typeOf(value)) {
    case "S":
      return { S: value };
    case "N":
      return { N: String(typeof value === "object" ? (value as { value: string }).value : value) };
    case "BOOL":
      return { BOOL: value };
    case "NULL":
      return { NULL: true };
    case "B":
      return { B: value };
    case "L":
      return { L: (value as Value[]).map(toAttributeValue) };
    case "SS":
      return { SS: [...(value as Set<string>)] };
    case "NS":
      return { NS: [...(value as Set<unknown>)].map(String) };
    case "BS":
      return { BS: [...(value as Set<unknown>)] };
    default:
      return { M: toAttributeValues(value as Item) };
  }
}
