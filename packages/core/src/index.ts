/**
 * @polyxena/core: entity definitions, the normalized entity model, the
 * repository runtime, the store adapter port and the cache/policy seams.
 * Core never imports a store driver.
 */
export * from "./errors.js";
export * from "./duration.js";
export * from "./entity-model.js";
export * from "./consistency.js";
export { defineEntity, buildEntityModel } from "./define-entity.js";
export type {
  CacheSpec,
  EntityDefinition,
  EntitySchema,
  EntitySpec,
  FieldName,
  KeySpec,
  OrderedFieldSpec,
  QuerySpec,
  StoreSpec,
} from "./define-entity.js";
export { describeField, toSnakeCase } from "./zod-introspection.js";
export { fromJsonValue, toJsonValue } from "./field-json.js";
export * from "./store-adapter.js";
export * from "./condition-failed-error.js";
export * from "./call-policy.js";
export * from "./entity-cache.js";
export * from "./operation-events.js";
export { CursorCodec, canonicalJson } from "./cursor-codec.js";
export { EntityRuntime } from "./entity-runtime.js";
export type {
  BulkWriteResult,
  PutManyOptions,
  CallOptions,
  DeleteOptions,
  Page,
  PutOptions,
  QueryOptions,
  Range,
  ReadOptions,
  ReadResult,
  RuntimeServices,
  SearchOptions,
  SearchResult,
  TransactionScope,
  UpdateOptions,
} from "./entity-runtime.js";
export { Repository, SearchableRepository } from "./repository.js";
export { PolyxenaRuntime, bindRepositories } from "./polyxena-runtime.js";
export type { RepositoriesControl, RepositoryScope, RuntimeOptions, StoreResolver, TransactionCallOptions } from "./polyxena-runtime.js";
export * from "./physical/index.js";
export * from "./cache/index.js";
export * from "./resilience/index.js";
export * from "./observability/index.js";
