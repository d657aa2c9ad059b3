/**
 * The one registry of store dialects, keyed by store kind. Adding a store is
 * one folder under `stores/` and one line here: the store kind, its option
 * types and native consistency levels are derived from this object.
 */
import { cassandraDialect } from "./cassandra/cassandra-dialect.js";
import { dynamoDbDialect } from "./dynamodb/dynamodb-dialect.js";
import { elasticsearchDialect } from "./elasticsearch/elasticsearch-dialect.js";
import { mysqlDialect } from "./mysql/mysql-dialect.js";
import { postgresDialect } from "./postgres/postgres-dialect.js";
import type { StoreDialect } from "./store-dialect.js";

/** Every store dialect by kind, in a stable order. */
export const STORE_DIALECTS = {
  cassandra: cassandraDialect,
  dynamodb: dynamoDbDialect,
  postgres: postgresDialect,
  elasticsearch: elasticsearchDialect,
  mysql: mysqlDialect,
} as const;

type Dialects = typeof STORE_DIALECTS;

/** The store kinds Polyxena routes to. */
export type StoreKind = keyof Dialects;

/** The option section of one store kind (`polyxena.config.ts`, statement listing, schema builders). */
export type StoreOptionsOf<K extends StoreKind> = Dialects[K] extends StoreDialect<infer O, string> ? O : never;

/** The native consistency levels of one store kind. */
export type NativeConsistencyOf<K extends StoreKind> = Dialects[K] extends StoreDialect<object, infer L> ? L : never;

/** Each store's option section, by kind: the store part of the config and of generation options. */
export type StoreOptionsByKind = { [K in StoreKind]?: StoreOptionsOf<K> | undefined };

/** Every native consistency level of every store. */
export type NativeConsistency = { [K in StoreKind]: NativeConsistencyOf<K> }[StoreKind];

/** Every store kind, in a stable order. */
export const STORE_KINDS: readonly StoreKind[] = Object.keys(STORE_DIALECTS) as StoreKind[];

/** True when `kind` names a registered store. */
export function isStoreKind(kind: unknown): kind is StoreKind {
  return typeof kind === "string" && Object.prototype.hasOwnProperty.call(STORE_DIALECTS, kind);
}

/** The dialect of a store kind. */
export function storeDialect(kind: StoreKind): StoreDialect {
  return STORE_DIALECTS[kind] as StoreDialect;
}

/** The section of one store kind in config-shaped options (`{ postgres: { schema } }`), as its dialect takes it. */
export function storeSection(options: StoreOptionsByKind, kind: string): object | undefined {
  return (options as Readonly<Record<string, object | undefined>>)[kind];
}

/** The section of a store's dialect in config-shaped options, with the store's defaults filled in. */
export function storeSettings(dialect: StoreDialect, options: StoreOptionsByKind): object {
  return dialect.options.withDefaults(storeSection(options, dialect.kind));
}

/** Every registered dialect, in registry order. */
export function storeDialects(): readonly StoreDialect[] {
  return STORE_KINDS.map(storeDialect);
}

/** The registered store kinds whose dialect has a feature, for messages: `a, b or c`. */
export function storeKindsWith(has: (dialect: StoreDialect) => boolean): string {
  const kinds = storeDialects().filter(has).map((d) => d.kind);
  return kinds.length <= 1 ? (kinds[0] ?? "(none)") : `${kinds.slice(0, -1).join(", ")} or ${kinds[kinds.length - 1]}`;
}
