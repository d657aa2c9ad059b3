import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** An HTTP server listening on 127.0.0.1. */
export interface LocalListener {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** Stops listening and drops open connections; later calls return the first call's promise. */
  close(): Promise<void>;
}

/** Starts `server` on 127.0.0.1 and a free port. */
export async function listenLocally(server: Server): Promise<LocalListener> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Clients keep sockets alive; without this, close() waits for them to time out.
        server.closeAllConnections();
      })),
  };
}
