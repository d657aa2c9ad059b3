import type { Term } from "./cql-ast.js";
import { invalid } from "./cql-error.js";
import { typeToString, type CqlType } from "./cql-types.js";
import {
  UNSET,
  dateStringToDays,
  normalizeValue,
  parseInet,
  serializeValue,
  type CqlValue,
  type Unset,
} from "./cql-values.js";
import { randomUuid, timeUuid } from "./uuid-gen.js";

/** What a term needs to turn into a value: the bound values and the current time. */
export interface BindContext {
  values: ReadonlyArray<CqlValue | Unset>;
  nowMillis: number;
}

const TIMESTAMP_RE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/** Parses the timestamp literal formats Cassandra accepts (e.g. `2024-01-02 03:04:05.678+0000`). */
export function parseTimestampLiteral(text: string): Date | undefined {
  if (/^-?\d+$/.test(text)) return new Date(Number(text));
  const m = TIMESTAMP_RE.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), Number((frac ?? "0").padEnd(3, "0").slice(0, 3)));
  if (tz && tz !== "Z") {
    const sign = tz.startsWith("-") ? -1 : 1;
    const digits = tz.slice(1).replace(":", "");
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function parseTimeLiteral(text: string): bigint | undefined {
  const m = /^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(text);
  if (!m) return undefined;
  const [, h, mi, s, frac] = m;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  return (BigInt(Number(h) * 3600 + Number(mi) * 60 + Number(s)) * 1_000_000_000n) + BigInt((frac ?? "0").padEnd(9, "0"));
}

function parseDecimal(text: string): CqlValue {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return null;
  const [, neg, intPart, fracPart = "", exp] = m;
  const digits = `${intPart}${fracPart}` || "0";
  let scale = fracPart.length - Number(exp ?? 0);
  let unscaled = BigInt(digits);
  if (scale < 0) {
    unscaled *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { unscaled: neg ? -unscaled : unscaled, scale };
}

function badConstant(term: Extract<Term, { kind: "literal" }>, type: CqlType, column: string): never {
  throw invalid(`Invalid ${term.literal} constant (${term.text}) for "${column}" of type ${typeToString(type)}`);
}

function literalValue(term: Extract<Term, { kind: "literal" }>, type: CqlType, column: string): CqlValue {
  if (term.literal === "NULL") return null;
  if (type.kind !== "native") return badConstant(term, type, column);
  const t = type.name;
  const text = term.text;
  switch (term.literal) {
    case "STRING":
      switch (t) {
        case "ascii":
        case "text":
          return text;
        case "timestamp": {
          const d = parseTimestampLiteral(text);
          if (!d) throw invalid(`Unable to coerce '${text}' to a formatted date (long)`);
          return d;
        }
        case "date": {
          const days = dateStringToDays(text);
          if (days === undefined) throw invalid(`Unable to coerce '${text}' to a formatted date (long)`);
          return days;
        }
        case "time": {
          const v = parseTimeLiteral(text);
          if (v === undefined) throw invalid(`Unable to coerce '${text}' to a formatted time (long)`);
          return v;
        }
        case "inet": {
          const v = parseInet(text);
          if (v === undefined) throw invalid(`Unable to make inet address from '${text}'`);
          return v;
        }
        default:
          return badConstant(term, type, column);
      }
    case "INTEGER":
      switch (t) {
        case "int":
        case "smallint":
        case "tinyint": {
          const bits = t === "int" ? 32 : t === "smallint" ? 16 : 8;
          const n = Number(text);
          if (n < -(2 ** (bits - 1)) || n >= 2 ** (bits - 1)) throw invalid(`Unable to make ${t === "int" ? "int" : t} from '${text}'`);
          return n;
        }
        case "bigint":
        case "counter": {
          const n = BigInt(text);
          if (BigInt.asIntN(64, n) !== n) throw invalid(`Unable to make long from '${text}'`);
          return n;
        }
        case "varint":
          return BigInt(text);
        case "double":
        case "float":
          return Number(text);
        case "decimal":
          return parseDecimal(text);
        case "timestamp":
          return new Date(Number(text));
        case "time":
          return BigInt(text);
        default:
          return badConstant(term, type, column);
      }
    case "FLOAT":
      if (t === "double" || t === "float") return Number(text);
      if (t === "decimal" && /\d/.test(text)) return parseDecimal(text);
      return badConstant(term, type, column);
    case "BOOLEAN":
      if (t === "boolean") return text === "true";
      return badConstant(term, type, column);
    case "UUID":
      if (t === "uuid" || t === "timeuuid") {
        if (t === "timeuuid" && text.charAt(14) !== "1") throw invalid(`Unsupported UUID version (${text.charAt(14)})`);
        return text;
      }
      return badConstant(term, type, column);
    case "HEX":
      if (t === "blob") {
        if (text.length % 2 !== 0) throw invalid(`Hex string is of odd length: ${text}`);
        return Uint8Array.from(Buffer.from(text, "hex"));
      }
      return badConstant(term, type, column);
  }
}

function functionValue(term: Extract<Term, { kind: "function" }>, type: CqlType, column: string, ctx: BindContext): CqlValue {
  const name = term.name.replace(/^system\./, "");
  const produced = (resultType: string, value: CqlValue): CqlValue => {
    if (typeToString(type) !== resultType && !(resultType === "timeuuid" && typeToString(type) === "uuid")) {
      throw invalid(`Type error: cannot assign result of function system.${name} (type ${resultType}) to ${column} (type ${typeToString(type)})`);
    }
    return value;
  };
  const isNow = (t: Term | undefined) => t?.kind === "function" && t.name === "now" && t.args.length === 0;
  if (name === "now" && term.args.length === 0) return produced("timeuuid", timeUuid(ctx.nowMillis));
  if (name === "uuid" && term.args.length === 0) return produced("uuid", randomUuid());
  if ((name === "currenttimestamp" && term.args.length === 0) || (name === "totimestamp" && isNow(term.args[0]))) {
    return produced("timestamp", new Date(ctx.nowMillis));
  }
  if ((name === "currentdate" && term.args.length === 0) || (name === "todate" && isNow(term.args[0]))) {
    return produced("date", Math.floor(ctx.nowMillis / 86_400_000));
  }
  throw invalid(`Unknown function '${term.name}'`);
}

/**
 * Turns a term into a value of `type` for `column`: reads the bound value of a
 * marker, or coerces a literal with Cassandra's rules and error messages.
 */
export function bindTerm(term: Term, type: CqlType, column: string, ctx: BindContext): CqlValue | Unset {
  switch (term.kind) {
    case "marker": {
      const v = ctx.values[term.index];
      if (v === undefined) throw invalid(`No value bound for marker ${term.index}`);
      if (v === UNSET) return UNSET;
      if (v === null) return null;
      serializeValue(type, v, column);
      return normalizeValue(type, v);
    }
    case "literal":
      return normalizeValue(type, literalValue(term, type, column));
    case "function":
      return functionValue(term, type, column, ctx);
    case "list":
      if (type.kind !== "list") throw invalid(`Invalid list literal for ${column} of type ${typeToString(type)}`);
      return term.items.map((item) => bindElement(item, type.element, column, ctx));
    case "set":
      if (type.kind !== "set") throw invalid(`Invalid set literal for ${column} of type ${typeToString(type)}`);
      return normalizeValue(type, term.items.map((item) => bindElement(item, type.element, column, ctx)));
    case "map": {
      if (term.entries.length === 0 && type.kind === "set") return [];
      if (type.kind !== "map") throw invalid(`Invalid map literal for ${column} of type ${typeToString(type)}`);
      const map = new Map<CqlValue, CqlValue>();
      for (const [k, v] of term.entries) map.set(bindElement(k, type.key, column, ctx), bindElement(v, type.value, column, ctx));
      return normalizeValue(type, map);
    }
  }
}

function bindElement(term: Term, type: CqlType, column: string, ctx: BindContext): CqlValue {
  const v = bindTerm(term, type, column, ctx);
  if (v === null || v === UNSET) throw invalid("null is not supported inside collections");
  return v;
}

/** Binds a term that must carry a value (primary key parts, WHERE values): null and unset are errors. */
export function bindRequired(term: Term, type: CqlType, column: string, ctx: BindContext, what = "condition"): CqlValue {
  const v = bindTerm(term, type, column, ctx);
  if (v === UNSET) throw invalid(`Invalid unset value for column ${column}`);
  if (v === null) throw invalid(`Invalid null value in ${what} for column ${column}`);
  return v;
}
