/**
 * A readable listing of the native statement or request each repository
 * method sends, per store. Codegen writes it to `statements.md`; adapters may
 * reuse the executable pieces (the `cassandra*`/`postgres*` builders below).
 *
 * Notation: `?` and `$n` are bound parameters; `[...]` marks a part sent only
 * when the call uses the matching option (range, cursor, condition, TTL).
 */
import type { EntityModel, FieldModel, OrderedField, QueryModel } from "../entity-model.js";
import { definitionError } from "../errors.js";
import { cassandraTables } from "./cassandra-schema.js";
import { dynamoClaimTableName, dynamoTableName } from "./dynamodb-tables.js";
import { uniqueClaimTable } from "./unique-claims.js";
import { qualifiedName, quoteIdent } from "./identifiers.js";

/** One repository method and the statement it sends. */
export interface StatementListingEntry {
  /** Repository method, e.g. `get` or `historyForProfile`. */
  operation: string;
  /** The native statement or request. */
  statement: string;
}

/** Where the entity's objects live (the same options the schema builders take). */
export interface StatementListingOptions {
  /** Cassandra keyspace; table names are unqualified when absent. */
  keyspace?: string | undefined;
  /** Postgres schema (default `public`). */
  schema?: string | undefined;
  /** DynamoDB table name prefix. */
  tablePrefix?: string | undefined;
}

function fieldOf(model: EntityModel, name: string): FieldModel {
  const field = model.fields.find((f) => f.name === name);
  if (!field) throw definitionError(model.name, "key", `field ${name} is not in the schema`, "declare the field");
  return field;
}

function col(model: EntityModel, name: string): string {
  return quoteIdent(fieldOf(model, name).column);
}

function columnList(model: EntityModel): string {
  return model.fields.map((f) => quoteIdent(f.column)).join(", ");
}

// ---------------------------------------------------------------- Cassandra

/** `SELECT <all columns> FROM <table> WHERE "a" = ? AND "b" = ?` (equality on `where`, in order). */
export function cassandraSelectStatement(model: EntityModel, table: string, where: readonly string[], keyspace?: string): string {
  const conditions = where.map((f) => `${col(model, f)} = ?`).join(" AND ");
  return `SELECT ${columnList(model)} FROM ${qualifiedName(keyspace, table)}${conditions ? ` WHERE ${conditions}` : ""}`;
}

/** `INSERT INTO <table> (<all columns>) VALUES (?, ...)`, with `USING TTL ?` when the entity has a row TTL. */
export function cassandraInsertStatement(model: EntityModel, table: string, keyspace?: string): string {
  const values = model.fields.map(() => "?").join(", ");
  const ttl = model.ttlSeconds !== undefined ? " USING TTL ?" : "";
  return `INSERT INTO ${qualifiedName(keyspace, table)} (${columnList(model)}) VALUES (${values})${ttl}`;
}

/** `DELETE FROM <table> WHERE <key> = ?` for a table's primary key fields. */
export function cassandraDeleteStatement(model: EntityModel, table: string, keyFields: readonly string[], keyspace?: string): string {
  return `DELETE FROM ${qualifiedName(keyspace, table)} WHERE ${keyFields.map((f) => `${col(model, f)} = ?`).join(" AND ")}`;
}

function cassandraListing(model: EntityModel, keyspace: string | undefined): StatementListingEntry[] {
  const tables = cassandraTables(model);
  const base = tables[0]!;
  const keyWhere = model.key.fields.map((f) => `${col(model, f)} = ?`).join(" AND ");
  const ttl = model.ttlSeconds !== undefined ? " USING TTL ?" : "";
  const baseName = qualifiedName(keyspace, base.name);
  const get = cassandraSelectStatement(model, base.name, model.key.fields, keyspace);
  const entries: StatementListingEntry[] = [
    { operation: "get", statement: get },
    { operation: "getMany", statement: `${get}  -- once per key, concurrently` },
  ];
  const others = tables.slice(1);
  const insert = cassandraInsertStatement(model, base.name, keyspace);
  if (others.length === 0) {
    entries.push({ operation: "put", statement: `${insert} [IF NOT EXISTS]` });
    entries.push({ operation: "delete", statement: `DELETE FROM ${baseName} WHERE ${keyWhere} [IF EXISTS]` });
  } else {
    const lines = (first: string, rest: (t: (typeof tables)[number]) => string) =>
      ["BEGIN LOGGED BATCH", `  ${first};`, ...others.map((t) => `  ${rest(t)};`), "APPLY BATCH"].join("\n");
    entries.push({
      operation: "put",
      statement: `${lines(insert, (t) => cassandraInsertStatement(model, t.name, keyspace))}  -- plus a DELETE from each query table whose key changed`,
    });
    entries.push({
      operation: "delete",
      statement: lines(`DELETE FROM ${baseName} WHERE ${keyWhere}`, (t) => cassandraDeleteStatement(model, t.name, [...t.partition, ...t.clustering.map((c) => c.field)], keyspace)),
    });
  }
  const settable = model.fields.filter((f) => !model.key.fields.includes(f.name)).map((f) => `${quoteIdent(f.column)} = ?`);
  const condition = model.version ? `IF EXISTS | IF ${col(model, model.version)} = ?` : "IF EXISTS";
  entries.push({
    operation: "update",
    statement: `UPDATE ${baseName}${ttl} SET ${settable.join(", ") || "(no non-key columns)"} WHERE ${keyWhere} ${condition}  -- only the changed columns are set${others.length > 0 ? "; then the updated row is re-inserted into each query table" : ""}`,
  });
  for (const q of model.queries) entries.push({ operation: q.name, statement: cassandraQueryStatement(model, q, keyspace) });
  return entries;
}

/** The descriptive statement of a declared Cassandra query (base table or its denormalized table). */
export function cassandraQueryStatement(model: EntityModel, query: QueryModel, keyspace?: string): string {
  const table = query.index.kind === "table" ? query.index.name : model.table;
  let statement = cassandraSelectStatement(model, table, query.by, keyspace);
  statement += rangeClause(model, query, () => "?");
  if (query.order.length > 0) statement += ` ORDER BY ${orderClause(model, query.order)}`;
  return `${statement}  -- paged with the driver's paging state`;
}

// ---------------------------------------------------------------- Postgres

function rangeClause(model: EntityModel, query: QueryModel, param: () => string): string {
  if (!query.rangeField) return "";
  const c = col(model, query.rangeField);
  return ` [AND ${c} {>|>=} ${param()}] [AND ${c} {<|<=} ${param()}]`;
}

function orderClause(model: EntityModel, order: readonly OrderedField[]): string {
  return order.map((o) => `${col(model, o.field)} ${o.order.toUpperCase()}`).join(", ");
}

/** The descriptive statement of a declared Postgres query (keyset-paged on order + key columns). */
export function postgresQueryStatement(model: EntityModel, query: QueryModel, schema = "public"): string {
  let n = 0;
  const param = () => `$${++n}`;
  const where = query.by.map((f) => `${col(model, f)} = ${param()}`);
  let statement = `SELECT ${columnList(model)} FROM ${qualifiedName(schema, model.table)}`;
  if (where.length > 0) statement += ` WHERE ${where.join(" AND ")}`;
  statement += rangeClause(model, query, param);
  const order: OrderedField[] = [...query.order];
  for (const f of model.key.fields) if (!order.some((o) => o.field === f)) order.push({ field: f, order: query.order[0]?.order ?? "asc" });
  const positionColumns = order.map((o) => col(model, o.field));
  statement += ` [AND (${positionColumns.join(", ")}) {>|<} (${order.map(() => param()).join(", ")})]`;
  statement += ` ORDER BY ${orderClause(model, order)} LIMIT ${param()}`;
  return statement;
}

function postgresListing(model: EntityModel, schema: string): StatementListingEntry[] {
  const table = qualifiedName(schema, model.table);
  const key = model.key.partition;
  const keyWhere = key.map((f, i) => `${col(model, f)} = $${i + 1}`).join(" AND ");
  const columns = columnList(model);
  const nonKey = model.fields.filter((f) => !key.includes(f.name));
  const getMany =
    key.length === 1
      ? `SELECT ${columns} FROM ${table} WHERE ${col(model, key[0]!)} = ANY($1)`
      : `SELECT ${columns} FROM ${table} WHERE (${key.map((f) => col(model, f)).join(", ")}) IN ((${key.map((_f, i) => `$${i + 1}`).join(", ")}), ...)`;
  const values = model.fields.map((_f, i) => `$${i + 1}`).join(", ");
  const upsert = nonKey.length > 0 ? `DO UPDATE SET ${nonKey.map((f) => `${quoteIdent(f.column)} = EXCLUDED.${quoteIdent(f.column)}`).join(", ")}` : "DO NOTHING";
  const version = model.version ? ` [WHERE ${table}.${col(model, model.version)} = $${model.fields.length + 1}]` : "";
  const entries: StatementListingEntry[] = [
    { operation: "get", statement: `SELECT ${columns} FROM ${table} WHERE ${keyWhere}` },
    { operation: "getMany", statement: getMany },
    {
      operation: "put",
      statement: `INSERT INTO ${table} (${columns}) VALUES (${values}) ON CONFLICT (${key.map((f) => col(model, f)).join(", ")}) ${upsert}${version}  -- ifNotExists: ON CONFLICT DO NOTHING`,
    },
    {
      operation: "update",
      statement: `UPDATE ${table} SET ${nonKey.map((f, i) => `${quoteIdent(f.column)} = $${i + 1}`).join(", ") || "(no non-key columns)"} WHERE ${key.map((f, i) => `${col(model, f)} = $${nonKey.length + i + 1}`).join(" AND ")}${model.version ? ` [AND ${col(model, model.version)} = $${nonKey.length + key.length + 1}]` : ""} RETURNING ${columns}  -- only the changed columns are set`,
    },
    { operation: "delete", statement: `DELETE FROM ${table} WHERE ${keyWhere}${model.version ? ` [AND ${col(model, model.version)} = $${key.length + 1}]` : ""}` },
  ];
  for (const q of model.queries) entries.push({ operation: q.name, statement: postgresQueryStatement(model, q, schema) });
  return entries;
}

// ---------------------------------------------------------------- DynamoDB

function dynamoKey(model: EntityModel): string {
  return `{ ${model.key.fields.map((f) => `${f}: ?`).join(", ")} }`;
}

function dynamoListing(model: EntityModel, tablePrefix: string): StatementListingEntry[] {
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

// ------------------------------------------------------------ Elasticsearch

function elasticsearchListing(model: EntityModel): StatementListingEntry[] {
  const alias = model.table;
  const id = model.key.partition[0]!;
  const refresh = model.consistency.write.level === "strong" ? "wait_for" : "false";
  const entries: StatementListingEntry[] = [
    { operation: "get", statement: `GET /${alias}/_doc/{${id}}` },
    { operation: "getMany", statement: `POST /${alias}/_mget { "ids": [{${id}}, ...] }` },
    { operation: "put", statement: `PUT /${alias}/_doc/{${id}}?refresh=${refresh}[&op_type=create][&if_seq_no=?&if_primary_term=?] { ...document }` },
    { operation: "update", statement: `POST /${alias}/_update/{${id}}?refresh=${refresh}[&if_seq_no=?&if_primary_term=?] { "doc": { ...changes } }` },
    { operation: "delete", statement: `DELETE /${alias}/_doc/{${id}}?refresh=${refresh}` },
  ];
  for (const q of model.queries) entries.push({ operation: q.name, statement: elasticsearchQueryRequest(model, q) });
  const text = model.textFields.length > 0 ? `"multi_match": { "query": ?, "fields": [${model.textFields.map((f) => `"${f}"`).join(", ")}] }` : "";
  entries.push({
    operation: "search",
    statement: `POST /${alias}/_search { "query": { "bool": { ${text ? `"must": [{ ${text} }], ` : ""}"filter": [...] } }, "sort": [... | "_score", { "${id}": "asc" }], "size": ?, "track_total_hits": true [, "search_after": ?] [, "highlight": ...] }`,
  });
  return entries;
}

/** The descriptive `_search` request of a declared Elasticsearch query (filters + sort + search_after). */
export function elasticsearchQueryRequest(model: EntityModel, query: QueryModel): string {
  const id = model.key.partition[0]!;
  const filters = query.by.map((f) => `{ "term": { "${f}": ? } }`);
  if (query.rangeField) filters.push(`[{ "range": { "${query.rangeField}": { ... } } }]`);
  const sort = [...query.order.map((o) => `{ "${o.field}": "${o.order}" }`)];
  if (!query.order.some((o) => o.field === id)) sort.push(`{ "${id}": "${query.order[0]?.order ?? "asc"}" }`);
  return `POST /${model.table}/_search { "query": { "bool": { "filter": [${filters.join(", ")}] } }, "sort": [${sort.join(", ")}], "size": ? [, "search_after": ?] }`;
}

/**
 * The statement each repository method of this entity sends to its store:
 * `get`, `getMany`, `put`, `update`, `delete`, then the declared queries in
 * declaration order (and `search` for Elasticsearch).
 */
export function listStatements(model: EntityModel, options: StatementListingOptions = {}): StatementListingEntry[] {
  switch (model.store.kind) {
    case "cassandra":
      return [...cassandraListing(model, options.keyspace), ...uniqueListing(model, options)];
    case "postgres":
      return [...postgresListing(model, options.schema ?? "public"), ...uniqueListing(model, options)];
    case "dynamodb":
      return [...dynamoListing(model, options.tablePrefix ?? ""), ...uniqueListing(model, options)];
    case "elasticsearch":
      return elasticsearchListing(model);
  }
}

/** One entry per unique constraint (`unique <name>`): how the store enforces it on put, update and delete. */
function uniqueListing(model: EntityModel, options: StatementListingOptions): StatementListingEntry[] {
  return model.unique.map((c) => {
    const columns = c.fields.map((f) => col(model, f)).join(", ");
    const operation = `unique ${c.name}`;
    switch (model.store.kind) {
      case "postgres":
        return { operation, statement: `CONSTRAINT ${quoteIdent(c.name)} UNIQUE (${columns}) in ${qualifiedName(options.schema ?? "public", model.table)}  -- a duplicate is E_ALREADY_EXISTS naming ${c.name}` };
      case "dynamodb": {
        const claims = dynamoClaimTableName(model, options.tablePrefix ?? "");
        return {
          operation,
          statement: `TransactWriteItems [ <the put/update/delete, ConditionExpression: item unchanged since read>, Put { TableName: "${claims}", Item: { claim: "${c.name}#[${c.fields.join(", ")}]", owner: <key> }, ConditionExpression: "attribute_not_exists(claim) OR owner = :owner" }, Delete { TableName: "${claims}", Key: { claim: <old value> }, ConditionExpression: "owner = :owner" } ]  -- claims move with the item in one transaction`,
        };
      }
      default: {
        const table = qualifiedName(options.keyspace, uniqueClaimTable(model));
        return {
          operation,
          statement: `INSERT INTO ${table} ("claim", "owner", "claimed_at") VALUES ('${c.name}#[${c.fields.join(", ")}]', <key>, ?) IF NOT EXISTS  -- before the item write; then DELETE FROM ${table} WHERE "claim" = <old value> IF "owner" = <key>; a failed item write releases the new claim`,
        };
      }
    }
  });
}
