/**
 * DynamoDB's wire values (`{S}`, `{N}`, `{B}`, `{SS}`, `{NS}`, `{BS}`, `{M}`,
 * `{L}`, `{BOOL}`, `{NULL}`) to the in-process engine's document form and
 * back, checked as DynamoDB checks them (one type per value, no empty set, no
 * duplicate in a set, `NULL` only `true`, numbers within 38 significant
 * digits and 1E-130..1E+126).
 *
 * Numbers: the engine holds a number as a JS number (exact integers and
 * doubles) or a bigint. Integers are exact up to DynamoDB's 38 digits (as
 * bigints past 2^53). A non-integer is kept as a double only when the
 * double reads back as the same decimal; one with more digits than a double
 * holds is refused with a `ValidationException` naming that limit, never
 * rounded (a divergence from DynamoDB, listed in the testkit README).
 */
import { engineError } from "@polyxena/memory";

/** A value in the engine's document form. */
export type DocumentValue = unknown;
/** An item or key in the engine's document form. */
export type DocumentItem = Record<string, DocumentValue>;

const NUMBER_TEXT = /^-?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;
const MAX_SIGNIFICANT_DIGITS = 38;
const MAX_EXPONENT = 125;
const MIN_EXPONENT = -130;
const TYPES = new Set(["S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"]);

/** A decimal as `digits × 10^scale`, `digits` without leading or trailing zeros ("" for zero). */
interface Decimal {
  negative: boolean;
  digits: string;
  scale: number;
}

function parseDecimal(text: string): Decimal | undefined {
  const match = NUMBER_TEXT.exec(text);
  if (!match) return undefined;
  const negative = text.startsWith("-");
  const mantissa = text.replace(/^-/, "").replace(/e.*$/i, "");
  const [whole = "", fraction = ""] = mantissa.split(".");
  let digits = whole + fraction;
  let scale = Number(match[3]?.slice(1) ?? 0) - fraction.length;
  const leading = /^0*/.exec(digits)![0].length;
  digits = digits.slice(leading);
  const trailing = /0*$/.exec(digits)![0].length;
  digits = digits.slice(0, digits.length - trailing);
  scale += trailing;
  return { negative: negative && digits !== "", digits, scale: digits === "" ? 0 : scale };
}

/** Plain decimal text (no exponent, no redundant zeros), as DynamoDB returns numbers. */
function formatDecimal({ negative, digits, scale }: Decimal): string {
  if (digits === "") return "0";
  let text: string;
  if (scale >= 0) text = digits + "0".repeat(scale);
  else if (digits.length > -scale) text = `${digits.slice(0, digits.length + scale)}.${digits.slice(digits.length + scale)}`;
  else text = `0.${"0".repeat(-scale - digits.length)}${digits}`;
  return negative ? `-${text}` : text;
}

/** DynamoDB's refusal of a number text, or undefined when DynamoDB stores it. */
export function numberTextError(text: unknown): string | undefined {
  if (typeof text !== "string" || text === "") return "The parameter cannot be converted to a numeric value";
  const decimal = parseDecimal(text);
  if (!decimal) return `The parameter cannot be converted to a numeric value: ${text}`;
  if (decimal.digits === "") return undefined;
  const exponent = decimal.digits.length - 1 + decimal.scale;
  if (exponent > MAX_EXPONENT) return "Number overflow. Attempting to store a number with magnitude larger than supported range";
  if (exponent < MIN_EXPONENT) return "Number underflow. Attempting to store a number with magnitude smaller than supported range";
  if (decimal.digits.length > MAX_SIGNIFICANT_DIGITS) return "Attempting to store more than 38 significant digits in a Number";
  return undefined;
}

/**
 * The engine value of a DynamoDB number text: a JS number when exact, a
 * bigint for a larger integer; a `ValidationException` for what DynamoDB
 * refuses and for a non-integer a double cannot hold exactly.
 */
export function numberFromText(text: unknown): number | bigint {
  const refusal = numberTextError(text);
  if (refusal) throw engineError("ValidationException", refusal);
  const decimal = parseDecimal(text as string)!;
  if (decimal.scale >= 0) {
    const integer = BigInt(formatDecimal(decimal));
    return integer >= BigInt(Number.MIN_SAFE_INTEGER) && integer <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(integer) : integer;
  }
  const double = Number(text);
  if (formatDecimal(parseDecimal(String(double))!) === formatDecimal(decimal)) return double;
  throw engineError(
    "ValidationException",
    `The number ${text} has ${decimal.digits.length} significant digits, more than this test server holds exactly in a non-integer: it keeps non-integers as IEEE-754 doubles (15 to 17 significant digits; DynamoDB keeps 38). Integers are exact up to 38 digits. Send fewer digits, or test this value against DynamoDB.`,
  );
}

/** The DynamoDB text of an engine number. */
export function numberToText(value: number | bigint | { value: string }): string {
  const text = typeof value === "object" ? value.value : String(value);
  return formatDecimal(parseDecimal(text)!);
}

function validation(message: string): Error {
  return engineError("ValidationException", message);
}

function serialization(message: string): Error {
  return engineError("SerializationException", message);
}

function base64(text: unknown): Uint8Array {
  if (typeof text !== "string") throw serialization("Base64 encoded binary value expected");
  return new Uint8Array(Buffer.from(text, "base64"));
}

function duplicateOf(values: readonly string[]): boolean {
  return new Set(values).size !== values.length;
}

/** One wire value in document form, checked as DynamoDB checks it. */
export function fromAttributeValue(value: unknown): DocumentValue {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw serialization("Unexpected value type in payload: an AttributeValue must be a JSON object");
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined);
  if (entries.length === 0) throw validation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  for (const [type, v] of entries) {
    if (!TYPES.has(type)) throw serialization(`Unknown AttributeValue type: ${type}`);
    if (type === "NULL" && v !== true) throw validation("One or more parameter values were invalid: Null attribute value types must have the value of true");
    if ((type === "SS" || type === "NS" || type === "BS" || type === "L") && !Array.isArray(v)) throw serialization(`Unexpected value type for ${type}: a list is expected`);
    if (type === "M" && (typeof v !== "object" || Array.isArray(v))) throw serialization("Unexpected value type for M: an object is expected");
    if (type === "SS" && (v as unknown[]).length === 0) throw validation("One or more parameter values were invalid: An string set  may not be empty");
    if (type === "NS" && (v as unknown[]).length === 0) throw validation("One or more parameter values were invalid: An number set  may not be empty");
    if (type === "BS" && (v as unknown[]).length === 0) throw validation("One or more parameter values were invalid: Binary sets should not be empty");
  }
  if (entries.length > 1) throw validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
  const [type, v] = entries[0]!;
  switch (type) {
    case "S":
      if (typeof v !== "string") throw serialization("Unexpected value type for S: a string is expected");
      return v;
    case "N":
      return numberFromText(v);
    case "B":
      return base64(v);
    case "BOOL":
      if (typeof v !== "boolean") throw serialization("Unexpected value type for BOOL: a boolean is expected");
      return v;
    case "NULL":
      return null;
    case "L":
      return (v as unknown[]).map(fromAttributeValue);
    case "M":
      return fromAttributeMap(v);
    case "SS": {
      const strings = v as unknown[];
      if (strings.some((s) => typeof s !== "string")) throw serialization("Unexpected value type for SS: strings are expected");
      if (duplicateOf(strings as string[])) throw validation(`One or more parameter values were invalid: Input collection [${strings.join(", ")}] contains duplicates.`);
      return new Set(strings);
    }
    case "NS": {
      const numbers = (v as unknown[]).map(numberFromText);
      if (duplicateOf(numbers.map(numberToText))) throw validation("Input collection contains duplicates");
      return new Set(numbers);
    }
    default: {
      const texts = v as unknown[];
      const bytes = texts.map(base64);
      if (duplicateOf(bytes.map((b) => Buffer.from(b).toString("base64")))) throw validation(`One or more parameter values were invalid: Input collection [${texts.join(", ")}]of type BS contains duplicates.`);
      return new Set(bytes);
    }
  }
}

/** A wire item, key or expression-value map in document form. */
export function fromAttributeMap(map: unknown): DocumentItem {
  if (typeof map !== "object" || map === null || Array.isArray(map)) throw serialization("Unexpected value type in payload: a map of AttributeValues is expected");
  const out: DocumentItem = {};
  for (const [name, value] of Object.entries(map as Record<string, unknown>)) out[name] = fromAttributeValue(value);
  return out;
}

/** An engine value as a wire value. */
export function toAttributeValue(value: DocumentValue): Record<string, unknown> {
  if (value === null) return { NULL: true };
  switch (typeof value) {
    case "string":
      return { S: value };
    case "number":
    case "bigint":
      return { N: numberToText(value) };
    case "boolean":
      return { BOOL: value };
    default:
      break;
  }
  if (value instanceof Uint8Array) return { B: Buffer.from(value).toString("base64") };
  if (Array.isArray(value)) return { L: value.map(toAttributeValue) };
  if (value instanceof Set) {
    const members = [...(value as Set<unknown>)];
    const first = members[0];
    if (typeof first === "string") return { SS: members };
    if (first instanceof Uint8Array) return { BS: members.map((b) => Buffer.from(b as Uint8Array).toString("base64")) };
    return { NS: members.map((n) => numberToText(n as number)) };
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) !== Object.prototype && typeof (value as { value?: unknown }).value === "string") {
    return { N: numberToText(value as { value: string }) };
  }
  return { M: toAttributeMap(value as DocumentItem) };
}

/** An engine item as a wire item (undefined attributes left out). */
export function toAttributeMap(item: DocumentItem): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) if (value !== undefined) out[name] = toAttributeValue(value);
  return out;
}
