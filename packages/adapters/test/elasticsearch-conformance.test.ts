import { Client } from "@elastic/elasticsearch";
import { createElasticsearchAdapter } from "../src/elasticsearch/index.js";
import { createMemoryElasticsearchAdapter } from "../src/memory/memory-elasticsearch-adapter.js";
import { storeConformance } from "../../testkit/src/conformance/store-conformance.js";
import { startElasticsearchTestServer } from "../../testkit/src/elasticsearch-server/index.js";

storeConformance("memory elasticsearch", {
  kind: "elasticsearch",
  async setup() {
    return { adapter: createMemoryElasticsearchAdapter(), cleanup: async () => undefined };
  },
});

storeConformance("elasticsearch (official client, test server)", {
  kind: "elasticsearch",
  async setup(definitions) {
    const server = await startElasticsearchTestServer();
    const client = new Client({ node: server.url, maxRetries: 0 });
    const adapter = createElasticsearchAdapter({ client });
    await adapter.applySchema(definitions.map((d) => d.model));
    return {
      adapter,
      async cleanup() {
        await adapter.close();
        await client.close();
        await server.close();
      },
    };
  },
});
