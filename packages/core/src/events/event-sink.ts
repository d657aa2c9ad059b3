/**
 * Sinks receive change events from the outbox relay. A sink gets a batch of
 * events of several keys, each key's events in version order, and answers
 * one outcome per event. It must never deliver a key's event after an
 * earlier event of the same key answered `retry` in the same batch (the
 * relay redelivers from that event on), which {@link deliverPerKey} does.
 */
import { isPolyxenaError } from "../errors.js";
import type { ChangeEvent } from "./change-event.js";

/** What became of one event at one sink. */
export type DeliveryOutcome =
  | { readonly status: "ok" }
  /** Refused for good (bad input): recorded as a dead letter with the error, the key moves on. */
  | { readonly status: "dead-letter"; readonly error: unknown }
  /** Failed for now (store or broker down): redelivered later, the key's later events wait. */
  | { readonly status: "retry"; readonly error: unknown };

/** A destination of change events (Kafka, the projection applier, an in-process handler). */
export interface EventSink {
  /** Name in metrics and dead letters, e.g. `kafka` or `projections`. */
  readonly name: string;
  deliver(events: readonly ChangeEvent[]): Promise<DeliveryOutcome[]>;
}

const OK: DeliveryOutcome = Object.freeze({ status: "ok" });

/** An error that marks an event as undeliverable for good (dead letter) rather than for now. */
export class PermanentDeliveryError extends Error {
  readonly permanent = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PermanentDeliveryError";
  }
}

/** Whether a delivery error is permanent: bad input (validation, definition, unsupported) rather than an outage. */
export function isPermanentDeliveryError(error: unknown): boolean {
  if ((error as { permanent?: unknown } | null)?.permanent === true) return true;
  return isPolyxenaError(error, "E_VALIDATION") || isPolyxenaError(error, "E_DEFINITION") || isPolyxenaError(error, "E_UNSUPPORTED");
}

/**
 * Delivers events one at a time per key (keys in parallel, at most
 * `concurrency` at once) through `handle`: a permanent error dead-letters
 * the event and the key moves on; any other error stops the key (its later
 * events answer `retry` without being handed to `handle`).
 */
export async function deliverPerKey(events: readonly ChangeEvent[], handle: (event: ChangeEvent) => Promise<void>, concurrency = 32): Promise<DeliveryOutcome[]> {
  const outcomes: DeliveryOutcome[] = new Array<DeliveryOutcome>(events.length);
  const byKey = new Map<string, number[]>();
  events.forEach((event, index) => {
    const id = `${event.entity}\u0000${event.keyString}`;
    const list = byKey.get(id);
    if (list) list.push(index);
    else byKey.set(id, [index]);
  });
  const queues = [...byKey.values()];
  let next = 0;
  const worker = async () => {
    while (next < queues.length) {
      const queue = queues[next++]!;
      let blocked: unknown;
      let isBlocked = false;
      for (const index of queue) {
        if (isBlocked) {
          outcomes[index] = { status: "retry", error: blocked };
          continue;
        }
        try {
          await handle(events[index]!);
          outcomes[index] = OK;
        } catch (error) {
          if (isPermanentDeliveryError(error)) outcomes[index] = { status: "dead-letter", error };
          else {
            outcomes[index] = { status: "retry", error };
            blocked = error;
            isBlocked = true;
          }
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, queues.length)) }, worker));
  return outcomes;
}

/**
 * An in-process sink: hands each event to `handler`, per key in order. For
 * the default test command and the embedded demo, which need only Node.
 *
 * @example
 * const seen: ChangeEvent[] = [];
 * const relay = createOutboxRelay({ outbox: adapter.outbox!, sinks: [createInProcessSink("log", async (e) => void seen.push(e))] });
 */
export function createInProcessSink(name: string, handler: (event: ChangeEvent) => Promise<void> | void, options: { concurrency?: number } = {}): EventSink {
  return {
    name,
    deliver: (events) => deliverPerKey(events, async (event) => handler(event), options.concurrency),
  };
}
