/**
 * The CQL each repository method of a Cassandra entity sends, and the
 * executable statement builders the adapter shares with the listing.
 */
import type { EntityModel, QueryModel } from "../../entity-model.js";
import { qualifiedName, quoteIdent } from "../../physical/identifiers.js";
import { columnList, orderClause, quotedColumn, rangeClause, type StatementListingEntry } from "../../physical/statement-text.js";
import { uniqueClaimTable } from "../../physical/unique-claims.js";
import { cassandraTables } from "./cassandra-schema.js";

/** `SELECT <all columns> FROM <table> WHERE "a" = ? AND "b" = ?` (equality on `where`, in order). */
export function cassandraSelectStatement(model: EntityModel, table: string, where: readonly string[], keyspace?: string): string {
  const conditions = where.map((f) => `${quotedColumn(model, f)} = ?`).join(" AND ");
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
  return `DELETE FROM ${qualifiedName(keyspace, table)} WHERE ${keyFields.map((f) => `${quotedColumn(model, f)} = ?`).join(" AND ")}`;
}

/** The statement of every repository method of a Cassandra entity, then one per unique constraint. */
export function cassandraStatements(model: EntityModel, keyspace?: string): StatementListingEntry[] {
  const tables = cassandraTables(model);
  const base = tables[0]!;
  const keyWhere = model.key.fields.map((f) => `${quotedColumn(model, f)} = ?`).join(" AND ");
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
  const condition = model.version ? `IF EXISTS | IF ${quotedColumn(model, model.version)} = ?` : "IF EXISTS";
  entries.push({
    operation: "update",
    statement: `UPDATE ${baseName}${ttl} SET ${settable.join(", ") || "(no non-key columns)"} WHERE ${keyWhere} ${condition}  -- only the changed columns are set${others.length > 0 ? "; then the updated row is re-inserted into each query table" : ""}`,
  });
  for (const q of model.queries) entries.push({ operation: q.name, statement: cassandraQueryStatement(model, q, keyspace) });
  const claims = qualifiedName(keyspace, uniqueClaimTable(model));
  for (const c of model.unique) {
    entries.push({
      operation: `unique ${c.name}`,
      statement: `INSERT INTO ${claims} ("claim", "owner", "claimed_at") VALUES ('${c.name}#[${c.fields.join(", ")}]', <key>, ?) IF NOT EXISTS  -- before the item write; then DELETE FROM ${claims} WHERE "claim" = <old value> IF "owner" = <key>; a failed item write releases the new claim`,
    });
  }
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
