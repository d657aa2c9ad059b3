/**
 * A {@link CqlSession} on the DataStax `cassandra-driver` client: every
 * statement with a bind marker is prepared (the driver keeps one prepared
 * statement per query string and re-prepares on Unprepared).
 */
import cassandra from "cassandra-driver";
import type { CqlRequestOptions, CqlResult, CqlSession, CqlStatement, NeutralValue } from "./cassandra-session.js";

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

/** The converter of a CQL type; scalars the driver takes as they are pass through. */
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
    case "uuid":
      return (value) => (value === null ? null : types.Uuid.fromString(value as string));
    case "timeuuid":
      return (value) => (value === null ? null : types.TimeUuid.fromString(value as string));
    default:
      return asIs;
  }
}

/** Converts a value the driver decoded to a neutral value (the fallback for column types without a compiled converter). */
function fromDriver(value: unknown): NeutralValue {
  if (value === null || value === undefined) return null;
  if (value instanceof types.Long || value instanceof types.Integer) return BigInt(value.toString());
  if (value instanceof types.Uuid || value instanceof types.BigDecimal || value instanceof types.LocalDate || value instanceof types.LocalTime || value instanceof types.InetAddress) {
    return value.toString();
  }
  if (value instanceof Date) return value;
  if (Buffer.isBuffer(value)) return value.toString("hex");
  if (Array.isArray(value)) return value.map(fromDriver);
  if (value instanceof Map) {
    const out: Record<string, NeutralValue> = {};
    for (const [k, v] of value) out[String(k)] = fromDriver(v);
    return out;
  }
  if (typeof value === "object") {
    const out: Record<string, NeutralValue> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = fromDriver(v);
    return out;
  }
  return value as NeutralValue;
}

type FromDriver = (value: unknown) => NeutralValue;

/** Column type as the driver reports it in result metadata. */
interface DriverColumnType {
  code: number;
  info?: unknown;
}

const { dataTypes } = types;
const plain: FromDriver = (value) => (value === undefined ? null : (value as NeutralValue));
const toText: FromDriver = (value) => (value === null || value === undefined ? null : String(value));
const longToBigInt: FromDriver = (value) => {
  if (value === null || value === undefined) return null;
  const long = value as cassandra.types.Long;
  return (BigInt(long.high) << 32n) | BigInt(long.low >>> 0);
};

/** The converter for one result column type, chosen once per statement instead of tested per cell. */
function fromDriverFor(type: DriverColumnType): FromDriver {
  switch (type.code) {
    case dataTypes.ascii:
    case dataTypes.text:
    case dataTypes.varchar:
    case dataTypes.boolean:
    case dataTypes.double:
    case dataTypes.float:
    case dataTypes.int:
    case dataTypes.smallint:
    case dataTypes.tinyint:
    case dataTypes.timestamp:
      return plain;
    case dataTypes.bigint:
    case dataTypes.counter:
      return longToBigInt;
    case dataTypes.uuid:
    case dataTypes.timeuuid:
    case dataTypes.decimal:
    case dataTypes.date:
    case dataTypes.time:
    case dataTypes.inet:
      return toText;
    case dataTypes.list:
    case dataTypes.set: {
      const element = fromDriverFor(type.info as DriverColumnType);
      return (value) => (value === null || value === undefined ? null : (value as unknown[]).map(element));
    }
    default:
      return fromDriver;
  }
}

/** Column names and converters of one statement's result, reused while the result metadata stays the same. */
interface RowShape {
  names: string[];
  codes: number[];
  convert: FromDriver[];
  /** Indexes of the columns whose driver values differ from neutral values. */
  converted: number[];
  /** Whether the result is a lightweight transaction's (`[applied]` column). */
  hasApplied: boolean;
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameShape(shape: RowShape, columns: ReadonlyArray<{ name: string; type: DriverColumnType }>): boolean {
  if (shape.names.length !== columns.length) return false;
  for (let i = 0; i < columns.length; i++) {
    if (shape.names[i] !== columns[i]!.name || shape.codes[i] !== columns[i]!.type.code) return false;
  }
  return true;
}

function isSchemaStatement(cql: string): boolean {
  return /^\s*(CREATE|DROP|ALTER|TRUNCATE)\b/i.test(cql);
}

/** Runs CQL through a `cassandra-driver` client. */
export class DriverCqlSession implements CqlSession {
  /** Per statement: bind converters and whether it is prepared (schema statements are not). */
  private readonly compiled = new WeakMap<CqlStatement, { params: ToDriver[]; prepare: boolean; shape?: RowShape }>();
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
  ) {}

  async execute(statement: CqlStatement, params: readonly NeutralValue[], options: CqlRequestOptions): Promise<CqlResult> {
    const compiled = this.compile(statement);
    const values = new Array<unknown>(params.length);
    for (let i = 0; i < params.length; i++) values[i] = (compiled.params[i] ?? asIs)(params[i]!);
    const rs = await this.client.execute(statement.cql, values, this.options(options, compiled.prepare));
    const columns = (rs.columns ?? []) as unknown as ReadonlyArray<{ name: string; type: DriverColumnType }>;
    let shape = compiled.shape;
    if (!shape || !sameShape(shape, columns)) {
      const convert = columns.map((c) => fromDriverFor(c.type));
      const converted = convert.flatMap((f, i) => (f === plain ? [] : [i]));
      const names = columns.map((c) => c.name);
      shape = { names, codes: columns.map((c) => c.type.code), convert, converted, hasApplied: names.includes("[applied]") };
      compiled.shape = shape;
    }
    const { names, convert, converted } = shape;
    // The driver's rows are ours alone: convert the cells that need it in place rather than copy every row.
    const rows = (rs.rows ?? []) as unknown as Array<Record<string, NeutralValue>>;
    for (const c of converted) {
      const name = names[c]!;
      const toNeutral = convert[c]!;
      if (shape.codes[c] === dataTypes.uuid || shape.codes[c] === dataTypes.timeuuid) {
        // Rows of one partition repeat its key: format each distinct UUID once.
        let last: cassandra.types.Uuid | undefined;
        let text: NeutralValue = null;
        for (const row of rows) {
          const value = row[name] as unknown as cassandra.types.Uuid | null;
          if (value && last && sameBytes(value.getBuffer(), last.getBuffer())) {
            row[name] = text;
          } else {
            row[name] = text = toNeutral(value);
            last = value ?? undefined;
          }
        }
      } else {
        for (const row of rows) row[name] = toNeutral(row[name]);
      }
    }
    const applied = shape.hasApplied ? rs.wasApplied() : undefined;
    return { rows, pageState: rs.pageState ?? undefined, applied };
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
    });
    const columns = (rs.columns ?? []).map((c) => c.name);
    return { rows: [], applied: columns.includes("[applied]") ? rs.wasApplied() : undefined };
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.client.shutdown();
  }

  private compile(statement: CqlStatement): { params: ToDriver[]; prepare: boolean; shape?: RowShape } {
    let compiled = this.compiled.get(statement);
    if (!compiled) {
      compiled = { params: statement.types.map(toDriverFor), prepare: !isSchemaStatement(statement.cql) };
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
