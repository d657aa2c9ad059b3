import { createHash } from "node:crypto";
import type { z } from "zod";
import { resolveConsistency, nativeLevels, type ConsistencyInput } from "./consistency.js";
import { toMilliseconds, type Duration } from "./duration.js";
import type {
  CacheModel,
  ConsistencyLevelModel,
  EventCarry,
  EventsModel,
  ProjectionModel,
  ConsistencyModel,
  EntityModel,
  FieldModel,
  KeyModel,
  OrderedField,
  QueryModel,
  SortOrder,
  StoreKind,
  StoreRefModel,
  UniqueConstraintModel,
} from "./entity-model.js";
import { isStoreKind, STORE_KINDS, storeDialect, storeKindsWith } from "./stores/store-registry.js";
import type { StoreDialect, StoreRefusal } from "./stores/store-dialect.js";
import { orderedField, sameFields } from "./stores/key-declaration.js";
import { findUnknownKey, type DeclarationKeys } from "./declaration-keys.js";
import { definitionError } from "./errors.js";
import type { UnknownFieldsRule } from "./input-inspection.js";
import { describeField, toSnakeCase } from "./zod-introspection.js";

/** Any zod object schema usable as an entity schema. */
export type EntitySchema = z.ZodObject<z.ZodRawShape>;

/** Field names of a schema. */
export type FieldName<S extends EntitySchema> = Extract<keyof z.output<S>, string>;

/** A key part or order entry in object form. */
export interface OrderedFieldObject<F extends string> {
  field: F;
  order?: SortOrder;
}

/** A key part with an explicit order. */
export type OrderedFieldSpec<F extends string> = F | OrderedFieldObject<F>;

/**
 * The primary key, in the store's own terms:
 * - Cassandra: `{ partition: [...], clustering: [{ field, order }] }`
 * - DynamoDB: `{ partition: "pk", sort: "sk" }`
 * - Postgres: `{ primary: ["id"] }`
 * - Elasticsearch: `{ id: "titleId" }`
 */
export interface KeySpec<F extends string> {
  partition?: F | readonly F[];
  clustering?: readonly OrderedFieldSpec<F>[];
  sort?: OrderedFieldSpec<F>;
  primary?: F | readonly F[];
  id?: F;
}

/** A named access pattern: equality fields, an order, and the consistency it reads at. */
export interface QuerySpec<F extends string> {
  by: readonly F[];
  order?: Partial<Record<F, SortOrder>> | readonly OrderedFieldSpec<F>[];
  consistency?: ConsistencyInput;
  /** Cache this query's results (the entity needs a cache policy). */
  cache?: boolean;
}

/**
 * A unique constraint besides the key: one field, a field set, or a named
 * field set. Unnamed constraints are named `<table>_<columns>_key`, as
 * Postgres names them.
 */
export type UniqueSpec<F extends string> = F | readonly F[] | { name?: string; fields: F | readonly F[] };

/** The in-process (L1) tier of a cache policy. */
export interface CacheL1Spec {
  ttl: Duration;
  max: number;
}

/** Cache-aside policy for an entity. */
export interface CacheSpec {
  ttl: Duration;
  l1?: CacheL1Spec;
  /** Serve a cached value up to this long past expiry when the store fails (`true` = the entry TTL). */
  staleIfError?: Duration | boolean;
  /** Cache declared query results too: `true` for all, or the query names. */
  queries?: boolean | readonly string[];
  /**
   * Coalesce the cached gets of this entity issued in the same tick into one
   * batch (one multi-key cache read per zone, one batched store load of the
   * misses). Off by default: a lone get then waits for the end of the tick.
   */
  coalesce?: boolean;
}

/** A named instance of a store kind. */
export interface NamedStoreSpec {
  kind: StoreKind;
  name: string;
}

/** The store an entity lives in: a kind, or a named instance of a kind. */
export type StoreSpec = StoreKind | NamedStoreSpec;

/** Read and write consistency declared separately. */
export interface ConsistencySpec {
  read?: ConsistencyInput;
  write?: ConsistencyInput;
}

/** Elasticsearch full-text declaration. */
export interface SearchSpec<F extends string> {
  text: readonly F[];
}

/** What an entity publishes on every change (see {@link EntitySpec.events}). */
export interface EventsSpec {
  /** Topic the change events go to (default `polyxena.<table>`): letters, digits, `.`, `_`, `-`. */
  topic?: string;
  /** `"item"` (default): every event carries the item after the write; `"key"`: only key and version. */
  carry?: EventCarry;
}

/** The item type a projection's map returns: the target's input, with the target's version field left to the applier. */
export type ProjectedItem<D> =
  D extends EntityDefinition<infer T, infer V> ? Omit<z.input<T>, V> & Partial<Pick<z.input<T>, V & keyof z.input<T>>> : never;

/** One declared projection: the target entity and the map from a source item to a target item. */
export interface ProjectionSpec<S extends EntitySchema, D> {
  /** The target entity (any store). It must declare a `version` field: the applier stores the source version there. */
  to: D;
  /** Pure function from the source item (as stored) to the target item; a throw or an invalid result is dead-lettered. */
  map: (source: z.output<S>) => ProjectedItem<D>;
}

/** Everything declared about one entity. */
export interface EntitySpec<
  S extends EntitySchema,
  V extends FieldName<S> = FieldName<S>,
  P extends Record<string, AnyEntityDefinition> = Record<string, AnyEntityDefinition>,
> {
  store: StoreSpec;
  schema: S;
  key: KeySpec<FieldName<S>>;
  queries?: Record<string, QuerySpec<FieldName<S>>>;
  /**
   * Field sets no two items may share besides the key, enforced by the store:
   * a Postgres UNIQUE constraint, DynamoDB claim items written in the same
   * TransactWriteItems, a Cassandra lookup table claimed with a lightweight
   * transaction. Elasticsearch cannot enforce it (`E_DEFINITION`).
   *
   * @example unique: ["email", { name: "profile_handle", fields: ["accountId", "handle"] }]
   */
  unique?: readonly UniqueSpec<FieldName<S>>[];
  consistency?: ConsistencyInput | ConsistencySpec;
  /** Row time-to-live (Cassandra `USING TTL`, DynamoDB TTL attribute). */
  ttl?: Duration;
  cache?: false | CacheSpec;
  /** Integer field used for optimistic concurrency. */
  version?: V;
  /**
   * Publish every change of this entity as a change event, recorded in the
   * same store write (an outbox) and delivered by `createOutboxRelay`.
   * Events are ordered per key by a per-key version the outbox assigns, so
   * the entity needs no version field of its own.
   */
  events?: EventsSpec;
  /**
   * Projections into other entities, kept up to date from this entity's
   * change events by the projection applier (implies `events`).
   *
   * @example
   * projections: { titleSearch: { to: TitleSearch, map: (t) => ({ titleId: t.titleId, name: t.name }) } }
   */
  projections?: { [K in keyof P]: ProjectionSpec<S, P[K]> };
  /** Elasticsearch: which string fields are analyzed full text. */
  search?: SearchSpec<FieldName<S>>;
  /** Physical table / index name; defaults to the snake_case entity name. */
  table?: string;
  /**
   * What every write (put, putMany, update, conditional and transactional
   * writes) does with fields the schema does not declare, at any depth:
   * `"reject"` (the default) refuses the write with `E_VALIDATION` naming the
   * field; `"strip"` drops them and writes the rest.
   */
  unknownFields?: UnknownFieldsRule;
}

/** A declared entity: its schema (for types and validation) and its normalized model. */
export interface EntityDefinition<S extends EntitySchema = EntitySchema, V extends string = string> {
  readonly name: string;
  readonly schema: S;
  readonly model: EntityModel;
  /** The declared version field (also `model.version`); typed so projections can leave it to the applier. */
  readonly versionField?: V | undefined;
  /** Declared projections with their map functions (empty when none). */
  readonly projections?: readonly ProjectionDefinition[] | undefined;
}

/** Any entity definition, whatever its schema and version field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyEntityDefinition = EntityDefinition<any, any>;

/** A projection as the runtime sees it: the normalized model, the target definition and the map. */
export interface ProjectionDefinition {
  readonly model: ProjectionModel;
  readonly source: string;
  readonly target: EntityDefinition;
  readonly map: (source: Record<string, unknown>) => unknown;
}

/*
 * The keys each declaration object may hold. Each list is checked against its
 * option type by the compiler (missing or extra keys do not compile), so the
 * option types stay the one description of a declaration.
 */
const ENTITY_KEYS = {
  store: true, schema: true, key: true, queries: true, unique: true, consistency: true, ttl: true, cache: true, version: true, events: true, projections: true,
  search: true, table: true, unknownFields: true,
} as const satisfies DeclarationKeys<EntitySpec<EntitySchema>>;
const STORE_KEYS = { kind: true, name: true } as const satisfies DeclarationKeys<NamedStoreSpec>;
const KEY_KEYS = { partition: true, clustering: true, sort: true, primary: true, id: true } as const satisfies DeclarationKeys<KeySpec<string>>;
const ORDERED_FIELD_KEYS = { field: true, order: true } as const satisfies DeclarationKeys<OrderedFieldObject<string>>;
const QUERY_KEYS = { by: true, order: true, consistency: true, cache: true } as const satisfies DeclarationKeys<QuerySpec<string>>;
const CONSISTENCY_KEYS = { read: true, write: true } as const satisfies DeclarationKeys<ConsistencySpec>;
const CACHE_KEYS = { ttl: true, l1: true, staleIfError: true, queries: true, coalesce: true } as const satisfies DeclarationKeys<CacheSpec>;
const UNIQUE_KEYS = { name: true, fields: true } as const satisfies DeclarationKeys<Extract<UniqueSpec<string>, { fields: unknown }>>;
const EVENTS_KEYS = { topic: true, carry: true } as const satisfies DeclarationKeys<EventsSpec>;
const PROJECTION_KEYS = { to: true, map: true } as const satisfies DeclarationKeys<ProjectionSpec<EntitySchema, AnyEntityDefinition>>;
const CACHE_L1_KEYS = { ttl: true, max: true } as const satisfies DeclarationKeys<CacheL1Spec>;
const SEARCH_KEYS = { text: true } as const satisfies DeclarationKeys<SearchSpec<string>>;

const ENTITY_NAME = /^[A-Z][A-Za-z0-9]{0,62}$/;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9]{0,62}$/;
const QUERY_NAME = /^[a-z][A-Za-z0-9]{0,62}$/;
const TABLE_NAME = /^[a-z][a-z0-9_]{0,47}$/;

/** Names the generated code or the repository already uses. */
const RESERVED_QUERY_NAMES = new Set([
  "get", "getMany", "getOrThrow", "put", "update", "delete", "search", "constructor", "entity",
  "runtime", "model", "schema", "query", "transaction", "toString", "valueOf", "then",
]);
/** Type names the generated files would shadow. */
const RESERVED_ENTITY_NAMES = new Set([
  "Object", "Array", "Date", "Map", "Set", "Promise", "Error", "String", "Number", "Boolean", "Symbol",
  "Function", "Record", "Partial", "Required", "Pick", "Omit", "Database", "Repositories", "BigInt",
]);
/** Field names the stores or the SDK keep for themselves. */
const RESERVED_FIELD_NAMES = new Set(["applied", "ttl", "writetime", "token", "id_", "score"]);

/**
 * Declares an entity once: schema, store, keys, access patterns, consistency
 * and caching. Throws `E_DEFINITION` (naming entity, path and fix) when the
 * declaration cannot work on its store.
 *
 * @example
 * export const Profile = defineEntity("Profile", {
 *   store: "dynamodb",
 *   schema: z.object({ profileId: z.uuid(), accountId: z.uuid(), name: z.string() }),
 *   key: { partition: "profileId" },
 *   queries: { profilesOfAccount: { by: ["accountId"] } },
 *   cache: { ttl: "10m" },
 * });
 */
export function defineEntity<
  S extends EntitySchema,
  const V extends FieldName<S> = never,
  P extends Record<string, AnyEntityDefinition> = Record<never, AnyEntityDefinition>,
>(name: string, spec: EntitySpec<S, V, P>): EntityDefinition<S, V> {
  const model = buildEntityModel(name, spec as unknown as EntitySpec<EntitySchema>);
  const projections: ProjectionDefinition[] = (model.projections ?? []).map((p) => {
    const declared = (spec.projections as unknown as Record<string, { to: EntityDefinition; map: (source: Record<string, unknown>) => unknown }>)[p.name]!;
    return Object.freeze({ model: p, source: name, target: declared.to, map: declared.map });
  });
  return Object.freeze({ name, schema: spec.schema, model, versionField: model.version as V | undefined, projections: Object.freeze(projections) });
}

/** Builds and validates the normalized model of one declaration. */
export function buildEntityModel(name: string, spec: EntitySpec<EntitySchema>): EntityModel {
  const fail = (path: string, message: string, fix: string) => definitionError(name, path, message, fix);

  if (typeof name !== "string" || !ENTITY_NAME.test(name)) {
    throw fail("name", `entity name ${JSON.stringify(name)} is not a PascalCase identifier`, 'name entities like "ViewingHistory"');
  }
  if (RESERVED_ENTITY_NAMES.has(name)) {
    throw fail("name", `entity name ${name} is reserved`, `rename the entity (for example "${name}Record")`);
  }
  checkDeclarationKeys(spec, fail);
  const store = normalizeStore(spec.store, fail);
  const dialect = storeDialect(store.kind);
  const keyable = dialect.keys.keyable;
  const schema = spec.schema as unknown as { _zod?: { def?: { type?: string } }; shape?: Record<string, z.ZodType> };
  if (schema?._zod?.def?.type !== "object" || !schema.shape) {
    throw fail("schema", "schema is not a zod object", "pass z.object({...}) from zod 4");
  }

  const fields = Object.entries(schema.shape).map(([fieldName, fieldSchema]) => {
    if (!FIELD_NAME.test(fieldName)) {
      throw fail(`schema.${fieldName}`, `field name ${JSON.stringify(fieldName)} is not a plain identifier`, "use letters and digits, starting with a letter (names starting with _ are reserved for store metadata)");
    }
    if (RESERVED_FIELD_NAMES.has(fieldName.toLowerCase())) {
      throw fail(`schema.${fieldName}`, `field name ${fieldName} is reserved`, "rename the field");
    }
    return describeField(fieldName, fieldSchema);
  });
  const columns = new Map<string, string>();
  for (const f of fields) {
    const other = columns.get(f.column);
    if (other) throw fail(`schema.${f.name}`, `fields ${other} and ${f.name} map to the same column ${f.column}`, "rename one of them");
    columns.set(f.column, f.name);
  }
  const fieldByName = new Map(fields.map((f) => [f.name, f]));

  const keyField = (path: string, fieldName: unknown, role: string): FieldModel => {
    const field = typeof fieldName === "string" ? fieldByName.get(fieldName) : undefined;
    if (!field) {
      throw fail(path, `${role} field ${JSON.stringify(fieldName)} is not in the schema`, `add ${String(fieldName)} to the schema or use one of: ${[...fieldByName.keys()].join(", ")}`);
    }
    if (field.optional || field.nullable) {
      throw fail(path, `${role} field ${field.name} is optional or nullable`, `make ${field.name} required in the schema (remove .optional()/.nullable()/.default())`);
    }
    if (!keyable.has(field.type)) {
      throw fail(path, `${role} field ${field.name} has type ${field.type}, which ${store.kind} cannot key on`, `use one of: ${[...keyable].join(", ")}`);
    }
    return field;
  };

  const key = normalizeKey(store.kind, spec.key, fail);
  key.partition.forEach((f, i) => keyField(`key.partition[${i}]`, f, "key"));
  key.clustering.forEach((c, i) => keyField(`key.clustering[${i}]`, c.field, "key"));
  const seen = new Set<string>();
  key.fields.forEach((f, i) => {
    if (seen.has(f)) throw fail(`key`, `field ${f} appears twice in the key (position ${i})`, "list each key field once");
    seen.add(f);
  });

  const consistency = normalizeConsistency(store.kind, spec.consistency, fail);

  let textFields: string[] = [];
  if (spec.search) {
    if (!dialect.features.fullTextSearch) {
      const searchStores = storeKindsWith((d) => d.features.fullTextSearch);
      throw fail("search", `search.text is only meaningful on ${searchStores}, not ${store.kind}`, `remove search or move the entity to ${searchStores}`);
    }
    textFields = spec.search.text.map((f, i) => {
      const field = fieldByName.get(f);
      if (!field) throw fail(`search.text[${i}]`, `text field ${f} is not in the schema`, "list schema fields");
      if (field.type !== "string") throw fail(`search.text[${i}]`, `text field ${f} has type ${field.type}`, "only string fields can be full text");
      return f;
    });
  }

  const table = spec.table ?? toSnakeCase(name);
  if (!TABLE_NAME.test(table)) {
    throw fail("table", `table name ${JSON.stringify(table)} is not a lower-case identifier of at most 48 characters`, 'use a name like "viewing_history"');
  }

  const queries = Object.entries(spec.queries ?? {}).map(([queryName, q]) =>
    normalizeQuery(name, store.kind, table, key, consistency, queryName, q, fieldByName, textFields, keyField),
  );
  const lowerNames = new Set<string>();
  for (const q of queries) {
    const lower = q.name.toLowerCase();
    if (lowerNames.has(lower)) throw fail(`queries.${q.name}`, `two queries are named ${q.name} (ignoring case)`, "give every query a distinct name");
    lowerNames.add(lower);
  }
  const patterns = new Map<string, string>();
  for (const q of queries) {
    const signature = JSON.stringify([[...q.by].sort(), q.order]);
    const other = patterns.get(signature);
    if (other) throw fail(`queries.${q.name}`, `query ${q.name} duplicates the access pattern of query ${other}`, `remove ${q.name} and call ${other}`);
    patterns.set(signature, q.name);
  }

  const unique = normalizeUnique(store.kind, table, key, spec.unique, fieldByName, fail);

  let ttlSeconds: number | undefined;
  if (spec.ttl !== undefined) {
    const rowTtl = dialect.features.rowTtl;
    if (!rowTtl) {
      throw fail("ttl", `${store.kind} has no row TTL`, "remove ttl, or delete expired rows with a scheduled job");
    }
    ttlSeconds = Math.ceil(toMilliseconds(spec.ttl, "ttl") / 1000);
    if (ttlSeconds <= 0) throw fail("ttl", "ttl must be positive", 'use a duration like "730d"');
    if (rowTtl.maxSeconds !== undefined && ttlSeconds > rowTtl.maxSeconds) {
      throw fail("ttl", `ttl ${ttlSeconds}s exceeds ${rowTtl.maxDescription ?? `${store.kind}'s maximum of ${rowTtl.maxSeconds}s`}`, "use a shorter ttl");
    }
  }

  let version: string | undefined;
  if (spec.version !== undefined) {
    const field = fieldByName.get(spec.version);
    if (!field) throw fail("version", `version field ${spec.version} is not in the schema`, "add an integer field such as version: z.number().int().nonnegative()");
    if (field.type !== "int") throw fail("version", `version field ${field.name} has type ${field.type}`, "make it z.number().int()");
    if (key.fields.includes(field.name)) throw fail("version", `version field ${field.name} is part of the key`, "use a non-key field");
    version = field.name;
  }

  const cache = normalizeCache(spec.cache, queries, fail);
  for (const q of queries) {
    if (!cache) {
      if (q.cached) throw fail(`queries.${q.name}.cache`, `query ${q.name} asks for caching but the entity has no cache policy`, "declare cache: { ttl } on the entity or remove cache from the query");
      continue;
    }
    q.cached ||= cache.queries === true || (Array.isArray(cache.queries) && cache.queries.includes(q.name));
  }

  const unknownFields = spec.unknownFields ?? "reject";
  if (unknownFields !== "reject" && unknownFields !== "strip") {
    throw fail("unknownFields", `unknownFields ${JSON.stringify(unknownFields)} is not "reject" or "strip"`, 'use "reject" (the default) or "strip"');
  }

  const schemaHash = createHash("sha256")
    .update(JSON.stringify({ fields, key }))
    .digest("hex")
    .slice(0, 8);

  const projections = normalizeProjections(name, store, spec.projections, fail);
  const events = normalizeEvents(store.kind, table, spec.events, projections.length > 0, fail);

  const model: EntityModel = { name, store, table, fields, key, queries, unique, consistency, ttlSeconds, cache, version, textFields, schemaHash, unknownFields };
  if (events) model.events = events;
  if (projections.length) model.projections = projections;
  return model;
}

const TOPIC_NAME = /^[A-Za-z0-9._-]{1,200}$/;

/** The `E_DEFINITION` error of a declaration the store refuses. */
function refusal(path: string, refused: StoreRefusal, has: (dialect: StoreDialect) => boolean, fail: Fail): Error {
  return fail(path, refused.message, refused.fix(storeKindsWith(has)));
}

function normalizeEvents(kind: StoreKind, table: string, spec: EventsSpec | undefined, projected: boolean, fail: Fail): EventsModel | undefined {
  if (spec === undefined && !projected) return undefined;
  if (spec !== undefined && (typeof spec !== "object" || spec === null || Array.isArray(spec))) {
    throw fail("events", "events must be an object", 'declare events: { topic: "titles" } (or {} for the defaults)');
  }
  const changeEvents = storeDialect(kind).features.changeEvents;
  if (changeEvents !== true) throw refusal("events", changeEvents, (d) => d.features.changeEvents === true, fail);
  const topic = spec?.topic ?? `polyxena.${table}`;
  if (typeof topic !== "string" || !TOPIC_NAME.test(topic) || topic === "." || topic === "..") {
    throw fail("events.topic", `topic ${JSON.stringify(topic)} is not a valid topic name`, "use letters, digits, '.', '_' and '-' (at most 200 characters)");
  }
  const carry = spec?.carry ?? "item";
  if (carry !== "item" && carry !== "key") throw fail("events.carry", `carry ${JSON.stringify(carry)} is not "item" or "key"`, 'use "item" (the item after the write) or "key" (only key and version)');
  if (projected && carry !== "item") {
    throw fail("events.carry", "projections map the changed item, but the events carry only the key", 'set events.carry to "item" (the default)');
  }
  return { topic, carry };
}

function normalizeProjections(source: string, sourceStore: StoreRefModel, spec: unknown, fail: Fail): ProjectionModel[] {
  if (spec === undefined) return [];
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw fail("projections", "projections must be an object of named projections", "declare projections: { name: { to: Target, map: (item) => ({ ... }) } }");
  }
  const out: ProjectionModel[] = [];
  for (const [name, raw] of Object.entries(spec as Record<string, unknown>)) {
    const path = `projections.${name}`;
    if (!QUERY_NAME.test(name)) throw fail(path, `projection name ${JSON.stringify(name)} is not a camelCase identifier`, 'name projections like "titleSearch"');
    const p = raw as { to?: unknown; map?: unknown } | null;
    const target = p?.to as EntityDefinition | undefined;
    if (!target || typeof target !== "object" || typeof target.name !== "string" || !target.model) {
      throw fail(`${path}.to`, "the projection's target is not an entity definition", "pass the target entity returned by defineEntity (to: TitleSearch)");
    }
    if (target.name === source) throw fail(`${path}.to`, `${source} cannot project into itself`, "project into another entity");
    if (typeof p?.map !== "function") throw fail(`${path}.map`, "map is not a function", "declare map: (source) => ({ ...target fields })");
    const versionField = target.model.version;
    if (!versionField) {
      throw fail(
        `${path}.to`,
        `target ${target.name} declares no version field to hold the source version, so the applier could not keep an older or repeated event from overwriting a newer one`,
        `add an integer field to ${target.name} (e.g. sourceVersion: z.number().int().nonnegative()) and declare version: "sourceVersion"`,
      );
    }
    if (target.model.events) {
      throw fail(`${path}.to`, `target ${target.name} publishes events itself`, "project into an entity that only this projection writes");
    }
    void sourceStore;
    out.push({ name, target: target.name, targetStore: target.model.store, targetVersionField: versionField });
  }
  return out;
}

type Fail = (path: string, message: string, fix: string) => Error;

/**
 * Refuses every key the option types do not declare, at every level of the
 * declaration, with a "did you mean" suggestion: a misspelt option must not
 * silently produce an entity without it.
 */
function checkDeclarationKeys(spec: EntitySpec<EntitySchema>, fail: Fail): void {
  const check = (value: unknown, known: Readonly<Record<string, true>>, path: string) => {
    const unknown = findUnknownKey(value, known, path);
    if (unknown) throw fail(unknown.path, unknown.message, unknown.fix);
  };
  const checkOrdered = (value: unknown, path: string) => {
    if (Array.isArray(value)) value.forEach((entry, i) => check(entry, ORDERED_FIELD_KEYS, `${path}[${i}]`));
    else check(value, ORDERED_FIELD_KEYS, path);
  };
  if (typeof spec !== "object" || spec === null) throw fail("", "the declaration is not an object", "pass { store, schema, key, ... }");
  check(spec, ENTITY_KEYS, "");
  check(spec.store, STORE_KEYS, "store");
  check(spec.key, KEY_KEYS, "key");
  if (spec.key && typeof spec.key === "object") {
    checkOrdered(spec.key.clustering, "key.clustering");
    checkOrdered(spec.key.sort, "key.sort");
  }
  if (spec.queries && typeof spec.queries === "object") {
    for (const [name, query] of Object.entries(spec.queries)) {
      check(query, QUERY_KEYS, `queries.${name}`);
      if (Array.isArray(query?.order)) checkOrdered(query.order, `queries.${name}.order`);
    }
  }
  if (Array.isArray(spec.unique)) spec.unique.forEach((u: unknown, i: number) => check(u, UNIQUE_KEYS, `unique[${i}]`));
  check(spec.events, EVENTS_KEYS, "events");
  if (spec.projections && typeof spec.projections === "object") {
    for (const [name, projection] of Object.entries(spec.projections)) check(projection, PROJECTION_KEYS, `projections.${name}`);
  }
  check(spec.consistency, CONSISTENCY_KEYS, "consistency");
  check(spec.cache, CACHE_KEYS, "cache");
  if (spec.cache) check(spec.cache.l1, CACHE_L1_KEYS, "cache.l1");
  check(spec.search, SEARCH_KEYS, "search");
}

function normalizeStore(store: StoreSpec, fail: Fail): StoreRefModel {
  const kind = typeof store === "string" ? store : store?.kind;
  const instance = typeof store === "string" ? "default" : store?.name;
  if (!isStoreKind(kind)) {
    throw fail("store", `unknown store ${JSON.stringify(kind)}`, `use one of: ${STORE_KINDS.join(", ")}`);
  }
  if (typeof instance !== "string" || !/^[a-z][a-z0-9-]{0,31}$/.test(instance)) {
    throw fail("store.name", `store instance name ${JSON.stringify(instance)} is invalid`, 'use a lower-case name such as "viewing"');
  }
  return { kind, name: instance };
}

function normalizeKey(kind: StoreKind, key: KeySpec<string>, fail: Fail): KeyModel {
  if (!key || typeof key !== "object") throw fail("key", "key is missing", "declare the primary key in the store's terms");
  const { partition, clustering } = storeDialect(kind).keys.normalize(key, fail);
  if (partition.length === 0) throw fail("key.partition", "the key has no partition field", "name at least one key field");
  return { partition, clustering, fields: [...partition, ...clustering.map((c) => c.field)] };
}

function normalizeLevel(kind: StoreKind, input: ConsistencyInput, path: string, fail: Fail): ConsistencyLevelModel {
  const level = resolveConsistency(kind, input);
  if (!level) {
    const native = nativeLevels(kind);
    throw fail(path, `consistency ${JSON.stringify(input)} is not a level ${kind} understands`, `use "eventual", "strong"${native.length ? ` or one of ${native.join(", ")}` : ""}`);
  }
  return level;
}

function normalizeConsistency(kind: StoreKind, spec: EntitySpec<EntitySchema>["consistency"], fail: Fail): ConsistencyModel {
  const defaults = storeDialect(kind).consistency.defaults;
  if (spec === undefined) return defaults;
  if (typeof spec === "string") {
    const level = normalizeLevel(kind, spec, "consistency", fail);
    return { read: level, write: level };
  }
  return {
    read: spec.read === undefined ? defaults.read : normalizeLevel(kind, spec.read, "consistency.read", fail),
    write: spec.write === undefined ? defaults.write : normalizeLevel(kind, spec.write, "consistency.write", fail),
  };
}

function normalizeQuery(
  entity: string,
  kind: StoreKind,
  table: string,
  key: KeyModel,
  consistency: ConsistencyModel,
  name: string,
  spec: QuerySpec<string>,
  fieldByName: Map<string, FieldModel>,
  textFields: readonly string[],
  keyField: (path: string, field: unknown, role: string) => FieldModel,
): QueryModel {
  const path = `queries.${name}`;
  const fail: Fail = (p, m, f) => definitionError(entity, p, m, f);
  if (!QUERY_NAME.test(name)) throw fail(path, `query name ${JSON.stringify(name)} is not a camelCase identifier`, 'name queries like "historyForProfile"');
  if (RESERVED_QUERY_NAMES.has(name)) throw fail(path, `query name ${name} is reserved by the repository`, `rename it (for example "${name}By...")`);
  if (!spec || !Array.isArray(spec.by)) throw fail(`${path}.by`, "query has no `by` list", "declare by: [equality fields]");
  const by = [...spec.by];
  by.forEach((f, i) => keyField(`${path}.by[${i}]`, f, "query"));
  if (new Set(by).size !== by.length) throw fail(`${path}.by`, "a field appears twice in by", "list each field once");
  const order: OrderedField[] = Array.isArray(spec.order)
    ? (spec.order as readonly OrderedFieldSpec<string>[]).map(orderedField)
    : Object.entries((spec.order ?? {}) as Record<string, SortOrder>).map(([field, o]) => ({ field, order: o }));
  order.forEach((o, i) => {
    keyField(`${path}.order[${i}]`, o.field, "order");
    if (o.order !== "asc" && o.order !== "desc") throw fail(`${path}.order.${o.field}`, `order must be "asc" or "desc"`, 'use "asc" or "desc"');
    if (by.includes(o.field)) throw fail(`${path}.order.${o.field}`, `${o.field} is both an equality field and an order field`, "remove it from one of them");
  });
  const queryConsistency = spec.consistency === undefined ? undefined : normalizeLevel(kind, spec.consistency, `${path}.consistency`, fail);
  const readLevel = queryConsistency ?? consistency.read;

  const index = storeDialect(kind).planQuery({ name, path, table, key, by, order, readLevel, fieldByName, textFields }, fail);
  return { name, by, order, rangeField: order[0]?.field, consistency: queryConsistency, index, cached: spec.cache === true };
}

const CONSTRAINT_NAME = /^[a-z][a-z0-9_]{0,62}$/;

function normalizeUnique(
  kind: StoreKind,
  table: string,
  key: KeyModel,
  spec: EntitySpec<EntitySchema>["unique"],
  fieldByName: ReadonlyMap<string, FieldModel>,
  fail: Fail,
): UniqueConstraintModel[] {
  if (spec === undefined) return [];
  if (!Array.isArray(spec)) throw fail("unique", "unique is not a list", 'declare unique: ["email"] or unique: [{ name: "account_handle", fields: ["accountId", "handle"] }]');
  if (spec.length === 0) return [];
  const uniqueConstraints = storeDialect(kind).features.uniqueConstraints;
  if (uniqueConstraints !== true) throw refusal("unique", uniqueConstraints, (d) => d.features.uniqueConstraints === true, fail);
  const keyable = storeDialect(kind).keys.keyable;
  const constraints: UniqueConstraintModel[] = [];
  const names = new Set<string>([`${table}_pkey`]);
  const sets = new Map<string, string>();
  (spec as readonly UniqueSpec<string>[]).forEach((entry, i) => {
    const path = `unique[${i}]`;
    const named = typeof entry === "object" && entry !== null && !Array.isArray(entry) ? (entry as { name?: unknown; fields?: unknown }) : undefined;
    const raw: unknown = named ? named.fields : entry;
    const list: unknown[] = typeof raw === "string" ? [raw] : Array.isArray(raw) ? [...(raw as unknown[])] : [];
    if (list.length === 0) throw fail(path, "a unique constraint needs at least one field", 'list the fields, e.g. ["email"]');
    const fields = list.map((f, j) => {
      const field = typeof f === "string" ? fieldByName.get(f) : undefined;
      if (!field) throw fail(`${path}.fields[${j}]`, `unique field ${JSON.stringify(f)} is not in the schema`, `use one of: ${[...fieldByName.keys()].join(", ")}`);
      if (!keyable.has(field.type)) throw fail(`${path}.fields[${j}]`, `unique field ${field.name} has type ${field.type}, which ${kind} cannot compare as a whole value`, `use one of: ${[...keyable].join(", ")}`);
      return field;
    });
    const fieldNames = fields.map((f) => f.name);
    if (new Set(fieldNames).size !== fieldNames.length) throw fail(path, "a field appears twice in a unique constraint", "list each field once");
    if (key.fields.every((k) => fieldNames.includes(k))) {
      throw fail(path, `unique constraint on ${fieldNames.join(", ")} contains the whole key, so it always holds`, "remove it; the key is unique already");
    }
    let name: string;
    if (named?.name !== undefined) {
      if (typeof named.name !== "string" || !CONSTRAINT_NAME.test(named.name)) {
        throw fail(`${path}.name`, `constraint name ${JSON.stringify(named.name)} is not a lower-case identifier of at most 63 characters`, 'use a name like "profile_email_key"');
      }
      name = named.name;
    } else {
      name = `${table}_${fields.map((f) => f.column).join("_")}_key`.slice(0, 63);
    }
    const signature = [...fieldNames].sort().join(",");
    const other = sets.get(signature);
    if (other !== undefined) throw fail(path, `unique constraint ${name} repeats the fields of ${other}`, `remove ${name}`);
    sets.set(signature, name);
    if (names.has(name)) throw fail(path, `two constraints are named ${name}`, "give the constraint its own name: { name, fields }");
    names.add(name);
    if (sameFields(fieldNames, key.fields)) throw fail(path, "the constraint repeats the key", "remove it");
    constraints.push({ name, fields: fieldNames });
  });
  return constraints;
}

function normalizeCache(spec: false | CacheSpec | undefined, queries: QueryModel[], fail: Fail): CacheModel | false {
  if (spec === undefined || spec === false) return false;
  const ttlMs = toMilliseconds(spec.ttl, "cache.ttl");
  if (ttlMs < 1000) throw fail("cache.ttl", "cache ttl is below one second", 'use a ttl of at least "1s"');
  let l1: CacheModel["l1"];
  if (spec.l1) {
    if (!Number.isInteger(spec.l1.max) || spec.l1.max <= 0) throw fail("cache.l1.max", "l1.max must be a positive integer", "set the maximum number of entries kept in process");
    l1 = { ttlMs: toMilliseconds(spec.l1.ttl, "cache.l1.ttl"), max: spec.l1.max };
  }
  const staleIfErrorMs = spec.staleIfError === true ? ttlMs : spec.staleIfError ? toMilliseconds(spec.staleIfError, "cache.staleIfError") : 0;
  const queryNames = spec.queries ?? false;
  if (Array.isArray(queryNames)) {
    for (const q of queryNames) {
      if (!queries.some((d) => d.name === q)) throw fail("cache.queries", `cache.queries names unknown query ${q}`, `use one of: ${queries.map((d) => d.name).join(", ") || "(none declared)"}`);
    }
  }
  if (spec.coalesce !== undefined && typeof spec.coalesce !== "boolean") throw fail("cache.coalesce", "cache.coalesce must be true or false", "write coalesce: true to batch the gets of one tick");
  return { ttlMs, l1, staleIfErrorMs, queries: queryNames, coalesce: spec.coalesce === true };
}
