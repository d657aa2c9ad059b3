import type { ConsistencyLevelModel, StoreKind } from "./entity-model.js";
import { storeDialect, type NativeConsistency } from "./stores/store-registry.js";

/** A consistency level: portable (`eventual`/`strong`) or a store's native level (from the store registry). */
export type ConsistencyInput = "eventual" | "strong" | NativeConsistency;

/**
 * Resolves a consistency input for a store kind; `undefined` when the value
 * is not a level that store understands.
 */
export function resolveConsistency(kind: StoreKind, input: string): ConsistencyLevelModel | undefined {
  if (input === "eventual" || input === "strong") return { level: input };
  const native: Readonly<Record<string, "eventual" | "strong">> = storeDialect(kind).consistency.native;
  const level = Object.prototype.hasOwnProperty.call(native, input) ? native[input] : undefined;
  return level ? { level, native: input } : undefined;
}

/** The native levels a store kind accepts, for error messages. */
export function nativeLevels(kind: StoreKind): string[] {
  return Object.keys(storeDialect(kind).consistency.native);
}
