import type { ColumnSchema, TableSchema } from "./catalog.js";
import type { Relation, Term } from "./cql-ast.js";
import { invalid } from "./cql-error.js";
import { typeToString, type CqlType } from "./cql-types.js";
import type { ResultColumn } from "./engine-result.js";

/** Collects the name and type of every bind marker while a statement is analysed. */
export class MarkerCollector {
  readonly specs: Array<ResultColumn | undefined>;

  constructor(count: number, private readonly table: { keyspace: string; name: string }) {
    this.specs = new Array<ResultColumn | undefined>(count).fill(undefined);
  }

  /** Records the type of every marker inside `term`, expected to be of `type`. */
  visit(term: Term, type: CqlType, name: string): void {
    switch (term.kind) {
      case "marker":
        this.specs[term.index] = { keyspace: this.table.keyspace, table: this.table.name, name: term.name ?? name, type };
        return;
      case "list":
      case "set":
        if (type.kind === "list" || type.kind === "set") for (const t of term.items) this.visit(t, type.element, name);
        return;
      case "map":
        if (type.kind === "map") for (const [k, v] of term.entries) {
          this.visit(k, type.key, name);
          this.visit(v, type.value, name);
        }
        return;
      default:
        return;
    }
  }

  /** The marker specs; throws when a marker's type could not be inferred. */
  result(): ResultColumn[] {
    return this.specs.map((s, i) => {
      if (!s) throw invalid(`Cannot infer the type of bind marker ${i}`);
      return s;
    });
  }
}

/** Resolves a column by name or raises Cassandra's "Undefined column name". */
export function columnOf(table: TableSchema, name: string): ColumnSchema {
  const c = table.columns.get(name);
  if (!c) throw invalid(`Undefined column name ${name}`);
  return c;
}

/** Restriction on one column from a WHERE clause. */
export interface ColumnRestriction {
  column: ColumnSchema;
  eq?: Term;
  in?: Term[] | Term;
  lower?: { term: Term; inclusive: boolean };
  upper?: { term: Term; inclusive: boolean };
  contains: Term[];
  containsKey: Term[];
}

/** Groups WHERE relations by column, validating them the way Cassandra does. */
export function groupRelations(table: TableSchema, relations: Relation[], markers: MarkerCollector): Map<string, ColumnRestriction> {
  const out = new Map<string, ColumnRestriction>();
  for (const r of relations) {
    if (r.kind === "token") continue;
    // Cassandra rejects IS NOT NULL outside materialized view definitions, before resolving the column.
    if (r.kind === "isNotNull") throw invalid(`Unsupported restriction: ${r.column} IS NOT NULL`);
    const column = columnOf(table, r.column);
    let entry = out.get(column.name);
    if (!entry) {
      entry = { column, contains: [], containsKey: [] };
      out.set(column.name, entry);
    }
    const hasEq = entry.eq !== undefined || entry.in !== undefined;
    if (r.kind === "compare") {
      if (r.op === "!=") throw invalid(`Unsupported "!=" relation: ${column.name} != ${termText(r.value)}`);
      markers.visit(r.value, column.type, column.name);
      if (r.op === "=") {
        if (hasEq || entry.lower || entry.upper) throw invalid(`${column.name} cannot be restricted by more than one relation if it includes an Equal`);
        entry.eq = r.value;
      } else {
        if (hasEq) throw invalid(`${column.name} cannot be restricted by more than one relation if it includes an Equal`);
        const bound = { term: r.value, inclusive: r.op === "<=" || r.op === ">=" };
        if (r.op === ">" || r.op === ">=") {
          if (entry.lower) throw invalid(`More than one restriction was found for the start bound on ${column.name}`);
          entry.lower = bound;
        } else {
          if (entry.upper) throw invalid(`More than one restriction was found for the end bound on ${column.name}`);
          entry.upper = bound;
        }
      }
    } else if (r.kind === "in") {
      if (hasEq || entry.lower || entry.upper) throw invalid(`${column.name} cannot be restricted by more than one relation if it includes a IN`);
      if (Array.isArray(r.values)) for (const t of r.values) markers.visit(t, column.type, column.name);
      else markers.visit(r.values, { kind: "list", element: column.type, frozen: false }, `in(${column.name})`);
      entry.in = r.values;
    } else {
      const type = column.type;
      if (type.kind === "native") throw invalid(`Cannot use CONTAINS on non-collection column ${column.name}`);
      if (r.key) {
        if (type.kind !== "map") throw invalid(`Cannot use CONTAINS KEY on non-map column ${column.name}`);
        markers.visit(r.value, type.key, column.name);
        entry.containsKey.push(r.value);
      } else {
        markers.visit(r.value, type.kind === "map" ? type.value : type.element, column.name);
        entry.contains.push(r.value);
      }
    }
  }
  return out;
}

function termText(term: Term): string {
  if (term.kind === "marker") return "?";
  if (term.kind === "literal") return term.literal === "STRING" ? `'${term.text}'` : term.text;
  return "...";
}

/** True when a restriction is a single-value or multi-value equality. */
export function isEqOrIn(r: ColumnRestriction): boolean {
  return (r.eq !== undefined || r.in !== undefined) && !r.lower && !r.upper && r.contains.length === 0 && r.containsKey.length === 0;
}

/**
 * True when Cassandra treats the restriction as an equality: `= x`, or an IN
 * list of exactly one term (`IN (x)`, `IN (?)`), which it turns into an EQ.
 */
export function isRestrictedByEq(r: ColumnRestriction): boolean {
  return isEqOrIn(r) && (r.eq !== undefined || (Array.isArray(r.in) && r.in.length === 1));
}

/**
 * True when Cassandra treats the restriction as an IN: a bound list (`IN ?`) or a
 * literal list of any length but one, duplicates included (`IN (1, 1)`).
 */
export function isInRestriction(r: ColumnRestriction): boolean {
  return isEqOrIn(r) && !isRestrictedByEq(r);
}

/** Checks that token() is applied to the whole partition key, in order. */
export function checkTokenColumns(table: TableSchema, columns: readonly string[]): void {
  for (const c of columns) columnOf(table, c);
  const pk = table.partitionKey.map((c) => c.name);
  if (columns.length !== pk.length || !pk.every((name) => columns.includes(name))) {
    throw invalid("The token() function must be applied to all partition key components or none of them");
  }
  if (!pk.every((name, i) => columns[i] === name)) {
    throw invalid(`The token function arguments must be in the partition key order: ${pk.join(", ")}`);
  }
}

/** The message Cassandra gives when a query would need ALLOW FILTERING. */
export const FILTERING_MESSAGE =
  "Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING";

/** Type name for messages. */
export function describeType(type: CqlType): string {
  return typeToString(type);
}
