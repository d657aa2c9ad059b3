/**
 * Identifier and literal quoting shared by the CQL and SQL builders.
 */

/** Double-quotes an identifier (`profile_id` -> `"profile_id"`), doubling embedded quotes. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Single-quotes a string literal, doubling embedded quotes (CQL and SQL rule). */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** `"schema"."table"`, or just `"table"` when no qualifier is given. */
export function qualifiedName(qualifier: string | undefined, name: string): string {
  return qualifier ? `${quoteIdent(qualifier)}.${quoteIdent(name)}` : quoteIdent(name);
}
