/** The Elasticsearch-compatible test server (HTTP) over the in-memory search engine. */
export { startElasticsearchTestServer } from "./elasticsearch-test-server.js";
export type { ElasticsearchTestServer, ElasticsearchTestServerOptions } from "./elasticsearch-test-server.js";
export { SearchEngine } from "@polyxena/memory/search-engine";
