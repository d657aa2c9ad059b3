/**
 * The Elasticsearch a test file talks to: a real cluster when
 * `POLYXENA_TEST_ELASTICSEARCH=http://host:9200` is set, otherwise the in-process
 * Elasticsearch test server. Either way the test gets a URL for the official client's
 * `node` option and an index-name prefix of its own, for the adapter's `indexPrefix`.
 */
import { randomBytes } from "node:crypto";
import { startElasticsearchTestServer, type ElasticsearchTestServer, type ElasticsearchTestServerOptions } from "./elasticsearch-server/index.js";

/** The environment variable naming a real Elasticsearch (`http://host:port`, credentials allowed in the URL). */
export const ELASTICSEARCH_TEST_ENV = "POLYXENA_TEST_ELASTICSEARCH";

/** What {@link createElasticsearchTestCluster} hands a test file. */
export interface ElasticsearchTestCluster {
  /** Base URL for the official client's `node` option. */
  readonly url: string;
  /**
   * An index-name prefix unique to this test file (`px_<label>_<random>_`): pass it as the
   * adapter's `indexPrefix`, and start raw-client index names with it. `close()` deletes
   * every index starting with it on a real cluster.
   */
  readonly indexPrefix: string;
  /** True when the tests run against the real cluster named by `POLYXENA_TEST_ELASTICSEARCH`. */
  readonly external: boolean;
  /** The in-process server, or undefined on a real cluster. */
  readonly server: ElasticsearchTestServer | undefined;
  /**
   * The in-process server, for tests that need its engine or its clock. On a real cluster
   * it throws, naming the feature, so such a test fails loudly instead of passing or skipping.
   */
  requireServer(feature: string): ElasticsearchTestServer;
  /** Deletes this file's indices (real cluster) or stops the in-process server. */
  close(): Promise<void>;
}

/**
 * Starts the in-process Elasticsearch test server, or, when `POLYXENA_TEST_ELASTICSEARCH`
 * is set, checks that the cluster it names answers. `label` names the index prefix.
 *
 * @example
 * const cluster = await createElasticsearchTestCluster("elasticsearch-bulk");
 * const client = new Client({ node: cluster.url });
 * const adapter = createElasticsearchAdapter({ client }, { indexPrefix: cluster.indexPrefix });
 * afterAll(() => cluster.close());
 */
export async function createElasticsearchTestCluster(
  label: string,
  options: Pick<ElasticsearchTestServerOptions, "clock"> = {},
): Promise<ElasticsearchTestCluster> {
  const safe = label.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 24);
  const indexPrefix = `px_${safe}_${randomBytes(4).toString("hex")}_`;
  const target = process.env[ELASTICSEARCH_TEST_ENV];
  if (target !== undefined && target !== "") return connectExternal(target, indexPrefix);

  const server = await startElasticsearchTestServer(options.clock ? { clock: options.clock } : {});
  return {
    url: server.url,
    indexPrefix,
    external: false,
    server,
    requireServer: () => server,
    close: () => server.close(),
  };
}

/** `fetch` refuses URLs with credentials: move them into an Authorization header. */
function endpoint(target: string): { base: string; headers: Record<string, string> } {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new Error(`${ELASTICSEARCH_TEST_ENV} must be a URL such as http://127.0.0.1:9200, got ${JSON.stringify(target)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`${ELASTICSEARCH_TEST_ENV} must be an http(s) URL, got ${JSON.stringify(target)}`);
  }
  const headers: Record<string, string> = { accept: "application/json" };
  if (url.username !== "") {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    url.username = "";
    url.password = "";
  }
  return { base: url.toString().replace(/\/+$/, ""), headers };
}

async function connectExternal(target: string, indexPrefix: string): Promise<ElasticsearchTestCluster> {
  const { base, headers } = endpoint(target);
  try {
    const res = await fetch(`${base}/`, { headers, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`GET / answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Elasticsearch is not reachable at ${base} (${reason}). Start it (see docker-compose.yml) ` +
        `or unset ${ELASTICSEARCH_TEST_ENV} to use the in-process Elasticsearch test server.`,
      { cause: error },
    );
  }
  let closed = false;
  return {
    url: target,
    indexPrefix,
    external: true,
    server: undefined,
    requireServer(feature) {
      throw new Error(
        `this test needs the in-process Elasticsearch test server (${feature}), which a real cluster does not offer; ` +
          `${ELASTICSEARCH_TEST_ENV}=${base} is set. Run it without ${ELASTICSEARCH_TEST_ENV}.`,
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      // Wildcard deletes are refused by default (action.destructive_requires_name): list, then delete by name.
      const res = await fetch(`${base}/${indexPrefix}*?expand_wildcards=all`, { headers });
      if (!res.ok) throw new Error(`listing ${indexPrefix}* failed with ${res.status}`);
      const names = Object.keys((await res.json()) as Record<string, unknown>);
      if (names.length === 0) return;
      const del = await fetch(`${base}/${names.map(encodeURIComponent).join(",")}`, { method: "DELETE", headers });
      if (!del.ok) throw new Error(`deleting ${names.join(",")} failed with ${del.status}: ${(await del.text()).slice(0, 200)}`);
    },
  };
}
