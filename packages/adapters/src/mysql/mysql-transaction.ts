/**
 * The handle of a MySQL transaction: one pooled connection that runs every
 * statement of the transaction, watched for the server closing it.
 */
import { PolyxenaError, type StoreTransaction } from "@polyxena/core";
import { holdSession, type HeldSession } from "../sql/sql-held-session.js";
import type { MysqlConnectionPort, MysqlPoolPort } from "./mysql-port.js";

/** The handle core passes back with every request of the transaction. */
export class MysqlTransactionHandle implements StoreTransaction {
  /**
   * Set when InnoDB rolled the whole transaction back (a deadlock): later
   * statements on the connection would run outside any transaction.
   */
  rolledBack: Error | undefined;

  constructor(
    readonly store: string,
    readonly connection: MysqlConnectionPort,
  ) {}
}

/** The connection of a transaction handle (core has checked it is this adapter's and still open). */
export function transactionConnection(handle: StoreTransaction): MysqlConnectionPort {
  const tx = handle as MysqlTransactionHandle;
  if (tx.rolledBack) {
    throw new PolyxenaError("E_CONDITION_FAILED", "InnoDB rolled this transaction back to break a deadlock; it runs no more statements", {
      store: tx.store,
      constraint: "deadlock",
      fix: "let the error end the transaction callback, then run the whole transaction again",
      cause: tx.rolledBack,
    });
  }
  return tx.connection;
}

/** A connection checked out of the pool, watched for the server closing it while it is held. */
export type HeldConnection = HeldSession<MysqlConnectionPort>;

/**
 * Checks a connection out of the pool, watched while it is held (KILL,
 * wait_timeout, a failover); one that broke, or whose session state is
 * unknown, is closed instead of returned.
 */
export function holdConnection(pool: MysqlPoolPort): Promise<HeldConnection> {
  return holdSession(
    () => pool.getConnection(),
    (connection, broken) => (broken ? connection.destroy() : connection.release()),
  );
}
