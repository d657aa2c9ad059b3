/**
 * The streaming example's real store adapters and memcached cache tier,
 * configured from environment variables with local defaults:
 *
 * | variable | default |
 * | --- | --- |
 * | `POLYXENA_TEST_POSTGRES_URL` | `postgres://postgres@127.0.0.1:5432/test` |
 * | `POLYXENA_TEST_DYNAMODB_ENDPOINT` | `http://127.0.0.1:8000` (DynamoDB Local) |
 * | `POLYXENA_TEST_CASSANDRA` (`host:port`, comma-separated) | `127.0.0.1:9042` |
 * | `POLYXENA_TEST_CASSANDRA_DC` | `datacenter1` |
 * | `POLYXENA_TEST_ELASTICSEARCH` | `http://127.0.0.1:9200` |
 * | `POLYXENA_TEST_MEMCACHED` (zones separated by `;`, servers by `,`) | `127.0.0.1:11211;127.0.0.1:11212` (zones `zone-a`, `zone-b`) |
 * | `POLYXENA_TEST_MEMCACHED_ZONE` (this process's zone) | the first |
 *
 * These are the ports of the repository's `docker-compose.yml`.
 *
 * @example
 * const stores = createRealStores(realStoresConfig());
 * const cache = createRealCache(realStoresConfig());
 * const repos = createRepositories({ stores, cache });
 * await repos.runtime.applySchema();
 */
import { createCassandraAdapter } from "@polyxena/adapters/cassandra";
import { createDynamoDbAdapter } from "@polyxena/adapters/dynamodb";
import { createElasticsearchAdapter } from "@polyxena/adapters/elasticsearch";
import { createMemcachedDriver, type MemcachedZoneConfig } from "@polyxena/adapters/memcached";
import { createPostgresAdapter } from "@polyxena/adapters/postgres";
import { createCacheAside, PolyxenaError, type CacheAside, type StoreMap } from "@polyxena/core";
import { type CassandraReplication } from "@polyxena/core/stores/cassandra";

/** Where the real stores are and which names this process uses in them. */
export interface RealStoresConfig {
  postgres: { url: string; schema: string };
  dynamodb: {
    endpoint: string;
    region: string;
    tablePrefix: string;
    /** Static credentials (DynamoDB Local and dynalite accept any); the SDK's default chain when absent. */
    credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  };
  cassandra: { contactPoints: string[]; localDataCenter: string; keyspace: string; replication: CassandraReplication };
  elasticsearch: {
    url: string;
    /** Prepended to every index and alias name (so several runs can share one search server). */
    indexPrefix: string;
  };
  memcached: {
    zones: MemcachedZoneConfig[];
    /** This process's zone, read first (default: the first zone). */
    localZone?: string | undefined;
    prefix: string;
    timeoutMs: number;
  };
}

/** What {@link realStoresConfig} lets a caller override (names and addresses); the rest comes from the environment. */
export interface RealStoresOverrides {
  postgres?: Partial<RealStoresConfig["postgres"]>;
  dynamodb?: Partial<RealStoresConfig["dynamodb"]>;
  cassandra?: Partial<RealStoresConfig["cassandra"]>;
  elasticsearch?: Partial<RealStoresConfig["elasticsearch"]>;
  memcached?: Partial<RealStoresConfig["memcached"]>;
}

const LOCAL_ENDPOINT = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/?$/;

function list(value: string, separator: string): string[] {
  return value.split(separator).map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Parses `POLYXENA_TEST_MEMCACHED`: zones separated by `;`, each a comma-separated list of `host:port`. */
export function parseMemcachedZones(value: string): MemcachedZoneConfig[] {
  const zones = list(value, ";").map((zone, i) => ({ name: `zone-${String.fromCharCode(97 + i)}`, servers: list(zone, ",") }));
  if (zones.length === 0) {
    throw new PolyxenaError("E_DEFINITION", `no memcached zone in ${JSON.stringify(value)}`, {
      path: "POLYXENA_TEST_MEMCACHED",
      fix: "write zones separated by ';' and servers by ',', e.g. 127.0.0.1:11211;127.0.0.1:11212",
    });
  }
  return zones;
}

/**
 * The configuration of the real stores: addresses from the environment (or
 * the local defaults), store names from `overrides` (or the example's own:
 * schema `public`, no table or index prefix, keyspace `streaming`).
 */
export function realStoresConfig(overrides: RealStoresOverrides = {}, env: NodeJS.ProcessEnv = process.env): RealStoresConfig {
  const dynamoEndpoint = overrides.dynamodb?.endpoint ?? env.POLYXENA_TEST_DYNAMODB_ENDPOINT ?? "http://127.0.0.1:8000";
  const hasAwsCredentials = env.AWS_ACCESS_KEY_ID !== undefined || env.AWS_PROFILE !== undefined;
  return {
    postgres: {
      url: overrides.postgres?.url ?? env.POLYXENA_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test",
      schema: overrides.postgres?.schema ?? "public",
    },
    dynamodb: {
      endpoint: dynamoEndpoint,
      region: overrides.dynamodb?.region ?? env.AWS_REGION ?? "local",
      tablePrefix: overrides.dynamodb?.tablePrefix ?? "",
      // Local endpoints accept any key; a real endpoint gets the SDK's credential chain.
      credentials: overrides.dynamodb?.credentials ?? (LOCAL_ENDPOINT.test(dynamoEndpoint) && !hasAwsCredentials ? { accessKeyId: "local", secretAccessKey: "local" } : undefined),
    },
    cassandra: {
      contactPoints: overrides.cassandra?.contactPoints ?? list(env.POLYXENA_TEST_CASSANDRA ?? "127.0.0.1:9042", ","),
      localDataCenter: overrides.cassandra?.localDataCenter ?? env.POLYXENA_TEST_CASSANDRA_DC ?? "datacenter1",
      keyspace: overrides.cassandra?.keyspace ?? "streaming",
      // One local node: LOCAL_QUORUM needs the replication factor the cluster can meet.
      replication: overrides.cassandra?.replication ?? { class: "SimpleStrategy", replication_factor: 1 },
    },
    elasticsearch: {
      url: overrides.elasticsearch?.url ?? env.POLYXENA_TEST_ELASTICSEARCH ?? "http://127.0.0.1:9200",
      indexPrefix: overrides.elasticsearch?.indexPrefix ?? "",
    },
    memcached: {
      zones: overrides.memcached?.zones ?? parseMemcachedZones(env.POLYXENA_TEST_MEMCACHED ?? "127.0.0.1:11211;127.0.0.1:11212"),
      localZone: overrides.memcached?.localZone ?? env.POLYXENA_TEST_MEMCACHED_ZONE,
      prefix: overrides.memcached?.prefix ?? "streaming",
      timeoutMs: overrides.memcached?.timeoutMs ?? 100,
    },
  };
}

/**
 * The real adapters of the example's four stores, keyed as
 * `createRepositories({ stores })` expects. `repos.close()` closes them.
 */
export function createRealStores(config: RealStoresConfig): StoreMap {
  return {
    postgres: createPostgresAdapter({ connectionString: config.postgres.url }, { schema: config.postgres.schema }),
    dynamodb: createDynamoDbAdapter({
      client: { endpoint: config.dynamodb.endpoint, region: config.dynamodb.region, credentials: config.dynamodb.credentials },
      tablePrefix: config.dynamodb.tablePrefix,
    }),
    cassandra: createCassandraAdapter(
      { contactPoints: config.cassandra.contactPoints, localDataCenter: config.cassandra.localDataCenter },
      { keyspace: config.cassandra.keyspace, replication: config.cassandra.replication },
    ),
    elasticsearch: createElasticsearchAdapter({ node: config.elasticsearch.url }, { indexPrefix: config.elasticsearch.indexPrefix }),
  };
}

/**
 * The cache-aside tier on memcached: every zone gets every write, reads go
 * to the local zone and fall back to the others.
 */
export function createRealCache(config: RealStoresConfig): CacheAside {
  const driver = createMemcachedDriver({
    zones: config.memcached.zones,
    timeoutMs: config.memcached.timeoutMs,
    ...(config.memcached.localZone === undefined ? {} : { localZone: config.memcached.localZone }),
  });
  return createCacheAside({ driver, prefix: config.memcached.prefix });
}
