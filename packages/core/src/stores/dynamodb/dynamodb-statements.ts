/**
 * The request each repository method of a DynamoDB entity sends.
 */
import type { EntityModel, QueryModel } from "../../entity-model.js";
import type { StatementListingEntry } from "../../physical/statement-text.js";
import { dynamoClaimTableName, dynamoTableName } from "./dynamodb-schema.js";

function dynamoKey(model: EntityModel): string {
  return `{ ${model.key.fields.map((f) => `${f}: ?`).join(", ")} }`;
}

/** The request of every repository method of a DynamoDB entity, then one per unique constraint. */
export function dynamoDbStatements(model: EntityModel, tablePrefix = ""): StatementListingEntry[] {
  const table = dynamoTableName(model, tablePrefix);
  const key = dynamoKey(model);
  const strong = model.consistency.read.level === "strong" ? "true" : "false";
  const hash = model.key.partition[0]!;
  const conditions = [`attribute_not_exists(${hash})`, ...(model.version ? [`${model.version} = :expected`] : [])].join(" | ");
  const ttl = model.ttlSeconds !== undefined ? `, ${"_ttl"}: ?` : "";
  const entries: StatementListingEntry[] = [
    { operation: "get", statement: `GetItem { TableName: "${table}", Key: ${key}, ConsistentRead: ${strong} }` },
    { operation: "getMany", statement: `BatchGetItem { RequestItems: { "${table}": { Keys: [${key}, ...], ConsistentRead: ${strong} } } }  -- 100 keys per request, unprocessed keys retried` },
    { operation: "put", statement: `PutItem { TableName: "${table}", Item: { ${model.fields.map((f) => `${f.name}: ?`).join(", ")}${ttl} } [, ConditionExpression: "${conditions}"] }` },
    {
      operation: "update",
      statement: `UpdateItem { TableName: "${table}", Key: ${key}, UpdateExpression: "SET #f = :v, ... [REMOVE #g]", ConditionExpression: "attribute_exists(${hash})${model.version ? ` [AND ${model.version} = :expected]` : ""}", ReturnValues: "ALL_NEW" }`,
    },
    { operation: "delete", statement: `DeleteItem { TableName: "${table}", Key: ${key} [, ConditionExpression: "attribute_exists(${hash})${model.version ? ` AND ${model.version} = :expected` : ""}"] }` },
  ];
  for (const q of model.queries) entries.push({ operation: q.name, statement: dynamoQueryRequest(model, q, tablePrefix) });
  const claims = dynamoClaimTableName(model, tablePrefix);
  for (const c of model.unique) {
    entries.push({
      operation: `unique ${c.name}`,
      statement: `TransactWriteItems [ <the put/update/delete, ConditionExpression: item unchanged since read>, Put { TableName: "${claims}", Item: { claim: "${c.name}#[${c.fields.join(", ")}]", owner: <key> }, ConditionExpression: "attribute_not_exists(claim) OR owner = :owner" }, Delete { TableName: "${claims}", Key: { claim: <old value> }, ConditionExpression: "owner = :owner" } ]  -- claims move with the item in one transaction`,
    });
  }
  return entries;
}

/** The descriptive DynamoDB `Query` request of a declared query (base table or its GSI). */
export function dynamoQueryRequest(model: EntityModel, query: QueryModel, tablePrefix = ""): string {
  const table = dynamoTableName(model, tablePrefix);
  const index = query.index.kind === "gsi" ? `, IndexName: "${query.index.name}"` : "";
  const sort = query.index.kind === "gsi" ? query.index.sort : model.key.clustering[0]?.field;
  const hash = query.by[0] ?? model.key.partition[0]!;
  const range = query.rangeField && sort === query.rangeField ? ` [AND #${query.rangeField} {>|>=|<|<=|BETWEEN} :r]` : "";
  const order = query.order[0];
  const forward = order ? order.order === "asc" : true;
  const consistent = query.index.kind === "gsi" ? "false" : (query.consistency ?? model.consistency.read).level === "strong" ? "true" : "false";
  return `Query { TableName: "${table}"${index}, KeyConditionExpression: "#${hash} = :${hash}${range}", ScanIndexForward: ${forward}, Limit: ?, ConsistentRead: ${consistent} [, ExclusiveStartKey: ?] }`;
}
