import { Client } from "@elastic/elasticsearch";
import { createElasticsearchAdapter } from "@polyxena/adapters/elasticsearch";
import { createMemoryElasticsearchAdapter } from "@polyxena/memory";
import { createElasticsearchTestCluster, ELASTICSEARCH_TEST_ENV } from "../../elasticsearch-test-cluster.js";
import type { StoreTestKit } from "../store-test-kit.js";

/**
 * Elasticsearch in tests: the official client against the in-process search
 * test server (or the cluster `POLYXENA_TEST_ELASTICSEARCH` names), an index
 * prefix per label; the memory twin is the real adapter over the in-process
 * search engine.
 */
export const elasticsearchTestKit: StoreTestKit = {
  kind: "elasticsearch",
  endpoint: { env: ELASTICSEARCH_TEST_ENV, start: "pnpm test:real opensearch" },
  async real(label) {
    const cluster = await createElasticsearchTestCluster(label);
    // No client retries: a refused request is the adapter's to report, at once.
    const clients: Client[] = [];
    return {
      adapter() {
        const client = new Client({ node: cluster.url, maxRetries: 0 });
        clients.push(client);
        return createElasticsearchAdapter({ client }, { indexPrefix: cluster.indexPrefix });
      },
      async close() {
        for (const client of clients) await client.close();
        await cluster.close();
      },
    };
  },
  async memory() {
    return { adapter: () => createMemoryElasticsearchAdapter(), close: async () => undefined };
  },
};
