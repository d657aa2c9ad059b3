/**
 * @polyxena/testkit: conformance suites, wire-compatible test servers and
 * launchers for local services.
 */
export { conformanceEntity, conformanceItemSchema, expectPolyxenaError, storeConformance } from "./conformance/index.js";
export type { ConformanceItem, ConformanceTarget } from "./conformance/index.js";
export { EMAIL_CONSTRAINT, HANDLE_CONSTRAINT, uniqueAccountEntity, uniqueAccountSchema, uniqueConformance } from "./conformance/index.js";
export type { UniqueAccount } from "./conformance/index.js";
export { PgAccount, PgEvent, PlainCounter, SerialCounter, postgresConformance, type PostgresConformanceOptions } from "./conformance/postgres-conformance.js";
export { DynamoBlob, DynamoReservedWords, DynamoUniqueCode, dynamoDbConformance, dynamoReservedWordsSchema } from "./conformance/dynamodb-conformance.js";
export type { DynamoDbConformanceTarget } from "./conformance/dynamodb-conformance.js";
export { DEFAULT_TEST_POSTGRES_URL, START_POSTGRES_COMMAND, createPostgresTestDatabase, testPostgresUrl } from "./postgres-test-database.js";
export { conformanceTarget, startVariant, storeTestKit, storeTestKits, testVariants } from "./stores/store-test-kit.js";
export type { StoreTestEndpoint, StoreTestKit, TestVariant } from "./stores/store-test-kit.js";
export type { PostgresTestDatabase } from "./postgres-test-database.js";
export { startDynamoDbTestServer } from "./dynalite-server.js";
export type { DynamoDbTestServer, DynamoDbTestServerOptions } from "./dynalite-server.js";
export { InProcessDynamoDb, startDynamoDbEngineServer } from "./dynamodb-server/index.js";
export type { DynamoDbEngineServer, DynamoDbEngineServerOptions } from "./dynamodb-server/index.js";
export { startMemcached } from "./memcached-server.js";
export type { MemcachedCluster, MemcachedServer, StartMemcachedOptions } from "./memcached-server.js";
export { ChaosAdapter, ChaosError, isChaosError } from "./chaos-adapter.js";
export type { ChaosFault, ChaosOptions, ChaosRule } from "./chaos-adapter.js";
export { startConnectionKiller } from "./connection-killer.js";
export type { ConnectionKiller } from "./connection-killer.js";
export { CacheTestStore, keyId } from "./cache-test-store.js";
export type { CacheTestStoreOptions } from "./cache-test-store.js";
export { CassandraEngine, CqlError, CqlErrorCode, ManualClock, startCqlTestServer } from "./cql-server/index.js";
export type { CqlTestServer, CqlTestServerOptions, EngineClock, RecordedRequest } from "./cql-server/index.js";
export { CASSANDRA_TEST_DC_ENV, CASSANDRA_TEST_ENV, createCassandraTestCluster } from "./cassandra-test-cluster.js";
export type { CassandraTestCluster, CassandraTestClusterOptions } from "./cassandra-test-cluster.js";
export { SearchEngine, startElasticsearchTestServer } from "./elasticsearch-server/index.js";
export type { ElasticsearchTestServer, ElasticsearchTestServerOptions } from "./elasticsearch-server/index.js";
export { ELASTICSEARCH_TEST_ENV, createElasticsearchTestCluster } from "./elasticsearch-test-cluster.js";
export type { ElasticsearchTestCluster } from "./elasticsearch-test-cluster.js";
export { SEARCH_ENGINE_POM, resolveOpenSearchJars, startOpenSearch } from "./opensearch-server.js";
export { startElasticsearchClientProxy } from "./elasticsearch-client-proxy.js";
export type { ElasticsearchClientProxy } from "./elasticsearch-client-proxy.js";
export type { OpenSearchServer, StartOpenSearchOptions } from "./opensearch-server.js";
export { CASSANDRA_ENGINE_POM, resolveCassandraClasspath, startCassandra } from "./cassandra-server.js";
export type { CassandraNode, CassandraServer, StartCassandraOptions } from "./cassandra-server.js";
export { CASSANDRA_REPLICAS_ENV, REPLICA_CLUSTER_NODES, createCassandraReplicaCluster } from "./cassandra-replica-cluster.js";
export type { CassandraReplicaCluster } from "./cassandra-replica-cluster.js";
export { chaosSink, checkProjections, createOrderObserver, itemOfEvent, runRelayChaos } from "./events/projection-history.js";
export { seededRandom } from "./seeded-random.js";
export type { ChaosSink, ChaosSinkOptions, OrderObserver, ProjectionMismatch, RelayChaosOptions, RelayChaosResult } from "./events/projection-history.js";
export { DYNAMODB_EVENT_ENTITIES, DynamoEventTitle, EVENT_ENTITIES, EventTitle, EventTitleCard, EventTitleSearch } from "./events/projection-fixtures.js";
export { KAFKA_ENGINE_POM, KAFKA_TEST_ENV, resolveKafkaClasspath, startKafka } from "./kafka-server.js";
export type { KafkaServer, StartKafkaOptions } from "./kafka-server.js";
