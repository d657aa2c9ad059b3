import type { EntityRuntime, BulkWriteResult, DeleteOptions, PutManyOptions, Page, PutOptions, QueryOptions, ReadOptions, ReadResult, SearchOptions, SearchResult, UpdateOptions } from "./entity-runtime.js";
import { PolyxenaError } from "./errors.js";
import { readItems, readPages, type QueryMethod, type SearchMethod } from "./page-iteration.js";
import type { KeyValues } from "./store-adapter.js";

/**
 * The typed base of every generated repository. `TItem` is the schema's
 * output type, `TInput` its input type, `TKey` the primary-key fields.
 * Generated subclasses add one method per declared query.
 */
export class Repository<TItem extends object, TInput extends object, TKey extends object> {
  constructor(protected readonly runtime: EntityRuntime) {}

  /** The item with this key, or `undefined`. */
  get(key: TKey, options?: ReadOptions): Promise<TItem | undefined> {
    return this.runtime.getItem(key as KeyValues, options) as Promise<TItem | undefined>;
  }

  /** Like `get`, with where the value came from and whether it is stale (served from cache because the store failed). */
  getWithMetadata(key: TKey, options?: ReadOptions): Promise<ReadResult<TItem>> {
    return this.runtime.get(key as KeyValues, options) as Promise<ReadResult<TItem>>;
  }

  /** The item with this key; `E_NOT_FOUND` when there is none. */
  async getOrThrow(key: TKey, options?: ReadOptions): Promise<TItem> {
    const item = await this.get(key, options);
    if (item === undefined) {
      throw new PolyxenaError("E_NOT_FOUND", `no ${this.runtime.model.name} with key ${describeKey(key as KeyValues)}`, {
        entity: this.runtime.model.name,
        operation: `${this.runtime.model.name}.getOrThrow`,
        store: this.runtime.adapter.name,
        fix: "use get() when absence is expected",
      });
    }
    return item;
  }

  /** Items for these keys, aligned with `keys` (`undefined` where absent). */
  getMany(keys: readonly TKey[], options?: ReadOptions): Promise<(TItem | undefined)[]> {
    return this.runtime.getMany(keys as readonly KeyValues[], options) as Promise<(TItem | undefined)[]>;
  }

  /** Validates and writes the whole item (insert or replace); returns it as stored. */
  put(item: TInput, options?: PutOptions): Promise<TItem> {
    return this.runtime.put(item, options) as Promise<TItem>;
  }

  /**
   * Validates and writes many items; each succeeds or fails on its own (a
   * refused or invalid item never loses the others).
   */
  putMany(items: readonly TInput[], options?: PutManyOptions): Promise<BulkWriteResult<TItem>> {
    return this.runtime.putMany(items, options) as Promise<BulkWriteResult<TItem>>;
  }

  /** Changes some non-key fields of an existing item; `E_CONDITION_FAILED` when it does not exist. */
  update(key: TKey, changes: Partial<Omit<TInput, keyof TKey>>, options?: UpdateOptions): Promise<TItem> {
    return this.runtime.update(key as KeyValues, changes, options) as Promise<TItem>;
  }

  /** Deletes the item with this key (conditionally with `expectedVersion` or `ifExists`). */
  delete(key: TKey, options?: DeleteOptions): Promise<void> {
    return this.runtime.delete(key as KeyValues, options);
  }

  /** Runs a declared query; generated methods call this with typed parameters. */
  protected runQuery(name: string, params: object, options?: QueryOptions): Promise<Page<TItem>> {
    return this.runtime.query(name, params, options) as Promise<Page<TItem>>;
  }

  /** The typed method of the declared query `name`: one page when called, every page through `all` and `pages`. */
  protected queryMethod<TParams extends object, TRange>(name: string): QueryMethod<TParams, TItem, TRange> {
    const page = (params: TParams, options?: QueryOptions<TRange>) => this.runQuery(name, params, options);
    const pages = (params: TParams, options: QueryOptions<TRange> = {}) =>
      readPages((cursor) => page(params, { ...options, cursor }), options.cursor);
    return Object.assign(page, { pages, all: (params: TParams, options?: QueryOptions<TRange>) => readItems(pages(params, options)) });
  }
}

/** A repository of an Elasticsearch entity: adds `search`. */
export class SearchableRepository<TItem extends object, TInput extends object, TKey extends object> extends Repository<TItem, TInput, TKey> {
  /**
   * Full-text search over the declared text fields with exact filters, sort
   * and cursor paging; `search.all(options)` reads every hit lazily.
   */
  readonly search: SearchMethod<TItem> = this.searchMethod();

  private searchMethod(): SearchMethod<TItem> {
    const page = (options: SearchOptions<TItem> = {}) =>
      this.runtime.search(options as SearchOptions<Record<string, unknown>>) as Promise<SearchResult<TItem>>;
    const pages = (options: SearchOptions<TItem> = {}) => readPages((cursor) => page({ ...options, cursor }), options.cursor);
    return Object.assign(page, { pages, all: (options?: SearchOptions<TItem>) => readItems(pages(options)) });
  }
}

function describeKey(key: KeyValues): string {
  const text = JSON.stringify(key, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
