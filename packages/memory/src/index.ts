/**
 * In-memory adapters with each store's semantics, for tests and demos, plus
 * an in-memory cache driver. Cassandra, Elasticsearch and Postgres are the
 * real adapters over in-process engines (Postgres over PGlite). Swapping is
 * one line:
 *
 * @example
 * const repos = createRepositories({ stores: memoryStores() });
 */
import type { StoreAdapter } from "@polyxena/core";
import { createMemoryCassandraAdapter } from "./memory-cassandra-adapter.js";
import { createMemoryDynamoDbAdapter } from "./memory-dynamodb-adapter.js";
import { createMemoryElasticsearchAdapter } from "./memory-elasticsearch-adapter.js";
import { createMemoryPostgresAdapter } from "./memory-postgres-adapter.js";

export {
  CassandraEngine,
  EngineCqlSession,
  ManualClock,
  MemoryCassandraAdapter,
  createMemoryCassandraAdapter,
} from "./memory-cassandra-adapter.js";
export type { MemoryCassandraAdapterOptions } from "./memory-cassandra-adapter.js";
export { MemoryDynamoDbAdapter, createMemoryDynamoDbAdapter } from "./memory-dynamodb-adapter.js";
export type { MemoryDynamoDbAdapterOptions } from "./memory-dynamodb-adapter.js";
export { InProcessDynamoDb } from "./dynamodb-engine/in-process-dynamodb.js";
export { DynamoDbEngineError, engineError, isDynamoDbEngineError, type CancellationReason } from "./dynamodb-engine/dynamodb-engine-error.js";
export { MemoryElasticsearchAdapter, SearchEngineClient, createMemoryElasticsearchAdapter } from "./memory-elasticsearch-adapter.js";
export type { MemoryElasticsearchAdapterOptions } from "./memory-elasticsearch-adapter.js";
export { MemoryPostgresAdapter, createMemoryPostgresAdapter } from "./memory-postgres-adapter.js";
export type { MemoryPostgresAdapterOptions } from "./memory-postgres-adapter.js";
export { preparePgliteDataDir } from "./pglite-postgres-port.js";
export { MemoryCacheDriver, type MemoryCacheDriverOptions } from "./memory-cache-driver.js";

/** One fresh in-memory adapter per store kind, keyed as `createRepositories({ stores })` expects. */
export interface MemoryStores {
  cassandra: StoreAdapter;
  postgres: StoreAdapter;
  dynamodb: StoreAdapter;
  elasticsearch: StoreAdapter;
  [instance: string]: StoreAdapter;
}

/**
 * Fresh in-memory adapters for every store kind. Name extra instances to
 * serve entities declared on named stores (e.g. `["cassandra:viewing"]`).
 */
export function memoryStores(options: { instances?: readonly string[] } = {}): MemoryStores {
  const stores: MemoryStores = {
    cassandra: createMemoryCassandraAdapter(),
    postgres: createMemoryPostgresAdapter(),
    dynamodb: createMemoryDynamoDbAdapter(),
    elasticsearch: createMemoryElasticsearchAdapter(),
  };
  for (const instance of options.instances ?? []) {
    const [kind, name] = instance.split(":");
    const create = { cassandra: createMemoryCassandraAdapter, postgres: createMemoryPostgresAdapter, dynamodb: createMemoryDynamoDbAdapter, elasticsearch: createMemoryElasticsearchAdapter }[kind as "postgres"];
    if (!create || !name) throw new Error(`unknown store instance ${instance}; use "kind:name"`);
    stores[instance] = create({ name: instance });
  }
  return stores;
}
