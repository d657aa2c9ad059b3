/**
 * DynamoDB CreateTable inputs: key schema, one GSI per `gsi`-kind query,
 * on-demand billing, and the TTL attribute when the entity has a row TTL.
 * The shapes match the AWS SDK's `CreateTableCommandInput` and
 * `UpdateTimeToLiveCommandInput` structurally (core never imports the SDK).
 */
import type { EntityModel, FieldModel } from "../../entity-model.js";
import { definitionError } from "../../errors.js";
import { uniqueClaimTable } from "../../physical/unique-claims.js";

/** A DynamoDB attribute type. */
export type DynamoAttributeType = "S" | "N" | "BOOL" | "L" | "M";

/**
 * The DynamoDB attribute type of a field: string/uuid/enum/date -> `S`
 * (dates as ISO-8601 UTC with milliseconds), int/number/bigint -> `N`,
 * boolean -> `BOOL`, list -> `L`, map/object -> `M`.
 */
export function dynamoAttributeType(field: FieldModel): DynamoAttributeType {
  switch (field.type) {
    case "string":
    case "uuid":
    case "enum":
    case "date":
      return "S";
    case "int":
    case "number":
    case "bigint":
      return "N";
    case "boolean":
      return "BOOL";
    case "list":
      return "L";
    case "map":
    case "object":
      return "M";
  }
}


/** The attribute holding the expiry time (epoch seconds) of entities with a row TTL. */
export const DYNAMODB_TTL_ATTRIBUTE = "_ttl";

/** A key attribute definition. */
export interface DynamoAttributeDefinition {
  AttributeName: string;
  AttributeType: "S" | "N" | "B";
}

/** One element of a key schema. */
export interface DynamoKeySchemaElement {
  AttributeName: string;
  KeyType: "HASH" | "RANGE";
}

/** A global secondary index. */
export interface DynamoGlobalSecondaryIndex {
  IndexName: string;
  KeySchema: DynamoKeySchemaElement[];
  Projection: { ProjectionType: "ALL" };
}

/** A CreateTable request. */
export interface DynamoCreateTableInput {
  TableName: string;
  AttributeDefinitions: DynamoAttributeDefinition[];
  KeySchema: DynamoKeySchemaElement[];
  GlobalSecondaryIndexes?: DynamoGlobalSecondaryIndex[];
  BillingMode: "PAY_PER_REQUEST";
}

/** An UpdateTimeToLive request. */
export interface DynamoTimeToLiveInput {
  TableName: string;
  TimeToLiveSpecification: { AttributeName: string; Enabled: true };
}

/** The physical table of one DynamoDB entity. */
export interface DynamoTableDefinition {
  entity: string;
  createTable: DynamoCreateTableInput;
  /** Present when the entity has a row TTL. */
  timeToLive?: DynamoTimeToLiveInput | undefined;
}

/** The attribute holding a claim id (`<constraint>#<values>`) in a claims table. */
export const DYNAMODB_CLAIM_ATTRIBUTE = "claim";
/** The attribute holding the owner item's key (JSON) in a claims table. */
export const DYNAMODB_OWNER_ATTRIBUTE = "owner";

/** Name of the table holding an entity's unique claims (`<prefix><table>_unique`). */
export function dynamoClaimTableName(model: EntityModel, tablePrefix = ""): string {
  return `${tablePrefix}${uniqueClaimTable(model)}`;
}

/**
 * The claims table of an entity with unique constraints (undefined without):
 * one item per taken value, keyed by `claim`, written in the same
 * TransactWriteItems as the item that takes it.
 */
export function dynamoClaimTableDefinition(model: EntityModel, tablePrefix = ""): DynamoTableDefinition | undefined {
  if (model.unique.length === 0) return undefined;
  const tableName = dynamoClaimTableName(model, tablePrefix);
  const definition: DynamoTableDefinition = {
    entity: model.name,
    createTable: {
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: DYNAMODB_CLAIM_ATTRIBUTE, AttributeType: "S" }],
      KeySchema: [{ AttributeName: DYNAMODB_CLAIM_ATTRIBUTE, KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    },
  };
  if (model.ttlSeconds !== undefined) {
    definition.timeToLive = { TableName: tableName, TimeToLiveSpecification: { AttributeName: DYNAMODB_TTL_ATTRIBUTE, Enabled: true } };
  }
  return definition;
}

/** Name of the outbox table of a DynamoDB store whose entities publish change events (after the table prefix). */
export const DYNAMODB_OUTBOX_TABLE = "polyxena_outbox";

/**
 * The outbox table of a DynamoDB store: one table keyed by `pk` and `sk`
 * holding pending events (`p#<partition>`, sorted per key in version
 * order), the latest version per key, partition leases and dead letters.
 * Events are written in the same TransactWriteItems as the item.
 */
export function dynamoOutboxTableDefinition(tablePrefix = ""): DynamoTableDefinition {
  return {
    entity: DYNAMODB_OUTBOX_TABLE,
    createTable: {
      TableName: `${tablePrefix}${DYNAMODB_OUTBOX_TABLE}`,
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      BillingMode: "PAY_PER_REQUEST",
    },
  };
}

/** Options of {@link buildDynamoDbTables}. */
export interface DynamoDbTablesOptions {
  /** Prepended to every table name (default none). */
  tablePrefix?: string | undefined;
}

const DYNAMO_TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** The DynamoDB table name of an entity; `E_DEFINITION` when DynamoDB would reject it. */
export function dynamoTableName(model: EntityModel, tablePrefix = ""): string {
  const name = `${tablePrefix}${model.table}`;
  if (!DYNAMO_TABLE_NAME.test(name)) {
    throw definitionError(model.name, "table", `DynamoDB table name ${JSON.stringify(name)} is invalid (3-255 letters, digits, _ . -)`, "use a longer table name or a tablePrefix of letters, digits, _ . -");
  }
  return name;
}

function keyAttributeType(model: EntityModel, field: FieldModel): "S" | "N" {
  const type = dynamoAttributeType(field);
  if (type !== "S" && type !== "N") {
    throw definitionError(model.name, `schema.${field.name}`, `field ${field.name} (${field.type}) cannot be a DynamoDB key attribute`, "key on a string, number or date field");
  }
  return type;
}

/** The table definition of one DynamoDB entity. */
export function dynamoTableDefinition(model: EntityModel, tablePrefix = ""): DynamoTableDefinition {
  const fields = new Map(model.fields.map((f) => [f.name, f]));
  const definitions = new Map<string, DynamoAttributeDefinition>();
  const define = (name: string) => {
    const field = fields.get(name);
    if (!field) throw definitionError(model.name, "key", `key field ${name} is not in the schema`, "declare the field");
    if (!definitions.has(name)) definitions.set(name, { AttributeName: name, AttributeType: keyAttributeType(model, field) });
  };
  const keySchema = (hash: string, range: string | undefined): DynamoKeySchemaElement[] => {
    define(hash);
    const schema: DynamoKeySchemaElement[] = [{ AttributeName: hash, KeyType: "HASH" }];
    if (range !== undefined) {
      define(range);
      schema.push({ AttributeName: range, KeyType: "RANGE" });
    }
    return schema;
  };
  const hash = model.key.partition[0];
  if (hash === undefined) throw definitionError(model.name, "key.partition", "the key has no partition field", "name the partition key");
  const tableName = dynamoTableName(model, tablePrefix);
  const createTable: DynamoCreateTableInput = {
    TableName: tableName,
    AttributeDefinitions: [],
    KeySchema: keySchema(hash, model.key.clustering[0]?.field),
    BillingMode: "PAY_PER_REQUEST",
  };
  const indexes: DynamoGlobalSecondaryIndex[] = [];
  for (const q of model.queries) {
    if (q.index.kind !== "gsi") continue;
    indexes.push({ IndexName: q.index.name, KeySchema: keySchema(q.index.partition, q.index.sort), Projection: { ProjectionType: "ALL" } });
  }
  createTable.AttributeDefinitions = [...definitions.values()];
  if (indexes.length > 0) createTable.GlobalSecondaryIndexes = indexes;
  const definition: DynamoTableDefinition = { entity: model.name, createTable };
  if (model.ttlSeconds !== undefined) {
    definition.timeToLive = { TableName: tableName, TimeToLiveSpecification: { AttributeName: DYNAMODB_TTL_ATTRIBUTE, Enabled: true } };
  }
  return definition;
}

/**
 * The table definitions of these DynamoDB entities (others are ignored).
 *
 * @example
 * for (const t of buildDynamoDbTables(models, { tablePrefix: "dev_" })) {
 *   await client.send(new CreateTableCommand(t.createTable));
 *   if (t.timeToLive) await client.send(new UpdateTimeToLiveCommand(t.timeToLive));
 * }
 */
export function buildDynamoDbTables(models: readonly EntityModel[], options: DynamoDbTablesOptions = {}): DynamoTableDefinition[] {
  const prefix = options.tablePrefix ?? "";
  const dynamo = models.filter((m) => m.store.kind === "dynamodb");
  const tables = dynamo.flatMap((m) => {
    const claims = dynamoClaimTableDefinition(m, prefix);
    return claims ? [dynamoTableDefinition(m, prefix), claims] : [dynamoTableDefinition(m, prefix)];
  });
  if (dynamo.some((m) => m.events)) tables.push(dynamoOutboxTableDefinition(prefix));
  return tables;
}
