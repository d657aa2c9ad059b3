import { MAX_TTL, type ColumnSchema, type TableSchema } from "./catalog.js";
import { checkClustering, checkPartitionKey } from "./write-limits.js";
import type { Assignment, Condition, ModificationStatement, Term } from "./cql-ast.js";
import { invalid } from "./cql-error.js";
import { nativeType, typeToString, type CqlType } from "./cql-types.js";
import { UNSET, compareValues, valuesEqual, type CqlValue, type Unset } from "./cql-values.js";
import type { ResultColumn } from "./engine-result.js";
import { MarkerCollector, columnOf, groupRelations, isEqOrIn, type ColumnRestriction } from "./restrictions.js";
import { cartesian } from "./select-executor.js";
import { type Cell, type LiveRow, type SliceBound, type TableStore } from "./storage.js";
import { bindRequired, bindTerm, type BindContext } from "./term-binder.js";

/** An INSERT, UPDATE or DELETE checked against its table. */
export interface ModificationPlan {
  statement: ModificationStatement;
  table: TableSchema;
  partition: ColumnRestriction[];
  /** EQ/IN restrictions on a clustering prefix (the whole clustering key except for range deletions). */
  clustering: ColumnRestriction[];
  /** DELETE only: a slice on the clustering column after the prefix. */
  slice?: ColumnRestriction;
  writes: Array<{ column: ColumnSchema; assignment: Assignment }>;
  deleteColumns: ColumnSchema[];
  conditions: Array<{ column: ColumnSchema; condition: Condition }>;
  ifExists: boolean;
  ifNotExists: boolean;
  conditional: boolean;
}

function missing(kind: "partition key parts" | "clustering keys", columns: ColumnSchema[]): never {
  throw invalid(`Some ${kind} are missing: ${columns.map((c) => c.name).join(", ")}`);
}

function elementTypeFor(column: ColumnSchema, kind: Assignment["kind"]): CqlType {
  const t = column.type;
  if (kind === "append" || kind === "prepend" || kind === "remove") {
    if (t.kind === "native") throw invalid(`Invalid operation (${column.name} = ${column.name} ${kind === "remove" ? "-" : "+"} ?) for non collection column ${column.name}`);
    if (t.frozen) throw invalid(`Invalid operation for frozen collection column ${column.name}`);
    if (kind === "prepend" && t.kind !== "list") throw invalid(`Invalid operation (${column.name} = ? + ${column.name}) for non list column ${column.name}`);
    if (kind === "remove" && t.kind === "map") return { kind: "set", element: t.key, frozen: false };
  }
  return t;
}

/** Analyses an INSERT/UPDATE/DELETE: key completeness, SET targets and IF conditions. */
export function planModification(statement: ModificationStatement, table: TableSchema, markers: MarkerCollector): ModificationPlan {
  const writes: ModificationPlan["writes"] = [];
  const deleteColumns: ColumnSchema[] = [];
  let partition: ColumnRestriction[] = [];
  let clustering: ColumnRestriction[] = [];
  let slice: ColumnRestriction | undefined;
  const { using } = statement;
  if (using.ttl) markers.visit(using.ttl, nativeType("int"), "[ttl]");
  if (using.timestamp) markers.visit(using.timestamp, nativeType("bigint"), "[timestamp]");

  if (statement.type === "insert") {
    if (statement.columns.length !== statement.values.length) throw invalid("Unmatched column names/values");
    const seen = new Set<string>();
    const keyTerms = new Map<string, Term>();
    statement.columns.forEach((name, i) => {
      const column = columnOf(table, name);
      if (seen.has(name)) throw invalid(`Multiple definitions found for column ${name}`);
      seen.add(name);
      const term = statement.values[i]!;
      markers.visit(term, column.type, column.name);
      if (column.kind === "regular") writes.push({ column, assignment: { kind: "set", column: name, value: term } });
      else keyTerms.set(name, term);
    });
    const restriction = (c: ColumnSchema): ColumnRestriction => ({ column: c, eq: keyTerms.get(c.name)!, contains: [], containsKey: [] });
    const missingPk = table.partitionKey.filter((c) => !keyTerms.has(c.name));
    if (missingPk.length) missing("partition key parts", missingPk);
    const missingCk = table.clustering.filter((c) => !keyTerms.has(c.name));
    if (missingCk.length) missing("clustering keys", missingCk);
    partition = table.partitionKey.map(restriction);
    clustering = table.clustering.map(restriction);
  } else {
    if (statement.where.some((r) => r.kind === "token")) {
      throw invalid(`The token function cannot be used in WHERE clauses for ${statement.type.toUpperCase()} statements`);
    }
    const groups = groupRelations(table, statement.where, markers);
    const nonKey = [...groups.values()].filter((r) => r.column.kind === "regular");
    // Cassandra 5.0's message ends with a space.
    if (nonKey.length) throw invalid(`Non PRIMARY KEY columns found in where clause: ${nonKey.map((r) => r.column.name).join(", ")} `);
    for (const r of groups.values()) {
      if (r.contains.length || r.containsKey.length) throw invalid(`Cannot use CONTAINS on PRIMARY KEY column ${r.column.name} in a modification`);
    }
    for (const c of table.partitionKey) {
      const r = groups.get(c.name);
      if (r && !isEqOrIn(r)) throw invalid("Only EQ and IN relation are supported on the partition key (unless you use the token() function)");
    }
    const missingPk = table.partitionKey.filter((c) => !groups.has(c.name));
    if (missingPk.length) missing("partition key parts", missingPk);
    partition = table.partitionKey.map((c) => groups.get(c.name)!);
    let gapAt: ColumnSchema | undefined;
    for (const c of table.clustering) {
      const r = groups.get(c.name);
      if (!r) {
        gapAt ??= c;
        continue;
      }
      if (gapAt) throw invalid(`PRIMARY KEY column "${c.name}" cannot be restricted as preceding column "${gapAt.name}" is not restricted`);
      if (slice) throw invalid(`Clustering column "${c.name}" cannot be restricted (preceding column "${slice.column.name}" is restricted by a non-EQ relation)`);
      if (isEqOrIn(r)) clustering.push(r);
      else slice = r;
    }
    if (statement.type === "update") {
      if (slice) throw invalid("Slice restrictions are not supported on the clustering columns in UPDATE statements");
      const missingCk = table.clustering.filter((c) => !groups.has(c.name));
      if (missingCk.length) missing("clustering keys", missingCk);
      const seen = new Set<string>();
      for (const a of statement.assignments) {
        const column = columnOf(table, a.column);
        if (column.kind !== "regular") throw invalid(`PRIMARY KEY part ${column.name} found in SET part`);
        if (seen.has(column.name)) throw invalid(`Multiple definitions found for column ${column.name}`);
        seen.add(column.name);
        if (a.kind === "setElement") {
          const t = column.type;
          if (t.kind === "native" || t.kind === "set") throw invalid(`Invalid operation (${column.name}[?] = ?) for non list/map column ${column.name}`);
          if (t.frozen) throw invalid(`Invalid operation (${column.name}[?] = ?) for frozen collection column ${column.name}`);
          markers.visit(a.key, t.kind === "list" ? nativeType("int") : t.key, t.kind === "list" ? `idx(${column.name})` : `key(${column.name})`);
          markers.visit(a.value, t.kind === "list" ? t.element : t.value, `value(${column.name})`);
        } else {
          markers.visit(a.value, elementTypeFor(column, a.kind), column.name);
        }
        writes.push({ column, assignment: a });
      }
    } else {
      for (const name of statement.columns) {
        const column = columnOf(table, name);
        if (column.kind !== "regular") throw invalid(`Invalid identifier ${name} for deletion (should not be a PRIMARY KEY part)`);
        deleteColumns.push(column);
      }
      const fullKey = !slice && clustering.length === table.clustering.length;
      if (deleteColumns.length > 0 && !fullKey) throw invalid("Range deletions are not supported for specific columns");
    }
  }

  const conditions: ModificationPlan["conditions"] = [];
  const ifExists = statement.type !== "insert" && statement.ifExists;
  const ifNotExists = statement.type === "insert" && statement.ifNotExists;
  if (statement.type !== "insert") {
    for (const condition of statement.conditions) {
      const column = columnOf(table, condition.column);
      if (column.kind !== "regular") throw invalid(`PRIMARY KEY column '${column.name}' cannot have IF conditions`);
      if (condition.kind === "compare") markers.visit(condition.value, column.type, column.name);
      else if (Array.isArray(condition.values)) for (const t of condition.values) markers.visit(t, column.type, column.name);
      else markers.visit(condition.values, { kind: "list", element: column.type, frozen: false }, `in(${column.name})`);
      conditions.push({ column, condition });
    }
  }
  const conditional = ifExists || ifNotExists || conditions.length > 0;
  if (conditional) {
    if (using.timestamp) throw invalid("Cannot provide custom timestamp for conditional updates");
    const fullKey = !slice && clustering.length === table.clustering.length;
    if (statement.type === "delete" && !fullKey) {
      throw invalid("DELETE statements must restrict all PRIMARY KEY columns with equality relations in order to use IF conditions");
    }
    if (partition.some((r) => r.in !== undefined)) throw invalid("IN on the partition key is not supported with conditional updates");
    if (clustering.some((r) => r.in !== undefined)) throw invalid("IN on the clustering key columns is not supported with conditional updates");
  }
  return {
    statement, table, partition, clustering, ...(slice ? { slice } : {}), writes, deleteColumns,
    conditions, ifExists, ifNotExists, conditional,
  };
}

/** Bound key values; Cassandra turns INSERT values into key relations too, so a null key is "in condition" everywhere. */
function keyValues(r: ColumnRestriction, ctx: BindContext): CqlValue[] {
  const c = r.column;
  if (r.eq) return [bindRequired(r.eq, c.type, c.name, ctx)];
  if (Array.isArray(r.in)) return r.in.map((t) => bindRequired(t, c.type, c.name, ctx));
  const list = bindTerm(r.in!, { kind: "list", element: c.type, frozen: false }, c.name, ctx);
  if (list === UNSET || list === null) throw invalid(`Invalid ${list === null ? "null" : "unset"} value for column ${c.name}`);
  return list as CqlValue[];
}

/** Per-request settings of a write. */
export interface WriteSettings {
  /** Timestamp when the statement has no USING TIMESTAMP. */
  defaultTimestamp: bigint;
  nowSec: number;
}

/** A statement bound to values: the concrete keys it touches and how to apply it. */
export interface BoundModification {
  plan: ModificationPlan;
  store: TableStore;
  partitionKeys: CqlValue[][];
  /** Full clustering keys; for range deletions, the clustering prefixes. */
  clusterings: CqlValue[][];
  sliceLower?: SliceBound;
  sliceUpper?: SliceBound;
  timestamp: bigint;
  ttl: number;
  hasCustomTimestamp: boolean;
  /** Bound condition values, in plan order. */
  conditionValues: Array<CqlValue | CqlValue[]>;
  /** Bound SET values, in plan order (UNSET leaves the column untouched). */
  writeValues: Array<{ value: CqlValue | Unset; key?: CqlValue }>;
}

/** Binds a planned modification to values (validating keys, TTL and timestamp). */
export function bindModification(plan: ModificationPlan, store: TableStore, ctx: BindContext, settings: WriteSettings): BoundModification {
  const { using } = plan.statement;
  let timestamp = settings.defaultTimestamp;
  let hasCustomTimestamp = false;
  if (using.timestamp) {
    const v = bindTerm(using.timestamp, nativeType("bigint"), "[timestamp]", ctx);
    if (v === null) throw invalid("Invalid null value of timestamp");
    if (v !== UNSET) {
      timestamp = v as bigint;
      hasCustomTimestamp = true;
    }
  }
  let ttl = plan.table.defaultTtl;
  if (using.ttl) {
    const v = bindTerm(using.ttl, nativeType("int"), "[ttl]", ctx);
    if (v === null) throw invalid("Invalid null value of TTL");
    if (v !== UNSET) {
      const n = v as number;
      if (n < 0) throw invalid(`A TTL must be greater or equal to 0, but was ${n}`);
      if (n > MAX_TTL) throw invalid(`ttl is too large. requested (${n}) maximum (${MAX_TTL})`);
      ttl = n;
    }
  }
  const partitionKeys = cartesian(plan.partition.map((r) => keyValues(r, ctx)));
  for (const key of partitionKeys) checkPartitionKey(plan.table, key);
  const clusterings = cartesian(plan.clustering.map((r) => keyValues(r, ctx)));
  for (const clustering of clusterings) checkClustering(plan.table, clustering);
  const sliceBound = (which: "lower" | "upper"): SliceBound | undefined => {
    const b = plan.slice?.[which];
    if (!b) return undefined;
    return { value: bindRequired(b.term, plan.slice!.column.type, plan.slice!.column.name, ctx), inclusive: b.inclusive };
  };
  const sliceLower = sliceBound("lower");
  const sliceUpper = sliceBound("upper");
  const conditionValues = plan.conditions.map(({ column, condition }) => {
    if (condition.kind === "compare") {
      const v = bindTerm(condition.value, column.type, column.name, ctx);
      if (v === UNSET) throw invalid(`Invalid unset value for column ${column.name}`);
      return v;
    }
    if (Array.isArray(condition.values)) {
      return condition.values.map((t) => {
        const v = bindTerm(t, column.type, column.name, ctx);
        if (v === UNSET) throw invalid(`Invalid unset value for column ${column.name}`);
        return v;
      });
    }
    const list = bindTerm(condition.values, { kind: "list", element: column.type, frozen: false }, column.name, ctx);
    if (list === UNSET) throw invalid(`Invalid unset value for column ${column.name}`);
    return (list ?? []) as CqlValue[];
  });
  const writeValues = plan.writes.map(({ column, assignment }): { value: CqlValue | Unset; key?: CqlValue } => {
    if (assignment.kind === "setElement") {
      const t = column.type;
      const keyType = t.kind === "list" ? nativeType("int") : t.kind === "map" ? t.key : t;
      const valueType = t.kind === "list" ? t.element : t.kind === "map" ? t.value : t;
      const key = bindRequired(assignment.key, keyType, column.name, ctx);
      return { key, value: bindTerm(assignment.value, valueType, column.name, ctx) };
    }
    return { value: bindTerm(assignment.value, elementTypeFor(column, assignment.kind), column.name, ctx) };
  });
  return {
    plan, store, partitionKeys, clusterings,
    ...(sliceLower ? { sliceLower } : {}), ...(sliceUpper ? { sliceUpper } : {}),
    timestamp, ttl, hasCustomTimestamp, conditionValues, writeValues,
  };
}

/** The current live row a conditional statement is checked against (single key). */
export function currentRow(bound: BoundModification, nowSec: number): LiveRow | undefined {
  const partition = bound.store.partition(bound.partitionKeys[0]!, false);
  if (!partition) return undefined;
  const row = bound.store.row(partition, bound.clusterings[0]!, false);
  return row ? bound.store.liveRow(partition, row, nowSec) : undefined;
}

function compareCondition(type: CqlType, op: string, current: CqlValue, expected: CqlValue): boolean {
  if (op === "=") return current === null || expected === null ? current === expected : valuesEqual(type, current, expected);
  if (op === "!=") return current === null || expected === null ? current !== expected : !valuesEqual(type, current, expected);
  if (expected === null) throw invalid(`Invalid comparison with null for operator "${op}"`);
  if (current === null) return false;
  const c = compareValues(type, current, expected);
  return op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
}

/** Evaluates IF NOT EXISTS / IF EXISTS / IF col = ? against the current row. */
export function conditionsHold(bound: BoundModification, row: LiveRow | undefined): boolean {
  const { plan } = bound;
  if (plan.ifNotExists) return row === undefined;
  if (plan.ifExists) return row !== undefined;
  if (!row) return plan.conditions.every(({ condition }, i) => {
    const v = bound.conditionValues[i]!;
    return condition.kind === "compare" ? condition.op === "=" && v === null : (v as CqlValue[]).some((x) => x === null);
  });
  return plan.conditions.every(({ column, condition }, i) => {
    const current = row.cells.get(column.name)?.value ?? null;
    const expected = bound.conditionValues[i]!;
    if (condition.kind === "in") return (expected as CqlValue[]).some((e) => compareCondition(column.type, "=", current, e));
    return compareCondition(column.type, condition.op, current, expected as CqlValue);
  });
}

/** The columns and values returned next to `[applied] = false`. */
export function notAppliedColumns(plan: ModificationPlan): ColumnSchema[] {
  if (plan.ifNotExists) return plan.table.allColumns;
  if (plan.ifExists) return [];
  const seen = new Set<string>();
  const out: ColumnSchema[] = [];
  for (const c of plan.table.allColumns) {
    if (plan.conditions.some((x) => x.column.name === c.name) && !seen.has(c.name)) {
      seen.add(c.name);
      out.push(c);
    }
  }
  return out;
}

/** The value of a column in a live row (null when absent). */
export function rowValue(row: LiveRow, column: ColumnSchema): CqlValue {
  if (column.kind === "partition_key") return row.partition.key[column.position]!;
  if (column.kind === "clustering") return row.row.clustering[column.position]!;
  return row.cells.get(column.name)?.value ?? null;
}

/** `[applied]` column spec for a table. */
export function appliedColumn(table: TableSchema): ResultColumn {
  return { keyspace: table.keyspace, table: table.name, name: "[applied]", type: nativeType("boolean") };
}

function collectionAfter(column: ColumnSchema, assignment: Assignment, current: CqlValue, value: CqlValue, key?: CqlValue): CqlValue {
  const t = column.type;
  if (t.kind === "native") return value;
  switch (assignment.kind) {
    case "append":
    case "prepend": {
      if (value === null) return current;
      if (t.kind === "map") return new Map([...((current as Map<CqlValue, CqlValue>) ?? new Map()), ...(value as Map<CqlValue, CqlValue>)]);
      const base = (current as CqlValue[] | null) ?? [];
      return assignment.kind === "append" ? [...base, ...(value as CqlValue[])] : [...(value as CqlValue[]), ...base];
    }
    case "remove": {
      if (value === null || current === null) return current;
      const removed = value as CqlValue[];
      if (t.kind === "map") {
        const out = new Map(current as Map<CqlValue, CqlValue>);
        for (const k of [...out.keys()]) if (removed.some((r) => valuesEqual(t.key, r, k))) out.delete(k);
        return out;
      }
      return (current as CqlValue[]).filter((x) => !removed.some((r) => valuesEqual(t.element, r, x)));
    }
    case "setElement": {
      if (t.kind === "list") {
        const list = [...((current as CqlValue[] | null) ?? [])];
        const index = key as number;
        if (index < 0 || index >= list.length) throw invalid(`List index ${index} out of bound, list has size ${list.length}`);
        if (value === null) list.splice(index, 1);
        else list[index] = value;
        return list;
      }
      const map = new Map((current as Map<CqlValue, CqlValue> | null) ?? new Map());
      for (const k of [...map.keys()]) if (t.kind === "map" && valuesEqual(t.key, k, key!)) map.delete(k);
      if (value !== null) map.set(key!, value);
      return map;
    }
    default:
      return value;
  }
}

function isEmptyCollection(value: CqlValue): boolean {
  return (Array.isArray(value) && value.length === 0) || (value instanceof Map && value.size === 0);
}

/** Applies a bound modification to storage. */
export function applyModification(bound: BoundModification, nowSec: number): void {
  const { plan, store, timestamp } = bound;
  const table = plan.table;
  const ttl = bound.ttl;
  const expiry = ttl > 0 ? { expiresAtSec: nowSec + ttl, ttl } : {};
  for (const pk of bound.partitionKeys) {
    const partition = store.partition(pk, true)!;
    if (plan.statement.type === "delete" && plan.deleteColumns.length === 0) {
      const fullKey = !plan.slice && plan.clustering.length === table.clustering.length;
      if (plan.clustering.length === 0 && !plan.slice && table.clustering.length > 0) {
        store.deletePartition(partition, timestamp);
        continue;
      }
      if (!fullKey) {
        for (const prefix of bound.clusterings) {
          store.deleteRange(partition, {
            prefix, timestamp,
            ...(bound.sliceLower ? { lower: bound.sliceLower } : {}), ...(bound.sliceUpper ? { upper: bound.sliceUpper } : {}),
          });
        }
        continue;
      }
    }
    for (const ck of bound.clusterings) {
      const row = store.row(partition, ck, true)!;
      if (plan.statement.type === "delete") {
        if (plan.deleteColumns.length === 0) store.deleteRow(row, timestamp);
        else for (const c of plan.deleteColumns) store.writeCell(row, c, { value: null, timestamp });
        continue;
      }
      if (plan.statement.type === "insert") store.writeMarker(row, { timestamp, ...expiry });
      const live = plan.writes.some((w) => w.assignment.kind !== "set") ? store.liveRow(partition, row, nowSec) : undefined;
      plan.writes.forEach(({ column, assignment }, i) => {
        const bv = bound.writeValues[i]!;
        if (bv.value === UNSET) return;
        let value: CqlValue = bv.value;
        if (assignment.kind !== "set") value = collectionAfter(column, assignment, live?.cells.get(column.name)?.value ?? null, value, bv.key);
        if (value !== null && isEmptyCollection(value) && column.type.kind !== "native" && !column.type.frozen) value = null;
        const cell: Cell = value === null ? { value: null, timestamp } : { value, timestamp, ...expiry };
        store.writeCell(row, column, cell);
      });
    }
  }
}

/** The description of a type for messages. */
export function describe(type: CqlType): string {
  return typeToString(type);
}
