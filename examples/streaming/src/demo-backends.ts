import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { MemoryCacheDriver, memoryStores } from "@polyxena/memory";
import { createCacheAside, type CacheAside, type StoreMap } from "@polyxena/core";
import {
  cassandraReleaseVersion,
  createPostgresTestDatabase,
  startCassandra,
  startCqlTestServer,
  startDynamoDbEngineServer,
  startElasticsearchClientProxy,
  startElasticsearchTestServer,
  startMemcached,
  startOpenSearch,
} from "@polyxena/testkit";
import type { DemoBackends, DemoEngines } from "./demo-args.js";
import { createRealCache, createRealStores, parseMemcachedZones, realStoresConfig } from "./real-stores.js";

/** The stores and cache the demo runs on, which engine each is, and how to stop what was started. */
export interface DemoBackend {
  /** Builds a fresh set of adapters (the seeding loader and the service each get their own). */
  stores(): StoreMap;
  cache: CacheAside;
  /** Whether the stores need `applySchema()` first. */
  needsSchema: boolean;
  engines: Record<string, string>;
  stop(): Promise<void>;
}

/** In-memory adapters and cache: nothing to start. */
function memoryBackend(): DemoBackend {
  const stores = memoryStores();
  return {
    stores: () => stores,
    cache: createCacheAside({ driver: new MemoryCacheDriver() }),
    needsSchema: false,
    engines: {
      postgres: "in-memory adapter",
      dynamodb: "in-memory adapter",
      cassandra: "in-memory adapter",
      elasticsearch: "in-memory adapter",
      cache: "in-memory cache driver (L1 + L2 in process)",
    },
    stop: async () => {},
  };
}

/** A started engine: where the adapters reach it, what it is, and how to stop it. */
interface StartedEngine<Address> {
  address: Address;
  label: string;
  stop(): Promise<unknown>;
}

/** Why the real Java engines cannot run here, or undefined when `java` and `mvn` both answer. */
function missingJavaTools(): string | undefined {
  const missing = ["java", "mvn"].filter((tool) => spawnSync(tool, ["-version"], { stdio: "ignore" }).status !== 0);
  return missing.length === 0 ? undefined : `${missing.join(" and ")} not found`;
}

type CassandraAddress = { contactPoints: string[]; localDataCenter: string };

/** Cassandra for the demo: the one POLYXENA_TEST_CASSANDRA names, a real node started here, or the testkit's CQL server. */
async function startDemoCassandra(real: boolean, fallbackReason: string): Promise<StartedEngine<CassandraAddress>> {
  const given = process.env.POLYXENA_TEST_CASSANDRA;
  if (given) {
    const address = { contactPoints: given.split(","), localDataCenter: process.env.POLYXENA_TEST_CASSANDRA_DC ?? "datacenter1" };
    const version = await cassandraReleaseVersion(address.contactPoints, address.localDataCenter);
    return { address, label: `Cassandra ${version} at ${given} (POLYXENA_TEST_CASSANDRA)`, stop: async () => {} };
  }
  if (real) {
    const server = await startCassandra();
    try {
      const version = await cassandraReleaseVersion(server.contactPoints, server.localDataCenter);
      return {
        address: { contactPoints: server.contactPoints, localDataCenter: server.localDataCenter },
        label: `Apache Cassandra ${version} at ${server.contactPoints.join(",")} (real, started for this run from Maven Central)`,
        stop: () => server.stop(),
      };
    } catch (error) {
      await server.stop();
      throw error;
    }
  }
  const cql = await startCqlTestServer();
  return {
    address: { contactPoints: [cql.contactPoint], localDataCenter: cql.localDataCenter },
    label: `testkit CQL server at ${cql.contactPoint} (in-process; ${fallbackReason})`,
    stop: () => cql.close(),
  };
}

/** The search server for the demo: the one POLYXENA_TEST_ELASTICSEARCH names, a real OpenSearch node started here, or the testkit's server. */
async function startDemoSearch(real: boolean, fallbackReason: string): Promise<StartedEngine<string>> {
  const given = process.env.POLYXENA_TEST_ELASTICSEARCH;
  if (given) return { address: given, label: `search server at ${given} (POLYXENA_TEST_ELASTICSEARCH)`, stop: async () => {} };
  if (real) {
    const server = await startOpenSearch();
    const proxy = await startElasticsearchClientProxy(server.url);
    return {
      address: proxy.url,
      label: `${server.distribution === "opensearch" ? "OpenSearch" : server.distribution} ${server.version} at ${server.url} (real, started for this run from Maven Central; Elasticsearch 9 is not served there; the Elasticsearch client reaches it through the testkit's header proxy)`,
      stop: async () => {
        await proxy.close();
        await server.stop();
      },
    };
  }
  const search = await startElasticsearchTestServer();
  return { address: search.url, label: `testkit search server at ${search.url} (in-process; ${fallbackReason})`, stop: () => search.close() };
}

/**
 * The local engines: a fresh schema in the Postgres at 127.0.0.1:5432 (or
 * POLYXENA_TEST_POSTGRES_URL), the testkit's DynamoDB engine server (or
 * POLYXENA_TEST_DYNAMODB_ENDPOINT; dynalite cannot serve Title, whose change
 * events need TransactWriteItems), two memcached processes, and Cassandra
 * and a search server as `engines` says; all stopped by `stop()`.
 */
async function localBackend(engines: DemoEngines): Promise<DemoBackend> {
  const started: Array<() => Promise<unknown>> = [];
  const missing = engines === "test-servers" ? undefined : missingJavaTools();
  if (engines === "real" && missing) {
    throw new Error(`--engines real needs Java 17 and Maven 3.8 (${missing}); install them, or run with --engines test-servers`);
  }
  const real = engines !== "test-servers" && missing === undefined;
  const fallbackReason = engines === "test-servers" ? "--engines test-servers" : `the real engine needs Java and Maven: ${missing}`;
  try {
    const db = await createPostgresTestDatabase("streaming_demo");
    started.push(() => db.drop());
    const [dynamo, memcached] = await Promise.all([startDynamoDbEngineServer(), startMemcached({ count: 2 })]);
    started.push(() => dynamo.close(), () => memcached.stop());
    // One JVM after the other: two starting at once on a small machine only slow each other down.
    const cassandra = await startDemoCassandra(real, fallbackReason);
    started.push(() => cassandra.stop());
    const search = await startDemoSearch(real, fallbackReason);
    started.push(() => search.stop());
    const suffix = randomBytes(3).toString("hex");
    const config = realStoresConfig({
      postgres: { url: db.connectionString, schema: db.schema },
      dynamodb: { endpoint: dynamo.endpoint, tablePrefix: `demo_${suffix}_` },
      cassandra: { ...cassandra.address, keyspace: `demo_${suffix}` },
      elasticsearch: { url: search.address, indexPrefix: `demo_${suffix}_` },
      memcached: { zones: parseMemcachedZones(memcached.addresses.join(";")), prefix: `demo-${suffix}`, timeoutMs: 2000 },
    });
    const cache = createRealCache(config);
    return {
      stores: () => createRealStores(config),
      cache,
      needsSchema: true,
      engines: {
        postgres: `PostgreSQL at ${new URL(db.connectionString).host} (schema ${db.schema}, dropped afterwards)`,
        dynamodb: dynamo.embedded
          ? `DynamoDB engine server at ${dynamo.endpoint} (testkit: the in-process DynamoDB engine behind DynamoDB's wire protocol, with TransactWriteItems; started for this run)`
          : `DynamoDB at ${dynamo.endpoint} (POLYXENA_TEST_DYNAMODB_ENDPOINT)`,
        cassandra: cassandra.label,
        elasticsearch: search.label,
        cache: `memcached ×2 at ${memcached.addresses.join(", ")} (started for this run)`,
      },
      stop: async () => {
        for (const stop of started.reverse()) await stop().catch(() => {});
      },
    };
  } catch (error) {
    for (const stop of started.reverse()) await stop().catch(() => {});
    throw error;
  }
}

/** Starts what `backends` needs. */
export function startDemoBackend(backends: DemoBackends, engines: DemoEngines = "auto"): Promise<DemoBackend> {
  return backends === "memory" ? Promise.resolve(memoryBackend()) : localBackend(engines);
}
