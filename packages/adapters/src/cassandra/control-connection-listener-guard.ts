/**
 * A guard against a listener leak in cassandra-driver 4.x's control connection.
 *
 * When the control connection's host goes away and no pooled connection is
 * left, the driver's `_refresh` re-initialises the connection, which registers
 * the host's `down`/`ignore` and the connection's `socketClose` listeners, and
 * then `_refresh` registers them a second time for the same host and
 * connection. Only one set is removed on the next reconnect, so every such
 * reconnect leaves a set behind; a stale set that fires later starts a second,
 * concurrent refresh, which leaks again. Through a flapping network the host
 * collects listeners without bound (Node's MaxListenersExceededWarning is the
 * visible symptom).
 *
 * The guard keeps one set: a registration first removes whatever the previous
 * registration added that is still attached. The driver means to watch exactly
 * one control connection, and removes the previous set itself before it moves
 * to another. Clients without the private method (another driver version) are
 * left untouched.
 */
interface ListenerHost {
  rawListeners(event: string): Function[];
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
}

interface ControlConnectionInternals {
  _setHealthListeners?: (host: ListenerHost, connection: ListenerHost) => void;
}

type Registration = Array<{ emitter: ListenerHost; event: string; listener: Function }>;

const guarded = new WeakSet<object>();
const HOST_EVENTS = ["down", "ignore"] as const;
const CONNECTION_EVENTS = ["socketClose"] as const;

/** Installs the guard on a client's control connection once. */
export function guardControlConnectionListeners(client: object): void {
  const control = (client as { controlConnection?: ControlConnectionInternals & object }).controlConnection;
  if (control === undefined || guarded.has(control)) return;
  const register = control._setHealthListeners;
  if (typeof register !== "function") return;
  guarded.add(control);
  let previous: Registration = [];
  control._setHealthListeners = function guardedSetHealthListeners(this: unknown, host: ListenerHost, connection: ListenerHost): void {
    for (const { emitter, event, listener } of previous) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    const watched = [
      ...HOST_EVENTS.map((event) => ({ emitter: host, event })),
      ...CONNECTION_EVENTS.map((event) => ({ emitter: connection, event })),
    ];
    const before = watched.map(({ emitter, event }) => new Set(emitter.rawListeners(event)));
    register.call(this, host, connection);
    previous = watched.flatMap(({ emitter, event }, i) =>
      emitter.rawListeners(event).filter((listener) => !before[i]!.has(listener)).map((listener) => ({ emitter, event, listener })),
    );
  };
}
