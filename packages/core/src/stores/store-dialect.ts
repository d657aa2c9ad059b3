/**
 * The one interface every store's rules sit behind. Each store is one folder
 * under `stores/<kind>/` with the same files (dialect, keys, query plan,
 * consistency, schema, statements, options) and one line in the registry
 * (`store-registry.ts`); `defineEntity`, consistency resolution, the
 * statement listing, tracing and codegen ask the registry, never a
 * `switch` on the kind.
 */
import type { DeclarationKeys } from "../declaration-keys.js";
import type { KeySpec } from "../define-entity.js";
import type {
  ConsistencyLevelModel,
  ConsistencyModel,
  EntityModel,
  FieldModel,
  FieldType,
  KeyModel,
  OrderedField,
  PortableConsistency,
  QueryIndexModel,
} from "../entity-model.js";
import type { StatementListingEntry } from "../physical/statement-text.js";
import type { StoreAdapter } from "../store-adapter.js";

/** Builds the `E_DEFINITION` error of a declaration: the path, what is wrong and the fix. */
export type DefinitionFailure = (path: string, message: string, fix: string) => Error;

/** A declaration the store cannot serve: why, and what to do instead. */
export interface StoreRefusal {
  readonly message: string;
  /** The fix, given the stores that can serve the declaration (from the registry). */
  fix(capableStores: string): string;
}

/** The key of a declaration in normalized form, before its fields are checked against the schema. */
export interface NormalizedKey {
  /** Partition (hash) fields; the whole primary key on stores without clustering. */
  partition: string[];
  /** Clustering / sort fields; empty on stores without them. */
  clustering: OrderedField[];
}

/** Key rules of a store (`<kind>-keys.ts`). */
export interface StoreKeyRules {
  /** Field types the store can key on and compare as a whole value (keys and unique constraints). */
  readonly keyable: ReadonlySet<FieldType>;
  /** Reads the declared key in the store's own terms (`{ partition, clustering }`, `{ primary }`, `{ id }`, ...). */
  normalize(key: KeySpec<string>, fail: DefinitionFailure): NormalizedKey;
  /**
   * The declaration, in the store's own terms, closest to a key of these
   * fields (the reverse of `normalize`), for tools that declare one entity
   * for every store, such as the conformance suite.
   */
  declare(key: NormalizedKey): KeySpec<string>;
}

/** What the query planner sees of one declared query (fields already checked against the schema). */
export interface QueryPlanInput {
  /** Query name, e.g. `historyForProfile`. */
  name: string;
  /** Declaration path for errors, e.g. `queries.historyForProfile`. */
  path: string;
  /** Physical table name of the entity. */
  table: string;
  key: KeyModel;
  /** Equality fields. */
  by: readonly string[];
  order: readonly OrderedField[];
  /** The level the query reads at (its own, else the entity's read level). */
  readLevel: ConsistencyLevelModel;
  fieldByName: ReadonlyMap<string, FieldModel>;
  /** Full-text fields (stores with full-text search). */
  textFields: readonly string[];
}

/** Native consistency levels and defaults of a store (`<kind>-consistency.ts`). */
export interface StoreConsistencyRules<L extends string> {
  /** Every native level the store accepts and the portable meaning it has. */
  readonly native: Readonly<Record<L, PortableConsistency>>;
  /** The entity's read and write levels when it declares none. */
  readonly defaults: ConsistencyModel;
  /**
   * Transaction isolation levels among the native ones, weakest first: a
   * transaction runs at the strongest level its entities declare.
   */
  readonly isolationOrder?: readonly L[] | undefined;
}

/** What a store can do, as `defineEntity` checks it. */
export interface StoreFeatures {
  /** Row time-to-live, with the longest one the store takes; `false` when the store has none. */
  readonly rowTtl: false | { readonly maxSeconds?: number | undefined; readonly maxDescription?: string | undefined };
  /** Full-text fields (`search.text`) and the repository `search` method. */
  readonly fullTextSearch: boolean;
  /** Unique constraints besides the key, or why the store cannot enforce them. */
  readonly uniqueConstraints: true | StoreRefusal;
  /** Change events recorded atomically with the write, or why the store cannot. */
  readonly changeEvents: true | StoreRefusal;
}

/** The store's section of `polyxena.config.ts` (`<kind>-options.ts`). */
export interface StoreOptionRules<O extends object> {
  /** Every key of the section, checked against the option type by the compiler. */
  readonly keys: DeclarationKeys<O> & Readonly<Record<string, true>>;
  /** What is wrong with a section of the right keys but the wrong shape, or undefined when it is fine. */
  check?(section: unknown): string | undefined;
  /** The section with its defaults filled in (what generated files are built for). */
  withDefaults(section: O | undefined): O;
}

/** The physical schema file codegen writes for a store: SQL/CQL statements or a JSON document. */
export type PhysicalSchemaFile<O extends object> =
  | { readonly file: string; readonly format: "statements"; build(models: readonly EntityModel[], options: O): string[] }
  | { readonly file: string; readonly format: "json"; readonly key: string; build(models: readonly EntityModel[], options: O): unknown };

/** How a store records a change event with the write that caused it. */
export interface ChangeEventRecording {
  /** Where the event is written, e.g. `in its transaction`. */
  where: string;
  /** The statements or requests that write it. */
  statements: string;
  /** What the outbox relay sends to claim, read and delete recorded events, when the listing shows it. */
  relay?: string | undefined;
}

/** Typed row interfaces codegen emits for stores queried through Kysely (`database.ts`). */
export interface RowTypeRules<O extends object> {
  /** Name of the generated Kysely database interface, e.g. `Database`. */
  readonly databaseInterface: string;
  /** The store's name in the generated doc comments, e.g. `Postgres`. */
  readonly label: string;
  /** The table as the database interface keys it (`table` or `"schema.table"`). */
  tableKey(model: EntityModel, options: O): string;
  /** The table as a doc comment names it. */
  tableLabel(model: EntityModel, options: O): string;
}

/**
 * Everything Polyxena knows about one store kind, outside its adapter.
 * `O` is the store's option section (config and statement listing), `L` its
 * native consistency levels.
 */
export interface StoreDialect<O extends object = object, L extends string = string> {
  /** The store kind entities name in `store` (`"postgres"`). */
  readonly kind: string;
  /** The OpenTelemetry `db.system` of the store's spans. */
  readonly dbSystem: string;
  readonly keys: StoreKeyRules;
  /** The physical structure serving a declared query (`<kind>-query-plan.ts`); `E_DEFINITION` when the store cannot serve it. */
  planQuery(query: QueryPlanInput, fail: DefinitionFailure): QueryIndexModel;
  readonly consistency: StoreConsistencyRules<L>;
  readonly features: StoreFeatures;
  readonly options: StoreOptionRules<O>;
  readonly physicalSchema: PhysicalSchemaFile<O>;
  /** The native statement each repository method of the entity sends (`<kind>-statements.ts`). */
  listStatements(model: EntityModel, options: O | undefined): StatementListingEntry[];
  /** The code-fence language of the store's statements in `statements.md`. */
  readonly statementLanguage: string;
  /** How the store records a change event in the same write, for `statements.md` (when it writes its outbox itself). */
  changeEventRecording?(options: O): ChangeEventRecording;
  /** Where an adapter applies to other names (schema, keyspace) than the config generates for. */
  adapterWarnings?(adapter: StoreAdapter, options: O | undefined): string[];
  readonly rowTypes?: RowTypeRules<O> | undefined;
  /**
   * Where an adapter for this store comes from, added to the error of an
   * entity whose store has none (say so here when the store has no memory
   * twin, so a memory-only test learns what to run instead).
   */
  readonly adapterHint?: string | undefined;
}
