/**
 * A readable listing of the native statement or request each repository
 * method sends. Codegen writes it to `statements.md`; each store's listing
 * lives in its folder (`stores/<kind>/<kind>-statements.ts`).
 */
import type { EntityModel } from "../entity-model.js";
import { storeDialect, storeSection, type StoreOptionsByKind } from "../stores/store-registry.js";
import type { StatementListingEntry } from "./statement-text.js";

/**
 * Where the entity's objects live, by store kind: the same option sections
 * as `polyxena.config.ts` (e.g. `{ cassandra: { keyspace }, postgres: { schema } }`).
 * Without a section, Cassandra tables are unqualified and Postgres tables in `public`.
 */
export type StatementListingOptions = StoreOptionsByKind;

/**
 * The statement each repository method of this entity sends to its store:
 * `get`, `getMany`, `put`, `update`, `delete`, then the declared queries in
 * declaration order, then one entry per unique constraint (and `search` for
 * stores with full-text search).
 */
export function listStatements(model: EntityModel, options: StatementListingOptions = {}): StatementListingEntry[] {
  const kind = model.store.kind;
  return storeDialect(kind).listStatements(model, storeSection(options, kind));
}
