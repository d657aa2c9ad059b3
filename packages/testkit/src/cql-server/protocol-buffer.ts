/** Thrown when a request body is shorter than its own fields say; answered with a Protocol_error. */
export class ProtocolDecodeError extends Error {
  override readonly name = "ProtocolDecodeError";
}

/** Reads the native protocol's notations ([short], [int], [string], [bytes], ...) from a body. */
export class ByteReader {
  private offset = 0;

  constructor(private readonly buf: Buffer) {}

  private need(n: number, what: string): void {
    if (n < 0 || this.offset + n > this.buf.length) {
      throw new ProtocolDecodeError(`Not enough bytes to read ${what} (need ${n}, have ${this.buf.length - this.offset})`);
    }
  }

  /** Bytes left unread. */
  remaining(): number {
    return this.buf.length - this.offset;
  }

  byte(): number {
    this.need(1, "a byte");
    return this.buf.readUInt8(this.offset++);
  }

  short(): number {
    this.need(2, "a short");
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int(): number {
    this.need(4, "an int");
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  long(): bigint {
    this.need(8, "a long");
    const v = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  private raw(n: number, what: string): Buffer {
    this.need(n, what);
    const out = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  string(): string {
    return this.raw(this.short(), "a string").toString("utf8");
  }

  longString(): string {
    const n = this.int();
    if (n < 0) throw new ProtocolDecodeError("Invalid negative long string length");
    return this.raw(n, "a long string").toString("utf8");
  }

  /** [bytes]: null for length -1, "unset" for -2 (protocol v4 values). */
  bytes(): Buffer | null | "unset" {
    const n = this.int();
    if (n === -1) return null;
    if (n === -2) return "unset";
    if (n < 0) throw new ProtocolDecodeError(`Invalid value length ${n}`);
    return this.raw(n, "a value");
  }

  shortBytes(): Buffer {
    return this.raw(this.short(), "short bytes");
  }

  stringList(): string[] {
    const n = this.short();
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.string());
    return out;
  }

  stringMap(): Record<string, string> {
    const n = this.short();
    const out: Record<string, string> = {};
    for (let i = 0; i < n; i++) {
      const k = this.string();
      out[k] = this.string();
    }
    return out;
  }

  /** [bytes map], as sent in a custom payload. */
  bytesMap(): void {
    const n = this.short();
    for (let i = 0; i < n; i++) {
      this.string();
      this.bytes();
    }
  }
}

/** Builds a body from the native protocol's notations. */
export class ByteWriter {
  private readonly parts: Buffer[] = [];

  byte(v: number): this {
    const b = Buffer.alloc(1);
    b.writeUInt8(v);
    this.parts.push(b);
    return this;
  }

  short(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    this.parts.push(b);
    return this;
  }

  int(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }

  string(s: string): this {
    const b = Buffer.from(s, "utf8");
    this.short(b.length);
    this.parts.push(b);
    return this;
  }

  /** [bytes]; null is written as length -1. */
  bytes(v: Uint8Array | null): this {
    if (v === null) return this.int(-1);
    this.int(v.length);
    this.parts.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    return this;
  }

  shortBytes(v: Uint8Array): this {
    this.short(v.length);
    this.parts.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    return this;
  }

  stringList(list: string[]): this {
    this.short(list.length);
    for (const s of list) this.string(s);
    return this;
  }

  stringMultimap(map: Record<string, string[]>): this {
    const entries = Object.entries(map);
    this.short(entries.length);
    for (const [k, v] of entries) {
      this.string(k);
      this.stringList(v);
    }
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}
