import type { ColumnSchema, TableSchema } from "./catalog.js";
import type { SelectStatement, SelectorArgument, Term } from "./cql-ast.js";
import { CqlError, CqlErrorCode, invalid } from "./cql-error.js";
import { nativeType } from "./cql-types.js";
import { UNSET, compareValues, valuesEqual, type CqlValue } from "./cql-values.js";
import type { EngineResult, ResultColumn } from "./engine-result.js";
import {
  FILTERING_MESSAGE,
  MarkerCollector,
  checkTokenColumns,
  columnOf,
  groupRelations,
  isEqOrIn,
  isInRestriction,
  isRestrictedByEq,
  type ColumnRestriction,
} from "./restrictions.js";
import { compareClustering, keyString, inSlice, type LiveRow, type Partition, type SliceBound, type TableStore } from "./storage.js";
import { bindRequired, bindTerm, type BindContext } from "./term-binder.js";
import { checkPartitionKey } from "./write-limits.js";

type ResolvedSelector =
  | { kind: "column"; column: ColumnSchema }
  | { kind: "writetime" | "ttl"; column: ColumnSchema }
  | { kind: "token" }
  | { kind: "count" };

/** Bounds of `token(pk) op ?` restrictions. */
interface TokenBounds {
  eq?: Term;
  lower?: { term: Term; inclusive: boolean };
  upper?: { term: Term; inclusive: boolean };
}

/** A SELECT checked against its table, ready to run with bound values. */
export interface SelectPlan {
  table: TableSchema;
  selectors: ResolvedSelector[];
  resultColumns: ResultColumn[];
  partition: ColumnRestriction[] | undefined;
  token?: TokenBounds;
  /** Equality / IN restrictions on a clustering prefix. */
  clusteringPrefix: ColumnRestriction[];
  clusteringSlice?: ColumnRestriction;
  filters: ColumnRestriction[];
  reversed: boolean;
  /** ORDER BY columns, in the order written (duplicates collapsed). */
  orderingColumns: ColumnSchema[];
  /**
   * ORDER BY with an IN on the partition key: rows of several partitions are sorted
   * after the read, which Cassandra cannot do across pages.
   */
  needsPostQueryOrdering: boolean;
  limit?: Term;
  isCount: boolean;
}

/** Analyses a SELECT: Cassandra's restriction, ORDER BY and selection rules. */
export function planSelect(statement: SelectStatement, table: TableSchema, markers: MarkerCollector): SelectPlan {
  const selectors: ResolvedSelector[] = [];
  const resultColumns: ResultColumn[] = [];
  const col = (name: string, type: ResultColumn["type"]): ResultColumn => ({ keyspace: table.keyspace, table: table.name, name, type });
  if (statement.selectors === "*") {
    for (const c of table.allColumns) {
      selectors.push({ kind: "column", column: c });
      resultColumns.push(col(c.name, c.type));
    }
  } else {
    for (const s of statement.selectors) {
      if (s.kind === "count") {
        selectors.push({ kind: "count" });
        resultColumns.push(col(s.alias ?? "count", nativeType("bigint")));
        continue;
      }
      if (s.kind === "token") {
        checkTokenColumns(table, s.columns);
        selectors.push({ kind: "token" });
        resultColumns.push(col(s.alias ?? `system.token(${s.columns.join(", ")})`, nativeType("bigint")));
        continue;
      }
      if (s.kind === "function") rejectFunctionSelector(table, s);
      const c = columnOf(table, s.column);
      if (s.kind === "column") {
        selectors.push({ kind: "column", column: c });
        resultColumns.push(col(s.alias ?? c.name, c.type));
        continue;
      }
      const fn = s.kind === "writetime" ? "writeTime" : "ttl";
      if (c.kind !== "regular") throw invalid(`Cannot use selection function ${fn} on PRIMARY KEY part ${c.name}`);
      if (c.type.kind !== "native" && !c.type.frozen) throw invalid(`Cannot use selection function ${fn} on non-frozen collection ${c.name}`);
      selectors.push({ kind: s.kind, column: c });
      resultColumns.push(col(s.alias ?? `${s.kind}(${c.name})`, nativeType(s.kind === "writetime" ? "bigint" : "int")));
    }
  }
  const isCount = selectors.some((s) => s.kind === "count");
  if (isCount && selectors.length > 1) throw invalid("Mixing COUNT(*) with other selectors is not supported by this server");

  const groups = groupRelations(table, statement.where, markers);
  const filters: ColumnRestriction[] = [];
  const allowFiltering = statement.allowFiltering;

  // token(pk) restrictions: a scan in token order, exclusive with restrictions on the key columns themselves.
  let token: TokenBounds | undefined;
  for (const r of statement.where) {
    if (r.kind !== "token") continue;
    // Cassandra 5.0 accepts a token relation beside relations on the key columns: a row must meet both.
    checkTokenColumns(table, r.columns);
    markers.visit(r.value, nativeType("bigint"), "partition key token");
    token ??= {};
    const name = r.columns.join(", ");
    if (r.op === "!=") throw invalid(`Unsupported "!=" relation: token(${name}) != ?`);
    if (r.op === "=") {
      if (token.eq || token.lower || token.upper) throw invalid(`token(${name}) cannot be restricted by more than one relation if it includes an Equal`);
      token.eq = r.value;
    } else if (token.eq) {
      throw invalid(`token(${name}) cannot be restricted by more than one relation if it includes an Equal`);
    } else if (r.op === ">" || r.op === ">=") {
      if (token.lower) throw invalid(`More than one restriction was found for the start bound on ${name}`);
      token.lower = { term: r.value, inclusive: r.op === ">=" };
    } else {
      if (token.upper) throw invalid(`More than one restriction was found for the end bound on ${name}`);
      token.upper = { term: r.value, inclusive: r.op === "<=" };
    }
  }

  // Partition key: EQ or IN on every component, or filtering.
  const pkRestrictions = table.partitionKey.map((c) => groups.get(c.name));
  for (const r of pkRestrictions) {
    if (r && !isEqOrIn(r) && !allowFiltering) {
      throw invalid(FILTERING_MESSAGE);
    }
  }
  const partitionFull = pkRestrictions.every((r) => r !== undefined && isEqOrIn(r));
  if (!partitionFull) {
    for (const r of pkRestrictions) if (r) filters.push(r);
    if (filters.length > 0 && !allowFiltering) throw invalid(FILTERING_MESSAGE);
  }

  // Clustering: an EQ/IN prefix, then at most one slice; anything after needs filtering.
  const clusteringPrefix: ColumnRestriction[] = [];
  let clusteringSlice: ColumnRestriction | undefined;
  let previous: ColumnSchema | undefined;
  let state: "prefix" | "gap" | "afterSlice" = "prefix";
  for (const c of table.clustering) {
    const r = groups.get(c.name);
    if (!r) {
      if (state === "prefix") state = "gap";
      previous = c;
      continue;
    }
    const containsOnly = r.contains.length > 0 || r.containsKey.length > 0;
    if (state !== "prefix" || containsOnly) {
      if (!allowFiltering) {
        if (containsOnly) throw invalid(FILTERING_MESSAGE);
        if (state === "gap") throw invalid(`PRIMARY KEY column "${c.name}" cannot be restricted as preceding column "${previous!.name}" is not restricted`);
        throw invalid(`Clustering column "${c.name}" cannot be restricted (preceding column "${previous!.name}" is restricted by a non-EQ relation)`);
      }
      filters.push(r);
    } else if (isEqOrIn(r)) {
      clusteringPrefix.push(r);
    } else {
      clusteringSlice = r;
      state = "afterSlice";
    }
    previous = c;
  }
  if (!partitionFull && (clusteringPrefix.length > 0 || clusteringSlice) && !allowFiltering) throw invalid(FILTERING_MESSAGE);

  for (const c of table.regular) {
    const r = groups.get(c.name);
    if (!r) continue;
    if (!allowFiltering) throw invalid(FILTERING_MESSAGE);
    filters.push(r);
  }

  // ORDER BY, as Cassandra checks it: columns resolved first, then the partition restriction, then each
  // column in turn (clustering columns following their declared order, where a column restricted by an
  // equality may be left out), then one direction for all of them.
  const ordering = new Map<ColumnSchema, boolean>();
  for (const o of statement.orderBy) ordering.set(columnOf(table, o.column), o.descending);
  if (ordering.size > 0 && !partitionFull) {
    throw invalid("ORDER BY is only supported when the partition key is restricted by an EQ or an IN.");
  }
  const reversedByPosition: boolean[] = [];
  let nextPosition = 0;
  for (const [c, descending] of ordering) {
    if (c.kind !== "clustering") throw invalid(`Order by is currently only supported on the clustered columns of the PRIMARY KEY, got ${c.name}`);
    if (c.position < nextPosition) throw invalid(ORDER_BY_SEQUENCE_MESSAGE);
    for (; nextPosition < c.position; nextPosition++) {
      const skipped = groups.get(table.clustering[nextPosition]!.name);
      if (!skipped || !isRestrictedByEq(skipped)) throw invalid(ORDER_BY_SEQUENCE_MESSAGE);
    }
    nextPosition++;
    reversedByPosition[c.position] = descending !== c.descending;
  }
  const directions = reversedByPosition.filter((r) => r !== undefined);
  if (directions.some((r) => r !== directions[0])) throw invalid("Unsupported order by relation");
  const reversed = directions[0] ?? false;
  const needsPostQueryOrdering = ordering.size > 0 && pkRestrictions.some((r) => r !== undefined && isInRestriction(r));

  if (statement.limit) {
    markers.visit(statement.limit, nativeType("int"), "[limit]");
    if (statement.limit.kind === "literal" && Number(statement.limit.text) <= 0) throw invalid("LIMIT must be strictly positive");
  }

  return {
    table, selectors, resultColumns,
    partition: partitionFull ? (pkRestrictions as ColumnRestriction[]) : undefined,
    ...(token ? { token } : {}),
    clusteringPrefix, ...(clusteringSlice ? { clusteringSlice } : {}), filters, reversed,
    orderingColumns: [...ordering.keys()], needsPostQueryOrdering, ...(statement.limit ? { limit: statement.limit } : {}), isCount,
  };
}

const ORDER_BY_SEQUENCE_MESSAGE = "Order by currently only supports the ordering of columns following their declared order in the PRIMARY KEY";

/** Cassandra 4.0's native function names (besides writetime, ttl, token and count, parsed as their own selectors). */
const NATIVE_FUNCTIONS = new Set([
  "now", "currenttimestamp", "currentdate", "currenttime", "currenttimeuuid", "uuid", "mintimeuuid", "maxtimeuuid",
  "dateof", "unixtimestampof", "totimestamp", "tounixtimestamp", "todate", "token", "count", "min", "max", "sum", "avg",
  "tojson", "fromjson", "writetime", "ttl",
]);

function isNativeFunction(name: string): boolean {
  const bare = name.startsWith("system.") ? name.slice("system.".length) : name;
  if (bare.includes(".")) return false;
  return NATIVE_FUNCTIONS.has(bare) || /^(blobas\w+|\w+asblob|castas\w+)$/.test(bare);
}

/**
 * Function calls in a select clause are not evaluated by this engine. Like Cassandra, the
 * arguments are resolved first (an unknown column is reported as such), then the function:
 * an unknown one gets Cassandra's "Unknown function" Invalid, a native one a "not supported" Invalid.
 */
function rejectFunctionSelector(table: TableSchema, fn: { name: string; args: SelectorArgument[] }): never {
  for (const arg of fn.args) {
    if (arg.kind === "column") columnOf(table, arg.column);
    else if (arg.kind === "function") rejectFunctionSelector(table, arg);
  }
  if (isNativeFunction(fn.name)) throw invalid(`Function ${fn.name} in a select clause is not supported by this server`);
  throw invalid(`Unknown function '${fn.name}'`);
}

/** Values an EQ or IN restriction allows, de-duplicated and sorted by type. */
function restrictionValues(r: ColumnRestriction, ctx: BindContext): CqlValue[] {
  const c = r.column;
  let values: CqlValue[];
  if (r.eq) values = [bindRequired(r.eq, c.type, c.name, ctx)];
  else if (Array.isArray(r.in)) values = r.in.map((t) => bindRequired(t, c.type, c.name, ctx));
  else {
    const list = bindTerm(r.in!, { kind: "list", element: c.type, frozen: false }, c.name, ctx);
    if (list === UNSET) throw invalid(`Invalid unset value for column ${c.name}`);
    if (list === null) throw invalid(`Invalid null value for IN restriction on column ${c.name}`);
    values = list as CqlValue[];
  }
  const sorted = [...values].sort((a, b) => compareValues(c.type, a, b));
  return sorted.filter((v, i) => i === 0 || !valuesEqual(c.type, sorted[i - 1]!, v));
}

/** Cartesian product of per-column value lists. */
export function cartesian(lists: CqlValue[][]): CqlValue[][] {
  return lists.reduce<CqlValue[][]>((acc, values) => acc.flatMap((prefix) => values.map((v) => [...prefix, v])), [[]]);
}

function boundOf(r: ColumnRestriction, which: "lower" | "upper", ctx: BindContext): SliceBound | undefined {
  const b = r[which];
  if (!b) return undefined;
  return { value: bindRequired(b.term, r.column.type, r.column.name, ctx), inclusive: b.inclusive };
}

type RowPredicate = (row: LiveRow) => boolean;

function columnValue(row: LiveRow, column: ColumnSchema): CqlValue {
  if (column.kind === "partition_key") return row.partition.key[column.position]!;
  if (column.kind === "clustering") return row.row.clustering[column.position]!;
  return row.cells.get(column.name)?.value ?? null;
}

function filterPredicate(r: ColumnRestriction, ctx: BindContext): RowPredicate {
  const c = r.column;
  const checks: RowPredicate[] = [];
  if (r.eq || r.in) {
    const allowed = restrictionValues(r, ctx);
    checks.push((row) => {
      const v = columnValue(row, c);
      return v !== null && allowed.some((a) => valuesEqual(c.type, a, v));
    });
  }
  const lower = boundOf(r, "lower", ctx);
  const upper = boundOf(r, "upper", ctx);
  if (lower || upper) checks.push((row) => {
    const v = columnValue(row, c);
    return v !== null && inSlice(c, v, lower, upper);
  });
  for (const t of r.contains) {
    const type = c.type.kind === "map" ? c.type.value : c.type.kind === "native" ? c.type : c.type.element;
    const needle = bindRequired(t, type, c.name, ctx);
    checks.push((row) => {
      const v = columnValue(row, c);
      if (v === null) return false;
      const items = v instanceof Map ? [...v.values()] : (v as CqlValue[]);
      return items.some((x) => valuesEqual(type, x, needle));
    });
  }
  for (const t of r.containsKey) {
    const type = c.type.kind === "map" ? c.type.key : c.type;
    const needle = bindRequired(t, type, c.name, ctx);
    checks.push((row) => {
      const v = columnValue(row, c);
      return v instanceof Map && [...v.keys()].some((k) => valuesEqual(type, k, needle));
    });
  }
  return (row) => checks.every((check) => check(row));
}

const MAX_INT = 2 ** 31 - 1;

/** Options of one read. */
export interface SelectOptions {
  pageSize?: number;
  pagingState?: Uint8Array;
  nowSec: number;
}

interface PagingPosition {
  key: string;
  returned: number;
}

function decodePagingState(state: Uint8Array): PagingPosition {
  try {
    const parsed = JSON.parse(Buffer.from(state).toString("utf8")) as unknown;
    if (typeof parsed === "object" && parsed !== null && typeof (parsed as PagingPosition).key === "string" && typeof (parsed as PagingPosition).returned === "number") {
      return parsed as PagingPosition;
    }
  } catch {
    // fall through
  }
  throw new CqlError(CqlErrorCode.protocolError, "Invalid value for the paging state");
}

/**
 * Whether a page carries a paging state, decided as Cassandra 5.0's pagers do: without looking
 * past the page. A pager is done when it returned fewer rows than it asked for or reached the
 * LIMIT; a page that is exactly full therefore ends with a paging state even when no row follows,
 * and the next page is empty without one. One exception: a read of partitions by key whose table
 * has no clustering columns knows that each partition holds one row, so after a full page only
 * partitions later in the key list (read one after another, rows or not) keep it going.
 */
function morePagesFollow(pageFull: boolean, limitReached: boolean, table: TableSchema, keyStrings: string[] | undefined, last: LiveRow | undefined): boolean {
  if (!pageFull || limitReached || !last) return false;
  if (keyStrings === undefined || table.clustering.length > 0) return true;
  return keyStrings.indexOf(last.partition.keyString) < keyStrings.length - 1;
}

/** Runs a planned SELECT against a table's data. */
export function executeSelect(plan: SelectPlan, store: TableStore, ctx: BindContext, options: SelectOptions): EngineResult {
  const table = plan.table;
  let limit: number | undefined;
  if (plan.limit) {
    const v = bindTerm(plan.limit, nativeType("int"), "[limit]", ctx);
    if (v !== null && v !== UNSET) {
      if ((v as number) <= 0) throw invalid("LIMIT must be strictly positive");
      limit = v as number;
    }
  }

  let partitions: Partition[];
  /** The partition keys of a read restricted to them, in read order (Cassandra reads them one after another). */
  let keyStrings: string[] | undefined;
  if (plan.partition) {
    // Cassandra leaves the LIMIT out of a read it must sort afterwards, so such a read is paged whenever a
    // page size is set (only the largest int still covers the unlimited read); COUNT(*) is always paged.
    const pageSize = options.pageSize ?? 0;
    if (plan.needsPostQueryOrdering && pageSize > 0 && (plan.isCount || pageSize < MAX_INT)) {
      throw invalid("Cannot page queries with both ORDER BY and a IN restriction on the partition key; you must either remove the ORDER BY or the IN and sort client side, or disable paging for this query");
    }
    const keys = cartesian(plan.partition.map((r) => restrictionValues(r, ctx)));
    for (const key of keys) checkPartitionKey(plan.table, key);
    keyStrings = keys.map((k) => keyString(table.partitionKey, k));
    partitions = keys.map((k) => store.partition(k, false)).filter((p): p is Partition => p !== undefined);
  } else {
    partitions = store.allPartitions();
  }
  // A token relation also applies beside key relations (Cassandra 5.0).
  if (plan.token) {
    const bound = (t: Term) => bindRequired(t, nativeType("bigint"), "partition key token", ctx) as bigint;
    const eq = plan.token.eq ? bound(plan.token.eq) : undefined;
    const lower = plan.token.lower ? { value: bound(plan.token.lower.term), inclusive: plan.token.lower.inclusive } : undefined;
    const upper = plan.token.upper ? { value: bound(plan.token.upper.term), inclusive: plan.token.upper.inclusive } : undefined;
    partitions = partitions.filter(
      (p) =>
        (eq === undefined || p.token === eq) &&
        (!lower || p.token > lower.value || (lower.inclusive && p.token === lower.value)) &&
        (!upper || p.token < upper.value || (upper.inclusive && p.token === upper.value)),
    );
  }

  const prefixes = plan.clusteringPrefix.length > 0 ? cartesian(plan.clusteringPrefix.map((r) => restrictionValues(r, ctx))) : undefined;
  const slice = plan.clusteringSlice;
  const sliceLower = slice ? boundOf(slice, "lower", ctx) : undefined;
  const sliceUpper = slice ? boundOf(slice, "upper", ctx) : undefined;
  const predicates = plan.filters.map((f) => filterPredicate(f, ctx));

  // Key restrictions are checked on the stored clustering first: cheaper than computing liveness.
  const keyMatches = (clustering: CqlValue[]): boolean => {
    if (prefixes && !prefixes.some((p) => p.every((v, i) => valuesEqual(table.clustering[i]!.type, v, clustering[i]!)))) return false;
    return !slice || inSlice(slice.column, clustering[slice.column.position]!, sliceLower, sliceUpper);
  };
  const fullKeys = prefixes && prefixes[0]!.length === table.clustering.length && !slice ? prefixes : undefined;

  let rows: LiveRow[] = [];
  for (const p of partitions) {
    const live: LiveRow[] = [];
    const candidates = fullKeys
      ? fullKeys
          .map((k) => store.row(p, k, false))
          .filter((r): r is NonNullable<typeof r> => r !== undefined)
          .sort((a, b) => compareClustering(table, a.clustering, b.clustering))
      : p.rows.filter((stored) => keyMatches(stored.clustering));
    for (const stored of candidates) {
      const row = store.liveRow(p, stored, options.nowSec);
      if (row && predicates.every((check) => check(row))) live.push(row);
    }
    if (plan.reversed) live.reverse();
    rows.push(...live);
  }
  if (plan.needsPostQueryOrdering) {
    // Like Cassandra: a stable sort on the ORDER BY columns alone, each in its declared direction.
    const sign = plan.reversed ? -1 : 1;
    rows.sort((a, b) => {
      for (const c of plan.orderingColumns) {
        const d = compareValues(c.type, a.row.clustering[c.position]!, b.row.clustering[c.position]!);
        if (d !== 0) return (c.descending ? -d : d) * sign;
      }
      return 0;
    });
  }

  if (plan.isCount) {
    return { kind: "rows", columns: plan.resultColumns, rows: [[BigInt(rows.length)]] };
  }

  const position = (row: LiveRow) => `${row.partition.keyString}/${keyString(table.clustering, row.row.clustering)}`;
  let start = 0;
  let returnedBefore = 0;
  if (options.pagingState && options.pagingState.length > 0) {
    const state = decodePagingState(options.pagingState);
    returnedBefore = state.returned;
    const index = rows.findIndex((r) => position(r) === state.key);
    start = index >= 0 ? index + 1 : Math.min(state.returned, rows.length);
  }
  let remaining = rows.length - start;
  if (limit !== undefined) remaining = Math.min(remaining, Math.max(0, limit - returnedBefore));
  const pageSize = options.pageSize !== undefined && options.pageSize > 0 ? options.pageSize : Infinity;
  const count = Math.min(remaining, pageSize);
  rows = rows.slice(start, start + count);
  const hasMore = morePagesFollow(count === pageSize, limit !== undefined && returnedBefore + count >= limit, table, keyStrings, rows[rows.length - 1]);

  const out = rows.map((row) =>
    plan.selectors.map((s): CqlValue => {
      if (s.kind === "count") return null;
      if (s.kind === "token") return row.partition.token;
      if (s.kind === "column") return columnValue(row, s.column);
      const cell = row.cells.get(s.column.name);
      if (!cell) return null;
      if (s.kind === "writetime") return cell.timestamp;
      return cell.expiresAtSec === undefined ? null : cell.expiresAtSec - options.nowSec;
    }),
  );
  const result: EngineResult = { kind: "rows", columns: plan.resultColumns, rows: out };
  if (hasMore && rows.length > 0) {
    const state: PagingPosition = { key: position(rows[rows.length - 1]!), returned: returnedBefore + rows.length };
    result.pagingState = Uint8Array.from(Buffer.from(JSON.stringify(state), "utf8"));
  }
  return result;
}
