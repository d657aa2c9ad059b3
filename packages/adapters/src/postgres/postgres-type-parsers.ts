import pg from "pg";

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** int8: a number when it is a safe integer, a bigint otherwise (never a string). */
function parseInt8(text: string): number | bigint {
  const value = BigInt(text);
  return value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value;
}

/** numeric: a bigint when integral (how bigint fields are stored), the exact text otherwise. */
function parseNumeric(text: string): bigint | string {
  return /^-?\d+$/.test(text) ? BigInt(text) : text;
}

/**
 * `pg` type parsers that make raw rows match the generated Kysely `Database`
 * type: `int8` columns (int fields wider than int32) come back as numbers,
 * `numeric(39,0)` columns (bigint fields) as bigints. The adapter installs
 * them on pools it creates; pass them to a pool you own:
 *
 * @example
 * const pool = new pg.Pool({ connectionString, types: polyxenaTypeParsers });
 */
export const polyxenaTypeParsers = {
  getTypeParser(oid: number, format?: "text" | "binary"): (value: string) => unknown {
    if (format !== "binary") {
      if (oid === pg.types.builtins.INT8) return parseInt8;
      if (oid === pg.types.builtins.NUMERIC) return parseNumeric;
    }
    return (pg.types.getTypeParser as (oid: number, format?: string) => (value: string) => unknown)(oid, format);
  },
};
