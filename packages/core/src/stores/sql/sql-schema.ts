/**
 * DDL clauses relational stores share: a column
 * definition with NOT NULL and an enum CHECK, a named UNIQUE constraint, and
 * one index per `index`-kind query. Each store brings its column types and
 * its quoting.
 */
import type { EntityModel, FieldModel } from "../../entity-model.js";
import { definitionError } from "../../errors.js";

/** How a SQL store quotes identifiers and string literals. */
export interface SqlQuoting {
  ident(name: string): string;
  literal(value: string): string;
}

function columnOf(model: EntityModel, name: string, quoting: SqlQuoting): string {
  const field = model.fields.find((f) => f.name === name);
  if (!field) throw definitionError(model.name, "key", `field ${name} is not in the schema`, "declare the field");
  return quoting.ident(field.column);
}

/** The column definition of one field: `col type [NOT NULL] [CHECK (col IN (...))]`. */
export function sqlColumnDefinition(field: FieldModel, type: string, quoting: SqlQuoting): string {
  let definition = `${quoting.ident(field.column)} ${type}`;
  if (!field.optional && !field.nullable) definition += " NOT NULL";
  if (field.type === "enum" && field.values && field.values.length > 0) {
    definition += ` CHECK (${quoting.ident(field.column)} IN (${field.values.map((v) => quoting.literal(v)).join(", ")}))`;
  }
  return definition;
}

/** The columns of some fields, quoted, in order. */
export function sqlColumns(model: EntityModel, fields: readonly string[], quoting: SqlQuoting): string {
  return fields.map((f) => columnOf(model, f, quoting)).join(", ");
}

/** The table constraint clause of one declared unique constraint: `CONSTRAINT name UNIQUE (col, ...)`. */
export function sqlUniqueConstraint(model: EntityModel, name: string, quoting: SqlQuoting): string {
  const constraint = model.unique.find((c) => c.name === name);
  if (!constraint) throw definitionError(model.name, "unique", `no unique constraint named ${name}`, "name a declared constraint");
  return `CONSTRAINT ${quoting.ident(constraint.name)} UNIQUE (${sqlColumns(model, constraint.fields, quoting)})`;
}

/** `CREATE INDEX [IF NOT EXISTS] name ON table (col [DESC], ...)` for the entity's `index`-kind queries, in declaration order. */
export function sqlIndexStatements(model: EntityModel, table: string, quoting: SqlQuoting, ifNotExists: boolean): { name: string; statement: string }[] {
  const statements: { name: string; statement: string }[] = [];
  for (const q of model.queries) {
    if (q.index.kind !== "index") continue;
    const columns = q.index.columns.map((c) => `${columnOf(model, c.field, quoting)}${c.order === "desc" ? " DESC" : ""}`);
    statements.push({ name: q.index.name, statement: `CREATE INDEX ${ifNotExists ? "IF NOT EXISTS " : ""}${quoting.ident(q.index.name)} ON ${table} (${columns.join(", ")})` });
  }
  return statements;
}
