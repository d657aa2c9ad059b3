import type { InvalidationBus, InvalidationMessage } from "@polyxena/core";
import { createNotificationClient, type PostgresClientConfig } from "./create-postgres-adapter.js";
import type { PostgresNotification, PostgresNotificationClient } from "./postgres-port.js";

/** Options of {@link PostgresInvalidationBus}. */
export interface PostgresInvalidationBusOptions {
  /** Connection of the dedicated LISTEN session (a connection string or pg client config). */
  connection: string | PostgresClientConfig;
  /** NOTIFY channel (default `polyxena_cache`). */
  channel?: string;
  /** First reconnect delay in ms, doubled up to 5 s (default 100). */
  reconnectDelayMs?: number;
}

/** NOTIFY payloads must stay under 8000 bytes. */
const MAX_PAYLOAD = 7_000;
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

interface WireMessage {
  o: string;
  e?: string | undefined;
  k: readonly string[];
  q?: true | undefined;
  a?: true | undefined;
}

/**
 * An {@link InvalidationBus} over Postgres LISTEN/NOTIFY: every process
 * listening on the channel drops its L1 copies of the keys another process
 * wrote. One dedicated connection listens and publishes; large key lists are
 * split under the NOTIFY payload limit. After a lost connection it reconnects
 * and tells local subscribers to drop all of L1 (messages may have been lost
 * meanwhile). Delivery is asynchronous: until a message arrives, another
 * process may serve its L1 copy (bounded by the L1 TTL).
 *
 * @example
 * const bus = await PostgresInvalidationBus.connect({ connection: process.env.DATABASE_URL! });
 * const cache = createCacheAside({ driver, bus });
 */
export class PostgresInvalidationBus implements InvalidationBus {
  private readonly handlers = new Set<(message: InvalidationMessage) => void>();
  private readonly channel: string;
  private client: PostgresNotificationClient | undefined;
  private closed = false;
  private reconnecting: ReturnType<typeof setTimeout> | undefined;
  private reconnectDelay: number;

  private constructor(private readonly options: PostgresInvalidationBusOptions) {
    this.channel = options.channel ?? "polyxena_cache";
    if (!CHANNEL.test(this.channel)) throw new Error(`invalid NOTIFY channel ${JSON.stringify(this.channel)}: use lowercase letters, digits and _`);
    this.reconnectDelay = options.reconnectDelayMs ?? 100;
  }

  /** Connects and starts listening. */
  static async connect(options: PostgresInvalidationBusOptions): Promise<PostgresInvalidationBus> {
    const bus = new PostgresInvalidationBus(options);
    await bus.listen();
    return bus;
  }

  async publish(message: InvalidationMessage): Promise<void> {
    const client = this.client;
    if (!client) throw new Error("invalidation bus is not connected");
    for (const payload of this.payloads(message)) {
      await client.query("SELECT pg_notify($1, $2)", [this.channel, payload]);
    }
  }

  subscribe(handler: (message: InvalidationMessage) => void): () => void {
    this.handlers.add(handler);
    return () => {
      this.handlers.delete(handler);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnecting);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = createNotificationClient(this.options.connection);
    client.on("notification", (n: PostgresNotification) => this.receive(n));
    client.on("error", () => this.lost(client));
    client.on("end", () => this.lost(client));
    await client.connect();
    await client.query(`LISTEN ${this.channel}`);
    this.client = client;
    this.reconnectDelay = this.options.reconnectDelayMs ?? 100;
  }

  private lost(client: PostgresNotificationClient): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnecting) return;
    this.reconnecting = setTimeout(() => {
      this.reconnecting = undefined;
      this.listen().then(
        // Anything published while we were away is lost: drop all of L1.
        () => this.deliver({ origin: "postgres-invalidation-bus", keys: [], all: true }),
        () => {
          this.reconnectDelay = Math.min(this.reconnectDelay * 2, 5_000);
          this.scheduleReconnect();
        },
      );
    }, this.reconnectDelay);
    this.reconnecting.unref?.();
  }

  private payloads(message: InvalidationMessage): string[] {
    const base: WireMessage = { o: message.origin, e: message.entity, k: [], q: message.queries ? true : undefined, a: message.all ? true : undefined };
    const out: string[] = [];
    let keys: string[] = [];
    let size = JSON.stringify(base).length;
    for (const key of message.keys) {
      const cost = JSON.stringify(key).length + 1;
      if (keys.length > 0 && size + cost > MAX_PAYLOAD) {
        out.push(JSON.stringify({ ...base, k: keys }));
        keys = [];
        size = JSON.stringify(base).length;
      }
      keys.push(key);
      size += cost;
    }
    out.push(JSON.stringify({ ...base, k: keys }));
    return out;
  }

  private receive(notification: PostgresNotification): void {
    if (notification.channel !== this.channel || !notification.payload) return;
    let wire: WireMessage;
    try {
      wire = JSON.parse(notification.payload) as WireMessage;
    } catch {
      return;
    }
    if (typeof wire.o !== "string" || !Array.isArray(wire.k)) return;
    this.deliver({ origin: wire.o, entity: wire.e, keys: wire.k.filter((k): k is string => typeof k === "string"), queries: wire.q === true, all: wire.a === true });
  }

  private deliver(message: InvalidationMessage): void {
    for (const handler of [...this.handlers]) {
      try {
        handler(message);
      } catch {
        // One subscriber's failure must not stop delivery to the others.
      }
    }
  }
}
