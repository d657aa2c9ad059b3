/**
 * How a SQL store runs a transaction callback: one session held for it,
 * begin, the work, commit; rollback on any failure; a connection lost
 * before COMMIT reported as `E_UNAVAILABLE` with outcome `not-applied` (the
 * server rolled it back), one lost while COMMIT was in flight with outcome
 * `unknown`; errors of the work itself passed through unchanged; a session
 * whose connection broke (or whose ROLLBACK failed) never goes back to the pool.
 */
import { isPolyxenaError, PolyxenaError, type ErrorClass, type StoreTransaction } from "@polyxena/core";
import type { HeldSession } from "./sql-held-session.js";

/** The store-specific steps of {@link runSqlTransaction}. */
export interface SqlTransactionSteps<C> {
  /** Instance id in errors. */
  readonly store: string;
  /** The server's name in messages (`Postgres`, `the server`). */
  readonly server: string;
  /** What closes idle transactions on this server, for the fix of a lost one. */
  readonly idleTimeout: string;
  /** The statement that starts the transaction, named in errors of its start. */
  readonly begin: string;
  hold(): Promise<HeldSession<C>>;
  /** Starts the transaction (at its isolation level) on the held session. */
  start(session: C): Promise<unknown>;
  commit(session: C): Promise<unknown>;
  rollback(session: C): Promise<unknown>;
  /** The handle core passes back with every request of the transaction. */
  handle(session: C): StoreTransaction;
  classify(error: unknown): ErrorClass;
  /** Maps a driver error of `statement` to a Polyxena error. */
  mapError(error: unknown, statement: string, idempotent?: boolean): PolyxenaError;
}

/** Runs `work` in a transaction on one held session (see the module comment). */
export async function runSqlTransaction<C, T>(steps: SqlTransactionSteps<C>, work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
  const context = { store: steps.store, operation: "transaction" } as const;
  let held: HeldSession<C>;
  try {
    held = await steps.hold();
  } catch (error) {
    throw steps.mapError(error, steps.begin).withContext(context);
  }
  const session = held.session;
  const connectionBroken = (error: unknown): boolean =>
    isPolyxenaError(error) ? error.code === "E_UNAVAILABLE" && error.cause !== undefined && steps.classify(error.cause) === "unavailable" : steps.classify(error) === "unavailable";
  let phase: "begin" | "work" | "commit" = "begin";
  // Set when the session must not go back to the pool (its connection broke, or ROLLBACK failed).
  let broken: Error | undefined;
  try {
    await steps.start(session);
    phase = "work";
    const result = await work(steps.handle(session));
    phase = "commit";
    // The server rolls back a transaction whose connection closed before COMMIT.
    if (held.lost) throw transactionLost(steps, held.lost, "not-applied");
    await steps.commit(session);
    return result;
  } catch (error) {
    if (connectionBroken(error)) broken = error instanceof Error ? error : new Error(String(error));
    if (!held.lost && !broken) {
      await steps.rollback(session).catch((e: unknown) => {
        broken = e instanceof Error ? e : new Error(String(e));
      });
    }
    if (phase === "work") {
      // The connection died before COMMIT: whatever the work saw, the server rolled everything back.
      if (held.lost || connectionBroken(error)) throw transactionLost(steps, held.lost ?? error, "not-applied");
      // Errors of the work itself (the caller's, or already mapped) pass through unchanged.
      throw error;
    }
    if (isPolyxenaError(error)) throw error.withContext(context);
    // A connection lost while COMMIT was in flight: the transaction may or may not have committed.
    if (phase === "commit" && connectionBroken(error)) throw transactionLost(steps, error, "unknown");
    throw steps.mapError(error, phase === "begin" ? steps.begin : "COMMIT", false).withContext(context);
  } finally {
    held.release(broken);
  }
}

/** `E_UNAVAILABLE` for a transaction whose connection was lost, with what is known of its outcome. */
function transactionLost(steps: SqlTransactionSteps<unknown>, error: unknown, outcome: "not-applied" | "unknown"): PolyxenaError {
  const cause = isPolyxenaError(error) ? (error.cause ?? error) : error;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new PolyxenaError(
    "E_UNAVAILABLE",
    outcome === "unknown"
      ? `the transaction's connection was closed while COMMIT was in flight (${detail}); it may or may not have committed`
      : `the transaction's connection was closed before COMMIT (${detail}); ${steps.server} rolled the transaction back`,
    {
      store: steps.store,
      operation: "transaction",
      statement: "COMMIT",
      outcome,
      fix: `run the transaction again${outcome === "unknown" ? " (after checking whether it committed)" : ""}; keep the work between statements short (${steps.idleTimeout})`,
      cause,
    },
  );
}
