/** The Elasticsearch test kit, found by the testkit through the store registry. */
export { elasticsearchTestKit as testKit } from "./elasticsearch-test-kit.js";
