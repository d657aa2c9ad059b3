/**
 * A driver session (pooled client or connection) checked out for a
 * transaction or a schema change, watched for its connection closing while
 * it is held. Drivers emit `error` when the server closes a held connection
 * (a kill, an idle timeout, a failover), even during a statement; with no
 * listener, that event takes the whole process down.
 */

/** A pooled session that emits `error` when its connection closes. */
export interface WatchedSession {
  on(event: "error", listener: (error: Error) => void): unknown;
  off(event: "error", listener: (error: Error) => void): unknown;
}

/** A session checked out of the pool, watched for the connection closing while it is held. */
export interface HeldSession<C> {
  readonly session: C;
  /** The error that closed the connection while it was held, if one did. */
  readonly lost: Error | undefined;
  /** Hands the session back; with an error (or when its connection was lost) its connection is discarded. */
  release(broken?: Error): void;
}

/**
 * Checks a session out with `acquire` and listens for its `error` event
 * until it is released; `giveBack` returns it to the pool, discarding its
 * connection when `broken` is set.
 */
export async function holdSession<C extends WatchedSession>(acquire: () => Promise<C>, giveBack: (session: C, broken: Error | undefined) => void): Promise<HeldSession<C>> {
  const session = await acquire();
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost ??= error;
  };
  session.on("error", onError);
  let released = false;
  return {
    session,
    get lost() {
      return lost;
    },
    release(broken?: Error) {
      if (released) return;
      released = true;
      session.off("error", onError);
      giveBack(session, lost ?? broken);
    },
  };
}
