import { PolyxenaError } from "./errors.js";
import type { SchemaChange } from "./store-adapter.js";

/**
 * The `E_DEFINITION` that `applySchema` throws, in every store, for changes it
 * will not make (destructive ones without `allowDestructive`, incompatible ones
 * always), listing each with its reason.
 */
export function refusedSchemaChanges(store: string, refused: readonly SchemaChange[]): PolyxenaError {
  const lines = refused.map((c) => `${c.kind}: ${c.statement.replace(/\s+/g, " ")} (${c.reason ?? "no reason given"})`);
  return new PolyxenaError("E_DEFINITION", `the schema change needs ${refused.length} change(s) that schema apply does not make:\n  ${lines.join("\n  ")}`, {
    store,
    operation: "applySchema",
    fix: refused.some((c) => c.kind === "destructive") ? "review them with polyxena schema plan; pass --allow-destructive to make the destructive ones" : "review them with polyxena schema plan",
  });
}
