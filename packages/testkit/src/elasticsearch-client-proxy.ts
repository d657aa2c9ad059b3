/**
 * An HTTP proxy that lets the official Elasticsearch 9 client talk to an
 * OpenSearch node: the only real search server Maven Central serves here (see
 * the testkit README, "Real engines").
 *
 * The client identifies the product it talks to, and nothing else stands in
 * its way: it asks for `application/vnd.elasticsearch+json; compatible-with=9`,
 * which OpenSearch does not know, and it refuses a 2xx answer without the
 * `x-elastic-product: Elasticsearch` header. The proxy rewrites those two
 * headers and passes every request and answer through otherwise unchanged, so
 * the adapter suites meet OpenSearch's own behaviour.
 */
import { createServer, request, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** A running {@link startElasticsearchClientProxy}. */
export interface ElasticsearchClientProxy {
  /** Base URL to give the Elasticsearch client (`http://127.0.0.1:<port>`). */
  readonly url: string;
  close(): Promise<void>;
}

const VENDORED_MEDIA_TYPE = /application\/vnd\.elasticsearch\+(json|x-ndjson)(\s*;\s*compatible-with=\d+)?/g;

/** The request's headers with the client's vendored media types replaced by the plain ones. */
function plainMediaTypes(headers: IncomingHttpHeaders, target: URL): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers, host: target.host };
  for (const name of ["content-type", "accept"] as const) {
    const value = out[name];
    if (typeof value === "string") out[name] = value.replace(VENDORED_MEDIA_TYPE, (_all, kind: string) => `application/${kind}`);
  }
  return out;
}

/** Starts the proxy in front of the search server at `targetUrl`, on a free loopback port. */
export async function startElasticsearchClientProxy(targetUrl: string): Promise<ElasticsearchClientProxy> {
  const target = new URL(targetUrl);
  const server = createServer((incoming, outgoing) => {
    const forwarded = request(
      // A connection per request: a reused idle connection that the server has just closed would fail a request the client sent only once.
      { hostname: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: plainMediaTypes(incoming.headers, target), agent: false },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, { ...answer.headers, "x-elastic-product": "Elasticsearch" });
        answer.pipe(outgoing);
      },
    );
    forwarded.on("error", (error) => {
      if (!outgoing.headersSent) outgoing.writeHead(502, { "content-type": "text/plain" });
      outgoing.end(`search server unreachable through the proxy: ${error.message}`);
    });
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
