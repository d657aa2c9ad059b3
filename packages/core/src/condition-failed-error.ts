import { PolyxenaError } from "./errors.js";
import type { StoredItem, WriteCondition } from "./store-adapter.js";

/** Where a failed condition was checked, in the store's own terms. */
export interface ConditionFailureContext {
  statement: string;
  /** The store's name for the condition (`IF NOT EXISTS`, a constraint name, ...). */
  constraint: string;
  /** How the store words a failed `notExists` (default: "<Entity> with this key already exists"). */
  alreadyExists?: string | undefined;
}

/**
 * `E_CONDITION_FAILED` for a write condition that did not hold, worded alike
 * for every store, with the stored item when it is known.
 */
export function conditionFailedError(entity: string, condition: WriteCondition, current: StoredItem | undefined, context: ConditionFailureContext): PolyxenaError {
  const why =
    condition.kind === "notExists"
      ? (context.alreadyExists ?? `${entity} with this key already exists`)
      : condition.kind === "version"
        ? current === undefined
          ? `no ${entity} with this key (expected version ${condition.expected})`
          : `stored version ${String(current[condition.field])} is not the expected ${condition.expected}`
        : `no ${entity} with this key`;
  return new PolyxenaError("E_CONDITION_FAILED", why, {
    statement: context.statement,
    current,
    constraint: context.constraint,
    fix:
      condition.kind === "version"
        ? "read the item again and retry with its current version"
        : condition.kind === "notExists"
          ? "update the existing item, or put without ifNotExists"
          : "create the item first",
  });
}
