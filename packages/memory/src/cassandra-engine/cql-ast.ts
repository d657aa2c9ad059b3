import type { CqlType } from "./cql-types.js";

/** A keyspace-qualified name; `keyspace` is absent when the statement relies on `USE`. */
export interface QualifiedName {
  keyspace?: string;
  name: string;
}

/** The kinds of literal constants, named as Cassandra names them in error messages. */
export type LiteralKind = "STRING" | "INTEGER" | "FLOAT" | "BOOLEAN" | "UUID" | "HEX" | "NULL";

/** A value in a statement: a bind marker, a literal, a collection literal or a function call. */
export type Term =
  | { kind: "marker"; index: number; name?: string }
  | { kind: "literal"; literal: LiteralKind; text: string }
  | { kind: "list"; items: Term[] }
  | { kind: "set"; items: Term[] }
  | { kind: "map"; entries: Array<[Term, Term]> }
  | { kind: "function"; name: string; args: Term[] };

/** Comparison operators of WHERE and IF clauses. */
export type Operator = "=" | "!=" | "<" | "<=" | ">" | ">=";

/** One restriction of a WHERE clause. */
export type Relation =
  | { kind: "compare"; column: string; op: Operator; value: Term }
  | { kind: "in"; column: string; values: Term[] | Term }
  | { kind: "contains"; column: string; key: boolean; value: Term }
  | { kind: "token"; columns: string[]; op: Operator; value: Term }
  /** `col IS NOT NULL`: only materialized views accept it; statements reject it as Invalid. */
  | { kind: "isNotNull"; column: string };

/** One condition of an IF clause. */
export type Condition =
  | { kind: "compare"; column: string; op: Operator; value: Term }
  | { kind: "in"; column: string; values: Term[] | Term };

/** A value of a `WITH` option: a constant or a map literal of constants. */
export type OptionValue = string | number | boolean | Record<string, string>;

/** `CREATE KEYSPACE`. */
export interface CreateKeyspaceStatement {
  type: "createKeyspace";
  ifNotExists: boolean;
  keyspace: string;
  options: Record<string, OptionValue>;
}

/** `USE ks`. */
export interface UseStatement {
  type: "use";
  keyspace: string;
}

/** A column declared in `CREATE TABLE`. */
export interface ColumnDefinition {
  name: string;
  type: CqlType;
  isStatic: boolean;
}

/** `CREATE TABLE`. */
export interface CreateTableStatement {
  type: "createTable";
  ifNotExists: boolean;
  table: QualifiedName;
  columns: ColumnDefinition[];
  partitionKey: string[];
  clustering: string[];
  clusteringOrder: Array<{ column: string; descending: boolean }>;
  options: Record<string, OptionValue>;
}

/** `DROP TABLE` / `DROP KEYSPACE`. */
export interface DropStatement {
  type: "dropTable" | "dropKeyspace";
  ifExists: boolean;
  table: QualifiedName;
}

/** `ALTER TABLE t ADD ... | DROP ... | WITH ...`. */
export interface AlterTableStatement {
  type: "alterTable";
  table: QualifiedName;
  action:
    | { kind: "add"; columns: ColumnDefinition[] }
    | { kind: "drop"; columns: string[] }
    | { kind: "with"; options: Record<string, OptionValue> };
}

/** `TRUNCATE [TABLE] t`. */
export interface TruncateStatement {
  type: "truncate";
  table: QualifiedName;
}

/** `USING TTL ? AND TIMESTAMP ?`. */
export interface UsingClause {
  ttl?: Term;
  timestamp?: Term;
}

/** `INSERT INTO`. */
export interface InsertStatement {
  type: "insert";
  table: QualifiedName;
  columns: string[];
  values: Term[];
  ifNotExists: boolean;
  using: UsingClause;
}

/** One assignment of an `UPDATE ... SET`. */
export type Assignment =
  | { kind: "set"; column: string; value: Term }
  | { kind: "append"; column: string; value: Term }
  | { kind: "prepend"; column: string; value: Term }
  | { kind: "remove"; column: string; value: Term }
  | { kind: "setElement"; column: string; key: Term; value: Term };

/** `UPDATE`. */
export interface UpdateStatement {
  type: "update";
  table: QualifiedName;
  using: UsingClause;
  assignments: Assignment[];
  where: Relation[];
  ifExists: boolean;
  conditions: Condition[];
}

/** `DELETE`. */
export interface DeleteStatement {
  type: "delete";
  table: QualifiedName;
  columns: string[];
  using: UsingClause;
  where: Relation[];
  ifExists: boolean;
  conditions: Condition[];
}

/** One item of a select clause. */
export type Selector =
  | { kind: "column"; column: string; alias?: string }
  | { kind: "writetime" | "ttl"; column: string; alias?: string }
  | { kind: "token"; columns: string[]; alias?: string }
  | { kind: "count"; alias?: string }
  /** Any other function call, e.g. `nofn(v)`: the name is kept as written (lower-cased unless quoted). */
  | { kind: "function"; name: string; args: SelectorArgument[]; alias?: string };

/** An argument of a function call in a select clause. */
export type SelectorArgument =
  | { kind: "column"; column: string }
  | { kind: "term"; term: Term }
  | { kind: "function"; name: string; args: SelectorArgument[] };

/** `SELECT`. */
export interface SelectStatement {
  type: "select";
  table: QualifiedName;
  selectors: Selector[] | "*";
  where: Relation[];
  orderBy: Array<{ column: string; descending: boolean }>;
  limit?: Term;
  allowFiltering: boolean;
}

/** A data-modification statement: what a batch may hold. */
export type ModificationStatement = InsertStatement | UpdateStatement | DeleteStatement;

/** `BEGIN [UNLOGGED|COUNTER] BATCH ... APPLY BATCH`. */
export interface BatchStatement {
  type: "batch";
  batchType: "logged" | "unlogged" | "counter";
  using: UsingClause;
  statements: ModificationStatement[];
}

/** Any parsed statement. */
export type Statement =
  | CreateKeyspaceStatement
  | UseStatement
  | CreateTableStatement
  | DropStatement
  | AlterTableStatement
  | TruncateStatement
  | InsertStatement
  | UpdateStatement
  | DeleteStatement
  | SelectStatement
  | BatchStatement;

/** A parsed statement and the number of bind markers it holds. */
export interface ParsedStatement {
  statement: Statement;
  markerCount: number;
  /** The original CQL text. */
  query: string;
}
