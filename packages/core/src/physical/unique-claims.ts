/**
 * Unique-constraint claims for stores without a UNIQUE index (DynamoDB,
 * Cassandra): one claim row per constraint and value, holding the key of
 * the item that owns it. The claim id and owner text are the same in every
 * store, so a claim written by one adapter version is read by the next.
 */
import { createHash } from "node:crypto";
import type { EntityModel, UniqueConstraintModel } from "../entity-model.js";
import { toJsonValue } from "../field-json.js";

/** One claim an item makes: its constraint and the claim id (constraint name + values). */
export interface UniqueClaim {
  constraint: UniqueConstraintModel;
  /** `<constraint>#<values as JSON>`: the claim row's key. */
  claim: string;
}

/** What a write changes in the claims of one item. */
export interface UniqueClaimPlan {
  /** Claims the written item makes that the item did not hold before. */
  take: UniqueClaim[];
  /** Claims the item held before and gives up. */
  release: UniqueClaim[];
  /** Claims the item holds before and after (unchanged values). */
  keep: UniqueClaim[];
}

/** Longest Cassandra table name. */
const MAX_TABLE = 48;

/**
 * Name of the table holding an entity's claims: `<table>_unique`, shortened
 * with a hash of the table name when it would pass Cassandra's 48 characters.
 */
export function uniqueClaimTable(model: EntityModel): string {
  const name = `${model.table}_unique`;
  if (name.length <= MAX_TABLE) return name;
  const hash = createHash("sha256").update(model.table).digest("hex").slice(0, 8);
  return `${model.table.slice(0, MAX_TABLE - 16)}_${hash}_unique`;
}

/** The claim of `constraint` for `item`, or undefined when one of its fields is absent or null. */
export function uniqueClaimOf(model: EntityModel, constraint: UniqueConstraintModel, item: Readonly<Record<string, unknown>>): UniqueClaim | undefined {
  const values: unknown[] = [];
  for (const name of constraint.fields) {
    const value = item[name];
    if (value === undefined || value === null) return undefined;
    const field = model.fields.find((f) => f.name === name);
    // A UUID is one value whatever the case of its hex digits.
    values.push(field?.type === "uuid" && typeof value === "string" ? value.toLowerCase() : toJsonValue(field, value));
  }
  return { constraint, claim: `${constraint.name}#${JSON.stringify(values)}` };
}

/** The owner text of a claim: the item's key values as JSON, in key order. */
export function uniqueClaimOwner(model: EntityModel, key: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(model.key.fields.map((name) => toJsonValue(model.fields.find((f) => f.name === name), key[name])));
}

/**
 * The claims a write takes, releases and keeps, from the item before the
 * write (undefined: absent) and after it (undefined: deleted).
 */
export function planUniqueClaims(model: EntityModel, before: Readonly<Record<string, unknown>> | undefined, after: Readonly<Record<string, unknown>> | undefined): UniqueClaimPlan {
  const plan: UniqueClaimPlan = { take: [], release: [], keep: [] };
  for (const constraint of model.unique) {
    const old = before && uniqueClaimOf(model, constraint, before);
    const next = after && uniqueClaimOf(model, constraint, after);
    if (old && next && old.claim === next.claim) {
      plan.keep.push(next);
      continue;
    }
    if (next) plan.take.push(next);
    if (old) plan.release.push(old);
  }
  return plan;
}

/** The fields of every unique constraint of `model`, each once. */
export function uniqueFields(model: EntityModel): string[] {
  return [...new Set(model.unique.flatMap((c) => c.fields))];
}
