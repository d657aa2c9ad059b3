import { Client } from "@elastic/elasticsearch";
import { createElasticsearchAdapter } from "../src/elasticsearch/index.js";
import { createMemoryElasticsearchAdapter } from "@polyxena/memory";
import { storeConformance, createElasticsearchTestCluster } from "@polyxena/testkit";

storeConformance("memory elasticsearch", {
  kind: "elasticsearch",
  async setup() {
    return { adapter: createMemoryElasticsearchAdapter(), cleanup: async () => undefined };
  },
});

// The test server, or the cluster named by POLYXENA_TEST_ELASTICSEARCH.
storeConformance("elasticsearch (official client)", {
  kind: "elasticsearch",
  async setup(definitions) {
    const cluster = await createElasticsearchTestCluster("elasticsearch-conformance");
    const client = new Client({ node: cluster.url, maxRetries: 0 });
    const adapter = createElasticsearchAdapter({ client }, { indexPrefix: cluster.indexPrefix });
    await adapter.applySchema(definitions.map((d) => d.model));
    return {
      adapter,
      async cleanup() {
        await adapter.close();
        await client.close();
        await cluster.close();
      },
    };
  },
});
