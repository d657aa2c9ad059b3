/**
 * The handle of a Postgres transaction: one pooled client that runs every
 * statement of the transaction.
 */
import { PolyxenaError, type StoreTransaction } from "@polyxena/core";
import type { PoolClient } from "pg";

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
