import { defineConfig } from "@polyxena/codegen";

export default defineConfig({
  entities: [
    "./src/entities/profile.ts",
    "./src/entities/title.ts",
    "./src/entities/viewing-history.ts",
    "./src/entities/subscription.ts",
    "./src/entities/invoice.ts",
    "./src/entities/title-search.ts",
  ],
  out: "./src/generated",
  cassandra: { keyspace: "streaming", replication: { class: "NetworkTopologyStrategy", datacenter1: 3 } },
  // `polyxena schema apply` applies the schema through these adapters (configured from POLYXENA_TEST_* variables).
  stores: async () => {
    const { createRealStores, realStoresConfig } = await import("./src/real-stores.js");
    return createRealStores(realStoresConfig());
  },
});
