/**
 * Postgres transactions: one pooled client, `BEGIN ISOLATION LEVEL ...`,
 * `COMMIT`, and `ROLLBACK` when the work throws.
 */
import { PolyxenaError, type StoreTransaction } from "@polyxena/core";
import type { PoolClient } from "pg";

/** The isolation levels Postgres runs transactions at. */
export const POSTGRES_ISOLATION_LEVELS = ["read committed", "repeatable read", "serializable"] as const;

/** A Postgres isolation level. */
export type PostgresIsolationLevel = (typeof POSTGRES_ISOLATION_LEVELS)[number];

/** Validates an isolation option; `undefined` means the server default (read committed). */
export function isolationLevel(isolation: string | undefined, store: string): PostgresIsolationLevel | undefined {
  if (isolation === undefined) return undefined;
  const level = isolation.trim().toLowerCase().replace(/[_\s]+/g, " ");
  if ((POSTGRES_ISOLATION_LEVELS as readonly string[]).includes(level)) return level as PostgresIsolationLevel;
  throw new PolyxenaError("E_VALIDATION", `unknown isolation level ${JSON.stringify(isolation)}`, {
    operation: "transaction",
    store,
    issues: [{ path: ["isolation"], message: `use one of: ${POSTGRES_ISOLATION_LEVELS.join(", ")}` }],
    fix: `use one of: ${POSTGRES_ISOLATION_LEVELS.join(", ")}`,
  });
}

/** The handle core passes back with every request of the transaction. */
export class PostgresTransactionHandle implements StoreTransaction {
  /** Set once COMMIT or ROLLBACK was sent; later requests fail. */
  finished = false;

  constructor(
    readonly store: string,
    readonly owner: object,
    readonly client: PoolClient,
  ) {}
}

/** The client of a transaction handle, checking it belongs to `owner` and is still open. */
export function transactionClient(handle: StoreTransaction, owner: object, store: string): PoolClient {
  if (!(handle instanceof PostgresTransactionHandle) || handle.owner !== owner) {
    throw new PolyxenaError("E_UNSUPPORTED", `the transaction belongs to ${handle.store}, not ${store}`, {
      store,
      fix: "run operations of this store inside its own transaction",
    });
  }
  if (handle.finished) {
    throw new PolyxenaError("E_STORE", "the transaction has already finished", {
      store,
      fix: "await every operation inside the transaction callback before it returns",
    });
  }
  return handle.client;
}
