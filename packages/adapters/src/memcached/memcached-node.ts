import type { Socket } from "node:net";
import memjs from "memjs";

/** Timeouts and health settings of one memcached server connection. */
export interface MemcachedNodeOptions {
  /** memjs's response deadline in ms: a connection with a request unanswered this long is reset and its calls fail. */
  timeoutMs: number;
  /** TCP connect deadline in ms. */
  connectTimeoutMs: number;
  /** After a failure, calls fail fast for this long before the server is tried again (ms). */
  failureCooldownMs: number;
}

type Callback<T> = (error: Error | null, result: T) => void;

/** The part of memjs's (untyped) server object used to batch writes. */
interface MemjsServer {
  _socket?: Socket | undefined;
  connected?: boolean;
}

const silentLogger = { log: () => undefined };

/**
 * One memcached server through its own memjs client (memjs's own server
 * selection is modulo hashing, so routing is done by the zone's Ketama ring).
 * memjs retries are off. The caller-visible deadline and the breaker belong
 * to the cache policy in core; here memjs's own response deadline is the
 * innermost guard (it resets a connection that stopped answering and fails
 * its calls, so nothing waits forever even without a policy), and after a
 * connection-level failure this server fails fast for a cooldown, so one dead
 * server of a zone costs at most one deadline per cooldown.
 */
export class MemcachedNode {
  private readonly client: memjs.Client;
  private readonly server: MemjsServer | undefined;
  private downUntil = 0;
  private corked: Socket | undefined;
  private readonly uncork = (): void => {
    const socket = this.corked;
    this.corked = undefined;
    socket?.uncork();
  };

  constructor(
    readonly address: string,
    private readonly options: MemcachedNodeOptions,
  ) {
    this.client = memjs.Client.create(address, {
      timeout: options.timeoutMs / 1000,
      conntimeout: options.connectTimeoutMs / 1000,
      retries: 0,
      failover: false,
      keepAlive: true,
      keepAliveDelay: 30,
      logger: silentLogger,
    });
    this.server = (this.client as unknown as { servers?: MemjsServer[] }).servers?.[0];
  }

  /** Whether the server is in its failure cooldown. */
  get down(): boolean {
    return this.downUntil > Date.now();
  }

  get(key: string): Promise<Buffer | undefined> {
    return this.call<Buffer | undefined>((cb) => this.client.get(key, (err, value) => cb(err, (value as Buffer | null) ?? undefined)));
  }

  add(key: string, value: Uint8Array, ttlSeconds: number): Promise<boolean> {
    return this.call<boolean>((cb) => this.client.add(key, Buffer.from(value.buffer, value.byteOffset, value.byteLength), { expires: ttlSeconds }, (err, ok) => cb(err, ok === true)));
  }

  async set(key: string, value: Uint8Array, ttlSeconds: number): Promise<void> {
    await this.call<boolean>((cb) => this.client.set(key, Buffer.from(value.buffer, value.byteOffset, value.byteLength), { expires: ttlSeconds }, (err, ok) => cb(err, ok === true)));
  }

  delete(key: string): Promise<boolean> {
    return this.call<boolean>((cb) => this.client.delete(key, (err, ok) => cb(err, ok === true)));
  }

  touch(key: string, ttlSeconds: number): Promise<boolean> {
    return this.call<boolean>((cb) => this.client.touch(key, ttlSeconds, (err, ok) => cb(err, ok === true)));
  }

  close(): void {
    this.client.close();
  }

  /**
   * Requests sent in the same tick leave in one write: memjs writes each
   * request with its own syscall, which at 16 requests in flight costs more
   * than everything else on an L2 hit. The socket is corked until the
   * current microtasks have run (`process.nextTick`), so a single request
   * waits for nothing.
   */
  private batchWrites(): void {
    if (this.corked) return;
    const server = this.server;
    const socket = server?._socket;
    if (!socket || !server.connected || typeof socket.cork !== "function") return;
    socket.cork();
    this.corked = socket;
    process.nextTick(this.uncork);
  }

  private call<T>(invoke: (cb: Callback<T>) => void): Promise<T> {
    if (this.downUntil !== 0 && this.downUntil > Date.now()) return Promise.reject(new Error(`memcached ${this.address} is cooling down after a failure`));
    this.batchWrites();
    return new Promise<T>((resolve, reject) => {
      try {
        invoke((error, result) => {
          if (!error) return resolve(result);
          // memjs sometimes fails with a bare string.
          const failure = error instanceof Error ? error : new Error(`memcached ${this.address}: ${String(error)}`);
          // Protocol answers such as "Value too large" are not server failures.
          if (!failure.message.startsWith("MemJS ")) this.fail();
          reject(failure);
        });
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  private fail(): void {
    this.downUntil = Date.now() + this.options.failureCooldownMs;
  }
}
