import { Socket } from "node:net";
import cassandra from "cassandra-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCassandraTestCluster, type CassandraTestCluster } from "../src/cassandra-test-cluster.js";

// Framing faults cannot be produced through the driver, so these tests speak raw frames. They run against the
// in-process CQL test server, or against a real Cassandra when POLYXENA_TEST_CASSANDRA=host:port is set.
// Tests named "(server-only: ...)" check where the test server deliberately differs, and fail loudly on a real cluster.

let cluster: CassandraTestCluster;
let host: string;
let port: number;

beforeAll(async () => {
  cluster = await createCassandraTestCluster("cql-server-protocol");
  const separator = cluster.contactPoint.lastIndexOf(":");
  host = cluster.contactPoint.slice(0, separator);
  port = Number(cluster.contactPoint.slice(separator + 1));
});

afterAll(async () => {
  await cluster?.close();
});

interface Response {
  version: number;
  streamId: number;
  opcode: number;
  body: Buffer;
}

class RawClient {
  private buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  readonly socket = new Socket();
  closed = false;

  async connect(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.socket.once("error", reject);
      this.socket.connect(port, host, () => resolve());
    });
    this.socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiters.splice(0).forEach((w) => w());
    });
    this.socket.on("close", () => {
      this.closed = true;
      this.waiters.splice(0).forEach((w) => w());
    });
  }

  send(version: number, streamId: number, opcode: number, body: Buffer, flags = 0): void {
    const header = Buffer.alloc(9);
    header.writeUInt8(version, 0);
    header.writeUInt8(flags, 1);
    header.writeInt16BE(streamId, 2);
    header.writeUInt8(opcode, 4);
    header.writeInt32BE(body.length, 5);
    this.socket.write(Buffer.concat([header, body]));
  }

  async read(): Promise<Response> {
    while (this.buffer.length < 9 || this.buffer.length < 9 + this.buffer.readInt32BE(5)) {
      if (this.closed) throw new Error("connection closed");
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    const length = this.buffer.readInt32BE(5);
    const response = {
      version: this.buffer.readUInt8(0),
      streamId: this.buffer.readInt16BE(2),
      opcode: this.buffer.readUInt8(4),
      body: this.buffer.subarray(9, 9 + length),
    };
    this.buffer = this.buffer.subarray(9 + length);
    return response;
  }

  async waitClosed(): Promise<void> {
    while (!this.closed) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

function stringMap(map: Record<string, string>): Buffer {
  const parts: Buffer[] = [Buffer.from([0, Object.keys(map).length])];
  for (const [k, v] of Object.entries(map)) {
    for (const s of [k, v]) {
      const b = Buffer.from(s);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(b.length);
      parts.push(len, b);
    }
  }
  return Buffer.concat(parts);
}

function errorOf(response: Response): { code: number; message: string } {
  expect(response.opcode).toBe(0x00);
  const code = response.body.readInt32BE(0);
  const len = response.body.readUInt16BE(4);
  return { code, message: response.body.subarray(6, 6 + len).toString("utf8") };
}

async function started(): Promise<RawClient> {
  const c = new RawClient();
  await c.connect();
  c.send(0x04, 1, 0x01, stringMap({ CQL_VERSION: "3.0.0" }));
  const ready = await c.read();
  expect(ready.opcode).toBe(0x02);
  return c;
}

describe("native protocol framing", () => {
  it("answers OPTIONS with SUPPORTED and STARTUP with READY on v4 response frames", async () => {
    const c = new RawClient();
    await c.connect();
    c.send(0x04, 7, 0x05, Buffer.alloc(0));
    const supported = await c.read();
    expect([supported.version, supported.streamId, supported.opcode]).toEqual([0x84, 7, 0x06]);
    expect(supported.body.toString("latin1")).toContain("PROTOCOL_VERSIONS");
    c.send(0x04, 8, 0x01, stringMap({ CQL_VERSION: "3.0.0" }));
    const ready = await c.read();
    expect([ready.version, ready.streamId, ready.opcode, ready.body.length]).toEqual([0x84, 8, 0x02, 0]);
    c.socket.destroy();
  });

  it("rejects protocol v5 with a Protocol_error in a v4 frame, then closes (server-only: Cassandra 4 speaks v5, the test server v4 alone)", async () => {
    cluster.requireServer("a server limited to protocol v4");
    const c = new RawClient();
    await c.connect();
    c.send(0x05, 3, 0x01, stringMap({ CQL_VERSION: "3.0.0" }));
    const response = await c.read();
    expect(response.version).toBe(0x84);
    expect(response.streamId).toBe(3);
    expect(errorOf(response)).toEqual({ code: 0x000a, message: "Invalid or unsupported protocol version (5); supported versions are (4/v4)" });
    await c.waitClosed();
  });

  it("refuses requests before STARTUP", async () => {
    const c = new RawClient();
    await c.connect();
    c.send(0x04, 1, 0x07, Buffer.alloc(0));
    expect(errorOf(await c.read())).toEqual({ code: 0x000a, message: "Unexpected message QUERY, expecting STARTUP or OPTIONS" });
    c.socket.destroy();
  });

  it("refuses lz4 compression (server-only: Cassandra compresses with lz4, the test server with nothing)", async () => {
    cluster.requireServer("a server without compression");
    const c = new RawClient();
    await c.connect();
    c.send(0x04, 2, 0x01, stringMap({ CQL_VERSION: "3.0.0", COMPRESSION: "lz4" }));
    expect(errorOf(await c.read())).toEqual({ code: 0x000a, message: "Unknown compression algorithm: lz4" });
    c.socket.destroy();
  });

  it("answers a truncated body with a Protocol_error and keeps serving", async () => {
    const c = await started();
    // QUERY whose long string claims 1000 bytes but carries 3.
    const body = Buffer.concat([Buffer.from([0, 0, 0x03, 0xe8]), Buffer.from("SEL")]);
    c.send(0x04, 2, 0x07, body);
    const truncated = errorOf(await c.read());
    expect(truncated.code).toBe(0x000a);
    expect(truncated.message).toMatch(/^Not enough bytes/);
    c.send(0x04, 4, 0x05, Buffer.alloc(0));
    expect((await c.read()).opcode).toBe(0x06);
    c.socket.destroy();
  });

  it("answers an unknown opcode, and every later frame on that connection, with the same Protocol_error (Cassandra 5.0)", async () => {
    const c = await started();
    c.send(0x04, 3, 0x42, Buffer.alloc(0));
    expect(errorOf(await c.read())).toEqual({ code: 0x000a, message: "Unknown opcode 66" });
    c.send(0x04, 4, 0x05, Buffer.alloc(0));
    const next = await c.read();
    expect([next.streamId, errorOf(next)]).toEqual([3, { code: 0x000a, message: "Unknown opcode 66" }]);
    c.socket.destroy();
  });

  it("answers Unprepared with the unknown id", async () => {
    const c = await started();
    const id = Buffer.from("00112233445566778899aabbccddeeff", "hex");
    const body = Buffer.concat([Buffer.from([0, 16]), id, Buffer.from([0, 1, 0])]);
    c.send(0x04, 9, 0x0a, body);
    const response = await c.read();
    const err = errorOf(response);
    expect(err.code).toBe(0x2500);
    const msgLen = response.body.readUInt16BE(4);
    const idLen = response.body.readUInt16BE(6 + msgLen);
    expect(response.body.subarray(8 + msgLen, 8 + msgLen + idLen).toString("hex")).toBe(id.toString("hex"));
    c.socket.destroy();
  });

  it("survives a client that disconnects mid-frame", async () => {
    const c = await started();
    c.socket.write(Buffer.from([0x04, 0, 0, 5, 0x07, 0, 0, 0, 100, 1, 2]));
    c.socket.destroy();
    const client = new cassandra.Client({ contactPoints: [cluster.contactPoint], localDataCenter: cluster.localDataCenter });
    try {
      await client.connect();
      const rs = await client.execute("SELECT release_version FROM system.local");
      expect(rs.first()["release_version"]).toMatch(/^5\.0\./);
    } finally {
      await client.shutdown();
    }
  });

  it("answers every frame with a random body with a response, and keeps serving", async () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const c = await started();
    const opcodes = [0x05, 0x07, 0x09, 0x0a, 0x0b, 0x0d];
    for (let i = 0; i < 300; i++) {
      const length = Math.floor(random() * 40);
      const body = Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
      const opcode = opcodes[i % opcodes.length]!;
      c.send(0x04, i % 1000, opcode, body);
      const response = await c.read();
      expect(response.streamId).toBe(i % 1000);
      expect([0x00, 0x02, 0x06, 0x08]).toContain(response.opcode);
    }
    c.send(0x04, 5, 0x05, Buffer.alloc(0));
    expect((await c.read()).opcode).toBe(0x06);
    c.socket.destroy();
  });
});
