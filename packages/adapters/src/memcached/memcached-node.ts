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

/**
 * One memcached server through its own memjs client (memjs's own server
 * selection is modulo hashing, so routing is done by the zone's Ketama ring).
 * memjs retries are off; every call has its own deadline; after a failure
 * the server fails fast for a cooldown so a dead or hung server costs at most
 * one timeout per cooldown, not one per request.
 */
export class MemcachedNode {
  private readonly client: memjs.Client;
  private downUntil = 0;

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
  }

  /** Whether the server is in its failure cooldown. */
  get down(): boolean {
    return this.downUntil > Date.now();
  }

  get(key: string): Promise<Buffer | undefined> {
    return this.call<Buffer | null>((cb) => this.client.get(key, (err, value) => cb(err, value as Buffer | null))).then((v) => v ?? undefined);
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
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        this.fail();
        reject(new Error(`memcached ${this.address} timed out after ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      try {
        invoke((error, result) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (error) {
            // Protocol answers such as "Value too large" are not server failures.
            if (!/^MemJS /.test(error.message)) this.fail();
            reject(error);
          } else resolve(result);
        });
      } catch (error) {
        settled = true;
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  private fail(): void {
    this.downUntil = Date.now() + this.options.failureCooldownMs;
  }
}
