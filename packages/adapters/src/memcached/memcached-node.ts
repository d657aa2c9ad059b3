import memjs from "memjs";

/** Timeouts and health settings of one memcached server connection. */
export interface MemcachedNodeOptions {
  /** Deadline of every operation in ms. */
  timeoutMs: number;
  /** TCP connect deadline in ms. */
  connectTimeoutMs: number;
  /** After a failure, calls fail fast for this long before the server is tried again (ms). */
  failureCooldownMs: number;
}

type Callback<T> = (error: Error | null, result: T) => void;

const silentLogger = { log: () => undefined };

interface Pending {
  readonly deadline: number;
  expire(): void;
}

/** One in-flight call (a class, so a hot call allocates no closures beyond memjs's callback). */
class PendingCall<T> implements Pending {
  private settled = false;

  constructor(
    private readonly node: MemcachedNode,
    private readonly resolve: (value: T) => void,
    private readonly reject: (error: Error) => void,
    readonly deadline: number,
  ) {}

  expire(): void {
    if (this.settled) return;
    this.settled = true;
    this.node.settle(this, true);
    this.reject(new Error(`memcached ${this.node.address} timed out after ${this.node.timeoutMs} ms`));
  }

  complete(error: Error | null, result: T, countFailure = true): void {
    if (this.settled) return;
    this.settled = true;
    if (error) {
      // Protocol answers such as "Value too large" are not server failures.
      this.node.settle(this, countFailure && !error.message.startsWith("MemJS "));
      this.reject(error);
    } else {
      this.node.settle(this, false);
      this.resolve(result);
    }
  }
}

/**
 * Deadlines of in-flight calls, checked by one timer instead of a timer per
 * call (a cache hit costs tens of microseconds; a timer per call is visible).
 */
class DeadlineSweeper {
  private readonly pending = new Set<Pending>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly resolutionMs: number) {}

  add(entry: Pending): void {
    this.pending.add(entry);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), this.resolutionMs);
      this.timer.unref?.();
    }
  }

  delete(entry: Pending): void {
    this.pending.delete(entry);
  }

  private sweep(): void {
    const now = performance.now();
    for (const entry of this.pending) {
      if (entry.deadline <= now) {
        this.pending.delete(entry);
        entry.expire();
      }
    }
    if (this.pending.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

/**
 * One memcached server through its own memjs client (memjs's own server
 * selection is modulo hashing, so routing is done by the zone's Ketama ring).
 * memjs retries are off; every call has its own deadline; after a failure
 * the server fails fast for a cooldown so a dead or hung server costs at most
 * one timeout per cooldown, not one per request.
 */
export class MemcachedNode {
  private readonly client: memjs.Client;
  private readonly deadlines: DeadlineSweeper;
  private downUntil = 0;

  constructor(
    readonly address: string,
    private readonly options: MemcachedNodeOptions,
  ) {
    this.deadlines = new DeadlineSweeper(Math.max(1, Math.min(10, Math.floor(options.timeoutMs / 5))));
    this.client = memjs.Client.create(address, {
      timeout: options.timeoutMs / 1000,
      conntimeout: options.connectTimeoutMs / 1000,
      retries: 0,
      failover: false,
      keepAlive: true,
      keepAliveDelay: 30,
      logger: silentLogger,
    });
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

  private call<T>(invoke: (cb: Callback<T>) => void): Promise<T> {
    if (this.downUntil > Date.now()) return Promise.reject(new Error(`memcached ${this.address} is cooling down after a failure`));
    return new Promise<T>((resolve, reject) => {
      const call = new PendingCall<T>(this, resolve, reject, performance.now() + this.options.timeoutMs);
      this.deadlines.add(call);
      try {
        invoke((error, result) => call.complete(error, result));
      } catch (error) {
        call.complete(error instanceof Error ? error : new Error(String(error)), undefined as T, false);
      }
    });
  }

  /** @internal Ends a call: stops its deadline and, for connection-level failures, starts the cooldown. */
  settle(call: Pending, failed: boolean): void {
    this.deadlines.delete(call);
    if (failed) this.fail();
  }

  /** @internal */
  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  private fail(): void {
    this.downUntil = Date.now() + this.options.failureCooldownMs;
  }
}
