import type { Socket } from "node:net";
import {
  CqlError,
  CqlErrorCode,
  isCqlError,
  parseCql,
  type CassandraEngine,
  type EngineResult,
  type PreparedCql,
} from "@polyxena/memory/cassandra-engine";
import {
  FrameFlag,
  HEADER_LENGTH,
  MAX_FRAME_LENGTH,
  Opcode,
  PROTOCOL_VERSION,
  encodeResponse,
  opcodeName,
  type Frame,
} from "./frame.js";
import { ByteReader, ByteWriter, ProtocolDecodeError } from "./protocol-buffer.js";
import { bindRawValues, readQueryParameters, type RawValue } from "./request-decoder.js";
import type { RecordedRequest } from "./request-log.js";
import { encodeError, encodePrepared, encodeResult } from "./result-encoder.js";

/** The server state a connection shares with the others. */
export interface ServerContext {
  engine: CassandraEngine;
  record(request: RecordedRequest): void;
  prepare(query: string, keyspace: string | undefined): { id: Buffer; prepared: PreparedCql };
  lookupPrepared(id: Buffer): PreparedCql | undefined;
  onSchemaChange(result: Extract<EngineResult, { kind: "schemaChange" }>): void;
  /** Awaited before each request is executed (tests use it to hold requests in flight). */
  hook(request: RecordedRequest): void | Promise<void>;
}

/** Cassandra's message for an unknown prepared id. */
function unpreparedError(id: Buffer): CqlError {
  return new CqlError(
    CqlErrorCode.unprepared,
    `Prepared query with ID ${id.toString("hex")} not found (either the query was not prepared on this host (maybe the host has been restarted?) or you have prepared too many queries and it has been evicted from the internal cache)`,
    { unpreparedId: id },
  );
}

function protocolError(message: string): CqlError {
  return new CqlError(CqlErrorCode.protocolError, message);
}

/**
 * One client connection: splits the byte stream into frames and answers each
 * request on its own stream id, without waiting for earlier requests.
 */
export class CqlConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;
  private keyspace: string | undefined;
  private closed = false;
  /**
   * After a frame with an opcode the protocol does not define, Cassandra 5.0 answers that frame and
   * every later one on the connection with the same Protocol_error (same stream id); this is that answer.
   */
  private stuck: Buffer | undefined;
  /** Event types this connection registered for. */
  private readonly events = new Set<string>();

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly server: ServerContext,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", () => this.destroy());
    socket.on("close", () => {
      this.closed = true;
    });
  }

  /** Pushes a SCHEMA_CHANGE event (stream id -1) when the connection registered for it. */
  pushSchemaChange(result: Extract<EngineResult, { kind: "schemaChange" }>): void {
    if (!this.events.has("SCHEMA_CHANGE")) return;
    const body = new ByteWriter().string("SCHEMA_CHANGE").string(result.change).string(result.target).string(result.keyspace);
    if (result.target === "TABLE") body.string(result.table ?? "");
    this.write(encodeResponse(-1, Opcode.EVENT, body.toBuffer()));
  }

  /** Closes the socket immediately. */
  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (!this.closed && this.buffer.length >= HEADER_LENGTH) {
      const version = this.buffer.readUInt8(0);
      const streamId = this.buffer.readInt16BE(2);
      if ((version & 0x7f) !== PROTOCOL_VERSION) {
        this.fatal(streamId, `Invalid or unsupported protocol version (${version & 0x7f}); supported versions are (4/v4)`);
        return;
      }
      if (version & 0x80) {
        this.fatal(streamId, "Invalid message direction: a request frame must not have the response bit set");
        return;
      }
      const length = this.buffer.readInt32BE(5);
      if (length < 0 || length > MAX_FRAME_LENGTH) {
        this.fatal(streamId, `Request is too big: length ${length} exceeds maximum allowed length ${MAX_FRAME_LENGTH}.`);
        return;
      }
      if (this.buffer.length < HEADER_LENGTH + length) return;
      const frame: Frame = {
        version,
        flags: this.buffer.readUInt8(1),
        streamId,
        opcode: this.buffer.readUInt8(4),
        body: this.buffer.subarray(HEADER_LENGTH, HEADER_LENGTH + length),
      };
      this.buffer = this.buffer.subarray(HEADER_LENGTH + length);
      if (this.stuck === undefined && frame.opcode > Opcode.AUTH_SUCCESS) {
        this.server.record({ connectionId: this.id, streamId: frame.streamId, opcode: opcodeName(frame.opcode) });
        this.stuck = encodeResponse(streamId, Opcode.ERROR, encodeError(protocolError(`Unknown opcode ${frame.opcode}`)));
      }
      if (this.stuck !== undefined) {
        this.write(this.stuck);
        continue;
      }
      this.handle(frame).catch(() => this.destroy());
    }
  }

  /** Answers with a Protocol_error and closes: the byte stream can no longer be trusted. */
  private fatal(streamId: number, message: string): void {
    this.write(encodeResponse(streamId, Opcode.ERROR, encodeError(protocolError(message))));
    this.closed = true;
    this.socket.end();
  }

  private write(data: Buffer): void {
    if (!this.closed && !this.socket.destroyed) this.socket.write(data);
  }

  private async handle(frame: Frame): Promise<void> {
    const record: RecordedRequest = { connectionId: this.id, streamId: frame.streamId, opcode: opcodeName(frame.opcode) };
    if (this.keyspace !== undefined) record.keyspace = this.keyspace;
    try {
      const response = await this.dispatch(frame, record);
      this.write(encodeResponse(frame.streamId, response.opcode, response.body));
    } catch (err) {
      const error = toCqlError(err);
      record.error = { code: error.code, message: error.message };
      this.write(encodeResponse(frame.streamId, Opcode.ERROR, encodeError(error)));
    }
  }

  private async dispatch(frame: Frame, record: RecordedRequest): Promise<{ opcode: number; body: Buffer }> {
    if (frame.flags & FrameFlag.compression) throw protocolError("Compression was not negotiated: the frame has the compression flag set");
    const r = new ByteReader(frame.body);
    if (frame.flags & FrameFlag.customPayload) r.bytesMap();
    const engine = this.server.engine;
    switch (frame.opcode) {
      case Opcode.OPTIONS:
        this.server.record(record);
        return {
          opcode: Opcode.SUPPORTED,
          body: new ByteWriter().stringMultimap({ CQL_VERSION: ["3.4.5"], COMPRESSION: [], PROTOCOL_VERSIONS: ["4/v4"] }).toBuffer(),
        };
      case Opcode.STARTUP: {
        this.server.record(record);
        const options = r.stringMap();
        const cql = options["CQL_VERSION"];
        if (cql === undefined) throw protocolError("CQL_VERSION is mandatory");
        if (!/^3(\.\d+){0,2}$/.test(cql)) throw protocolError(`Invalid or unsupported CQL version ${cql}; supported is 3.4.5`);
        if (options["COMPRESSION"] !== undefined) throw protocolError(`Unknown compression algorithm: ${options["COMPRESSION"]}`);
        this.started = true;
        return { opcode: Opcode.READY, body: Buffer.alloc(0) };
      }
      case Opcode.REGISTER:
        this.requireStarted(frame.opcode);
        this.server.record(record);
        for (const type of r.stringList()) {
          if (!["TOPOLOGY_CHANGE", "STATUS_CHANGE", "SCHEMA_CHANGE"].includes(type)) throw protocolError(`Invalid event type ${type}`);
          this.events.add(type);
        }
        return { opcode: Opcode.READY, body: Buffer.alloc(0) };
      case Opcode.QUERY: {
        this.requireStarted(frame.opcode);
        const query = r.longString();
        const params = readQueryParameters(r);
        Object.assign(record, summarize(params), { query });
        this.server.record(record);
        await this.server.hook(record);
        const prepared = engine.prepare(query, this.keyspace);
        const values = bindRawValues(params.values, params.namedValues, prepared.markers);
        const result = engine.execute(prepared, values, executeOptions(params));
        return { opcode: Opcode.RESULT, body: this.afterResult(result, false) };
      }
      case Opcode.PREPARE: {
        this.requireStarted(frame.opcode);
        const query = r.longString();
        record.query = query;
        this.server.record(record);
        await this.server.hook(record);
        const { id, prepared } = this.server.prepare(query, this.keyspace);
        return { opcode: Opcode.RESULT, body: encodePrepared(id, prepared) };
      }
      case Opcode.EXECUTE: {
        this.requireStarted(frame.opcode);
        const id = Buffer.from(r.shortBytes());
        const params = readQueryParameters(r);
        const prepared = this.server.lookupPrepared(id);
        Object.assign(record, summarize(params), { preparedId: id.toString("hex") }, prepared ? { query: prepared.query } : {});
        this.server.record(record);
        await this.server.hook(record);
        if (!prepared) throw unpreparedError(id);
        const values = bindRawValues(params.values, params.namedValues, prepared.markers, "execute");
        const result = engine.execute(prepared, values, executeOptions(params));
        return { opcode: Opcode.RESULT, body: this.afterResult(result, params.skipMetadata && prepared.resultColumns !== undefined) };
      }
      case Opcode.BATCH:
        this.requireStarted(frame.opcode);
        return { opcode: Opcode.RESULT, body: await this.batch(r, record) };
      default:
        this.server.record(record);
        throw protocolError(`Unknown opcode ${frame.opcode}`);
    }
  }

  private requireStarted(opcode: number): void {
    if (!this.started) throw protocolError(`Unexpected message ${opcodeName(opcode)}, expecting STARTUP or OPTIONS`);
  }

  private afterResult(result: EngineResult, skipMetadata: boolean): Buffer {
    if (result.kind === "setKeyspace") this.keyspace = result.keyspace;
    if (result.kind === "schemaChange") this.server.onSchemaChange(result);
    return encodeResult(result, skipMetadata);
  }

  private async batch(r: ByteReader, record: RecordedRequest): Promise<Buffer> {
    const typeCode = r.byte();
    const batchType = typeCode === 0 ? "logged" : typeCode === 1 ? "unlogged" : typeCode === 2 ? "counter" : undefined;
    if (!batchType) throw protocolError(`Invalid BATCH message type ${typeCode}`);
    const count = r.short();
    const items: Array<{ kind: "query"; query: string; values: RawValue[] } | { kind: "prepared"; id: Buffer; values: RawValue[] }> = [];
    for (let i = 0; i < count; i++) {
      const kind = r.byte();
      let item: (typeof items)[number];
      if (kind === 0) item = { kind: "query", query: r.longString(), values: [] };
      else if (kind === 1) item = { kind: "prepared", id: Buffer.from(r.shortBytes()), values: [] };
      else throw protocolError(`Invalid query kind in BATCH messages. Must be 0 or 1 but got ${kind}`);
      const n = r.short();
      for (let k = 0; k < n; k++) item.values.push({ bytes: r.bytes() });
      items.push(item);
    }
    // BATCH ends with <consistency><flags>[<serial_consistency>][<timestamp>]: the layout of <query_parameters>.
    const params = readQueryParameters(r);
    const prepared = items.map((item) => (item.kind === "query" ? undefined : this.server.lookupPrepared(item.id)));
    Object.assign(record, summarize(params), {
      batchType,
      batchQueries: items.map((item, i) => (item.kind === "query" ? item.query : prepared[i]?.query ?? `<unknown ${item.id.toString("hex")}>`)),
    });
    this.server.record(record);
    await this.server.hook(record);
    const entries = items.map((item, i) => {
      let p: PreparedCql;
      if (item.kind === "query") {
        const parsed = parseCql(item.query);
        p = this.server.engine.prepare(parsed, this.keyspace);
      } else {
        const found = prepared[i];
        if (!found) throw unpreparedError(item.id);
        p = found;
      }
      return { prepared: p, values: bindRawValues(item.values, false, p.markers) };
    });
    const result = this.server.engine.batch(entries, { type: batchType, ...executeOptions(params) });
    return this.afterResult(result, false);
  }
}

function summarize(params: ReturnType<typeof readQueryParameters>): Partial<RecordedRequest> {
  return {
    consistency: params.consistency,
    ...(params.serialConsistency ? { serialConsistency: params.serialConsistency } : {}),
    ...(params.pageSize !== undefined ? { pageSize: params.pageSize } : {}),
    hasPagingState: params.pagingState !== undefined,
    ...(params.defaultTimestamp !== undefined ? { defaultTimestamp: params.defaultTimestamp } : {}),
    valueCount: params.values.length,
  };
}

function executeOptions(params: ReturnType<typeof readQueryParameters>) {
  return {
    consistency: params.consistency,
    ...(params.serialConsistency ? { serialConsistency: params.serialConsistency } : {}),
    ...(params.pageSize !== undefined ? { pageSize: params.pageSize } : {}),
    ...(params.pagingState ? { pagingState: params.pagingState } : {}),
    ...(params.defaultTimestamp !== undefined ? { defaultTimestamp: params.defaultTimestamp } : {}),
  };
}

function toCqlError(err: unknown): CqlError {
  if (isCqlError(err)) return err;
  if (err instanceof ProtocolDecodeError) return protocolError(err.message);
  const message = err instanceof Error ? err.message : String(err);
  return new CqlError(CqlErrorCode.serverError, `java.lang.RuntimeException: ${message}`);
}
