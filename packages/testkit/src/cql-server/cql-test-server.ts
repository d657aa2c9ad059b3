import { createHash } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { CqlConnection, type ServerContext } from "./cql-connection.js";
import { CassandraEngine, type EngineClock, type PreparedCql } from "@polyxena/memory/cassandra-engine";
import type { RecordedRequest } from "./request-log.js";

/** Options of {@link startCqlTestServer}. */
export interface CqlTestServerOptions {
  /** Port to listen on; 0 (default) picks a free port. */
  port?: number;
  /** Clock of the storage engine, e.g. a `ManualClock` to expire TTLs without sleeping. */
  clock?: EngineClock;
  /** An existing engine to serve (default: a new one). */
  engine?: CassandraEngine;
  /** Keep every request in `requests` (default true; turn off for long benchmark runs). */
  recordRequests?: boolean;
  /**
   * Nodes of the simulated cluster (default 1): consistency levels count live replicas among them;
   * stop and start them with `engine.replicas.down`.
   */
  replicas?: number;
}

/** A running CQL test server. */
export interface CqlTestServer {
  host: "127.0.0.1";
  port: number;
  /** `host:port`, for the driver's `contactPoints`. */
  contactPoint: string;
  /** The data center `system.local` reports; pass it as the driver's `localDataCenter`. */
  localDataCenter: string;
  /** Every request frame received, in arrival order. */
  requests: RecordedRequest[];
  clearRequests(): void;
  /** Forgets all prepared statements: the next EXECUTE of each gets an Unprepared error. */
  clearPreparedStatements(): void;
  /** Number of prepared statements held. */
  preparedCount(): number;
  /**
   * Installs a hook awaited before each QUERY/PREPARE/EXECUTE/BATCH runs (null removes it).
   * A hook that returns a pending promise holds the request in flight; one that throws a
   * `CqlError` (e.g. Read_timeout with its details) makes the server answer with that error.
   *
   * @example
   * server.setRequestHook((r) => {
   *   if (r.query?.startsWith("SELECT")) throw new CqlError(CqlErrorCode.readTimeout, "Operation timed out", {
   *     readTimeout: { consistency: 0x0006, received: 0, blockFor: 1, dataPresent: false },
   *   });
   * });
   */
  setRequestHook(hook: ((request: RecordedRequest) => void | Promise<void>) | null): void;
  engine: CassandraEngine;
  /** Stops listening and destroys every client socket. */
  close(): Promise<void>;
}

/**
 * Starts an in-process server speaking the Cassandra native protocol v4, backed
 * by the in-memory {@link CassandraEngine}, so the stock `cassandra-driver` can
 * be tested end to end.
 *
 * @example
 * const server = await startCqlTestServer();
 * const client = new cassandra.Client({ contactPoints: [server.contactPoint], localDataCenter: server.localDataCenter });
 * await client.connect();
 * // ...
 * await client.shutdown();
 * await server.close();
 */
export async function startCqlTestServer(options: CqlTestServerOptions = {}): Promise<CqlTestServer> {
  const engine = options.engine ?? new CassandraEngine({ ...(options.clock ? { clock: options.clock } : {}), ...(options.replicas ? { replicas: options.replicas } : {}) });
  const requests: RecordedRequest[] = [];
  const prepared = new Map<string, PreparedCql>();
  const connections = new Set<CqlConnection>();
  let hook: ((request: RecordedRequest) => void | Promise<void>) | null = null;
  let nextConnectionId = 1;

  const context: ServerContext = {
    engine,
    record: (request) => {
      if (options.recordRequests !== false) requests.push(request);
    },
    prepare(query, keyspace) {
      const statement = engine.prepare(query, keyspace);
      // Cassandra's statement id: MD5 of the keyspace (when set) followed by the query string.
      const id = createHash("md5").update((keyspace ?? "") + query, "utf8").digest();
      prepared.set(id.toString("hex"), statement);
      return { id, prepared: statement };
    },
    lookupPrepared: (id) => prepared.get(id.toString("hex")),
    onSchemaChange(result) {
      for (const c of connections) c.pushSchemaChange(result);
      if (result.change === "CREATED") return;
      // Like Cassandra, forget statements on an altered or dropped table or keyspace (drivers re-prepare).
      for (const [key, p] of prepared) {
        if (p.table && p.table.keyspace === result.keyspace && (result.target === "KEYSPACE" || p.table.name === result.table)) {
          prepared.delete(key);
        }
      }
    },
    hook: (request) => (hook ? hook(request) : undefined),
  };

  const server: Server = createServer((socket: Socket) => {
    const connection = new CqlConnection(nextConnectionId++, socket, context);
    connections.add(connection);
    socket.on("close", () => connections.delete(connection));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  engine.setNodeInfo({ address: "127.0.0.1", port });

  return {
    host: "127.0.0.1",
    port,
    contactPoint: `127.0.0.1:${port}`,
    localDataCenter: engine.node.dataCenter,
    requests,
    clearRequests: () => {
      requests.length = 0;
    },
    clearPreparedStatements: () => prepared.clear(),
    preparedCount: () => prepared.size,
    setRequestHook: (h) => {
      hook = h;
    },
    engine,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of connections) c.destroy();
        connections.clear();
        server.close(() => resolve());
      }),
  };
}
