/**
 * The handle of a Postgres transaction: one session of the port that runs
 * every statement of the transaction.
 */
import type { StoreTransaction } from "@polyxena/core";
import { holdSession, type HeldSession } from "../sql/sql-held-session.js";
import type { PostgresPort, PostgresSession } from "./postgres-port.js";

/** The handle core passes back with every request of the transaction. */
export class PostgresTransactionHandle implements StoreTransaction {
  constructor(
    readonly store: string,
    readonly client: PostgresSession,
  ) {}
}

/** The session of a transaction handle (core has checked it is this adapter's and still open). */
export function transactionClient(handle: StoreTransaction): PostgresSession {
  return (handle as PostgresTransactionHandle).client;
}

/** A session checked out of the port, watched for the connection closing while it is held. */
export type HeldClient = HeldSession<PostgresSession>;

/**
 * Checks a session out of the port, watched while it is held. pg-pool
 * removes its own `error` listener from a checked-out client, and `pg`
 * emits `error` whenever the connection closes (pg_terminate_backend,
 * idle_in_transaction_session_timeout, a failover), even during a query.
 */
export function holdClient(port: PostgresPort): Promise<HeldClient> {
  return holdSession(
    () => port.connect(),
    (client, broken) => client.release(broken),
  );
}
