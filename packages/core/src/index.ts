/**
 * @polyxena/core: entity definitions, the normalized entity model, the
 * repository runtime, the store adapter port and the cache/policy seams.
 * Core never imports a store driver.
 */
export { ERROR_CODES, PolyxenaError, definitionError, isPolyxenaError } from "./errors.js";
export type { PolyxenaErrorCode, PolyxenaErrorContext, ValidationIssue } from "./errors.js";
export { toMilliseconds } from "./duration.js";
export type { Duration } from "./duration.js";
export { findField } from "./entity-model.js";
export type {
  CacheModel,
  ConsistencyLevelModel,
  ConsistencyModel,
  EntityModel,
  EventCarry,
  EventsModel,
  ProjectionModel,
  FieldModel,
  FieldType,
  KeyModel,
  OrderedField,
  PortableConsistency,
  QueryIndexModel,
  QueryModel,
  SortOrder,
  StoreKind,
  StoreRefModel,
  UniqueConstraintModel,
} from "./entity-model.js";
export { nativeLevels, resolveConsistency } from "./consistency.js";
export type { ConsistencyInput } from "./consistency.js";
export { STORE_DIALECTS, STORE_KINDS, isStoreKind, storeDialect, storeDialects, storeKindsWith, storeSection, storeSettings } from "./stores/store-registry.js";
export type { NativeConsistency, NativeConsistencyOf, StoreOptionsByKind, StoreOptionsOf } from "./stores/store-registry.js";
export type {
  DefinitionFailure,
  NormalizedKey,
  PhysicalSchemaFile,
  QueryPlanInput,
  RowTypeRules,
  ChangeEventRecording,
  StoreConsistencyRules,
  StoreDialect,
  StoreFeatures,
  StoreKeyRules,
  StoreOptionRules,
  StoreRefusal,
} from "./stores/store-dialect.js";
export { defineEntity, buildEntityModel } from "./define-entity.js";
export type {
  AnyEntityDefinition,
  CacheL1Spec,
  CacheSpec,
  ConsistencySpec,
  EntityDefinition,
  EventsSpec,
  ProjectedItem,
  ProjectionDefinition,
  ProjectionSpec,
  EntitySchema,
  EntitySpec,
  FieldName,
  KeySpec,
  NamedStoreSpec,
  OrderedFieldObject,
  OrderedFieldSpec,
  QuerySpec,
  SearchSpec,
  StoreSpec,
  UniqueSpec,
} from "./define-entity.js";
export { closestName, findUnknownKey } from "./declaration-keys.js";
export type { DeclarationKeys, UnknownKeyReport } from "./declaration-keys.js";
export { describeField, toSnakeCase } from "./zod-introspection.js";
export { HOSTILE_OBJECT_KEYS, MAX_INPUT_DEPTH, inspectInput, isWellFormedText } from "./input-inspection.js";
export type { InputShape, UnknownFieldsRule } from "./input-inspection.js";
export { fromJsonValue, toJsonValue } from "./field-json.js";
export { BASE_CAPABILITIES, errorClassOfCode, errorCodeOfClass } from "./store-adapter.js";
export { refusedSchemaChanges } from "./refused-schema-changes.js";
export type {
  BulkItemFailure,
  DeleteCondition,
  DeleteRequest,
  ErrorClass,
  ExistsCondition,
  GetManyRequest,
  GetRequest,
  KeyValues,
  NotExistsCondition,
  OperationDescriptor,
  OperationKind,
  PutCondition,
  PutManyRequest,
  PutRequest,
  QueryRequest,
  RangeCondition,
  SchemaApplyOptions,
  SchemaApplyResult,
  SchemaChange,
  SchemaPlan,
  SearchFilterValue,
  SearchHit,
  SearchPage,
  SearchRequest,
  StoreAdapter,
  StoreCapabilities,
  StoreMap,
  StorePage,
  StoreRequestBase,
  StoreTransaction,
  StoredItem,
  TransactionOptions,
  UpdateCondition,
  UpdateRequest,
  VersionCondition,
  WriteCondition,
} from "./store-adapter.js";
export { checkLimit, limitExceeded, utf8Bytes } from "./store-limits.js";
export type { LimitContext, StoreLimit } from "./store-limits.js";
export { conditionFailedError } from "./condition-failed-error.js";
export type { ConditionFailureContext } from "./condition-failed-error.js";
export { claimedConstraints, uniqueViolationError } from "./unique-violation-error.js";
export type { UniqueViolationContext } from "./unique-violation-error.js";
export { directCallPolicy } from "./call-policy.js";
export type { CallContext, CallPolicy, CallTrace } from "./call-policy.js";
export type { CacheProvider, CachedRead, EntityCache, LoadMany, ReadSource } from "./entity-cache.js";
export { activeCallTrace, emitOperationEvent, startTraced } from "./operation-events.js";
export type { OperationEvent, OperationListener } from "./operation-events.js";
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
export { readItems, readPages } from "./page-iteration.js";
export type { QueryMethod, SearchMethod } from "./page-iteration.js";
export { PolyxenaRuntime, bindRepositories } from "./polyxena-runtime.js";
export type { RepositoriesControl, RepositoryScope, RuntimeOptions, StoreResolver, TransactionCallOptions } from "./polyxena-runtime.js";
export { fitsInt32, isScalarField } from "./physical/field-shapes.js";
export { qualifiedName, quoteIdent, quoteLiteral } from "./physical/identifiers.js";
export { listStatements } from "./physical/statement-listing.js";
export type { StatementListingOptions } from "./physical/statement-listing.js";
export { columnList, orderClause, quotedColumn, rangeClause } from "./physical/statement-text.js";
export type { StatementListingEntry } from "./physical/statement-text.js";
export { planUniqueClaims, uniqueClaimOf, uniqueClaimOwner, uniqueClaimTable, uniqueFields } from "./physical/unique-claims.js";
export type { UniqueClaim, UniqueClaimPlan } from "./physical/unique-claims.js";
export {
  CACHE_POLICY_DEFAULTS,
  CacheKeyBuilder,
  CacheTier,
  CacheValueCodec,
  CacheValueTooLargeError,
  DEFAULT_MAX_VALUE_BYTES,
  ENVELOPE_FORMAT,
  EntityCacheAside,
  InProcessInvalidationBus,
  InvalidationRetrier,
  LEASE_SUFFIX,
  MAX_CACHE_KEY_BYTES,
  ReadThrough,
  STALE_SUFFIX,
  TierZone,
  ZonedCacheDriver,
  createCacheAside,
  createCachePolicy,
  decodeEnvelope,
  emptyCacheStats,
  encodeEnvelope,
  encodeKeyValue,
  isCacheValueTooLargeError,
  isSkippedCacheCall,
  toSafeCacheKey,
  zonesOf,
} from "./cache/index.js";
export type {
  CacheAside,
  CacheAsideOptions,
  CacheBreakerConfig,
  CacheCallContext,
  CacheContext,
  CacheDriver,
  CacheEntry,
  CacheStats,
  CasToken,
  CachePolicy,
  CachePolicyOptions,
  CasValue,
  DerivedCachePolicy,
  Envelope,
  EnvelopeKind,
  InvalidationBus,
  InvalidationMessage,
  L1Cache,
  L1Entry,
  ReadPlan,
  ReadThroughTiming,
  RetryPolicy,
  FillGuard,
  TierRead,
  ZoneVersion,
  ZoneWrite,
} from "./cache/index.js";
export {
  RESILIENCE_DEFAULTS,
  classifyFailure,
  createResiliencePolicy,
  isRetryable,
  isStoreFailure,
  timeoutClassOf,
} from "./resilience/index.js";
export type {
  BreakerConfig,
  BreakerState,
  BulkheadConfig,
  CallPolicyConfig,
  FailureClass,
  ResilienceConfig,
  ResiliencePolicy,
  RetryConfig,
  StorePolicyConfig,
  TimeoutClass,
  TimeoutConfig,
} from "./resilience/index.js";
export { LatencyHistogram, MetricsRecorder, createTracingListener, spanAttributes } from "./observability/index.js";
export type { CacheMetrics, EntityMetrics, LatencySummary, MetricsSnapshot, TracingOptions } from "./observability/index.js";
export {
  OUTBOX_PARTITIONS,
  OutboxMetrics,
  PermanentDeliveryError,
  changeKeyString,
  createInProcessSink,
  createOutboxRelay,
  createProjectionApplier,
  decodeChangeItem,
  deliverPerKey,
  encodeChangeItem,
  isPermanentDeliveryError,
  outboxPartitionOf,
  rebuildProjection,
  recordChangeEvent,
} from "./events/index.js";
export type {
  ChangeEvent,
  ChangeRecordRequest,
  DeadLetter,
  DeliveryOutcome,
  EventSink,
  OutboxBacklog,
  OutboxEntry,
  OutboxGauge,
  OutboxLease,
  OutboxMetricsSnapshot,
  OutboxPort,
  OutboxRelay,
  OutboxRelayOptions,
  ProjectionApplier,
  ProjectionApplierOptions,
  ProjectionRebuildOptions,
  ProjectionRebuildResult,
  SinkMetrics,
  VersionedPage,
} from "./events/index.js";
