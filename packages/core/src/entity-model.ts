/**
 * The normalized, JSON-serializable entity model. `defineEntity` produces it
 * from a declaration; codegen and every adapter read only this.
 */

import type { StoreKind } from "./stores/store-registry.js";

export type { StoreKind };

/** Scalar and composite field types the SDK maps to every store. */
export type FieldType =
  | "string"
  | "uuid"
  | "int"
  | "number"
  | "bigint"
  | "boolean"
  | "date"
  | "enum"
  | "list"
  | "map"
  | "object";

/** One schema field, as the stores need to see it. */
export interface FieldModel {
  name: string;
  type: FieldType;
  /** May be absent (zod `.optional()` or `.default()`). */
  optional: boolean;
  nullable: boolean;
  /** For `int`: the bounds the schema allows (lets adapters pick int vs bigint). */
  min?: number;
  max?: number;
  /** For `string`: maximum length when the schema declares one. */
  maxLength?: number;
  /** For `enum`: the allowed values. */
  values?: readonly string[];
  /** For `list` and `map`: the element type. */
  element?: FieldModel;
  /** For `object`: its fields (mapped as JSON where a store has no nested type). */
  fields?: readonly FieldModel[];
  /** For `object`: true when the schema accepts fields beyond `fields` (zod `looseObject`, `catchall`). */
  open?: boolean;
  /** Physical column name for column stores (snake_case of the name). */
  column: string;
}

/** Sort direction. */
export type SortOrder = "asc" | "desc";

/** One ordered key part (clustering column, sort key, index column). */
export interface OrderedField {
  field: string;
  order: SortOrder;
}

/** The primary key in normalized form. */
export interface KeyModel {
  /** Partition (hash) fields; for Postgres the whole primary key; for Elasticsearch the document id. */
  partition: readonly string[];
  /** Clustering columns (Cassandra) or the sort key (DynamoDB); empty elsewhere. */
  clustering: readonly OrderedField[];
  /** partition + clustering fields, in order. */
  fields: readonly string[];
}

/** The physical structure that serves a declared query. */
export type QueryIndexModel =
  | { kind: "primary" }
  | {
      /** A Cassandra denormalized table written alongside the base table. */
      kind: "table";
      name: string;
      partition: readonly string[];
      clustering: readonly OrderedField[];
    }
  | { kind: "gsi"; name: string; partition: string; sort?: string | undefined }
  | { kind: "index"; name: string; columns: readonly OrderedField[] }
  | { kind: "search" };

/** A named access pattern. */
export interface QueryModel {
  name: string;
  /** Equality fields. */
  by: readonly string[];
  /** Result order; the first entry is the range-able field. */
  order: readonly OrderedField[];
  /** The field a `range` option may restrict, if any. */
  rangeField?: string | undefined;
  /** Read consistency for this query, when it differs from the entity's. */
  consistency?: ConsistencyLevelModel | undefined;
  index: QueryIndexModel;
  /** Whether results of this query may be cached (needs an entity cache policy). */
  cached: boolean;
}

/**
 * A unique constraint besides the primary key: no two items may hold the
 * same values in `fields`. An item with any of the fields absent or null
 * claims nothing (SQL's rule for UNIQUE over nullable columns).
 */
export interface UniqueConstraintModel {
  /** Constraint name: the Postgres constraint, the DynamoDB / Cassandra claim prefix. */
  name: string;
  /** The fields, in declaration order. */
  fields: readonly string[];
}

/** Portable consistency. */
export type PortableConsistency = "eventual" | "strong";

/** A consistency level: the portable meaning plus the store's native level when one was named. */
export interface ConsistencyLevelModel {
  level: PortableConsistency;
  native?: string | undefined;
}

/** Read and write consistency of an entity. */
export interface ConsistencyModel {
  read: ConsistencyLevelModel;
  write: ConsistencyLevelModel;
}

/** Normalized cache policy (all durations in milliseconds). */
export interface CacheModel {
  ttlMs: number;
  l1?: { ttlMs: number; max: number } | undefined;
  /** How long past expiry a cached value may be served when the store fails; 0 = never. */
  staleIfErrorMs: number;
  /** Cache declared query results, invalidated by generation on every write. */
  queries: boolean | readonly string[];
  /** Cached gets issued in the same tick are read and loaded as one batch. */
  coalesce?: boolean | undefined;
}

/** The store an entity lives in: its kind and instance name (`"default"` unless named). */
export interface StoreRefModel {
  kind: StoreKind;
  name: string;
}

/** What a change event carries besides the key and version: the item after the write, or only the key. */
export type EventCarry = "item" | "key";

/** Published changes of an entity (see `events` in `defineEntity`). */
export interface EventsModel {
  /** Topic (Kafka topic, sink channel) the entity's change events go to. */
  topic: string;
  carry: EventCarry;
}

/** A declared projection of an entity into another entity (the map function stays on the definition). */
export interface ProjectionModel {
  /** Projection name, e.g. `titleSearch`. */
  name: string;
  /** Target entity name. */
  target: string;
  /** Target store (kind and instance). */
  targetStore: StoreRefModel;
  /** Target integer field that holds the source version the projected item was made from. */
  targetVersionField: string;
}

/** The whole normalized entity. */
export interface EntityModel {
  name: string;
  store: StoreRefModel;
  /** Physical table / index name (snake_case of the entity name unless overridden). */
  table: string;
  fields: readonly FieldModel[];
  key: KeyModel;
  queries: readonly QueryModel[];
  /** Unique constraints besides the key (empty when none are declared). */
  unique: readonly UniqueConstraintModel[];
  consistency: ConsistencyModel;
  /** Row time-to-live in seconds, when the store has row TTL. */
  ttlSeconds?: number | undefined;
  cache: CacheModel | false;
  /** Integer field used for optimistic concurrency. */
  version?: string | undefined;
  /** Elasticsearch: fields analyzed as full text (others are keyword/numeric/date). */
  textFields: readonly string[];
  /** Short stable hash of the schema shape: part of cache keys and envelopes. */
  schemaHash: string;
  /** What writes do with fields the schema does not declare: refuse them (default) or drop them. */
  unknownFields: "reject" | "strip";
  /** Change events, when the entity publishes them (declared `events`, or implied by `projections`). */
  events?: EventsModel | undefined;
  /** Declared projections into other entities. */
  projections?: readonly ProjectionModel[] | undefined;
}

/** Looks up a field of a model; undefined when absent. */
export function findField(model: EntityModel, name: string): FieldModel | undefined {
  return model.fields.find((f) => f.name === name);
}
