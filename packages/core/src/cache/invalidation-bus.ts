/** One invalidation, as published to other processes. */
export interface InvalidationMessage {
  /** Id of the publishing provider; a provider ignores its own messages. */
  origin: string;
  /** Entity name, or undefined for derived data (`getOrLoad` keys). */
  entity?: string | undefined;
  /** The L2 keys that were invalidated. */
  keys: readonly string[];
  /** True when the entity's query generation was bumped. */
  queries?: boolean | undefined;
  /**
   * Drop every L1 entry and cancel every in-flight load: sent by a bus that
   * may have lost messages (e.g. after reconnecting).
   */
  all?: boolean | undefined;
}

/**
 * Carries invalidations between processes so each can drop its L1 copies
 * and cancel in-flight loads. Delivery is best effort: L1 TTLs bound how long
 * a process that missed a message can serve an old value.
 */
export interface InvalidationBus {
  /** Sends a message to every subscriber (including other subscribers in this process). */
  publish(message: InvalidationMessage): Promise<void>;
  /** Receives messages; returns the unsubscribe function. */
  subscribe(handler: (message: InvalidationMessage) => void): () => void;
  close?(): Promise<void>;
}

/**
 * An {@link InvalidationBus} inside one process: every provider created with
 * the same bus drops its L1 copies synchronously, before `publish` resolves.
 *
 * @example
 * const bus = new InProcessInvalidationBus();
 * const a = createCacheAside({ driver, bus });
 * const b = createCacheAside({ driver, bus }); // b's L1 follows a's writes
 */
export class InProcessInvalidationBus implements InvalidationBus {
  private readonly handlers = new Set<(message: InvalidationMessage) => void>();

  async publish(message: InvalidationMessage): Promise<void> {
    for (const handler of [...this.handlers]) {
      try {
        handler(message);
      } catch {
        // One subscriber's failure must not stop delivery to the others.
      }
    }
  }

  subscribe(handler: (message: InvalidationMessage) => void): () => void {
    this.handlers.add(handler);
    return () => {
      this.handlers.delete(handler);
    };
  }
}
