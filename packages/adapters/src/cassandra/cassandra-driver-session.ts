/**
 * A {@link CqlSession} on the DataStax `cassandra-driver` client: every
 * statement with a bind marker is prepared (the driver keeps one prepared
 * statement per query string and re-prepares on Unprepared).
 */
import cassandra from "cassandra-driver";
import { guardControlConnectionListeners } from "./control-connection-listener-guard.js";
import type { CqlPage, CqlRequestOptions, CqlResult, CqlSession, CqlStatement, NeutralValue, RowReader } from "./cassandra-session.js";
import { ItemPageDecoder, NeutralRowDecoder, type DriverColumn } from "./driver-row-decoders.js";

const { types } = cassandra;

const LEVELS: Record<CqlRequestOptions["consistency"], number> = {
  ANY: types.consistencies.any,
  ONE: types.consistencies.one,
  TWO: types.consistencies.two,
  THREE: types.consistencies.three,
  QUORUM: types.consistencies.quorum,
  ALL: types.consistencies.all,
  LOCAL_QUORUM: types.consistencies.localQuorum,
  EACH_QUORUM: types.consistencies.eachQuorum,
  SERIAL: types.consistencies.serial,
  LOCAL_SERIAL: types.consistencies.localSerial,
  LOCAL_ONE: types.consistencies.localOne,
};

/** Splits `map<text, bigint>` into its parameter types. */
function typeArguments(type: string): string[] {
  const inner = type.slice(type.indexOf("<") + 1, type.lastIndexOf(">"));
  return inner.split(",").map((t) => t.trim());
}

/** Converts a neutral value to what the driver encodes for one CQL type (compiled once per bind marker). */
type ToDriver = (value: NeutralValue) => unknown;

const asIs: ToDriver = (value) => value;

/** The converter of a CQL type; values the driver takes as they are (uuid text included: the driver parses it) pass through. */
function toDriverFor(type: string): ToDriver {
  if (type.startsWith("frozen<")) return toDriverFor(typeArguments(type)[0]!);
  if (type.startsWith("list<") || type.startsWith("set<")) {
    const element = toDriverFor(typeArguments(type)[0]!);
    return (value) => (value === null ? null : (value as NeutralValue[]).map(element));
  }
  if (type.startsWith("map<")) {
    const valueOf = toDriverFor(typeArguments(type)[1]!);
    return (value) => {
      if (value === null) return null;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, NeutralValue>)) out[k] = valueOf(v);
      return out;
    };
  }
  switch (type) {
    case "bigint":
    case "counter":
      return (value) => (value === null ? null : types.Long.fromString(String(value)));
    case "varint":
      return (value) => (value === null ? null : types.Integer.fromString(String(value)));
    default:
      return asIs;
  }
}

/** What the session keeps per statement. */
interface CompiledStatement {
  /** Bind value converters, one per marker. */
  params: ToDriver[];
  /** Every converter passes its value through: the caller's array goes to the driver unchanged (the driver never mutates it). */
  paramsAsIs: boolean;
  /** Schema statements are not prepared. */
  prepare: boolean;
  /** Row decoder of the last result shape. */
  rows?: NeutralRowDecoder;
  /** Item decoder of the last result read through a reader. */
  page?: ItemPageDecoder;
}

function isSchemaStatement(cql: string): boolean {
  return /^\s*(CREATE|DROP|ALTER|TRUNCATE)\b/i.test(cql);
}

/** Runs CQL through a `cassandra-driver` client. */
export class DriverCqlSession implements CqlSession {
  /** Per statement: bind converters, whether it is prepared (schema statements are not), and its last result's row decoder. */
  private readonly compiled = new WeakMap<CqlStatement, CompiledStatement>();
  /** Driver query options per consistency / serial consistency / idempotence / prepare combination (never mutated by the driver). */
  private readonly queryOptions = new Map<string, cassandra.QueryOptions>();
  private readonly preparedOptions = new WeakMap<CqlRequestOptions, cassandra.QueryOptions>();
  private readonly unpreparedOptions = new WeakMap<CqlRequestOptions, cassandra.QueryOptions>();

  /**
   * @param client a client (connected or not: the driver connects on first use)
   * @param ownsClient whether `close()` shuts the client down (only clients the adapter created)
   */
  constructor(
    readonly client: cassandra.Client,
    private readonly ownsClient: boolean,
  ) {
    guardControlConnectionListeners(client);
  }

  async execute(statement: CqlStatement, params: readonly NeutralValue[], options: CqlRequestOptions): Promise<CqlResult> {
    const compiled = this.compile(statement);
    const rs = await this.send(statement, compiled, params, options);
    const columns = (rs.columns ?? []) as unknown as readonly DriverColumn[];
    let decoder = compiled.rows;
    if (!decoder?.fits(columns)) decoder = compiled.rows = new NeutralRowDecoder(columns);
    const rows = decoder.decode((rs.rows ?? []) as unknown as Array<Record<string, unknown>>);
    const applied = columns.length > 0 && columns[0]!.name === "[applied]" ? rs.wasApplied() : undefined;
    return { rows, pageState: rs.pageState ?? undefined, applied };
  }

  select<T>(
    statement: CqlStatement,
    params: readonly NeutralValue[],
    options: CqlRequestOptions,
    reader: RowReader,
    take: (page: CqlPage) => T,
    fail: (error: unknown) => never,
  ): Promise<T> {
    let sent: Promise<cassandra.types.ResultSet>;
    let compiled: CompiledStatement;
    try {
      compiled = this.compile(statement);
      sent = this.send(statement, compiled, params, options);
    } catch (error) {
      return Promise.reject(error).catch(fail);
    }
    return sent.then((rs) => take(this.page(rs, compiled, reader, params)), fail);
  }

  private page(rs: cassandra.types.ResultSet, compiled: CompiledStatement, reader: RowReader, params: readonly NeutralValue[]): CqlPage {
    const columns = (rs.columns ?? []) as unknown as readonly DriverColumn[];
    // The adapter reads each statement with one reader; a new reader or result shape compiles anew.
    let decoder = compiled.page;
    if (decoder?.reader !== reader || !decoder.fits(columns)) decoder = compiled.page = new ItemPageDecoder(reader, columns);
    const items = decoder.decode((rs.rows ?? []) as unknown as Array<Record<string, unknown>>, params);
    return { items, pageState: rs.pageState ?? undefined };
  }

  private send(statement: CqlStatement, compiled: CompiledStatement, params: readonly NeutralValue[], options: CqlRequestOptions): Promise<cassandra.types.ResultSet> {
    let values: readonly unknown[] = params;
    if (!compiled.paramsAsIs) {
      const converted = new Array<unknown>(params.length);
      for (let i = 0; i < params.length; i++) converted[i] = (compiled.params[i] ?? asIs)(params[i]!);
      values = converted;
    }
    return this.client.execute(statement.cql, values as unknown[], this.options(options, compiled.prepare));
  }

  async batch(items: ReadonlyArray<{ statement: CqlStatement; params: readonly NeutralValue[] }>, options: CqlRequestOptions): Promise<CqlResult> {
    const queries = items.map((item) => {
      const convert = this.compile(item.statement).params;
      return { query: item.statement.cql, params: item.params.map((p, i) => (convert[i] ?? asIs)(p)) };
    });
    const rs = await this.client.batch(queries, {
      prepare: true,
      logged: true,
      consistency: LEVELS[options.consistency],
      ...(options.serialConsistency ? { serialConsistency: LEVELS[options.serialConsistency] } : {}),
      isIdempotent: options.idempotent,
      ...(options.timestamp !== undefined ? { timestamp: types.Long.fromNumber(options.timestamp) } : {}),
    });
    const columns = (rs.columns ?? []).map((c) => c.name);
    return { rows: [], applied: columns.includes("[applied]") ? rs.wasApplied() : undefined };
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.client.shutdown();
  }

  private compile(statement: CqlStatement): CompiledStatement {
    let compiled = this.compiled.get(statement);
    if (!compiled) {
      const params = statement.types.map(toDriverFor);
      compiled = { params, paramsAsIs: params.every((p) => p === asIs), prepare: !isSchemaStatement(statement.cql) };
      this.compiled.set(statement, compiled);
    }
    return compiled;
  }

  private options(options: CqlRequestOptions, prepare: boolean): cassandra.QueryOptions {
    // The adapter reuses frozen options objects: look those up by identity first.
    const byIdentity = prepare ? this.preparedOptions : this.unpreparedOptions;
    const known = byIdentity.get(options);
    if (known) return known;
    let found = this.optionsByKey(options, prepare);
    if (options.fetchSize !== undefined || options.pageState !== undefined) {
      found = {
        ...found,
        ...(options.fetchSize !== undefined ? { fetchSize: options.fetchSize } : {}),
        ...(options.pageState !== undefined ? { pageState: options.pageState } : {}),
      };
    }
    if (Object.isFrozen(options)) byIdentity.set(options, found);
    return found;
  }

  private optionsByKey(options: CqlRequestOptions, prepare: boolean): cassandra.QueryOptions {
    const key = `${options.consistency}|${options.serialConsistency ?? ""}|${options.idempotent}|${prepare}`;
    let found = this.queryOptions.get(key);
    if (!found) {
      found = Object.freeze({
        prepare,
        consistency: LEVELS[options.consistency],
        ...(options.serialConsistency ? { serialConsistency: LEVELS[options.serialConsistency] } : {}),
        isIdempotent: options.idempotent,
      });
      this.queryOptions.set(key, found);
    }
    return found;
  }
}
