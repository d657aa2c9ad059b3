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
});
