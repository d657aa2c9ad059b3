/** The isolation option of a SQL transaction, checked against the store's levels. */
import { PolyxenaError } from "@polyxena/core";

/**
 * Validates an isolation option against `levels` (lower case, words
 * separated by one space; `READ_COMMITTED` and `read-committed` are read as
 * `read committed`); `undefined` means the server's default.
 */
export function sqlIsolationLevel<L extends string>(levels: readonly L[], isolation: string | undefined, store: string): L | undefined {
  if (isolation === undefined) return undefined;
  const level = isolation.trim().toLowerCase().replace(/[_\s-]+/g, " ");
  if ((levels as readonly string[]).includes(level)) return level as L;
  throw new PolyxenaError("E_VALIDATION", `unknown isolation level ${JSON.stringify(isolation)}`, {
    operation: "transaction",
    store,
    issues: [{ path: ["isolation"], message: `use one of: ${levels.join(", ")}` }],
    fix: `use one of: ${levels.join(", ")}`,
  });
}
