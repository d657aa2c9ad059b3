import type { Socket } from "node:net";
import memjs from "memjs";
import type { CasToken, CasValue, CacheEntry } from "@polyxena/core";

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

/** A response header as memjs parses it. */
interface MemjsHeader {
  readonly magic: number;
  readonly opcode: number;
  readonly keyLength: number;
  readonly extrasLength: number;
  readonly dataType: number;
  readonly status: number;
  readonly totalBodyLength: number;
  readonly opaque: number;
  readonly cas: Buffer;
}

/** A response as memjs parses it (and as {@link readResponses} builds it). */
interface MemjsResponse {
  readonly header: MemjsHeader;
  readonly extras: Buffer;
  readonly key: Buffer;
  readonly val: Buffer;
}

/**
 * One response read in place from a socket chunk, in memjs's shape: the
 * value is sliced at once, the parts a get never looks at (CAS, extras,
 * key) only when asked for.
 */
class WireResponse implements MemjsResponse, MemjsHeader {
  readonly header: MemjsHeader = this;
  readonly magic: number;
  readonly opcode: number;
  readonly keyLength: number;
  readonly extrasLength: number;
  readonly dataType: number;
  readonly status: number;
  readonly opaque: number;
  readonly val: Buffer;

  constructor(
    private readonly buf: Buffer,
    private readonly at: number,
    readonly totalBodyLength: number,
  ) {
    this.magic = buf[at]!;
    this.opcode = buf[at + 1]!;
    this.keyLength = buf.readUInt16BE(at + 2);
    this.extrasLength = buf[at + 4]!;
    this.dataType = buf[at + 5]!;
    this.status = buf.readUInt16BE(at + 6);
    this.opaque = buf.readUInt32BE(at + 12);
    this.val = buf.subarray(at + 24 + this.extrasLength + this.keyLength, at + 24 + totalBodyLength);
  }

  get cas(): Buffer {
    return this.buf.subarray(this.at + 16, this.at + 24);
  }

  get extras(): Buffer {
    return this.buf.subarray(this.at + 24, this.at + 24 + this.extrasLength);
  }

  get key(): Buffer {
    const start = this.at + 24 + this.extrasLength;
    return this.buf.subarray(start, start + this.keyLength);
  }
}

/** memjs calls a handler marked quiet for every response of its opaque until an empty one (the NOOP). */
type ResponseHandler = ((response: MemjsResponse) => void) & { quiet?: boolean };

/**
 * The CAS token of this driver: the version and the connection it was read
 * on. A restarted server counts versions from 1 again, and a connection that
 * was reset may have missed writes; neither can make an old token match.
 */
export interface MemcachedCasToken extends CasToken {
  readonly node: MemcachedNode;
  readonly connection: object;
}

/** The part of memjs's server object used to batch writes and to send gets without its client. */
interface MemjsServer {
  _socket?: Socket | undefined;
  connected?: boolean;
  /** One deadline per request in flight. */
  requestTimeouts?: unknown[];
  onResponse(seq: number, handler: ResponseHandler): void;
  onError(seq: number, handler: (error: unknown) => void): void;
  write(request: Buffer): void;
}

/** The part of memjs's server object that reads responses (replaced by {@link readResponses}). */
interface MemjsReader {
  _socket?: Socket | undefined;
  /** Bytes of a response not complete yet. */
  responseBuffer: Buffer;
  responseHandler(chunk: Buffer): void;
  /** Hands one response to the handler registered for its opaque and retires the request. */
  respond(response: MemjsResponse): void;
  saslAuth(): void;
  error(error: unknown): void;
  emit(event: string): boolean;
  /** The socket `responseBuffer` was read from (set by {@link readResponses}). */
  pxBufferSocket?: Socket | undefined;
}

const NO_BYTES = Buffer.alloc(0);
const OPCODE_SASL_LIST = 0x20;
const OPCODE_SASL_AUTH = 0x21;
const STATUS_AUTH_ERROR = 0x20;

/**
 * memjs's response reader with the same answers and the same calls, minus
 * its cost: memjs copies every chunk it receives into a fresh zero-filled
 * buffer and re-slices what is left after each response, which costs more
 * per L2 hit than decoding the value. Here a chunk is read in place (a copy
 * only when a response spans two chunks), and bytes left over from a
 * connection that has since been reset are dropped rather than read as the
 * start of the next connection's answer.
 */
function readResponses(this: MemjsReader, chunk: Buffer): void {
  let buf = chunk;
  if (this.responseBuffer.length > 0 && this.pxBufferSocket === this._socket) buf = Buffer.concat([this.responseBuffer, chunk]);
  let offset = 0;
  while (buf.length - offset >= 24) {
    const totalBodyLength = buf.readUInt32BE(offset + 8);
    const end = offset + 24 + totalBodyLength;
    const keyLength = buf.readUInt16BE(offset + 2);
    const extrasLength = buf[offset + 4]!;
    // As memjs: an incomplete (or inconsistent) response waits for more bytes.
    if (end > buf.length || totalBodyLength < keyLength + extrasLength) break;
    const response = new WireResponse(buf, offset, totalBodyLength);
    offset = end;
    if (response.opcode === OPCODE_SASL_LIST) this.saslAuth();
    else if (response.status === STATUS_AUTH_ERROR) this.error("Memcached server authentication failed!");
    else if (response.opcode === OPCODE_SASL_AUTH) this.emit("authenticated");
    else this.respond(response);
  }
  this.responseBuffer = offset === buf.length ? NO_BYTES : buf.subarray(offset);
  this.pxBufferSocket = this._socket;
}

/** memjs's client sequence (the request opaque), shared with the requests it sends itself. */
interface MemjsSequence {
  seq: number;
  incrSeq(): void;
}

const OPCODE_GET = 0x00;
const OPCODE_SET = 0x01;
const OPCODE_ADD = 0x02;
const OPCODE_NOOP = 0x0a;
const OPCODE_GETKQ = 0x0d;
const STATUS_OK = 0x00;
const STATUS_KEY_NOT_FOUND = 0x01;
const STATUS_KEY_EXISTS = 0x02;
const STATUS_NOT_STORED = 0x05;

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

/** A bodiless request header (GETKQ, NOOP) written into `target` at `offset`. */
function writeKeyRequest(target: Buffer, offset: number, opcode: number, key: string, opaque: number): number {
  target.fill(0, offset, offset + 24);
  target[offset] = 0x80;
  target[offset + 1] = opcode;
  target.writeUInt16BE(key.length, offset + 2);
  target.writeUInt32BE(key.length, offset + 8);
  target.writeUInt32BE(opaque, offset + 12);
  target.write(key, offset + 24, "latin1");
  return offset + 24 + key.length;
}

/** A SET (with a CAS version: compare-and-swap) or ADD request: flags 0, expiry in the extras. */
function storeRequest(opcode: number, key: string, value: Uint8Array, ttlSeconds: number, opaque: number, cas?: bigint): Buffer {
  const request = Buffer.allocUnsafe(24 + 8 + key.length + value.byteLength);
  request.fill(0, 0, 32);
  request[0] = 0x80;
  request[1] = opcode;
  request.writeUInt16BE(key.length, 2);
  request[4] = 8;
  request.writeUInt32BE(8 + key.length + value.byteLength, 8);
  request.writeUInt32BE(opaque, 12);
  if (cas !== undefined) request.writeBigUInt64BE(cas, 16);
  request.writeUInt32BE(ttlSeconds, 28);
  request.write(key, 32, "latin1");
  request.set(value, 32 + key.length);
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
    const reader = server as Partial<MemjsReader> | undefined;
    if (reader && Buffer.isBuffer(reader.responseBuffer) && typeof reader.responseHandler === "function" && typeof reader.respond === "function") reader.responseHandler = readResponses;
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

  /** The open connection to this server, `undefined` when there is none (see `CacheDriver.connectionOf`). */
  connection(): object | undefined {
    const server = this.server;
    if (!server) return this;
    return server.connected && server._socket && !server._socket.destroyed ? server._socket : undefined;
  }

  /** A get that also returns the value's CAS version and the connection it was read on. */
  gets(key: string): Promise<CasValue | undefined> {
    return this.request(getRequest(key, 0), (response, resolve, reject, connection) => {
      const status = response.header.status;
      if (status === STATUS_KEY_NOT_FOUND) return resolve(undefined);
      if (status !== STATUS_OK || !response.header.cas) return reject(new Error(`MemJS GETS: status ${status}`));
      if (!connection) return resolve(undefined);
      const cas: MemcachedCasToken = { version: response.header.cas.readBigUInt64BE(0), node: this, connection };
      resolve({ value: response.val, cas });
    });
  }

  /**
   * Compare-and-swap: stores only if the key still has the version of
   * `token`, read on the connection still open (otherwise `false` without
   * sending: after a reset the server may have restarted and reused versions).
   */
  cas(key: string, value: Uint8Array, ttlSeconds: number, token: CasToken): Promise<boolean> {
    const mine = token as Partial<MemcachedCasToken>;
    if (mine.node !== this || mine.connection === undefined || mine.connection !== this.connection()) return Promise.resolve(false);
    return this.request(storeRequest(OPCODE_SET, key, value, ttlSeconds, 0, token.version), storeAnswer("CAS"));
  }

  /**
   * Several gets in one request (quiet GETKQ per key, then a NOOP that ends
   * the answer): one write and one round trip. Misses are absent from the map.
   */
  getMulti(keys: readonly string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    if (keys.length === 0) return Promise.resolve(out);
    let size = 24;
    for (const key of keys) size += 24 + key.length;
    const request = Buffer.allocUnsafe(size);
    const handler = (opaque: number) => {
      let offset = 0;
      for (const key of keys) offset = writeKeyRequest(request, offset, OPCODE_GETKQ, key, opaque);
      writeKeyRequest(request, offset, OPCODE_NOOP, "", opaque);
    };
    return this.request(
      request,
      (response, resolve) => {
        if (response.header.totalBodyLength === 0) return resolve(out);
        if (response.header.status === STATUS_OK && response.key) out.set(response.key.toString("latin1"), response.val);
      },
      handler,
    );
  }

  /** Several adds sent in one socket write (pipelined); answers aligned with `entries`. */
  addMany(entries: readonly CacheEntry[]): Promise<boolean[]> {
    const socket = this.server?._socket;
    const corked = socket && this.server?.connected && typeof socket.cork === "function" && this.corked !== socket;
    if (corked) socket.cork();
    try {
      return Promise.all(entries.map((e) => this.request(storeRequest(OPCODE_ADD, e.key, e.value, e.ttlSeconds, 0), storeAnswer("ADD"))));
    } finally {
      if (corked) socket.uncork();
    }
  }

  add(key: string, value: Uint8Array, ttlSeconds: number): Promise<boolean> {
    return this.call<boolean>((cb) => this.client.add(key, Buffer.from(value.buffer, value.byteOffset, value.byteLength), { expires: ttlSeconds }, (err, ok) => cb(err, ok === true)));
  }

  /**
   * Sets are the protocol's invalidations (tombstones, query generations): they are sent even during
   * the failure cooldown, because a server that came back must not miss one (readers may replace the
   * tombstone it would overwrite). A server still down refuses the connection at once.
   */
  async set(key: string, value: Uint8Array, ttlSeconds: number): Promise<void> {
    await this.call<boolean>(
      (cb) => this.client.set(key, Buffer.from(value.buffer, value.byteOffset, value.byteLength), { expires: ttlSeconds }, (err, ok) => cb(err, ok === true)),
      true,
    );
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
   * Sends one prepared request on memjs's connection under a fresh opaque
   * (written into the buffer at bytes 12-15, or by `prepare` for multi-part
   * requests) and settles through `handle`. Without memjs internals it fails:
   * callers that need it are only reached when the internals exist.
   */
  private request<T>(
    request: Buffer,
    handle: (response: MemjsResponse, resolve: (value: T) => void, reject: (error: Error) => void, connection: object | undefined) => void,
    prepare?: (opaque: number) => void,
  ): Promise<T> {
    const server = this.server;
    if (!server) return Promise.reject(new Error("memcached node: memjs internals unavailable for this request"));
    if (this.downUntil !== 0 && this.downUntil > Date.now()) return Promise.reject(this.coolingDown());
    this.batchWrites();
    return new Promise<T>((resolve, reject) => {
      const sequence = this.client as unknown as MemjsSequence;
      sequence.incrSeq();
      const seq = sequence.seq >>> 0;
      if (prepare) prepare(seq);
      else request.writeUInt32BE(seq, 12);
      const handler: ResponseHandler = (response) => handle(response, resolve, reject, this.connection());
      if (prepare) handler.quiet = true;
      server.onResponse(seq, handler);
      server.onError(seq, (error) => reject(this.failure(error)));
      try {
        server.write(request);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
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

  private call<T>(invoke: (cb: Callback<T>) => void, duringCooldown = false): Promise<T> {
    if (!duringCooldown && this.downUntil !== 0 && this.downUntil > Date.now()) return Promise.reject(this.coolingDown());
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

/** The answer of a SET/CAS/ADD: stored, or refused because the key changed, exists or is absent. */
function storeAnswer(name: string) {
  return (response: MemjsResponse, resolve: (value: boolean) => void, reject: (error: Error) => void): void => {
    const status = response.header.status;
    if (status === STATUS_OK) resolve(true);
    else if (status === STATUS_KEY_EXISTS || status === STATUS_KEY_NOT_FOUND || status === STATUS_NOT_STORED) resolve(false);
    else reject(new Error(`MemJS ${name}: status ${status}`));
  };
}
