/**
 * The handle of a MySQL transaction: one pooled connection that runs every
 * statement of the transaction, watched for the server closing it.
 */
import { PolyxenaError, type StoreTransaction } from "@polyxena/core";
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
export interface HeldConnection {
  readonly connection: MysqlConnectionPort;
  /** The error that closed the connection while it was held, if one did. */
  readonly lost: Error | undefined;
  /** Returns the connection to the pool, or closes it when it broke or its session state is unknown. */
  release(broken?: Error): void;
}

/**
 * Checks a connection out of the pool with an `error` listener for as long
 * as it is held: the server closing it (KILL, wait_timeout, a failover) is
 * recorded, never an unhandled `error` event that takes the process down.
 */
export async function holdConnection(pool: MysqlPoolPort): Promise<HeldConnection> {
  const connection = await pool.getConnection();
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost ??= error;
  };
  connection.on("error", onError);
  let released = false;
  return {
    connection,
    get lost() {
      return lost;
    },
    release(broken?: Error) {
      if (released) return;
      released = true;
      connection.off("error", onError);
      if (lost ?? broken) connection.destroy();
      else connection.release();
    },
  };
}
