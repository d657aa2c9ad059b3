/**
 * Pure builders from entity models to each store's physical schema, the
 * field type mappings the adapters share, and the statement listing.
 */
export * from "./identifiers.js";
export * from "./column-types.js";
export * from "./cassandra-schema.js";
export * from "./postgres-schema.js";
export * from "./dynamodb-tables.js";
export * from "./elasticsearch-mappings.js";
export * from "./statement-listing.js";
export * from "./unique-claims.js";
