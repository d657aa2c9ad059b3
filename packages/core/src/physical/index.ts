/**
 * Pure builders from entity models to each store's physical schema, the
 * field type mappings the adapters share, and the statement listing.
 */
export { qualifiedName, quoteIdent, quoteLiteral } from "./identifiers.js";
export {
  cassandraColumnType,
  cassandraStoresAsJson,
  dynamoAttributeType,
  elasticsearchFieldMapping,
  elasticsearchProperties,
  fitsInt32,
  isScalarField,
  postgresColumnType,
} from "./column-types.js";
export type { DynamoAttributeType, ElasticsearchFieldMapping } from "./column-types.js";
export {
  buildCassandraSchema,
  CASSANDRA_OUTBOX_TABLES,
  cassandraClaimTableStatement,
  cassandraKeyspaceStatement,
  cassandraOutboxStatements,
  cassandraTables,
  cassandraTableStatement,
  DEFAULT_CASSANDRA_REPLICATION,
} from "./cassandra-schema.js";
export type { CassandraReplication, CassandraSchemaOptions, CassandraTable } from "./cassandra-schema.js";
export {
  buildPostgresSchema,
  postgresColumnDefinition,
  postgresIndexStatements,
  postgresOutboxStatements,
  postgresTableStatement,
  postgresUniqueConstraint,
} from "./postgres-schema.js";
export type { PostgresSchemaOptions } from "./postgres-schema.js";
export {
  buildDynamoDbTables,
  dynamoClaimTableDefinition,
  dynamoClaimTableName,
  DYNAMODB_CLAIM_ATTRIBUTE,
  DYNAMODB_OUTBOX_TABLE,
  DYNAMODB_OWNER_ATTRIBUTE,
  DYNAMODB_TTL_ATTRIBUTE,
  dynamoOutboxTableDefinition,
  dynamoTableDefinition,
  dynamoTableName,
} from "./dynamodb-tables.js";
export type {
  DynamoAttributeDefinition,
  DynamoCreateTableInput,
  DynamoDbTablesOptions,
  DynamoGlobalSecondaryIndex,
  DynamoKeySchemaElement,
  DynamoTableDefinition,
  DynamoTimeToLiveInput,
} from "./dynamodb-tables.js";
export { buildElasticsearchIndices, elasticsearchIndexDefinition, elasticsearchIndexName } from "./elasticsearch-mappings.js";
export type { ElasticsearchIndexDefinition, ElasticsearchIndexSettings, ElasticsearchIndicesOptions } from "./elasticsearch-mappings.js";
export {
  cassandraDeleteStatement,
  cassandraInsertStatement,
  cassandraQueryStatement,
  cassandraSelectStatement,
  dynamoQueryRequest,
  elasticsearchQueryRequest,
  listStatements,
  postgresQueryStatement,
} from "./statement-listing.js";
export type { StatementListingEntry, StatementListingOptions } from "./statement-listing.js";
export { planUniqueClaims, uniqueClaimOf, uniqueClaimOwner, uniqueClaimTable, uniqueFields } from "./unique-claims.js";
export type { UniqueClaim, UniqueClaimPlan } from "./unique-claims.js";
