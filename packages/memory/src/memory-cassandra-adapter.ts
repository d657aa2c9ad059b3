/**
 * The in-memory Cassandra adapter: the Cassandra adapter's own compiled CQL,
 * executed by the in-memory engine (same parser, LWW storage, TTLs, LWTs and
 * batches the CQL test server uses), so it behaves like the real adapter.
 */
import { type EntityModel } from "@polyxena/core";
import { buildCassandraSchema, cassandraKeyspaceStatement, cassandraOutboxStatements } from "@polyxena/core/stores/cassandra";
import {
  CassandraAdapter,
  type CassandraAdapterOptions,
  type CqlPage,
  type CqlRequestOptions,
  type CqlResult,
  type CqlSession,
  type CqlStatement,
  type NeutralValue,
  type RowReader,
  type EntityStatements,
} from "@polyxena/adapters/cassandra/in-process";
import {
  CassandraEngine,
  ManualClock,
  type BoundValue,
  type CqlType,
  type CqlValue,
  type EngineClock,
  type PreparedCql,
} from "./cassandra-engine/index.js";

export { CassandraEngine, ManualClock } from "./cassandra-engine/index.js";

function toEngine(type: CqlType, value: NeutralValue): BoundValue {
  if (value === null) return null;
  switch (type.kind) {
    case "list":
    case "set":
      return (value as NeutralValue[]).map((v) => toEngine(type.element, v) as CqlValue);
    case "map": {
      const map = new Map<CqlValue, CqlValue>();
      for (const [k, v] of Object.entries(value as Record<string, NeutralValue>)) map.set(k, toEngine(type.value, v) as CqlValue);
      return map;
    }
    default:
      if ((type.name === "bigint" || type.name === "varint") && typeof value === "number") return BigInt(value);
      return value as CqlValue;
  }
}

function fromEngine(value: CqlValue): NeutralValue {
  if (value === null) return null;
  if (value instanceof Map) {
    const out: Record<string, NeutralValue> = {};
    for (const [k, v] of value) out[String(k)] = fromEngine(v);
    return out;
  }
  if (Array.isArray(value)) return value.map(fromEngine);
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  if (value instanceof Date) return new Date(value.getTime());
  if (typeof value === "object") return `${value.unscaled}e-${value.scale}`;
  return value;
}

/** A {@link CqlSession} on a {@link CassandraEngine}. */
export class EngineCqlSession implements CqlSession {
  private prepared = new Map<string, PreparedCql>();
  private schemaVersion: string;

  constructor(readonly engine: CassandraEngine) {
    this.schemaVersion = engine.schemaVersion;
  }

  private prepare(cql: string): PreparedCql {
    if (this.engine.schemaVersion !== this.schemaVersion) {
      this.prepared.clear();
      this.schemaVersion = this.engine.schemaVersion;
    }
    let p = this.prepared.get(cql);
    if (!p) {
      p = this.engine.prepare(cql);
      this.prepared.set(cql, p);
    }
    return p;
  }

  private bind(p: PreparedCql, params: readonly NeutralValue[]): BoundValue[] {
    return params.map((v, i) => toEngine(p.markers[i]?.type ?? { kind: "native", name: "text" }, v));
  }

  async execute(statement: CqlStatement, params: readonly NeutralValue[], options: CqlRequestOptions): Promise<CqlResult> {
    const p = this.prepare(statement.cql);
    const result = this.engine.execute(p, this.bind(p, params), {
      consistency: options.consistency,
      ...(options.serialConsistency ? { serialConsistency: options.serialConsistency } : {}),
      ...(options.fetchSize !== undefined ? { pageSize: options.fetchSize } : {}),
      ...(options.pageState !== undefined ? { pagingState: Uint8Array.from(Buffer.from(options.pageState, "hex")) } : {}),
    });
    if (this.engine.schemaVersion !== this.schemaVersion) this.prepared.clear();
    if (result.kind !== "rows") return { rows: [] };
    const names = result.columns.map((c) => c.name);
    const rows = result.rows.map((row) => Object.fromEntries(names.map((n, i) => [n, fromEngine(row[i] ?? null)])));
    const applied = names[0] === "[applied]" ? result.rows[0]?.[0] === true : undefined;
    return { rows, pageState: result.pagingState ? Buffer.from(result.pagingState).toString("hex") : undefined, applied };
  }

  select<T>(
    statement: CqlStatement,
    params: readonly NeutralValue[],
    options: CqlRequestOptions,
    reader: RowReader,
    take: (page: CqlPage) => T,
    fail: (error: unknown) => never,
  ): Promise<T> {
    return this.execute(statement, params, options).then((result) => take({ items: result.rows.map(reader.decode), pageState: result.pageState }), fail);
  }

  async batch(items: ReadonlyArray<{ statement: CqlStatement; params: readonly NeutralValue[] }>, options: CqlRequestOptions): Promise<CqlResult> {
    const entries = items.map((item) => {
      const p = this.prepare(item.statement.cql);
      return { prepared: p, values: this.bind(p, item.params) };
    });
    const result = this.engine.batch(entries, {
      type: "logged",
      consistency: options.consistency,
      ...(options.serialConsistency ? { serialConsistency: options.serialConsistency } : {}),
      ...(options.timestamp !== undefined ? { defaultTimestamp: BigInt(options.timestamp) } : {}),
    });
    if (result.kind !== "rows") return { rows: [] };
    return { rows: [], applied: result.rows[0]?.[0] === true };
  }

  async close(): Promise<void> {}
}

/** Options of {@link createMemoryCassandraAdapter}. */
export interface MemoryCassandraAdapterOptions extends Partial<CassandraAdapterOptions> {
  /** An engine to share (e.g. with a CQL test server); default: a new one. */
  engine?: CassandraEngine | undefined;
  /** Clock of a new engine (default: the wall clock; pass a {@link ManualClock} to expire TTLs in tests without waiting). */
  clock?: EngineClock | undefined;
}

/**
 * The in-memory Cassandra adapter. Tables are created on first use of an
 * entity, so tests need no schema step; `applySchema` works too.
 */
export class MemoryCassandraAdapter extends CassandraAdapter {
  private readonly ensured = new WeakSet<EntityModel>();

  constructor(
    readonly engine: CassandraEngine,
    options: CassandraAdapterOptions,
  ) {
    super(new EngineCqlSession(engine), options);
    // The outbox tables exist from the start: a relay may claim partitions before any write.
    engine.executeCql(cassandraKeyspaceStatement(this.keyspace, this.replication));
    for (const cql of cassandraOutboxStatements(this.keyspace)) engine.executeCql(cql);
  }

  /** The engine's clock when it is a {@link ManualClock} (to expire TTLs in tests). */
  get clock(): ManualClock | undefined {
    return this.engine.clock instanceof ManualClock ? this.engine.clock : undefined;
  }

  override statementsOf(model: EntityModel): EntityStatements {
    if (!this.ensured.has(model)) {
      for (const cql of buildCassandraSchema([model], { keyspace: this.keyspace, replication: this.replication })) {
        this.engine.executeCql(cql);
      }
      this.ensured.add(model);
    }
    return super.statementsOf(model);
  }

  /** Empties every table of the adapter's keyspace. */
  clear(): void {
    const ks = this.engine.keyspace(this.keyspace);
    if (!ks) return;
    for (const name of ks.tables.keys()) this.engine.tableStore(this.keyspace, name)?.truncate();
  }
}

/**
 * Creates an in-memory Cassandra adapter.
 *
 * @example
 * const clock = new ManualClock();
 * const cassandra = createMemoryCassandraAdapter({ keyspace: "streaming", clock });
 * const repos = createRepositories({ stores: { cassandra } });
 * clock.advanceSeconds(3600); // expire TTLs
 */
export function createMemoryCassandraAdapter(options: MemoryCassandraAdapterOptions = {}): MemoryCassandraAdapter {
  const engine = options.engine ?? new CassandraEngine(options.clock ? { clock: options.clock } : {});
  return new MemoryCassandraAdapter(engine, {
    keyspace: options.keyspace ?? "polyxena",
    ...(options.replication ? { replication: options.replication } : {}),
    ...(options.name ? { name: options.name } : {}),
    ...(options.outboxSettleMs !== undefined ? { outboxSettleMs: options.outboxSettleMs } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}
