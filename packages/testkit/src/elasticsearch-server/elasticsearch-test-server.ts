import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SearchEngine, isSearchEngineError } from "@polyxena/memory/search-engine";
import { checkMediaTypes, parseJsonBody, parseNdjsonBody, readBody, sendReply } from "./http-exchange.js";
import type { HttpReply } from "./http-exchange.js";
import { routeRequest } from "./request-router.js";

/** Options of {@link startElasticsearchTestServer}. */
export interface ElasticsearchTestServerOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Host to bind; defaults to 127.0.0.1. */
  host?: string;
  /** Clock for refresh intervals and date math (inject to control near-real-time visibility). */
  clock?: () => number;
  /** Use an existing engine (for example to share it with the memory adapter). */
  engine?: SearchEngine;
}

/** A running test server. */
export interface ElasticsearchTestServer {
  /** Base URL for the official client's `node` option. */
  url: string;
  port: number;
  /** The engine holding the data, for direct inspection in tests. */
  engine: SearchEngine;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

async function handle(engine: SearchEngine, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let reply: HttpReply;
  try {
    const raw = await readBody(req);
    checkMediaTypes(req, raw.length > 0);
    const url = new URL(req.url ?? "/", "http://localhost");
    const segments = url.pathname.split("/").filter((s) => s.length > 0).map((s) => decodeURIComponent(s));
    // `/_bulk` and `/index/_bulk` only: `/index/_doc/_bulk` is a document id.
    const isBulk = segments.length <= 2 && segments[segments.length - 1] === "_bulk";
    reply = routeRequest(engine, {
      method: req.method ?? "GET",
      segments,
      path: url.pathname,
      query: url.searchParams,
      body: isBulk ? undefined : parseJsonBody(raw),
      lines: isBulk ? parseNdjsonBody(raw) : undefined,
    });
  } catch (e) {
    if (isSearchEngineError(e)) reply = { status: e.statusCode, body: e.body };
    else {
      const reason = e instanceof Error ? e.message : String(e);
      reply = { status: 500, body: { error: { root_cause: [{ type: "exception", reason }], type: "exception", reason }, status: 500 } };
    }
  }
  sendReply(req, res, reply);
}

/**
 * Starts an in-process HTTP server that speaks enough of Elasticsearch's REST API for the
 * official `@elastic/elasticsearch` client (index lifecycle, documents, bulk, search,
 * count, mget, aliases, mappings), backed by the in-memory {@link SearchEngine}.
 *
 * @example
 * const server = await startElasticsearchTestServer();
 * const client = new Client({ node: server.url });
 * // ...
 * await server.close();
 */
export async function startElasticsearchTestServer(options: ElasticsearchTestServerOptions = {}): Promise<ElasticsearchTestServer> {
  const engine = options.engine ?? new SearchEngine(options.clock ? { clock: options.clock } : {});
  const server = createServer((req, res) => {
    handle(engine, req, res).catch(() => {
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    port,
    engine,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
