/** Native protocol v4 opcodes (spec section 2.4). */
export const Opcode = {
  ERROR: 0x00,
  STARTUP: 0x01,
  READY: 0x02,
  AUTHENTICATE: 0x03,
  OPTIONS: 0x05,
  SUPPORTED: 0x06,
  QUERY: 0x07,
  RESULT: 0x08,
  PREPARE: 0x09,
  EXECUTE: 0x0a,
  REGISTER: 0x0b,
  EVENT: 0x0c,
  BATCH: 0x0d,
  AUTH_CHALLENGE: 0x0e,
  AUTH_RESPONSE: 0x0f,
  AUTH_SUCCESS: 0x10,
} as const;

/** Name of an opcode, for request records. */
export function opcodeName(opcode: number): string {
  return Object.entries(Opcode).find(([, v]) => v === opcode)?.[0] ?? `0x${opcode.toString(16)}`;
}

/** Frame header flags. */
export const FrameFlag = { compression: 0x01, tracing: 0x02, customPayload: 0x04, warning: 0x08 } as const;

/** The only protocol version the server speaks. */
export const PROTOCOL_VERSION = 0x04;
/** Header size for protocol v3 and later. */
export const HEADER_LENGTH = 9;
/** Cassandra's default native_transport_max_frame_size: 256 MiB. */
export const MAX_FRAME_LENGTH = 256 * 1024 * 1024;

/** A decoded frame header plus its body. */
export interface Frame {
  version: number;
  flags: number;
  streamId: number;
  opcode: number;
  body: Buffer;
}

/** Encodes a response frame (version byte 0x84). */
export function encodeResponse(streamId: number, opcode: number, body: Buffer, flags = 0): Buffer {
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt8(0x80 | PROTOCOL_VERSION, 0);
  header.writeUInt8(flags, 1);
  header.writeInt16BE(streamId, 2);
  header.writeUInt8(opcode, 4);
  header.writeInt32BE(body.length, 5);
  return Buffer.concat([header, body]);
}
