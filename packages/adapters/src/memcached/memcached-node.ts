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

/** A response as memjs parses it. */
interface MemjsResponse {
  header: { status: number };
  val: Buffer;
}

/** The part of memjs's server object used to batch writes and to send gets without its client. */
interface MemjsServer {
  _socket?: Socket | undefined;
  connected?: boolean;
  /** One deadline per request in flight. */
  requestTimeouts?: unknown[];
  onResponse(seq: number, handler: (response: MemjsResponse) => void): void;
  onError(seq: number, handler: (error: unknown) => void): void;
  write(request: Buffer): void;
}

/** memjs's client sequence (the request opaque), shared with the requests it sends itself. */
interface MemjsSequence {
  seq: number;
  incrSeq(): void;
}

const OPCODE_GET = 0x00;
const STATUS_OK = 0x00;
const STATUS_KEY_NOT_FOUND = 0x01;

/**
 * A binary-protocol GET request in one allocation (memjs's builder makes
 * five buffers per request). Keys are printable ASCII (made safe by the zone).
 */
function getRequest(key: string, opaque: number): Buffer {
  const request = Buffer.allocUnsafe(24 + key.length);
  request.fill(0, 0, 24);
  request[0] = 0x80;
  request[1] = OPCODE_GET;
  request.writeUInt16BE(key.length, 2);
  request.writeUInt32BE(key.length, 8);
  request.writeUInt32BE(opaque, 12);
  request.write(key, 24, "latin1");
  return request;
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
    const server = (this.client as unknown as { servers?: Partial<MemjsServer>[] }).servers?.[0];
    // memjs 1.x internals; without them gets go through memjs's client and writes are not batched.
    this.server = server && typeof server.onResponse === "function" && typeof server.onError === "function" && typeof server.write === "function" ? (server as MemjsServer) : undefined;
  }

  /** Whether the server is in its failure cooldown. */
  get down(): boolean {
    return this.downUntil > Date.now();
  }

  /**
   * A get on the hot path: one request buffer, registered on memjs's server
   * connection directly (its client adds closures, a serializer pass and
   * four buffers per request). Same wire protocol, same connection, same
   * deadline and failure handling as memjs's own `get`.
   */
  get(key: string): Promise<Buffer | undefined> {
    const server = this.server;
    if (!server) return this.call<Buffer | undefined>((cb) => this.client.get(key, (err, value) => cb(err, (value as Buffer | null) ?? undefined)));
    if (this.downUntil !== 0 && this.downUntil > Date.now()) return Promise.reject(this.coolingDown());
    this.batchWrites();
    return new Promise<Buffer | undefined>((resolve, reject) => {
      const sequence = this.client as unknown as MemjsSequence;
      sequence.incrSeq();
      const seq = sequence.seq >>> 0;
      server.onResponse(seq, (response) => {
        const status = response.header.status;
        if (status === STATUS_OK) resolve(response.val);
        else if (status === STATUS_KEY_NOT_FOUND) resolve(undefined);
        else reject(new Error(`MemJS GET: status ${status}`));
      });
      server.onError(seq, (error) => reject(this.failure(error)));
      try {
        server.write(getRequest(key, seq));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
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
   * than everything else on an L2 hit. While requests are in flight, the
   * socket is corked until the current microtasks have run
   * (`process.nextTick`), so requests of one burst share a write and a
   * lone request (nothing in flight) is written at once.
   */
  private batchWrites(): void {
    if (this.corked) return;
    const server = this.server;
    const socket = server?._socket;
    if (!socket || !server.connected || server.requestTimeouts?.length === 0 || typeof socket.cork !== "function") return;
    socket.cork();
    this.corked = socket;
    process.nextTick(this.uncork);
  }

  private call<T>(invoke: (cb: Callback<T>) => void): Promise<T> {
    if (this.downUntil !== 0 && this.downUntil > Date.now()) return Promise.reject(this.coolingDown());
    this.batchWrites();
    return new Promise<T>((resolve, reject) => {
      try {
        invoke((error, result) => (error ? reject(this.failure(error)) : resolve(result)));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  private coolingDown(): Error {
    return new Error(`memcached ${this.address} is cooling down after a failure`);
  }

  /** The error of a failed call; connection-level failures start the cooldown. */
  private failure(error: unknown): Error {
    // memjs sometimes fails with a bare string.
    const failure = error instanceof Error ? error : new Error(`memcached ${this.address}: ${String(error)}`);
    // Protocol answers such as "Value too large" are not server failures.
    if (!failure.message.startsWith("MemJS ")) this.fail();
    return failure;
  }

  private fail(): void {
    this.downUntil = Date.now() + this.options.failureCooldownMs;
  }
}
