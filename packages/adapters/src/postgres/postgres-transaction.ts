/**
 * The handle of a Postgres transaction: one session of the port that runs
 * every statement of the transaction.
 */
import type { StoreTransaction } from "@polyxena/core";
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
export interface HeldClient {
  readonly client: PostgresSession;
  /** The error that closed the connection while it was held, if one did. */
  readonly lost: Error | undefined;
  /** Returns the client to the pool, or destroys it when its connection broke. */
  release(error?: Error): void;
}

/**
 * Checks a session out of the port with an `error` listener for as long as it is
 * held. pg-pool removes its own listener from a checked-out client, and `pg`
 * emits `error` whenever the connection closes (pg_terminate_backend,
 * idle_in_transaction_session_timeout, a failover), even during a query: with
 * no listener, that event takes the whole process down.
 */
export async function holdClient(port: PostgresPort): Promise<HeldClient> {
  const client = await port.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost ??= error;
  };
  client.on("error", onError);
  let released = false;
  return {
    client,
    get lost() {
      return lost;
    },
    release(error?: Error) {
      if (released) return;
      released = true;
      client.off("error", onError);
      client.release(lost ?? error);
    },
  };
}
