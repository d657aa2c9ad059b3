/**
 * Every store's two adapters for suites that run one case per store, on its
 * memory twin and on its real (or test-server) adapter: the test endpoints are
 * started once per file, and every adapter handed out is closed with them.
 */
import type { StoreAdapter, StoreKind } from "@polyxena/core";
import { createCassandraAdapter } from "@polyxena/adapters/cassandra";
import { createDynamoDbAdapter } from "@polyxena/adapters/dynamodb";
import { createElasticsearchAdapter } from "@polyxena/adapters/elasticsearch";
import { createMysqlAdapter } from "@polyxena/adapters/mysql";
import { createPostgresAdapter } from "@polyxena/adapters/postgres";
import {
  createMemoryCassandraAdapter,
  createMemoryDynamoDbAdapter,
  createMemoryElasticsearchAdapter,
  createMemoryPostgresAdapter,
} from "@polyxena/memory";
import { createCassandraTestCluster } from "../../src/cassandra-test-cluster.js";
import { startDynamoDbTestServer } from "../../src/dynalite-server.js";
import { createElasticsearchTestCluster } from "../../src/elasticsearch-test-cluster.js";
import { createMysqlTestDatabase } from "../../src/mysql-test-database.js";
import { createPostgresTestDatabase } from "../../src/postgres-test-database.js";

/** The stores with a memory twin (MySQL has none: its cases run on the real server only). */
export const MEMORY_TWIN_KINDS: ReadonlySet<StoreKind> = new Set(["postgres", "dynamodb", "cassandra", "elasticsearch"]);

/** The test endpoints of every store, and the adapters on them. */
export interface StoreEndpoints {
  /** A fresh memory twin of `kind`, closed by {@link StoreEndpoints.close}. */
  memoryAdapter(kind: StoreKind): StoreAdapter;
  /** A fresh real adapter of `kind` on its test endpoint, closed by {@link StoreEndpoints.close}. */
  realAdapter(kind: StoreKind): StoreAdapter;
  /** Closes every adapter handed out, then stops the endpoints. */
  close(): Promise<void>;
}

/**
 * Starts (or reaches) the Postgres, DynamoDB, Cassandra and Elasticsearch test
 * endpoints; `label` names the database schema, tables, keyspace and indices
 * so files running at once do not share them.
 *
 * @example
 * let stores: StoreEndpoints;
 * beforeAll(async () => (stores = await startStoreEndpoints("fuzz")));
 * afterAll(() => stores?.close());
 */
export async function startStoreEndpoints(label: string): Promise<StoreEndpoints> {
  const [pg, dynamo, cassandra, search, mysql] = await Promise.all([
    createPostgresTestDatabase(label.replace(/\W/g, "_")),
    startDynamoDbTestServer(),
    createCassandraTestCluster(label),
    createElasticsearchTestCluster(label),
    createMysqlTestDatabase(label),
  ]);
  const adapters: StoreAdapter[] = [];
  const handOut = (adapter: StoreAdapter) => (adapters.push(adapter), adapter);
  const real = (kind: StoreKind): StoreAdapter => {
    switch (kind) {
      case "postgres":
        return createPostgresAdapter({ connectionString: pg.connectionString, max: 2 }, { schema: pg.schema });
      case "dynamodb":
        return createDynamoDbAdapter({
          client: { endpoint: dynamo.endpoint, region: "local", credentials: { accessKeyId: "test", secretAccessKey: "test" } },
          tablePrefix: `${label.replace(/\W/g, "_")}_${Date.now().toString(36)}_`,
        });
      case "cassandra":
        return createCassandraAdapter({ contactPoints: [cassandra.contactPoint], localDataCenter: cassandra.localDataCenter }, { keyspace: cassandra.keyspace });
      case "elasticsearch":
        return createElasticsearchAdapter({ node: search.url }, { indexPrefix: search.indexPrefix });
      case "mysql":
        return createMysqlAdapter({ uri: mysql.uri, connectionLimit: 2 });
    }
  };
  const memory = (kind: StoreKind): StoreAdapter => {
    switch (kind) {
      case "postgres":
        return createMemoryPostgresAdapter();
      case "dynamodb":
        return createMemoryDynamoDbAdapter();
      case "cassandra":
        return createMemoryCassandraAdapter();
      case "elasticsearch":
        return createMemoryElasticsearchAdapter();
      case "mysql":
        throw new Error("MySQL has no memory twin; run its cases on realAdapter");
    }
  };
  return {
    memoryAdapter: (kind) => handOut(memory(kind)),
    realAdapter: (kind) => handOut(real(kind)),
    async close() {
      for (const adapter of adapters) await adapter.close().catch(() => undefined);
      await Promise.all([pg.drop(), dynamo.close(), cassandra.close(), search.close(), mysql.drop()]);
    },
  };
}
