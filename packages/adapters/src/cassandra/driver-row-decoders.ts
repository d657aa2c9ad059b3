/**
 * Rows as `cassandra-driver` decodes them, turned into neutral rows (for
 * statements without a reader) or straight into items (for entity reads).
 * Decoders are compiled once per result shape; type dispatch never happens
 * per cell.
 */
import cassandra from "cassandra-driver";
import type { CqlPage, NeutralValue, ReaderColumn, RowReader } from "./cassandra-session.js";

const { types } = cassandra;
const { dataTypes } = types;

/** Column metadata as the driver reports it in a result. */
export interface DriverColumn {
  name: string;
  type: { code: number; info?: unknown };
}

type DriverRow = Record<string, unknown>;
type FromDriver = (value: unknown) => NeutralValue;

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

const plain: FromDriver = (value) => (value === undefined ? null : (value as NeutralValue));
const toText: FromDriver = (value) => (value === null || value === undefined ? null : String(value));
const longToBigInt: FromDriver = (value) => {
  if (value === null || value === undefined) return null;
  const long = value as cassandra.types.Long;
  return (BigInt(long.high) << 32n) | BigInt(long.low >>> 0);
};

/** The converter for one result column type, chosen once per result shape instead of tested per cell. */
function fromDriverFor(type: DriverColumn["type"]): FromDriver {
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
      const element = fromDriverFor(type.info as DriverColumn["type"]);
      return (value) => (value === null || value === undefined ? null : (value as unknown[]).map(element));
    }
    default:
      return fromDriver;
  }
}

function isUuid(type: DriverColumn["type"]): boolean {
  return type.code === dataTypes.uuid || type.code === dataTypes.timeuuid;
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether a result's columns are those a decoder was compiled for. */
function sameColumns(known: readonly DriverColumn[], columns: readonly DriverColumn[]): boolean {
  if (known === columns) return true;
  if (known.length !== columns.length) return false;
  for (let i = 0; i < columns.length; i++) {
    if (known[i]!.name !== columns[i]!.name || known[i]!.type.code !== columns[i]!.type.code) return false;
  }
  return true;
}

/**
 * Rewrites driver rows in place into neutral rows (the driver's rows are the
 * caller's alone, so no copy is needed). Compiled per result shape.
 */
export class NeutralRowDecoder {
  private readonly convert: Array<{ name: string; toNeutral: FromDriver; uuid: boolean }>;

  constructor(readonly columns: readonly DriverColumn[]) {
    this.convert = columns.flatMap((c) => {
      const toNeutral = fromDriverFor(c.type);
      return toNeutral === plain ? [] : [{ name: c.name, toNeutral, uuid: isUuid(c.type) }];
    });
  }

  /** Whether this decoder fits a result with these columns. */
  fits(columns: readonly DriverColumn[]): boolean {
    return sameColumns(this.columns, columns);
  }

  decode(rows: DriverRow[]): Array<Record<string, NeutralValue>> {
    for (const { name, toNeutral, uuid } of this.convert) {
      if (!uuid) {
        for (const row of rows) row[name] = toNeutral(row[name]);
        continue;
      }
      // Rows of one partition repeat its key: format each distinct UUID once.
      let last: Buffer | undefined;
      let text: NeutralValue = null;
      for (const row of rows) {
        const value = row[name] as cassandra.types.Uuid | null;
        const bytes = value ? value.getBuffer() : undefined;
        if (bytes && last && sameBytes(bytes, last)) {
          row[name] = text;
        } else {
          row[name] = text = toNeutral(value);
          last = bytes;
        }
      }
    }
    return rows as Array<Record<string, NeutralValue>>;
  }
}

type PageDecoder = (rows: DriverRow[], params: readonly NeutralValue[]) => CqlPage["items"];

/** A UUID as the driver formats it (lowercase, dashed), so a bound value can stand in for the decoded one. */
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function isCanonicalUuid(value: unknown): value is string {
  return typeof value === "string" && CANONICAL_UUID.test(value);
}

/** JavaScript that reads one reader column of `row` into `v<i>` (see {@link ItemPageDecoder}); `undefined` means "leave the field out". */
function columnCode(c: ReaderColumn, i: number, type: DriverColumn["type"] | undefined, hoisted: boolean): string {
  const cell = `row[${JSON.stringify(c.column)}]`;
  const v = `v${i}`;
  if (hoisted) return `${v} = k${i};`;
  if (type && fromDriverFor(type) === plain && c.neutralIsDomain) {
    return `${v} = ${cell};\nif (${v} === null || ${v} === undefined) ${v} = dec[${i}](null);`;
  }
  if (type && isUuid(type) && c.neutralIsDomain) {
    return [
      `${v} = ${cell};`,
      `if (${v} === null || ${v} === undefined) ${v} = dec[${i}](null);`,
      `else { b = ${v}.getBuffer(); if (lb${i} !== null && same(b, lb${i})) ${v} = lt${i}; else { lb${i} = b; ${v} = lt${i} = dec[${i}](${v}.toString()); } }`,
    ].join("\n");
  }
  return `${v} = ${cell};\n${v} = dec[${i}](${v} === null || ${v} === undefined ? null : conv[${i}](${v}));`;
}

/**
 * Decodes driver rows straight into items in one pass, for one reader and
 * result shape: the driver-to-neutral and neutral-to-field conversions are
 * fused into generated code with constant property names (monomorphic loads
 * and stores). A UUID column bound by equality takes the bound value (or is
 * formatted once per page); other UUID columns are formatted once per run of
 * equal values. Where code
 * generation is disabled, rows are neutralized and then decoded by the reader.
 */
export class ItemPageDecoder {
  readonly decode: PageDecoder;

  /**
   * @param generate whether to generate code (default); `false` takes the
   *   path used where code generation is disabled
   */
  constructor(
    readonly reader: RowReader,
    readonly columns: readonly DriverColumn[],
    generate = true,
  ) {
    const typeOf = new Map(columns.map((c) => [c.name, c.type]));
    const types = reader.columns.map((c) => typeOf.get(c.column));
    const hoisted = reader.columns.map((c, i) => c.boundParam !== undefined && c.neutralIsDomain && types[i] !== undefined && isUuid(types[i]!));
    const conv = types.map((t) => (t ? fromDriverFor(t) : plain));
    const dec = reader.columns.map((c) => c.decode);
    const body = [
      "return function decodePage(rows, params) {",
      "const n = rows.length;",
      "const items = new Array(n);",
      "let v, b;",
      ...reader.columns.map((c, i) =>
        hoisted[i]
          ? [
              `let k${i};`,
              // The bound value itself when it is already in the driver's format (formatting a Uuid costs more than the test).
              `if (n > 0) { v = params[${c.boundParam}]; if (!canonical(v)) { v = rows[0][${JSON.stringify(c.column)}]; v = v === null || v === undefined ? null : v.toString(); } k${i} = dec[${i}](v); }`,
            ].join("\n")
          : types[i] !== undefined && isUuid(types[i]!) && c.neutralIsDomain
            ? `let lb${i} = null, lt${i};`
            : "",
      ),
      `let ${reader.columns.map((_, i) => `v${i}`).join(", ")};`,
      "for (let r = 0; r < n; r++) {",
      "const row = rows[r];",
      ...reader.columns.map((c, i) => columnCode(c, i, types[i], hoisted[i]!)),
      // Every field present (the usual case): one literal, one shape. Otherwise only the present fields.
      `if (${reader.columns.map((_, i) => `v${i} !== undefined`).join(" && ") || "true"}) items[r] = { ${reader.columns.map((c, i) => `${JSON.stringify(c.field)}: v${i}`).join(", ")} };`,
      "else {",
      "const item = {};",
      ...reader.columns.map((c, i) => `if (v${i} !== undefined) item[${JSON.stringify(c.field)}] = v${i};`),
      "items[r] = item;",
      "}",
      "}",
      "return items;",
      "};",
    ].join("\n");
    let decode: PageDecoder | undefined;
    try {
      if (generate) decode = (new Function("conv", "dec", "same", "canonical", body) as (...args: unknown[]) => PageDecoder)(conv, dec, sameBytes, isCanonicalUuid);
    } catch {
      decode = undefined;
    }
    if (!decode) {
      const neutral = new NeutralRowDecoder(columns);
      decode = (rows) => neutral.decode(rows).map(reader.decode);
    }
    this.decode = decode;
  }

  /** Whether this decoder fits a result with these columns. */
  fits(columns: readonly DriverColumn[]): boolean {
    return sameColumns(this.columns, columns);
  }
}
