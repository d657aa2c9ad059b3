#!/usr/bin/env node
// `pnpm test:real [engine ...]`: starts each real engine in ENGINES (all, or the ones named), runs
// that engine's vitest file sets against it unchanged (the suites read POLYXENA_TEST_* from the
// environment), stops it, and goes on to the next. Engines run one after another: the CI machine
// has two cores, and a JVM engine beside another one would only slow both down.
//
// Adding an engine: append an entry to ENGINES with
//   name   - what `pnpm test:real NAME` selects;
//   start  - starts the engine, prints its own version, returns { env, stop };
//   suites - vitest file sets run with `env` set: { files, testNamePattern? }.
// The script runs under `node --import tsx`, so it imports the testkit's TypeScript launchers directly.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Tests that inspect an in-process test server say `server-only` in their name; a real engine cannot run them. */
const EXCEPT_SERVER_ONLY = "^(?!.*server-only)";
/** The cases a store test kit registers on one store's real adapter (`<kind> (real): ...`), server-only ones left out. */
const realAdapterOf = (kind) => `^${kind} \\(real\\)(?!.*server-only)`;

const ENGINES = [
  {
    name: "cassandra",
    async start() {
      const { startCassandra } = await import("../packages/testkit/src/cassandra-server.ts");
      const { cassandraReleaseVersion } = await import("../packages/testkit/src/stores/cassandra/cassandra-release-version.ts");
      const server = await startCassandra();
      const contactPoint = server.contactPoints[0];
      try {
        const version = await cassandraReleaseVersion([contactPoint], server.localDataCenter);
        console.log(`[test:real] Apache Cassandra ${version} (system.local release_version) at ${contactPoint}`);
      } catch (error) {
        await server.stop();
        throw error;
      }
      return {
        env: { POLYXENA_TEST_CASSANDRA: contactPoint, POLYXENA_TEST_CASSANDRA_DC: server.localDataCenter },
        stop: () => server.stop(),
      };
    },
    suites: [
      {
        files: [
          // The Cassandra adapter suites.
          "packages/adapters/test/cassandra-adapter.test.ts",
          "packages/adapters/test/cassandra-adapter-errors.test.ts",
          "packages/adapters/test/cassandra-connection.test.ts",
          "packages/adapters/test/cassandra-ttl-updates.test.ts",
          "packages/adapters/test/cassandra-write-limits.test.ts",
          // The Cassandra outbox (change events in the write's logged batch, LWT leases).
          "packages/testkit/test/events/outbox-cassandra.test.ts",
          // The CQL test server's own suites.
          "packages/testkit/test/cql-server.test.ts",
          "packages/testkit/test/cql-server-paging.test.ts",
          "packages/testkit/test/cql-server-protocol.test.ts",
          "packages/testkit/test/cql-server-strictness.test.ts",
          "packages/testkit/test/cql-server-test-cluster.test.ts",
          // The streaming example's scenarios with their Cassandra store on this node.
          "examples/streaming/test/streaming-real-engines.test.ts",
        ],
        testNamePattern: EXCEPT_SERVER_ONLY,
      },
      // The shared store conformance suite and Cassandra's extras, from its test kit.
      { files: ["packages/testkit/test/store-conformance-real.test.ts"], testNamePattern: realAdapterOf("cassandra") },
    ],
  },
  {
    // Consistency on replicas: the test file starts a real three-node cluster on 127.0.0.1-3 itself
    // (it stops nodes during the test), so this entry only tells it to.
    name: "cassandra-replicas",
    async start() {
      return { env: { POLYXENA_TEST_CASSANDRA_REPLICAS: "launch" }, stop: async () => {} };
    },
    suites: [{ files: ["packages/adapters/test/cassandra-replicas.test.ts"] }],
  },
  {
    // OpenSearch 2.19 (Maven Central serves no Elasticsearch 9 node that starts). The official
    // Elasticsearch client refuses it by product header and media type only, so the adapter suites
    // reach it through the testkit's client proxy, which rewrites those two headers; the cross-check
    // suite sends the same raw HTTP requests to it and to the in-process test server and compares.
    name: "search",
    async start() {
      const { startOpenSearch } = await import("../packages/testkit/src/opensearch-server.ts");
      const { startElasticsearchClientProxy } = await import("../packages/testkit/src/elasticsearch-client-proxy.ts");
      const server = await startOpenSearch();
      const proxy = await startElasticsearchClientProxy(server.url);
      console.log(`[test:real] ${server.distribution} ${server.version} (GET / version.number) at ${server.url}, for the Elasticsearch client at ${proxy.url}`);
      return {
        env: { POLYXENA_TEST_SEARCH_REFERENCE: server.url, POLYXENA_TEST_ELASTICSEARCH: proxy.url, POLYXENA_TEST_REAL: "1" },
        stop: async () => {
          await proxy.close();
          await server.stop();
        },
      };
    },
    suites: [
      {
        files: [
          // The Elasticsearch adapter suites.
          "packages/adapters/test/elasticsearch-adapter.test.ts",
          "packages/adapters/test/elasticsearch-bulk.test.ts",
          "packages/adapters/test/elasticsearch-hostile-input.test.ts",
          "packages/adapters/test/elasticsearch-reindex.test.ts",
          "packages/adapters/test/elasticsearch-schema-plan.test.ts",
          "packages/testkit/test/search-cross-check.real.test.ts",
          // The streaming example's scenarios with their search store on this node.
          "examples/streaming/test/streaming-real-engines.test.ts",
        ],
        testNamePattern: EXCEPT_SERVER_ONLY,
      },
      // The shared store conformance suite on the Elasticsearch adapter, from its test kit.
      { files: ["packages/testkit/test/store-conformance-real.test.ts"], testNamePattern: realAdapterOf("elasticsearch") },
    ],
  },
  {
    // `pnpm demo --backends local --engines real`: the demo starts real Cassandra and OpenSearch itself
    // (beside Postgres, the testkit's DynamoDB engine server and memcached), runs every scenario on them and stops them.
    name: "demo",
    async start() {
      return { env: { POLYXENA_TEST_DEMO_ENGINES: "real" }, stop: async () => {} };
    },
    suites: [{ files: ["examples/streaming/test/demo-local.test.ts"] }],
  },
  {
    // Apache Kafka 4 (KRaft, one node) from Maven Central, beside OpenSearch: the change-event history
    // test publishes through the Postgres outbox to Kafka, projects into the search server with external
    // versioning, and checks what a Kafka consumer saw. The two JVMs start side by side.
    name: "kafka",
    async start() {
      const { startKafka } = await import("../packages/testkit/src/kafka-server.ts");
      const { startOpenSearch } = await import("../packages/testkit/src/opensearch-server.ts");
      const { startElasticsearchClientProxy } = await import("../packages/testkit/src/elasticsearch-client-proxy.ts");
      const [kafka, search] = await Promise.allSettled([startKafka(), startOpenSearch()]);
      if (kafka.status === "rejected" || search.status === "rejected") {
        if (kafka.status === "fulfilled") await kafka.value.stop();
        if (search.status === "fulfilled") await search.value.stop();
        throw kafka.status === "rejected" ? kafka.reason : search.reason;
      }
      const proxy = await startElasticsearchClientProxy(search.value.url);
      console.log(`[test:real] Apache Kafka ${kafka.value.version} (KRaft, one node) at ${kafka.value.bootstrap}`);
      console.log(`[test:real] ${search.value.distribution} ${search.value.version} (GET / version.number) at ${search.value.url}, for the Elasticsearch client at ${proxy.url}`);
      return {
        env: { POLYXENA_TEST_KAFKA: kafka.value.bootstrap, POLYXENA_TEST_ELASTICSEARCH: proxy.url, POLYXENA_TEST_REAL: "1" },
        stop: async () => {
          await proxy.close();
          await kafka.value.stop();
          await search.value.stop();
        },
      };
    },
    suites: [{ files: ["packages/testkit/test/events/outbox-kafka.real.test.ts"] }],
  },
];

/** Runs one vitest file set; asynchronously, because an engine may serve from this process (the search client proxy). */
function runVitest(suite, env) {
  const args = ["run", ...suite.files];
  if (suite.testNamePattern) args.push("--testNamePattern", suite.testNamePattern);
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, "node_modules", ".bin", "vitest"), args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
    child.once("error", reject);
    child.once("close", (status) => resolve(status ?? 1));
  });
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !ENGINES.some((e) => e.name === name));
if (unknown.length > 0) {
  console.error(`unknown engine ${unknown.join(", ")}; engines: ${ENGINES.map((e) => e.name).join(", ")}`);
  process.exit(2);
}
let stopCurrent;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    console.error(`[test:real] ${signal}: stopping the engine`);
    Promise.resolve(stopCurrent?.()).finally(() => process.exit(130));
  });
}

const failed = [];
const started = Date.now();
for (const engine of ENGINES.filter((e) => wanted.length === 0 || wanted.includes(e.name))) {
  const t0 = Date.now();
  console.log(`[test:real] starting ${engine.name}`);
  const running = await engine.start();
  stopCurrent = running.stop;
  console.log(`[test:real] ${engine.name} started in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  try {
    for (const suite of engine.suites) if ((await runVitest(suite, running.env)) !== 0) failed.push(engine.name);
  } finally {
    stopCurrent = undefined;
    await running.stop();
  }
  console.log(`[test:real] ${engine.name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
console.log(`[test:real] all engines done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (failed.length > 0) {
  console.error(`[test:real] failures against: ${[...new Set(failed)].join(", ")}`);
  process.exit(1);
}
