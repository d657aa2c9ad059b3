import { SearchEngineError } from "./search-engine-error.js";

/** The default format of `date` fields, as Elasticsearch names it in errors. */
export const DEFAULT_DATE_FORMAT = "strict_date_optional_time||epoch_millis";

const ISO_DATE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?)?)?$/;

/**
 * Parses `strict_date_optional_time` (`2024`, `2024-05`, `2024-05-01T10:00:00.123+02:00`, ...)
 * to epoch milliseconds; returns undefined when the text does not match or names an impossible date.
 */
export function parseIsoDate(text: string): number | undefined {
  const m = ISO_DATE.exec(text);
  if (!m) return undefined;
  const [, y, mo = "01", d = "01", h = "00", mi = "00", s = "00", frac = "", zone = "Z"] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = Number((frac + "000").slice(0, 3));
  let utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (year < 100) utc = new Date(utc).setUTCFullYear(year);
  const check = new Date(utc);
  if (check.getUTCDate() !== day) return undefined;
  if (zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || "0");
    utc -= sign * offset * 60_000;
  }
  return utc;
}

/** True when a dynamically mapped string looks like a date (Elasticsearch's `date_detection`). */
export function looksLikeDate(text: string): boolean {
  return /^\d{4}[-/]\d{2}[-/]\d{2}/.test(text) && parseIsoDate(text.replace(/\//g, "-")) !== undefined;
}

/** Parses a value of a `date` field (ISO string or epoch millis) or returns undefined. */
export function parseDateValue(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? Math.trunc(value) : undefined;
  if (typeof value !== "string") return undefined;
  const iso = parseIsoDate(value);
  if (iso !== undefined) return iso;
  if (/^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

const UNIT_MS: Record<string, number> = { w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, H: 3_600_000, m: 60_000, s: 1000 };

function addUnit(time: number, amount: number, unit: string): number {
  const date = new Date(time);
  if (unit === "y") return date.setUTCFullYear(date.getUTCFullYear() + amount);
  if (unit === "M") return date.setUTCMonth(date.getUTCMonth() + amount);
  const ms = UNIT_MS[unit];
  if (ms === undefined) throw new Error(`unit [${unit}] not supported for date math`);
  return time + amount * ms;
}

function roundTo(time: number, unit: string, up: boolean): number {
  const d = new Date(time);
  const parts = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
  const depth: Record<string, number> = { y: 1, M: 2, d: 3, h: 4, H: 4, m: 5, s: 6 };
  let start: number;
  let next: number;
  if (unit === "w") {
    const dayStart = Date.UTC(parts[0]!, parts[1]!, parts[2]!);
    const weekday = (new Date(dayStart).getUTCDay() + 6) % 7; // Monday-based weeks, as in Elasticsearch
    start = dayStart - weekday * 86_400_000;
    next = start + 7 * 86_400_000;
  } else {
    const keep = depth[unit];
    if (keep === undefined) throw new Error(`unit [${unit}] not supported for date math rounding`);
    const fields = parts.map((v, i) => (i < keep ? v : i === 2 ? 1 : 0));
    start = Date.UTC(fields[0]!, fields[1]!, fields[2]!, fields[3]!, fields[4]!, fields[5]!);
    next = addUnit(start, 1, unit);
  }
  return up ? next - 1 : start;
}

/**
 * Resolves a range bound of a date field: an ISO date, epoch millis, or date math
 * (`now-1d/d`, `2024-01-01||+1M`). `roundUp` follows Elasticsearch (true for `gt` and `lte`).
 */
export function resolveDateBound(value: unknown, now: number, roundUp: boolean, field: string): number {
  const fail = (detail: string) =>
    new SearchEngineError(400, "parse_exception", `failed to parse date field [${String(value)}] with format [${DEFAULT_DATE_FORMAT}]: [${detail}]`);
  if (typeof value === "number") return Math.trunc(value);
  if (typeof value !== "string") throw fail(`unsupported value for [${field}]`);
  let base: number | undefined;
  let math: string;
  if (value.startsWith("now")) {
    base = now;
    math = value.slice(3);
  } else {
    const sep = value.indexOf("||");
    const head = sep >= 0 ? value.slice(0, sep) : value;
    math = sep >= 0 ? value.slice(sep + 2) : "";
    base = parseDateValue(head);
    if (base === undefined) throw fail(`failed to parse date field [${head}] with format [${DEFAULT_DATE_FORMAT}]`);
  }
  let time = base;
  const re = /([+-])(\d+)([yMwdhHms])|\/([yMwdhHms])/y;
  let pos = 0;
  while (pos < math.length) {
    re.lastIndex = pos;
    const m = re.exec(math);
    if (!m) throw fail("invalid date math");
    try {
      time = m[4] ? roundTo(time, m[4], roundUp) : addUnit(time, (m[1] === "-" ? -1 : 1) * Number(m[2]), m[3]!);
    } catch (e) {
      throw fail((e as Error).message);
    }
    pos = re.lastIndex;
  }
  return time;
}

/** Formats epoch millis the way Elasticsearch echoes dates (ISO 8601, UTC). */
export function formatDate(millis: number): string {
  return new Date(millis).toISOString();
}
