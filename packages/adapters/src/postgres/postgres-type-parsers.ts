/**
 * How the adapter reads `int8` and `numeric` columns, whatever driver sits
 * behind the port: the OIDs and the text parsers both `pg` and PGlite install.
 */

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** OID of `int8`. */
export const INT8_OID = 20;
/** OID of `numeric`. */
export const NUMERIC_OID = 1700;

/** int8: a number when it is a safe integer, a bigint otherwise (never a string). */
export function parseInt8(text: string): number | bigint {
  const value = BigInt(text);
  return value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value;
}

/** numeric: a bigint when integral (how bigint fields are stored), the exact text otherwise. */
export function parseNumeric(text: string): bigint | string {
  return /^-?\d+$/.test(text) ? BigInt(text) : text;
}

/**
 * The text parsers by OID that make raw rows match the generated Kysely
 * `Database` type: `int8` columns (int fields wider than int32) come back as
 * numbers, `numeric(39,0)` columns (bigint fields) as bigints.
 */
export const POLYXENA_TEXT_PARSERS: Readonly<Record<number, (text: string) => unknown>> = {
  [INT8_OID]: parseInt8,
  [NUMERIC_OID]: parseNumeric,
};
