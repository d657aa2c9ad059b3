/**
 * `applySchema` for DynamoDB: CreateTable from core's physical builder
 * (idempotent: an existing table counts as unchanged), a wait until the
 * table and its GSIs are ACTIVE, and UpdateTimeToLive for entities with a
 * row TTL. Endpoints without the TTL API (dynalite) are reported as
 * unchanged; the adapter hides expired items on read either way.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { buildDynamoDbTables, type EntityModel, type SchemaApplyResult } from "@polyxena/core";
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
export async function applyDynamoDbSchema(client: DynamoDBDocumentClient, entities: readonly EntityModel[], options: ApplyDynamoDbSchemaOptions): Promise<SchemaApplyResult> {
  const applied: string[] = [];
  const unchanged: string[] = [];
  const fail = (error: unknown, statement: string) => wrapDynamoDbError(error, { store: options.store, statement, write: true });
  for (const table of buildDynamoDbTables(entities, { tablePrefix: options.tablePrefix })) {
    const name = table.createTable.TableName;
    const create = `CreateTable ${name}`;
    try {
      await client.send(new CreateTableCommand(table.createTable as CreateTableCommandInput));
      applied.push(create);
    } catch (error) {
      if ((error as { name?: string }).name !== "ResourceInUseException") throw fail(error, create);
      unchanged.push(create);
    }
    await waitUntilActive(client, name, options.timeoutMs).catch((error) => {
      throw fail(error, `DescribeTable ${name}`);
    });
    if (!table.timeToLive) continue;
    const ttl = `UpdateTimeToLive ${name} ${table.timeToLive.TimeToLiveSpecification.AttributeName}`;
    try {
      const current = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
      const description = current.TimeToLiveDescription;
      if ((description?.TimeToLiveStatus === "ENABLED" || description?.TimeToLiveStatus === "ENABLING") && description.AttributeName === table.timeToLive.TimeToLiveSpecification.AttributeName) {
        unchanged.push(ttl);
        continue;
      }
      await client.send(new UpdateTimeToLiveCommand(table.timeToLive));
      applied.push(ttl);
    } catch (error) {
      if ((error as { name?: string }).name !== "UnknownOperationException") throw fail(error, ttl);
      unchanged.push(`${ttl} (not supported by this endpoint; expired items are hidden on read)`);
    }
  }
  return { applied, unchanged };
}

async function waitUntilActive(client: DynamoDBDocumentClient, tableName: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 2000)) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === undefined || i.IndexStatus === "ACTIVE");
    if (Table?.TableStatus === "ACTIVE" && indexesActive) return;
    if (Date.now() + delay > deadline) throw new Error(`table ${tableName} is not ACTIVE after ${timeoutMs} ms (status ${Table?.TableStatus ?? "unknown"})`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
