import { directCallPolicy, type CallPolicy } from "./call-policy.js";
import { CursorCodec } from "./cursor-codec.js";
import type { EntityDefinition } from "./define-entity.js";
import type { CacheProvider, EntityCache } from "./entity-cache.js";
import type { EntityModel, StoreRefModel } from "./entity-model.js";
import { EntityRuntime, type RuntimeServices, type TransactionScope } from "./entity-runtime.js";
import { PolyxenaError } from "./errors.js";
import type { OperationListener } from "./operation-events.js";
import type { SchemaApplyOptions, SchemaApplyResult, SchemaPlan, StoreAdapter, StoreMap } from "./store-adapter.js";
import { isStoreKind, storeDialect, storeKindsWith } from "./stores/store-registry.js";

/** Resolves a store reference to an adapter. */
export type StoreResolver = (store: StoreRefModel) => StoreAdapter | undefined;

/** Options of `createRepositories` (generated) and `new PolyxenaRuntime`. */
export interface RuntimeOptions {
  /**
   * Adapters by store: `{ postgres, dynamodb, cassandra, elasticsearch }`, with
   * named instances as `"cassandra:viewing"`; or a resolver function.
   */
  stores: StoreMap | StoreResolver;
  /** Cache-aside provider (memcached tier, in-memory cache); no caching when absent. */
  cache?: CacheProvider | undefined;
  /** Resilience policy around every store call; calls go straight through when absent. */
  policy?: CallPolicy | undefined;
  /** Secret that signs query cursors; share it between processes (default: random per process). */
  cursorSecret?: string | Uint8Array | undefined;
  /** Receives one event per operation. */
  onOperation?: OperationListener | readonly OperationListener[] | undefined;
  /** Default query page size (100). */
  defaultLimit?: number | undefined;
  /** Largest page size a caller may ask for (1000). */
  maxLimit?: number | undefined;
  /**
   * Put primary keys on operation events (default true). Parameter and item
   * values never appear in events; set false when keys themselves are
   * personal data.
   */
  includeKeys?: boolean | undefined;
}

/** Options of `repos.transaction(...)`. */
export interface TransactionCallOptions {
  /** The store instance to run the transaction on (`postgres`, `dynamodb:billing`); needed when more than one store has transactions. */
  store?: string;
  /** Native isolation level; default from the entities' write consistency. */
  isolation?: string;
}

/** Gives entity runtimes to generated repository builders. */
export interface RepositoryScope {
  entity(definition: EntityDefinition): EntityRuntime;
}

/**
 * Holds the adapters, cache, policy and cursor codec of one service, and
 * creates one {@link EntityRuntime} per entity.
 */
export class PolyxenaRuntime implements RepositoryScope {
  private readonly services: RuntimeServices;
  private readonly runtimes = new Map<string, EntityRuntime>();
  private readonly resolve: StoreResolver;

  constructor(
    private readonly options: RuntimeOptions,
    private readonly definitions: readonly EntityDefinition[] = [],
  ) {
    const listeners = options.onOperation === undefined ? [] : Array.isArray(options.onOperation) ? [...options.onOperation] : [options.onOperation as OperationListener];
    this.services = {
      policy: options.policy ?? directCallPolicy,
      cursors: new CursorCodec(options.cursorSecret),
      listeners,
      defaultLimit: options.defaultLimit ?? 100,
      maxLimit: options.maxLimit ?? 1000,
      includeKeys: options.includeKeys !== false,
    };
    const stores = options.stores;
    this.resolve = typeof stores === "function" ? stores : (ref) => stores[`${ref.kind}:${ref.name}`] ?? (ref.name === "default" ? stores[ref.kind] : undefined);
    const names = new Set<string>();
    for (const d of definitions) {
      if (names.has(d.name)) throw new PolyxenaError("E_DEFINITION", `two entities are named ${d.name}`, { entity: d.name, path: "name", fix: "give every entity a distinct name" });
      names.add(d.name);
      this.adapterFor(d.model);
    }
  }

  /** The adapter serving an entity; `E_DEFINITION` when none was configured. */
  adapterFor(model: EntityModel): StoreAdapter {
    const adapter = this.resolve(model.store);
    if (!adapter) {
      const id = model.store.name === "default" ? model.store.kind : `${model.store.kind}:${model.store.name}`;
      const hint = isStoreKind(model.store.kind) ? storeDialect(model.store.kind).adapterHint : undefined;
      throw new PolyxenaError("E_DEFINITION", `no adapter for store ${id}`, { entity: model.name, path: "stores", fix: `pass stores: { "${id}": adapter } to createRepositories${hint ? ` (${hint})` : ""}` });
    }
    if (adapter.kind !== model.store.kind) {
      throw new PolyxenaError("E_DEFINITION", `store ${model.store.kind} is served by a ${adapter.kind} adapter`, { entity: model.name, path: "stores", fix: `pass a ${model.store.kind} adapter` });
    }
    if (model.events && !adapter.outbox) {
      throw new PolyxenaError("E_DEFINITION", `${model.name} publishes change events, but the ${adapter.name} adapter cannot record them atomically with its writes`, {
        entity: model.name,
        path: "events",
        store: adapter.name,
        fix: `use a ${model.store.kind} adapter with an outbox (stores that record events with their writes: ${storeKindsWith((d) => d.features.changeEvents === true)}), or remove events and projections`,
      });
    }
    return adapter;
  }

  /** The runtime of one entity (created once). */
  entity(definition: EntityDefinition): EntityRuntime {
    let runtime = this.runtimes.get(definition.name);
    if (!runtime) {
      const cache: EntityCache | undefined = definition.model.cache ? this.options.cache?.forEntity(definition) : undefined;
      runtime = new EntityRuntime(definition, this.adapterFor(definition.model), this.services, cache);
      this.runtimes.set(definition.name, runtime);
    }
    return runtime;
  }

  /**
   * Runs `work` in one store transaction. The scope hands out runtimes bound
   * to the transaction; cache invalidations run after commit.
   */
  async transaction<T>(work: (scope: RepositoryScope) => Promise<T>, options: TransactionCallOptions = {}): Promise<T> {
    const adapter = this.transactionalAdapter(options.store);
    const isolation = options.isolation ?? this.defaultIsolation(adapter);
    const pending: Array<() => Promise<void>> = [];
    const result = await adapter.transaction!(async (handle) => {
      const scope: TransactionScope = { adapter, handle, pendingInvalidations: pending, finished: false };
      const bound = new Map<string, EntityRuntime>();
      try {
        return await work({
          entity: (definition) => {
            let runtime = bound.get(definition.name);
            if (!runtime) {
              runtime = this.entity(definition).withTransaction(scope);
              bound.set(definition.name, runtime);
            }
            return runtime;
          },
        });
      } finally {
        scope.finished = true;
      }
    }, { isolation });
    await Promise.all(pending.map((invalidate) => invalidate()));
    return result;
  }

  /**
   * Applies the physical schema of every entity to its store, idempotently
   * (tables, indexes, GSIs, keyspaces, index aliases). Returns what each
   * store instance applied and what it found already in place.
   *
   * @example
   * const repos = createRepositories({ stores });
   * await repos.runtime.applySchema();
   */
  async applySchema(options: SchemaApplyOptions = {}): Promise<Record<string, SchemaApplyResult>> {
    const results: Record<string, SchemaApplyResult> = {};
    for (const [adapter, models] of this.modelsByAdapter()) {
      if (!adapter.applySchema) continue;
      results[adapter.name] = await adapter.applySchema(models, options);
    }
    return results;
  }

  /**
   * The differences between the declared schema and every store, read by
   * introspection, changing nothing. Stores whose adapter cannot plan are absent.
   */
  async planSchema(): Promise<Record<string, SchemaPlan>> {
    const results: Record<string, SchemaPlan> = {};
    for (const [adapter, models] of this.modelsByAdapter()) {
      if (!adapter.planSchema) continue;
      results[adapter.name] = await adapter.planSchema(models);
    }
    return results;
  }

  private modelsByAdapter(): Map<StoreAdapter, EntityModel[]> {
    const byAdapter = new Map<StoreAdapter, EntityModel[]>();
    for (const d of this.definitions) {
      const adapter = this.adapterFor(d.model);
      byAdapter.set(adapter, [...(byAdapter.get(adapter) ?? []), d.model]);
    }
    return byAdapter;
  }

  /** Every entity definition this runtime serves. */
  entityDefinitions(): readonly EntityDefinition[] {
    return this.definitions;
  }

  /** Closes every adapter and the cache. */
  async close(): Promise<void> {
    const adapters = new Set(this.definitions.map((d) => this.adapterFor(d.model)));
    await Promise.all([...adapters].map((a) => a.close()));
    await this.options.cache?.close?.();
  }

  private transactionalAdapter(store: string | undefined): StoreAdapter {
    const adapters = [...new Set(this.definitions.map((d) => this.adapterFor(d.model)))].filter((a) => a.capabilities.transactions && a.transaction);
    // Without a named store there is no rule that prefers one store kind over another: only a single candidate is unambiguous.
    const chosen = store ? adapters.find((a) => a.name === store || a.kind === store) : adapters.length === 1 ? adapters[0] : undefined;
    if (!chosen) {
      const message = store ? `store ${store} has no transactions here` : adapters.length > 1 ? `${adapters.length} stores have transactions here, so the transaction must name one` : "no store here has transactions";
      throw new PolyxenaError("E_UNSUPPORTED", message, {
        operation: "transaction",
        fix: `pass { store } naming one of: ${adapters.map((a) => a.name).join(", ") || "(none)"}`,
      });
    }
    return chosen;
  }

  private defaultIsolation(adapter: StoreAdapter): string | undefined {
    const rank: readonly string[] = (isStoreKind(adapter.kind) && storeDialect(adapter.kind).consistency.isolationOrder) || [];
    let best: string | undefined;
    for (const d of this.definitions) {
      const native = d.model.consistency.write.native;
      if (this.adapterFor(d.model) !== adapter || !native || !rank.includes(native)) continue;
      if (best === undefined || rank.indexOf(native) > rank.indexOf(best)) best = native;
    }
    return best;
  }
}

/** What `createRepositories` adds next to the repositories. */
export interface RepositoriesControl<R> {
  /** Runs `work` in one store transaction; a thrown error rolls everything back. */
  transaction<T>(work: (tx: R) => Promise<T>, options?: TransactionCallOptions): Promise<T>;
  /** Closes the adapters and the cache. */
  close(): Promise<void>;
  readonly runtime: PolyxenaRuntime;
}

/**
 * Builds the repositories object of a generated `createRepositories`: the
 * repositories from `build`, plus `transaction` and `close`.
 */
export function bindRepositories<R extends object>(
  options: RuntimeOptions,
  definitions: readonly EntityDefinition[],
  build: (scope: RepositoryScope) => R,
): R & RepositoriesControl<R> {
  const runtime = new PolyxenaRuntime(options, definitions);
  const control: RepositoriesControl<R> = {
    transaction: (work, txOptions) => runtime.transaction((scope) => work(build(scope)), txOptions),
    close: () => runtime.close(),
    runtime,
  };
  return Object.assign(build(runtime), control);
}
