import type { EntityModel, UniqueConstraintModel } from "./entity-model.js";
import { PolyxenaError } from "./errors.js";

/** Where a unique constraint was found taken, in the store's own terms. */
export interface UniqueViolationContext {
  store?: string | undefined;
  statement?: string | undefined;
  cause?: unknown;
}

/**
 * `E_ALREADY_EXISTS` for a write whose values of a unique constraint another
 * item already holds, worded alike for every store: it names the constraint
 * and its fields, and `constraint` carries the constraint name.
 */
export function uniqueViolationError(model: EntityModel, constraint: UniqueConstraintModel, context: UniqueViolationContext = {}): PolyxenaError {
  return new PolyxenaError("E_ALREADY_EXISTS", `another ${model.name} already holds these values of unique constraint ${constraint.name} (${constraint.fields.join(", ")})`, {
    entity: model.name,
    store: context.store,
    statement: context.statement,
    path: constraint.fields.join(","),
    constraint: constraint.name,
    fix: `choose other values for ${constraint.fields.join(", ")}, or change the item that holds them first`,
    cause: context.cause,
  });
}

/** The unique constraints of `model` whose values all are present in `item` (absent or null claims nothing). */
export function claimedConstraints(model: EntityModel, item: Readonly<Record<string, unknown>>): UniqueConstraintModel[] {
  return model.unique.filter((c) => c.fields.every((f) => item[f] !== undefined && item[f] !== null));
}
