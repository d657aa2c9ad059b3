/**
 * A TCP proxy in front of a test or real server that kills connections on
 * demand: while armed, a connection that sends a request is destroyed on both
 * sides before the request reaches the server, so the client sees its
 * connection die in the middle of an operation.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

/** A running proxy. */
export interface ConnectionKiller {
  readonly host: string;
  readonly port: number;
  /** `host:port` of the proxy. */
  readonly address: string;
  /** Kills every connection that sends data from now on, until {@link ConnectionKiller.disarm}. */
  arm(): void;
  disarm(): void;
  /** Connections killed so far. */
  readonly killed: number;
  /** Destroys every open connection now. */
  killAll(): void;
  close(): Promise<void>;
}

/**
 * Starts a proxy on 127.0.0.1 and a free port forwarding to `target` (`host:port`).
 *
 * @example
 * const killer = await startConnectionKiller(server.address);
 * killer.arm();
 * await expect(repo.get(key)).rejects.toMatchObject({ code: "E_UNAVAILABLE" });
 * killer.disarm();
 */
export async function startConnectionKiller(target: string): Promise<ConnectionKiller> {
  const split = target.lastIndexOf(":");
  const targetHost = target.slice(0, split);
  const targetPort = Number(target.slice(split + 1));
  const open = new Set<Socket>();
  let armed = false;
  let killed = 0;
  const server: Server = createServer((client) => {
    const upstream = connect({ host: targetHost, port: targetPort });
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", drop);
    upstream.on("error", drop);
    client.on("close", drop);
    upstream.on("close", drop);
    client.on("data", (chunk: Buffer) => {
      if (armed) {
        killed++;
        drop();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", () => undefined);
  const { port } = server.address() as AddressInfo;
  return {
    host: "127.0.0.1",
    port,
    address: `127.0.0.1:${port}`,
    arm: () => {
      armed = true;
    },
    disarm: () => {
      armed = false;
    },
    get killed() {
      return killed;
    },
    killAll: () => {
      for (const socket of open) socket.destroy();
      open.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        open.clear();
        server.close(() => resolve());
      }),
  };
}
