import {
  alreadyExists,
  alterTable,
  keyspaceFromStatement,
  tableFromStatement,
  validateName,
  type KeyspaceSchema,
  type TableSchema,
} from "./catalog.js";
import { systemClock, type EngineClock } from "./clock.js";
import { checkConsistency, type ConsistencyLevel, type LocalTopology } from "./consistency.js";
import type { CreateTableStatement, ModificationStatement, ParsedStatement, QualifiedName, Statement, UsingClause } from "./cql-ast.js";
import { CqlError, CqlErrorCode, invalid } from "./cql-error.js";
import { parseCql } from "./cql-parser.js";
import { nativeType } from "./cql-types.js";
import { UNSET, normalizeValue, type CqlValue, type Unset } from "./cql-values.js";
import { checkBatchSize, type BatchedWrite } from "./write-limits.js";
import type { EngineResult, ResultColumn } from "./engine-result.js";
import {
  appliedColumn,
  applyModification,
  bindModification,
  conditionsHold,
  currentRow,
  notAppliedColumns,
  planModification,
  rowValue,
  type BoundModification,
  type ModificationPlan,
} from "./modification-executor.js";
import { MarkerCollector } from "./restrictions.js";
import { executeSelect, planSelect } from "./select-executor.js";
import { TableStore } from "./storage.js";
import { SYSTEM_TABLE_DDL, columnRows, keyspaceRow, localRow, tableRow, type NodeInfo, type SystemRow } from "./system-tables.js";
import { bindTerm, type BindContext } from "./term-binder.js";
import { randomUuid } from "./uuid-gen.js";

/** Options of a {@link CassandraEngine}. */
export interface CassandraEngineOptions {
  /** Time source for write timestamps and TTL expiry (default: the wall clock). */
  clock?: EngineClock;
  /** What `system.local` reports. */
  node?: Partial<NodeInfo>;
  /** Nodes of the simulated cluster in the node's data center (default 1), for the consistency rules. */
  replicas?: number;
}

/** A statement analysed against the schema, reusable with different values. */
export interface PreparedCql {
  query: string;
  /** Keyspace in effect when the statement was prepared (`USE`). */
  keyspace: string | undefined;
  parsed: ParsedStatement;
  /** Name and type of each bind marker, in order. */
  markers: ResultColumn[];
  /** Result columns of a SELECT; undefined for other statements. */
  resultColumns: ResultColumn[] | undefined;
  /** For each partition key component, the marker that binds it (empty when not all are bound by markers). */
  partitionKeyIndexes: number[];
  /** Table the statement targets, if any. */
  table: { keyspace: string; name: string } | undefined;
}

/** Per-request options. */
export interface ExecuteOptions {
  consistency?: ConsistencyLevel;
  serialConsistency?: ConsistencyLevel;
  /** Page size; undefined disables paging. */
  pageSize?: number;
  pagingState?: Uint8Array;
  /** Client-provided default write timestamp in microseconds. */
  defaultTimestamp?: bigint;
}

/** Options of a batch. */
export interface BatchOptions extends ExecuteOptions {
  type: "logged" | "unlogged" | "counter";
}

/** A value bound to a marker: a CQL value, or UNSET to leave a column untouched. */
export type BoundValue = CqlValue | Unset;

const DEFAULT_NODE: NodeInfo = {
  address: "127.0.0.1",
  port: 9042,
  dataCenter: "datacenter1",
  rack: "rack1",
  releaseVersion: "5.0.9",
  clusterName: "Polyxena Test Cluster",
  hostId: "5c7b6e3a-0d7e-4d7a-9b55-2f1a3c4d5e6f",
  partitioner: "org.apache.cassandra.dht.Murmur3Partitioner",
  tokens: ["0"],
};

interface PlannedItem {
  statement: ModificationStatement;
  plan: ModificationPlan;
}

/**
 * An in-memory Cassandra: keyspaces, tables, cell-level last-write-wins with
 * write timestamps, TTLs, tombstones, clustering order, lightweight
 * transactions and batches, with Cassandra's validation rules and error codes.
 *
 * @example
 * const engine = new CassandraEngine({ clock: new ManualClock() });
 * engine.executeCql("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
 * engine.executeCql("CREATE TABLE ks.t (id int PRIMARY KEY, v text)");
 * engine.executeCql("INSERT INTO ks.t (id, v) VALUES (?, ?)", [1, "a"]);
 * engine.executeCql("SELECT v FROM ks.t WHERE id = 1"); // { kind: "rows", rows: [["a"]], ... }
 */
export class CassandraEngine {
  readonly clock: EngineClock;
  readonly node: NodeInfo;
  /**
   * The simulated cluster the consistency rules see: `nodes` in the local data
   * center, `down` of them stopped (set `down` to stop or start replicas).
   */
  readonly replicas: { nodes: number; down: number };
  private readonly keyspaceMap = new Map<string, KeyspaceSchema>();
  private readonly stores = new Map<string, TableStore>();
  private lastTimestamp = 0n;
  private version = randomUuid();

  constructor(options: CassandraEngineOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.node = { ...DEFAULT_NODE, ...options.node };
    this.replicas = { nodes: options.replicas ?? 1, down: 0 };
    this.bootstrapSystemKeyspaces();
  }

  /** The current schema version (changes on every DDL). */
  get schemaVersion(): string {
    return this.version;
  }

  /** The next write timestamp: the clock in microseconds, strictly increasing. */
  nextTimestamp(): bigint {
    const now = BigInt(Math.floor(this.clock.nowMillis())) * 1000n;
    this.lastTimestamp = now > this.lastTimestamp ? now : this.lastTimestamp + 1n;
    return this.lastTimestamp;
  }

  private nowSec(): number {
    return Math.floor(this.clock.nowMillis() / 1000);
  }

  // ---- catalog -----------------------------------------------------------

  /** A keyspace definition, or undefined. */
  keyspace(name: string): KeyspaceSchema | undefined {
    return this.keyspaceMap.get(name);
  }

  /** Names of all keyspaces, system ones included. */
  keyspaceNames(): string[] {
    return [...this.keyspaceMap.keys()];
  }

  /** A table definition, or undefined. */
  table(keyspace: string, name: string): TableSchema | undefined {
    return this.keyspaceMap.get(keyspace)?.tables.get(name);
  }

  /** The data of a table (direct access for tests and the in-memory adapter). */
  tableStore(keyspace: string, name: string): TableStore | undefined {
    const t = this.table(keyspace, name);
    return t ? this.stores.get(t.id) : undefined;
  }

  private topology(): LocalTopology {
    return { dataCenter: this.node.dataCenter, nodes: this.replicas.nodes, down: this.replicas.down };
  }

  /** Updates what `system.local` reports (e.g. the port the server listens on). */
  setNodeInfo(info: Partial<NodeInfo>): void {
    Object.assign(this.node, info);
    this.writeSystemRow("system", "local", localRow(this.node, this.version));
  }

  private resolveTable(name: QualifiedName, sessionKeyspace: string | undefined): TableSchema {
    const ksName = name.keyspace ?? sessionKeyspace;
    if (ksName === undefined) throw invalid("No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename");
    const ks = this.keyspaceMap.get(ksName);
    if (!ks) throw invalid(`keyspace ${ksName} does not exist`);
    const table = ks.tables.get(name.name);
    if (!table) throw invalid(`table ${name.name} does not exist`);
    return table;
  }

  private storeOf(table: TableSchema): TableStore {
    const store = this.stores.get(table.id);
    if (!store) throw invalid(`table ${table.name} does not exist`);
    return store;
  }

  // ---- prepare -----------------------------------------------------------

  /**
   * Parses and analyses a statement against the current schema. Throws the
   * Syntax_error / Invalid errors Cassandra would raise when preparing it.
   */
  prepare(query: string | ParsedStatement, keyspace?: string): PreparedCql {
    const parsed = typeof query === "string" ? parseCql(query) : query;
    const statement = parsed.statement;
    let markers: ResultColumn[] = [];
    let resultColumns: ResultColumn[] | undefined;
    let partitionKeyIndexes: number[] = [];
    let table: TableSchema | undefined;
    switch (statement.type) {
      case "select": {
        table = this.resolveTable(statement.table, keyspace);
        const collector = new MarkerCollector(parsed.markerCount, table);
        const plan = planSelect(statement, table, collector);
        markers = collector.result();
        resultColumns = plan.resultColumns;
        partitionKeyIndexes = pkIndexes(table, statement.where.flatMap((r) => (r.kind === "compare" && r.op === "=" ? [{ column: r.column, term: r.value }] : [])));
        break;
      }
      case "insert":
      case "update":
      case "delete": {
        table = this.resolveTable(statement.table, keyspace);
        const collector = new MarkerCollector(parsed.markerCount, table);
        planModification(statement, table, collector);
        markers = collector.result();
        partitionKeyIndexes = pkIndexes(table, modificationKeyTerms(statement));
        break;
      }
      case "batch": {
        const specs: Array<ResultColumn | undefined> = new Array<ResultColumn | undefined>(parsed.markerCount).fill(undefined);
        for (const s of statement.statements) {
          const t = this.resolveTable(s.table, keyspace);
          const collector = new MarkerCollector(parsed.markerCount, t);
          planModification(s, t, collector);
          collector.specs.forEach((spec, i) => {
            if (spec) specs[i] = spec;
          });
        }
        if (statement.using.timestamp?.kind === "marker") {
          specs[statement.using.timestamp.index] = { keyspace: keyspace ?? "", table: "", name: "[timestamp]", type: nativeType("bigint") };
        }
        markers = specs.map((s, i) => {
          if (!s) throw invalid(`Cannot infer the type of bind marker ${i}`);
          return s;
        });
        break;
      }
      default:
        if (parsed.markerCount > 0) throw invalid(`Bind variables are not allowed in ${statement.type} statements`);
    }
    return {
      query: parsed.query, keyspace, parsed, markers, resultColumns, partitionKeyIndexes,
      table: table ? { keyspace: table.keyspace, name: table.name } : undefined,
    };
  }

  /** Analysed statements, reused while their table definition is the same object (DDL replaces it). */
  private readonly plans = new WeakMap<object, { table: TableSchema; plan: unknown }>();

  private cachedPlan<P>(statement: object, table: TableSchema, build: () => P): P {
    const cached = this.plans.get(statement);
    if (cached && cached.table === table) return cached.plan as P;
    const plan = build();
    this.plans.set(statement, { table, plan });
    return plan;
  }

  // ---- direct table operations -------------------------------------------

  private directStatements = new Map<string, PreparedCql>();

  private preparedFor(cql: string): PreparedCql {
    let p = this.directStatements.get(cql);
    if (!p) {
      p = this.prepare(cql);
      this.directStatements.set(cql, p);
    }
    return p;
  }

  /**
   * Upserts one row, like `INSERT INTO ks.t (...) VALUES (...) USING TTL ? AND TIMESTAMP ?`
   * (same validation, same write path).
   *
   * @example
   * engine.insertRow("ks", "t", { id: 1, v: "a" }, { ttl: 60 });
   */
  insertRow(keyspace: string, table: string, row: Record<string, CqlValue>, options: { ttl?: number; timestamp?: bigint } = {}): void {
    const columns = Object.keys(row);
    const using: string[] = [];
    const values: BoundValue[] = columns.map((c) => row[c] ?? null);
    if (options.ttl !== undefined) {
      using.push("TTL ?");
      values.push(options.ttl);
    }
    if (options.timestamp !== undefined) {
      using.push("TIMESTAMP ?");
      values.push(options.timestamp);
    }
    const cql = `INSERT INTO ${quote(keyspace)}.${quote(table)} (${columns.map(quote).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})${using.length ? ` USING ${using.join(" AND ")}` : ""}`;
    this.execute(this.preparedFor(cql), values);
  }

  /**
   * Reads the live rows matching equality restrictions on key columns (a partition,
   * optionally narrowed by a clustering prefix), in clustering order, as records.
   */
  selectRows(keyspace: string, table: string, key: Record<string, CqlValue>): Array<Record<string, CqlValue>> {
    const columns = Object.keys(key);
    const where = columns.length ? ` WHERE ${columns.map((c) => `${quote(c)} = ?`).join(" AND ")}` : "";
    const result = this.execute(this.preparedFor(`SELECT * FROM ${quote(keyspace)}.${quote(table)}${where}`), columns.map((c) => key[c] ?? null));
    if (result.kind !== "rows") return [];
    return result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c.name, r[i] ?? null])));
  }

  /** Deletes the rows matching equality restrictions on key columns (a row, a clustering prefix or a partition). */
  deleteRows(keyspace: string, table: string, key: Record<string, CqlValue>, options: { timestamp?: bigint } = {}): void {
    const columns = Object.keys(key);
    const values: BoundValue[] = [];
    let using = "";
    if (options.timestamp !== undefined) {
      using = " USING TIMESTAMP ?";
      values.push(options.timestamp);
    }
    values.push(...columns.map((c) => key[c] ?? null));
    const cql = `DELETE FROM ${quote(keyspace)}.${quote(table)}${using} WHERE ${columns.map((c) => `${quote(c)} = ?`).join(" AND ")}`;
    this.execute(this.preparedFor(cql), values);
  }

  // ---- execute -----------------------------------------------------------

  /** Parses, prepares and executes one statement. */
  executeCql(query: string, values: BoundValue[] = [], options: ExecuteOptions & { keyspace?: string } = {}): EngineResult {
    return this.execute(this.prepare(query, options.keyspace), values, options);
  }

  /** Executes a prepared statement with values for its markers. */
  execute(prepared: PreparedCql, values: BoundValue[] = [], options: ExecuteOptions = {}): EngineResult {
    if (values.length !== prepared.markers.length) {
      throw invalid(`Invalid amount of bind variables: expected ${prepared.markers.length}, got ${values.length}`);
    }
    const statement = prepared.parsed.statement;
    const ctx: BindContext = { values, nowMillis: this.clock.nowMillis() };
    switch (statement.type) {
      case "use": {
        if (!this.keyspaceMap.has(statement.keyspace)) throw invalid(`Keyspace '${statement.keyspace}' does not exist`);
        return { kind: "setKeyspace", keyspace: statement.keyspace };
      }
      case "select": {
        const table = this.resolveTable(statement.table, prepared.keyspace);
        const ks = this.keyspaceMap.get(table.keyspace)!;
        checkConsistency(ks, options.consistency ?? "ONE", "read", this.topology());
        const plan = this.cachedPlan(statement, table, () => planSelect(statement, table, new MarkerCollector(prepared.parsed.markerCount, table)));
        return executeSelect(plan, this.storeOf(table), ctx, {
          nowSec: this.nowSec(),
          ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
          ...(options.pagingState ? { pagingState: options.pagingState } : {}),
        });
      }
      case "insert":
      case "update":
      case "delete":
        return this.runModifications([{ statement, values }], undefined, ctx, prepared.keyspace, options, "single");
      case "batch":
        return this.runModifications(
          statement.statements.map((s) => ({ statement: s, values })),
          statement.using,
          ctx,
          prepared.keyspace,
          { ...options },
          statement.batchType,
        );
      default:
        return this.executeSchemaStatement(statement, prepared.keyspace);
    }
  }

  /**
   * Executes several prepared statements as one batch: one default timestamp,
   * all-or-nothing, conditions (if any) checked together on one partition.
   */
  batch(entries: Array<{ prepared: PreparedCql; values: BoundValue[] }>, options: BatchOptions): EngineResult {
    const items: Array<{ statement: ModificationStatement; values: BoundValue[]; keyspace?: string }> = [];
    for (const e of entries) {
      const s = e.prepared.parsed.statement;
      if (s.type !== "insert" && s.type !== "update" && s.type !== "delete") {
        throw invalid("Invalid statement in batch: only UPDATE, INSERT and DELETE statements are allowed.");
      }
      if (e.values.length !== e.prepared.markers.length) {
        throw invalid(`Invalid amount of bind variables: expected ${e.prepared.markers.length}, got ${e.values.length}`);
      }
      items.push({ statement: s, values: e.values, ...(e.prepared.keyspace !== undefined ? { keyspace: e.prepared.keyspace } : {}) });
    }
    const ctx: BindContext = { values: [], nowMillis: this.clock.nowMillis() };
    return this.runModifications(items, undefined, ctx, undefined, options, options.type);
  }

  private runModifications(
    items: Array<{ statement: ModificationStatement; values: BoundValue[]; keyspace?: string }>,
    batchUsing: UsingClause | undefined,
    ctx: BindContext,
    sessionKeyspace: string | undefined,
    options: ExecuteOptions,
    mode: "single" | "logged" | "unlogged" | "counter",
  ): EngineResult {
    if (mode === "counter") throw invalid("Counter batches are not supported by this server");
    const planned: Array<PlannedItem & { values: BoundValue[] }> = items.map((item) => {
      const table = this.resolveTable(item.statement.table, item.keyspace ?? sessionKeyspace);
      if (table.readOnly) {
        throw new CqlError(CqlErrorCode.unauthorized, `${table.keyspace} keyspace is not user-modifiable.`);
      }
      const plan = this.cachedPlan(item.statement, table, () => planModification(item.statement, table, new MarkerCollector(markerCount(item.values), table)));
      return { statement: item.statement, plan, values: item.values };
    });
    const conditional = planned.some((p) => p.plan.conditional);
    let batchTimestamp: bigint | undefined;
    if (batchUsing?.timestamp) {
      const v = bindTerm(batchUsing.timestamp, nativeType("bigint"), "[timestamp]", ctx);
      if (v !== null && v !== UNSET) batchTimestamp = v as bigint;
      if (planned.some((p) => p.statement.using.timestamp)) throw invalid("Timestamp must be set either on BATCH or individual statements");
      if (conditional) throw invalid("Cannot provide custom timestamp for conditional BATCH");
    }
    for (const p of planned) {
      const ks = this.keyspaceMap.get(p.plan.table.keyspace)!;
      if (!conditional) checkConsistency(ks, options.consistency ?? "ONE", "write", this.topology());
      if (conditional) {
        const serial = options.serialConsistency ?? "SERIAL";
        if (serial !== "SERIAL" && serial !== "LOCAL_SERIAL") {
          throw invalid("Invalid consistency for conditional update. Must be one of SERIAL or LOCAL_SERIAL");
        }
        if (options.consistency === "SERIAL" || options.consistency === "LOCAL_SERIAL") {
          throw invalid(`Invalid consistency for conditional update (${options.consistency}). Use SERIAL/LOCAL_SERIAL only in serial_consistency`);
        }
        // Paxos needs its serial quorum before the commit level is looked at.
        checkConsistency(ks, serial, "conditionalWrite", this.topology());
        checkConsistency(ks, options.consistency ?? "ONE", "conditionalWrite", this.topology());
      }
    }
    // Paxos uses the server's clock; plain writes use USING TIMESTAMP, then the client's default, then the server clock.
    // Client clocks and the (possibly manual) engine clock may disagree; the engine's own timestamps never go
    // below a client default timestamp it has applied, so a later LWT still supersedes an earlier plain write.
    if (!conditional && options.defaultTimestamp !== undefined && options.defaultTimestamp > this.lastTimestamp) {
      this.lastTimestamp = options.defaultTimestamp;
    }
    const defaultTimestamp = conditional ? this.nextTimestamp() : batchTimestamp ?? options.defaultTimestamp ?? this.nextTimestamp();
    const nowSec = this.nowSec();
    const bound: BoundModification[] = planned.map((p) =>
      bindModification(p.plan, this.storeOf(p.plan.table), { ...ctx, values: p.values }, { defaultTimestamp, nowSec }),
    );
    if (!conditional) {
      if (mode !== "single") checkBatchSize(bound.map(batchedWrite));
      for (const b of bound) applyModification(b, nowSec);
      return { kind: "void" };
    }
    return this.runConditional(bound, nowSec);
  }

  private runConditional(bound: BoundModification[], nowSec: number): EngineResult {
    const first = bound[0]!;
    const table = first.plan.table;
    const partitionKey = first.store.partition(first.partitionKeys[0]!, false)?.keyString ?? JSON.stringify(first.partitionKeys[0]!.map(String));
    for (const b of bound) {
      if (b.plan.table.id !== table.id) throw invalid("Batch with conditions cannot span multiple tables");
      const key = b.store.partition(b.partitionKeys[0]!, false)?.keyString ?? JSON.stringify(b.partitionKeys[0]!.map(String));
      if (b.partitionKeys.length !== 1 || key !== partitionKey) throw invalid("Batch with conditions cannot span multiple partitions");
    }
    const applied = bound.every((b) => !b.plan.conditional || conditionsHold(b, currentRow(b, nowSec)));
    const appliedCol = appliedColumn(table);
    if (applied) {
      for (const b of bound) applyModification(b, nowSec);
      return { kind: "rows", columns: [appliedCol], rows: [[true]] };
    }
    if (bound.length === 1) {
      const row = currentRow(first, nowSec);
      const columns = row ? notAppliedColumns(first.plan) : [];
      return {
        kind: "rows",
        columns: [appliedCol, ...columns.map((c) => ({ keyspace: table.keyspace, table: table.name, name: c.name, type: c.type }))],
        rows: [[false, ...columns.map((c) => (row ? rowValue(row, c) : null))]],
      };
    }
    // A conditional batch that fails returns the current rows it checked, with all columns.
    const rows: CqlValue[][] = [];
    const seen = new Set<string>();
    for (const b of bound) {
      if (!b.plan.conditional) continue;
      const row = currentRow(b, nowSec);
      if (!row) continue;
      const key = JSON.stringify(row.row.clustering.map(String));
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push([false, ...table.allColumns.map((c) => rowValue(row, c))]);
    }
    if (rows.length === 0) return { kind: "rows", columns: [appliedCol], rows: [[false]] };
    return {
      kind: "rows",
      columns: [appliedCol, ...table.allColumns.map((c) => ({ keyspace: table.keyspace, table: table.name, name: c.name, type: c.type }))],
      rows,
    };
  }

  // ---- schema --------------------------------------------------------------

  private executeSchemaStatement(statement: Statement, sessionKeyspace: string | undefined): EngineResult {
    switch (statement.type) {
      case "createKeyspace": {
        if (this.keyspaceMap.has(statement.keyspace)) {
          if (statement.ifNotExists) return { kind: "void" };
          throw alreadyExists(statement.keyspace);
        }
        const ks = keyspaceFromStatement(statement);
        this.keyspaceMap.set(ks.name, ks);
        this.schemaChanged();
        return { kind: "schemaChange", change: "CREATED", target: "KEYSPACE", keyspace: ks.name };
      }
      case "createTable": {
        const ksName = statement.table.keyspace ?? sessionKeyspace;
        if (ksName === undefined) throw invalid("No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename");
        const ks = this.keyspaceMap.get(ksName);
        if (!ks) throw invalid(`Keyspace '${ksName}' doesn't exist`);
        if (ks.system) throw new CqlError(CqlErrorCode.unauthorized, `${ks.name} keyspace is not user-modifiable.`);
        if (ks.tables.has(statement.table.name)) {
          if (statement.ifNotExists) return { kind: "void" };
          throw alreadyExists(ks.name, statement.table.name);
        }
        this.addTable(ks, statement, false);
        this.schemaChanged();
        return { kind: "schemaChange", change: "CREATED", target: "TABLE", keyspace: ks.name, table: statement.table.name };
      }
      case "dropTable": {
        const ksName = statement.table.keyspace ?? sessionKeyspace;
        if (ksName === undefined) throw invalid("No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename");
        const ks = this.keyspaceMap.get(ksName);
        if (ks?.system) throw new CqlError(CqlErrorCode.unauthorized, `${ks.name} keyspace is not user-modifiable.`);
        const table = ks?.tables.get(statement.table.name);
        if (!ks || !table) {
          if (statement.ifExists) return { kind: "void" };
          throw ks ? invalid(`Table '${ksName}.${statement.table.name}' doesn't exist`) : invalid(`Keyspace '${ksName}' doesn't exist`);
        }
        ks.tables.delete(table.name);
        this.stores.delete(table.id);
        this.schemaChanged();
        return { kind: "schemaChange", change: "DROPPED", target: "TABLE", keyspace: ks.name, table: table.name };
      }
      case "alterTable": {
        const ksName = statement.table.keyspace ?? sessionKeyspace;
        if (ksName === undefined) throw invalid("No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename");
        const ks = this.keyspaceMap.get(ksName);
        if (!ks) throw invalid(`Keyspace '${ksName}' doesn't exist`);
        if (ks.system) throw new CqlError(CqlErrorCode.unauthorized, `${ks.name} keyspace is not user-modifiable.`);
        const table = ks.tables.get(statement.table.name);
        if (!table) throw invalid(`Table '${ksName}.${statement.table.name}' doesn't exist`);
        const altered = alterTable(table, statement.action);
        ks.tables.set(table.name, altered);
        const store = this.storeOf(table);
        store.schema = altered;
        if (statement.action.kind === "drop") for (const name of statement.action.columns) store.dropColumn(name);
        this.schemaChanged();
        return { kind: "schemaChange", change: "UPDATED", target: "TABLE", keyspace: ks.name, table: table.name };
      }
      case "dropKeyspace": {
        const name = statement.table.name;
        const ks = this.keyspaceMap.get(name);
        if (!ks) {
          if (statement.ifExists) return { kind: "void" };
          throw invalid(`Keyspace '${name}' doesn't exist`);
        }
        if (ks.system) throw new CqlError(CqlErrorCode.unauthorized, `${name} keyspace is not user-modifiable.`);
        for (const t of ks.tables.values()) this.stores.delete(t.id);
        this.keyspaceMap.delete(name);
        this.schemaChanged();
        return { kind: "schemaChange", change: "DROPPED", target: "KEYSPACE", keyspace: name };
      }
      case "truncate": {
        const table = this.resolveTable(statement.table, sessionKeyspace);
        if (table.readOnly) throw new CqlError(CqlErrorCode.unauthorized, `${table.keyspace} keyspace is not user-modifiable.`);
        this.storeOf(table).truncate();
        return { kind: "void" };
      }
      default:
        throw invalid(`Unsupported statement ${statement.type}`);
    }
  }

  private addTable(ks: KeyspaceSchema, statement: CreateTableStatement, readOnly: boolean): TableSchema {
    const table = tableFromStatement(statement, ks.name, randomUuid());
    table.readOnly = readOnly;
    ks.tables.set(table.name, table);
    this.stores.set(table.id, new TableStore(table));
    return table;
  }

  private bootstrapSystemKeyspaces(): void {
    for (const name of ["system", "system_schema"] as const) {
      validateName(name, "Keyspace");
      const ks: KeyspaceSchema = {
        name, replication: { class: "org.apache.cassandra.locator.LocalStrategy" }, durableWrites: true, tables: new Map(), system: true,
      };
      this.keyspaceMap.set(name, ks);
      for (const ddl of SYSTEM_TABLE_DDL[name]) {
        const parsed = parseCql(ddl);
        if (parsed.statement.type !== "createTable") continue;
        this.addTable(ks, parsed.statement, true);
      }
    }
    this.refreshSchemaTables();
  }

  private schemaChanged(): void {
    this.version = randomUuid();
    this.directStatements.clear();
    this.refreshSchemaTables();
  }

  private refreshSchemaTables(): void {
    for (const name of ["keyspaces", "tables", "columns"]) this.tableStore("system_schema", name)!.truncate();
    for (const ks of this.keyspaceMap.values()) {
      this.writeSystemRow("system_schema", "keyspaces", keyspaceRow(ks));
      for (const t of ks.tables.values()) {
        this.writeSystemRow("system_schema", "tables", tableRow(t));
        for (const row of columnRows(t)) this.writeSystemRow("system_schema", "columns", row);
      }
    }
    this.writeSystemRow("system", "local", localRow(this.node, this.version));
  }

  private writeSystemRow(keyspace: string, tableName: string, row: SystemRow): void {
    const table = this.table(keyspace, tableName)!;
    const store = this.stores.get(table.id)!;
    const value = (name: string): CqlValue => {
      const c = table.columns.get(name)!;
      return normalizeValue(c.type, (row[name] ?? null) as CqlValue);
    };
    const partition = store.partition(table.partitionKey.map((c) => value(c.name)), true)!;
    const stored = store.row(partition, table.clustering.map((c) => value(c.name)), true)!;
    const timestamp = this.nextTimestamp();
    store.writeMarker(stored, { timestamp });
    for (const c of table.regular) store.writeCell(stored, c, { value: value(c.name), timestamp });
  }
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function markerCount(values: BoundValue[]): number {
  return values.length;
}

function modificationKeyTerms(statement: ModificationStatement): Array<{ column: string; term: import("./cql-ast.js").Term }> {
  if (statement.type === "insert") return statement.columns.map((column, i) => ({ column, term: statement.values[i]! }));
  return statement.where.flatMap((r) => (r.kind === "compare" && r.op === "=" ? [{ column: r.column, term: r.value }] : []));
}

function pkIndexes(table: TableSchema, terms: Array<{ column: string; term: import("./cql-ast.js").Term }>): number[] {
  const out: number[] = [];
  for (const c of table.partitionKey) {
    const found = terms.find((t) => t.column === c.name);
    if (!found || found.term.kind !== "marker") return [];
    out.push(found.term.index);
  }
  return out;
}

/** What a bound statement writes, for the batch size limit. */
function batchedWrite(b: BoundModification): BatchedWrite {
  const cells = b.plan.writes.flatMap(({ column }, i) => {
    const v = b.writeValues[i]!.value;
    return v === UNSET ? [] : [{ column, value: v }];
  });
  return { table: b.plan.table, partitionKeys: b.partitionKeys, clusterings: b.clusterings, cells };
}
