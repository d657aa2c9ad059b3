import { randomBytes } from "node:crypto";
import { MemoryCacheDriver, memoryStores } from "@polyxena/adapters/memory";
import { createCacheAside, type CacheAside, type StoreMap } from "@polyxena/core";
import { createPostgresTestDatabase, startCqlTestServer, startDynamoDbTestServer, startElasticsearchTestServer, startMemcached } from "@polyxena/testkit";
import type { DemoBackends } from "./demo-args.js";
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

/**
 * The local engines of the test setup: a fresh schema in the Postgres at
 * 127.0.0.1:5432 (or POLYXENA_TEST_POSTGRES_URL), dynalite, the testkit's CQL
 * and search servers, and two memcached processes; all stopped by `stop()`.
 */
async function localBackend(): Promise<DemoBackend> {
  const started: Array<() => Promise<unknown>> = [];
  try {
    const db = await createPostgresTestDatabase("streaming_demo");
    started.push(() => db.drop());
    const [dynamo, cql, search, memcached] = await Promise.all([startDynamoDbTestServer(), startCqlTestServer(), startElasticsearchTestServer(), startMemcached({ count: 2 })]);
    started.push(() => dynamo.close(), () => cql.close(), () => search.close(), () => memcached.stop());
    const suffix = randomBytes(3).toString("hex");
    const config = realStoresConfig({
      postgres: { url: db.connectionString, schema: db.schema },
      dynamodb: { endpoint: dynamo.endpoint, tablePrefix: `demo_${suffix}_` },
      cassandra: { contactPoints: [cql.contactPoint], localDataCenter: cql.localDataCenter, keyspace: `demo_${suffix}` },
      elasticsearch: { url: search.url },
      memcached: { zones: parseMemcachedZones(memcached.addresses.join(";")), prefix: `demo-${suffix}`, timeoutMs: 2000 },
    });
    const cache = createRealCache(config);
    return {
      stores: () => createRealStores(config),
      cache,
      needsSchema: true,
      engines: {
        postgres: `PostgreSQL at ${new URL(db.connectionString).host} (schema ${db.schema}, dropped afterwards)`,
        dynamodb: `dynalite at ${dynamo.endpoint} (testkit, in-process)`,
        cassandra: `testkit CQL server at ${cql.contactPoint} (in-process; the real Cassandra launcher is too slow to start for a demo)`,
        elasticsearch: `testkit search server at ${search.url} (in-process; the real OpenSearch launcher is too slow to start for a demo)`,
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
export function startDemoBackend(backends: DemoBackends): Promise<DemoBackend> {
  return backends === "memory" ? Promise.resolve(memoryBackend()) : localBackend();
}
