/**
 * The SQL each repository method of a Postgres entity sends (keyset-paged
 * queries, upserts with an optional version condition).
 */
import type { EntityModel, OrderedField, QueryModel } from "../../entity-model.js";
import { qualifiedName, quoteIdent } from "../../physical/identifiers.js";
import { columnList, orderClause, quotedColumn, rangeClause, type StatementListingEntry } from "../../physical/statement-text.js";

/** The descriptive statement of a declared Postgres query (keyset-paged on order + key columns). */
export function postgresQueryStatement(model: EntityModel, query: QueryModel, schema = "public"): string {
  let n = 0;
  const param = () => `$${++n}`;
  const where = query.by.map((f) => `${quotedColumn(model, f)} = ${param()}`);
  let statement = `SELECT ${columnList(model)} FROM ${qualifiedName(schema, model.table)}`;
  if (where.length > 0) statement += ` WHERE ${where.join(" AND ")}`;
  statement += rangeClause(model, query, param);
  const order: OrderedField[] = [...query.order];
  for (const f of model.key.fields) if (!order.some((o) => o.field === f)) order.push({ field: f, order: query.order[0]?.order ?? "asc" });
  const positionColumns = order.map((o) => quotedColumn(model, o.field));
  statement += ` [AND (${positionColumns.join(", ")}) {>|<} (${order.map(() => param()).join(", ")})]`;
  statement += ` ORDER BY ${orderClause(model, order)} LIMIT ${param()}`;
  return statement;
}

/** The statement of every repository method of a Postgres entity, then one per unique constraint. */
export function postgresStatements(model: EntityModel, schema = "public"): StatementListingEntry[] {
  const table = qualifiedName(schema, model.table);
  const key = model.key.partition;
  const keyWhere = key.map((f, i) => `${quotedColumn(model, f)} = $${i + 1}`).join(" AND ");
  const columns = columnList(model);
  const nonKey = model.fields.filter((f) => !key.includes(f.name));
  const getMany =
    key.length === 1
      ? `SELECT ${columns} FROM ${table} WHERE ${quotedColumn(model, key[0]!)} = ANY($1)`
      : `SELECT ${columns} FROM ${table} WHERE (${key.map((f) => quotedColumn(model, f)).join(", ")}) IN ((${key.map((_f, i) => `$${i + 1}`).join(", ")}), ...)`;
  const values = model.fields.map((_f, i) => `$${i + 1}`).join(", ");
  const upsert = nonKey.length > 0 ? `DO UPDATE SET ${nonKey.map((f) => `${quoteIdent(f.column)} = EXCLUDED.${quoteIdent(f.column)}`).join(", ")}` : "DO NOTHING";
  const version = model.version ? ` [WHERE ${table}.${quotedColumn(model, model.version)} = $${model.fields.length + 1}]` : "";
  const entries: StatementListingEntry[] = [
    { operation: "get", statement: `SELECT ${columns} FROM ${table} WHERE ${keyWhere}` },
    { operation: "getMany", statement: getMany },
    {
      operation: "put",
      statement: `INSERT INTO ${table} (${columns}) VALUES (${values}) ON CONFLICT (${key.map((f) => quotedColumn(model, f)).join(", ")}) ${upsert}${version}  -- ifNotExists: ON CONFLICT DO NOTHING`,
    },
    {
      operation: "update",
      statement: `UPDATE ${table} SET ${nonKey.map((f, i) => `${quoteIdent(f.column)} = $${i + 1}`).join(", ") || "(no non-key columns)"} WHERE ${key.map((f, i) => `${quotedColumn(model, f)} = $${nonKey.length + i + 1}`).join(" AND ")}${model.version ? ` [AND ${quotedColumn(model, model.version)} = $${nonKey.length + key.length + 1}]` : ""} RETURNING ${columns}  -- only the changed columns are set`,
    },
    { operation: "delete", statement: `DELETE FROM ${table} WHERE ${keyWhere}${model.version ? ` [AND ${quotedColumn(model, model.version)} = $${key.length + 1}]` : ""}` },
  ];
  for (const q of model.queries) entries.push({ operation: q.name, statement: postgresQueryStatement(model, q, schema) });
  for (const c of model.unique) {
    const constrained = c.fields.map((f) => quotedColumn(model, f)).join(", ");
    entries.push({ operation: `unique ${c.name}`, statement: `CONSTRAINT ${quoteIdent(c.name)} UNIQUE (${constrained}) in ${table}  -- a duplicate is E_ALREADY_EXISTS naming ${c.name}` });
  }
  return entries;
}
