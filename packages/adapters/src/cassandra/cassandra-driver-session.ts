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

/** Converts a neutral value to what the driver encodes for a CQL type. */
function toDriver(type: string, value: NeutralValue): unknown {
  if (value === null) return null;
  if (type.startsWith("frozen<")) return toDriver(typeArguments(type)[0]!, value);
  if (type.startsWith("list<") || type.startsWith("set<")) {
    const element = typeArguments(type)[0]!;
    return (value as NeutralValue[]).map((v) => toDriver(element, v));
  }
  if (type.startsWith("map<")) {
    const valueType = typeArguments(type)[1]!;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, NeutralValue>)) out[k] = toDriver(valueType, v);
    return out;
  }
  switch (type) {
    case "bigint":
    case "counter":
      return types.Long.fromString(String(value));
    case "varint":
      return types.Integer.fromString(String(value));
    case "uuid":
      return types.Uuid.fromString(value as string);
    case "timeuuid":
      return types.TimeUuid.fromString(value as string);
    default:
      return value;
  }
}

/** Converts a value the driver decoded to a neutral value. */
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

function isSchemaStatement(cql: string): boolean {
  return /^\s*(CREATE|DROP|ALTER|TRUNCATE)\b/i.test(cql);
}

/** Runs CQL through a `cassandra-driver` client. */
export class DriverCqlSession implements CqlSession {
  /**
   * @param client a client (connected or not: the driver connects on first use)
   * @param ownsClient whether `close()` shuts the client down (only clients the adapter created)
   */
  constructor(
    readonly client: cassandra.Client,
    private readonly ownsClient: boolean,
  ) {}

  async execute(statement: CqlStatement, params: readonly NeutralValue[], options: CqlRequestOptions): Promise<CqlResult> {
    const values = params.map((p, i) => toDriver(statement.types[i] ?? "", p));
    const rs = await this.client.execute(statement.cql, values, {
      prepare: !isSchemaStatement(statement.cql),
      consistency: LEVELS[options.consistency],
      ...(options.serialConsistency ? { serialConsistency: LEVELS[options.serialConsistency] } : {}),
      isIdempotent: options.idempotent,
      ...(options.fetchSize !== undefined ? { fetchSize: options.fetchSize } : {}),
      ...(options.pageState !== undefined ? { pageState: options.pageState } : {}),
    });
    const columns = (rs.columns ?? []).map((c) => c.name);
    const rows = (rs.rows ?? []).map((row) => {
      const out: Record<string, NeutralValue> = {};
      for (const name of columns) out[name] = fromDriver(row.get(name));
      return out;
    });
    const applied = columns.includes("[applied]") ? rs.wasApplied() : undefined;
    return { rows, pageState: rs.pageState ?? undefined, applied };
  }

  async batch(items: ReadonlyArray<{ statement: CqlStatement; params: readonly NeutralValue[] }>, options: CqlRequestOptions): Promise<CqlResult> {
    const queries = items.map((item) => ({
      query: item.statement.cql,
      params: item.params.map((p, i) => toDriver(item.statement.types[i] ?? "", p)),
    }));
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
}
