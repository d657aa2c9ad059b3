/**
 * Request handling every SQL adapter does the same way around its own
 * statements: the fields an update may change, rows of a multi-key read in
 * request order, a keyset page and its position, a call aborted before it
 * was sent, and the error of a conditional write that changed no row.
 */
import {
  conditionFailedError,
  PolyxenaError,
  type EntityModel,
  type KeyValues,
  type StoredItem,
  type StorePage,
  type StoreRequestBase,
  type UpdateRequest,
  type WriteCondition,
} from "@polyxena/core";
import type { SqlEntityStatements } from "./sql-entity-statements.js";
import { encodePosition, type OrderingColumn } from "./sql-ordering.js";

/**
 * The fields an update changes, sorted by name, and their encoded values
 * followed by the key and the expected version: the parameters of
 * {@link SqlEntityStatements.update}. `E_VALIDATION` for an update of
 * nothing, of a key field or of a field the entity does not have.
 */
export function updateParameters<S>(request: UpdateRequest, s: SqlEntityStatements<S>, store: string): { changed: string[]; values: unknown[] } {
  const changed = Object.keys(request.changes).sort();
  const unknown = changed.filter((name) => !s.fieldByName.has(name) || s.model.key.partition.includes(name));
  if (changed.length === 0 && !request.incrementVersion) {
    throw new PolyxenaError("E_VALIDATION", "no fields to change", { store, issues: [{ path: ["changes"], message: "no fields to change" }] });
  }
  if (unknown.length) {
    throw new PolyxenaError("E_VALIDATION", `cannot update ${unknown.join(", ")}`, {
      store,
      issues: unknown.map((name) => ({ path: ["changes", name], message: "not an updatable field" })),
    });
  }
  const values: unknown[] = changed.map((name) => s.encode(s.fieldByName.get(name)!, request.changes[name]));
  values.push(...s.keyValues(request.key));
  if (request.condition.kind === "version") values.push(request.condition.expected);
  return { changed, values };
}

/** The items found by a multi-key read, in request order; a key asked for twice gets its own copy. */
export function inRequestOrder(keys: readonly KeyValues[], found: readonly StoredItem[], keyString: (key: KeyValues) => string): (StoredItem | undefined)[] {
  const byKey = new Map<string, StoredItem>();
  for (const item of found) byKey.set(keyString(item), item);
  const seen = new Set<string>();
  return keys.map((key) => {
    const k = keyString(key);
    const item = byKey.get(k);
    if (item === undefined) return undefined;
    if (seen.has(k)) return structuredClone(item);
    seen.add(k);
    return item;
  });
}

/** The page of a keyset query that read one row more than `limit`, with the position of its last item when there are more. */
export function keysetPage(rows: readonly (readonly unknown[])[], limit: number, decode: (row: readonly unknown[]) => StoredItem, ordering: readonly OrderingColumn[]): StorePage {
  const more = rows.length > limit;
  const items = (more ? rows.slice(0, limit) : rows).map(decode);
  const last = items[items.length - 1];
  return more && last ? { items, position: encodePosition(ordering, last) } : { items };
}

/** `E_TIMEOUT` (not applied) when the request was aborted before its statement was sent. */
export function assertNotAborted(request: StoreRequestBase, statement: string): void {
  if (request.signal?.aborted) {
    throw new PolyxenaError("E_TIMEOUT", "the call was aborted before it was sent", { statement, outcome: "not-applied", cause: request.signal.reason });
  }
}

/**
 * `E_CONDITION_FAILED` for a conditional write that changed no row, with the
 * current row when `readCurrent` finds it; `primaryKey` is the store's name
 * for the key's constraint and its duplicate-key message.
 */
export async function conditionFailure(
  model: EntityModel,
  condition: WriteCondition,
  statement: string,
  readCurrent: () => Promise<StoredItem | undefined>,
  primaryKey: { constraint: string; alreadyExists: string },
): Promise<PolyxenaError> {
  const current = await readCurrent().catch(() => undefined);
  return conditionFailedError(model.name, condition, current, {
    statement,
    constraint: condition.kind === "notExists" ? primaryKey.constraint : condition.kind,
    alreadyExists: primaryKey.alreadyExists,
  });
}
