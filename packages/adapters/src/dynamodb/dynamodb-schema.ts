/**
 * `applySchema` for DynamoDB: CreateTable from core's physical builder
 * (idempotent: an existing table counts as unchanged), a wait until the
 * table and its GSIs are ACTIVE, and UpdateTimeToLive for entities with a
 * row TTL. Endpoints without the TTL API (dynalite) are reported as
 * unchanged; the adapter hides expired items on read either way.
 *
 * An existing table must have the declared key schema (`E_DEFINITION`
 * otherwise: DynamoDB cannot re-key a table). A GSI declared since the table
 * was created is added with UpdateTable; an endpoint that does not create it
 * (dynalite) fails with `E_UNSUPPORTED`.
 */
import type { DynamoDbPort, PortTableDescription } from "./dynamodb-port.js";
import { PolyxenaError, type EntityModel, type SchemaApplyResult, type SchemaPlan } from "@polyxena/core";
import { buildDynamoDbTables, type DynamoTableDefinition } from "@polyxena/core/stores/dynamodb";
import { wrapDynamoDbError } from "./dynamodb-errors.js";

/** Options of {@link applyDynamoDbSchema}. */
export interface ApplyDynamoDbSchemaOptions {
  tablePrefix: string;
  /** How long to wait for a table to become ACTIVE. */
  timeoutMs: number;
  /** Adapter name, for errors. */
  store: string;
}

/** Creates the tables of these entities idempotently; see the module comment. */
export async function applyDynamoDbSchema(port: DynamoDbPort, entities: readonly EntityModel[], options: ApplyDynamoDbSchemaOptions): Promise<SchemaApplyResult> {
  const applied: string[] = [];
  const unchanged: string[] = [];
  const fail = (error: unknown, statement: string) => wrapDynamoDbError(error, { store: options.store, statement, write: true, schema: true });
  for (const table of buildDynamoDbTables(entities, { tablePrefix: options.tablePrefix })) {
    const name = table.createTable.TableName;
    const create = `CreateTable ${name}`;
    try {
      await port.createTable(table.createTable);
      applied.push(create);
    } catch (error) {
      if ((error as { name?: string }).name !== "ResourceInUseException") throw fail(error, create);
      unchanged.push(create);
    }
    const active = await waitUntilActive(port, name, options.timeoutMs).catch((error) => {
      throw fail(error, `DescribeTable ${name}`);
    });
    checkKeySchema(table, active, options.store);
    for (const index of table.createTable.GlobalSecondaryIndexes ?? []) {
      if (active.GlobalSecondaryIndexes?.some((i) => i.IndexName === index.IndexName)) continue;
      const statement = `UpdateTable ${name} CREATE INDEX ${index.IndexName}`;
      const used = new Set(index.KeySchema.map((k) => k.AttributeName));
      try {
        await port.updateTable({
          TableName: name,
          AttributeDefinitions: table.createTable.AttributeDefinitions.filter((d) => used.has(d.AttributeName)),
          GlobalSecondaryIndexUpdates: [{ Create: index }],
        });
      } catch (error) {
        throw fail(error, statement);
      }
      const after = await waitUntilActive(port, name, options.timeoutMs).catch((error) => {
        throw fail(error, `DescribeTable ${name}`);
      });
      if (!after.GlobalSecondaryIndexes?.some((i) => i.IndexName === index.IndexName)) {
        throw new PolyxenaError("E_UNSUPPORTED", `the endpoint accepted ${statement} but did not create the index`, {
          entity: table.entity,
          store: options.store,
          statement,
          fix: "create the table afresh (drop it, or change the entity's table name) on endpoints that cannot add indexes",
        });
      }
      applied.push(statement);
    }
    if (!table.timeToLive) continue;
    const ttl = `UpdateTimeToLive ${name} ${table.timeToLive.TimeToLiveSpecification.AttributeName}`;
    try {
      const current = await port.describeTimeToLive({ TableName: name });
      const description = current.TimeToLiveDescription;
      if ((description?.TimeToLiveStatus === "ENABLED" || description?.TimeToLiveStatus === "ENABLING") && description.AttributeName === table.timeToLive.TimeToLiveSpecification.AttributeName) {
        unchanged.push(ttl);
        continue;
      }
      await port.updateTimeToLive(table.timeToLive);
      applied.push(ttl);
    } catch (error) {
      if ((error as { name?: string }).name !== "UnknownOperationException") throw fail(error, ttl);
      unchanged.push(`${ttl} (not supported by this endpoint; expired items are hidden on read)`);
    }
  }
  return { applied, unchanged };
}

function checkKeySchema(table: DynamoTableDefinition, actual: PortTableDescription, store: string): void {
  const shape = (keys: readonly { AttributeName?: string | undefined; KeyType?: string | undefined }[] | undefined) => (keys ?? []).map((k) => `${k.AttributeName} ${k.KeyType}`).join(", ");
  const want = shape(table.createTable.KeySchema);
  const have = shape(actual.KeySchema);
  if (want !== have) {
    throw new PolyxenaError("E_DEFINITION", `table ${table.createTable.TableName} exists with key (${have}) but the entity declares (${want})`, {
      entity: table.entity,
      store,
      path: "key",
      fix: "DynamoDB cannot re-key a table: give the entity a new table name and copy the data over",
    });
  }
}

async function waitUntilActive(port: DynamoDbPort, tableName: string, timeoutMs: number): Promise<PortTableDescription> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 2000)) {
    const { Table } = await port.describeTable({ TableName: tableName });
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === undefined || i.IndexStatus === "ACTIVE");
    if (Table && Table.TableStatus === "ACTIVE" && indexesActive) return Table;
    if (Date.now() + delay > deadline) throw new Error(`table ${tableName} is not ACTIVE after ${timeoutMs} ms (status ${Table?.TableStatus ?? "unknown"})`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** The key schema and GSIs of a live table, as DescribeTable reports them. */
export type LiveDynamoDbTable = Pick<PortTableDescription, "KeySchema" | "GlobalSecondaryIndexes">;

/** The changes that bring one live table (undefined: missing) to its declared definition (also used by the memory DynamoDB over its own catalog). */
export function diffDynamoDbTable(table: DynamoTableDefinition, live: LiveDynamoDbTable | undefined): SchemaPlan {
  const plan: SchemaPlan = { changes: [], unchanged: [] };
  const name = table.createTable.TableName;
  const create = `CreateTable ${name}`;
  if (!live) {
    plan.changes.push({ kind: "additive", statement: create });
    return plan;
  }
  const shape = (keys: readonly { AttributeName?: string | undefined; KeyType?: string | undefined }[] | undefined) => (keys ?? []).map((k) => `${k.AttributeName} ${k.KeyType}`).join(", ");
  const want = shape(table.createTable.KeySchema);
  const have = shape(live.KeySchema);
  if (want !== have) {
    plan.changes.push({ kind: "incompatible", statement: create, reason: `table ${name} exists with key (${have}) but the entity declares (${want}): DynamoDB cannot re-key a table; give the entity a new table name and copy the data over` });
  }
  const declared = table.createTable.GlobalSecondaryIndexes ?? [];
  for (const index of declared) {
    if (!live.GlobalSecondaryIndexes?.some((i) => i.IndexName === index.IndexName)) plan.changes.push({ kind: "additive", statement: `UpdateTable ${name} CREATE INDEX ${index.IndexName}` });
  }
  for (const index of live.GlobalSecondaryIndexes ?? []) {
    if (declared.some((i) => i.IndexName === index.IndexName)) continue;
    plan.changes.push({ kind: "destructive", statement: `UpdateTable ${name} DELETE INDEX ${index.IndexName}`, reason: `index ${index.IndexName} of ${name} serves no declared query (schema apply leaves it in place)` });
  }
  if (plan.changes.length === 0) plan.unchanged.push(create);
  return plan;
}

/**
 * The differences between these entities' tables and the endpoint, read with
 * DescribeTable; changes nothing. A missing table or GSI is additive; a
 * changed key schema is incompatible (DynamoDB cannot re-key a table); a GSI
 * no query declares is destructive (deleting it; apply leaves it in place).
 */
export async function planDynamoDbSchema(port: DynamoDbPort, entities: readonly EntityModel[], options: ApplyDynamoDbSchemaOptions): Promise<SchemaPlan> {
  const plan: SchemaPlan = { changes: [], unchanged: [] };
  for (const table of buildDynamoDbTables(entities, { tablePrefix: options.tablePrefix })) {
    const name = table.createTable.TableName;
    let live: PortTableDescription | undefined;
    try {
      live = (await port.describeTable({ TableName: name })).Table;
    } catch (error) {
      if ((error as { name?: string }).name !== "ResourceNotFoundException") throw wrapDynamoDbError(error, { store: options.store, statement: `DescribeTable ${name}`, write: false });
    }
    const part = diffDynamoDbTable(table, live);
    plan.changes.push(...part.changes);
    plan.unchanged.push(...part.unchanged);
  }
  return plan;
}
