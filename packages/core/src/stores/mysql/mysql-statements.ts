/**
 * The SQL each repository method of a MySQL entity sends: prepared
 * statements with `?` parameters; conditional writes decided by the rows a
 * statement matched (MySQL has no `UPDATE ... RETURNING`).
 */
import type { EntityModel, FieldModel, OrderedField, QueryModel } from "../../entity-model.js";
import { definitionError } from "../../errors.js";
import type { StatementListingEntry } from "../../physical/statement-text.js";
import { mysqlIdent } from "./mysql-schema.js";

function column(model: EntityModel, name: string): string {
  const field: FieldModel | undefined = model.fields.find((f) => f.name === name);
  if (!field) throw definitionError(model.name, "key", `field ${name} is not in the schema`, "declare the field");
  return mysqlIdent(field.column);
}

/** The descriptive statement of a declared MySQL query (keyset-paged on order + key columns). */
export function mysqlQueryStatement(model: EntityModel, query: QueryModel): string {
  const columns = model.fields.map((f) => mysqlIdent(f.column)).join(", ");
  let statement = `SELECT ${columns} FROM ${mysqlIdent(model.table)}`;
  if (query.by.length > 0) statement += ` WHERE ${query.by.map((f) => `${column(model, f)} = ?`).join(" AND ")}`;
  if (query.rangeField) {
    const c = column(model, query.rangeField);
    statement += ` [AND ${c} {>|>=} ?] [AND ${c} {<|<=} ?]`;
  }
  const order: OrderedField[] = [...query.order];
  for (const f of model.key.fields) if (!order.some((o) => o.field === f)) order.push({ field: f, order: "asc" });
  statement += ` [AND (${order.map((o) => column(model, o.field)).join(", ")}) {>|<} (${order.map(() => "?").join(", ")})]`;
  statement += ` ORDER BY ${order.map((o) => `${column(model, o.field)} ${o.order.toUpperCase()}`).join(", ")} LIMIT <page size + 1>`;
  return statement;
}

/** The statement of every repository method of a MySQL entity, then one per unique constraint. */
export function mysqlStatements(model: EntityModel): StatementListingEntry[] {
  const table = mysqlIdent(model.table);
  const key = model.key.partition;
  const keyWhere = key.map((f) => `${column(model, f)} = ?`).join(" AND ");
  const columns = model.fields.map((f) => mysqlIdent(f.column)).join(", ");
  const nonKey = model.fields.filter((f) => !key.includes(f.name));
  const values = model.fields.map(() => "?").join(", ");
  const version = model.version ? ` [AND ${column(model, model.version)} = ?]` : "";
  const set = nonKey.map((f) => `${mysqlIdent(f.column)} = ?`).join(", ") || "(no non-key columns)";
  const upsert = model.unique.length
    ? `UPDATE ${table} SET ${set} WHERE ${keyWhere}; when it matched no row: INSERT INTO ${table} (${columns}) VALUES (${values})  -- ON DUPLICATE KEY UPDATE would overwrite the row holding a taken unique value`
    : `INSERT INTO ${table} (${columns}) VALUES (${values}) ON DUPLICATE KEY UPDATE ${nonKey.map((f) => `${mysqlIdent(f.column)} = VALUES(${mysqlIdent(f.column)})`).join(", ") || `${column(model, key[0]!)} = ${column(model, key[0]!)}`}`;
  const entries: StatementListingEntry[] = [
    { operation: "get", statement: `SELECT ${columns} FROM ${table} WHERE ${keyWhere}` },
    { operation: "getMany", statement: `SELECT ${columns} FROM ${table} WHERE ${key.length === 1 ? column(model, key[0]!) : `(${key.map((f) => column(model, f)).join(", ")})`} IN (${key.length === 1 ? "?" : `(${key.map(() => "?").join(", ")})`}, ...)` },
    {
      operation: "put",
      statement: `${upsert}  -- ifNotExists: INSERT (a duplicate PRIMARY is E_CONDITION_FAILED); ifExists/expectedVersion: UPDATE ${table} SET ${set} WHERE ${keyWhere}${version}, no matched row is E_CONDITION_FAILED`,
    },
    {
      operation: "update",
      statement: `START TRANSACTION; UPDATE ${table} SET ${set} WHERE ${keyWhere}${version}; SELECT ${columns} FROM ${table} WHERE ${keyWhere}; COMMIT  -- only the changed columns are set; the row is read back under the update's row lock`,
    },
    { operation: "delete", statement: `DELETE FROM ${table} WHERE ${keyWhere}${version}` },
  ];
  for (const q of model.queries) entries.push({ operation: q.name, statement: mysqlQueryStatement(model, q) });
  for (const c of model.unique) {
    entries.push({ operation: `unique ${c.name}`, statement: `CONSTRAINT ${mysqlIdent(c.name)} UNIQUE (${c.fields.map((f) => column(model, f)).join(", ")}) in ${table}  -- a duplicate is E_ALREADY_EXISTS naming ${c.name}` });
  }
  return entries;
}
