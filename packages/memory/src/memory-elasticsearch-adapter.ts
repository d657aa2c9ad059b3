/**
 * The in-memory Elasticsearch adapter: the real adapter's code over the in-memory
 * search engine, reached through a client with the official client's behaviour (same
 * parameters, same response bodies, the same 404/409 errors). Requests are compiled by
 * the shared compiler, so results rank exactly as on the Elasticsearch test server.
 */
import type { EntityModel, SchemaApplyOptions, SchemaApplyResult } from "@polyxena/core";
import {
  ElasticsearchAdapter,
  type ElasticsearchAdapterOptions,
  type ElasticsearchClientPort,
  type EsBulkParams,
  type EsBulkResponse,
  type EsDeleteParams,
  type EsGetResponse,
  type EsIndexParams,
  type EsPutMappingParams,
  type EsReindexParams,
  type EsReindexResponse,
  type EsRequestOptions,
  type EsSearchParams,
  type EsSearchResponse,
  type EsWriteResponse,
} from "@polyxena/adapters/elasticsearch/in-process";
import { SearchEngine, SearchEngineError, type SearchEngineOptions } from "./search-engine/index.js";

function checkSignal(options: EsRequestOptions | undefined): void {
  if (options?.signal?.aborted) {
    const error = new Error("Request aborted");
    error.name = "RequestAbortedError";
    throw error;
  }
}

/** The engine behind the official client's API subset; a miss on get/delete is a 404 error as with the client. */
export class SearchEngineClient implements ElasticsearchClientPort {
  constructor(readonly engine: SearchEngine) {}

  private async call<T>(options: EsRequestOptions | undefined, work: () => T): Promise<T> {
    await Promise.resolve();
    checkSignal(options);
    return work();
  }

  index(params: EsIndexParams, options?: EsRequestOptions): Promise<EsWriteResponse> {
    return this.call(options, () => this.engine.index(params));
  }

  get(params: { index: string; id: string }, options?: EsRequestOptions): Promise<EsGetResponse> {
    return this.call(options, () => {
      const res = this.engine.get(params);
      if (!res.found) throw new SearchEngineError(404, "not_found", `document [${params.id}] not found`, { body: { ...res } });
      return res;
    });
  }

  mget(params: { index: string; ids: string[] }, options?: EsRequestOptions): Promise<{ docs: unknown[] }> {
    return this.call(options, () => this.engine.mget(params));
  }

  delete(params: EsDeleteParams, options?: EsRequestOptions): Promise<EsWriteResponse> {
    return this.call(options, () => {
      const res = this.engine.delete(params);
      if (res.result === "not_found") throw new SearchEngineError(404, "not_found", `document [${params.id}] not found`, { body: { ...res } });
      return res;
    });
  }

  search(params: EsSearchParams, options?: EsRequestOptions): Promise<EsSearchResponse> {
    return this.call(options, () => this.engine.search({ ...params }));
  }

  /** `_bulk`: the lines are parsed as the server would parse the NDJSON body. */
  bulk(params: EsBulkParams, options?: EsRequestOptions): Promise<EsBulkResponse> {
    return this.call(options, () => {
      const operations = params.operations.map((line) => JSON.parse(line) as unknown);
      return this.engine.bulk({ operations, refresh: params.refresh }) as unknown as EsBulkResponse;
    });
  }

  /** `_reindex`: body keys go to the engine as the body, `refresh` and `wait_for_completion` as query parameters. */
  reindex(params: EsReindexParams, options?: EsRequestOptions): Promise<EsReindexResponse> {
    return this.call(options, () => {
      const { refresh, wait_for_completion, ...body } = params;
      return this.engine.reindex(body, { refresh, wait_for_completion });
    });
  }

  readonly indices = {
    exists: (params: { index: string }, options?: EsRequestOptions) => this.call(options, () => this.engine.indexExists(params)),
    create: (params: { index: string; settings?: Record<string, unknown>; mappings?: Record<string, unknown>; aliases?: Record<string, Record<string, unknown>> }, options?: EsRequestOptions) =>
      this.call(options, () => this.engine.createIndex(params)),
    getAlias: (params: { name: string }, options?: EsRequestOptions) => this.call(options, () => this.engine.getAlias(params)),
    existsAlias: (params: { name: string }, options?: EsRequestOptions) => this.call(options, () => this.engine.existsAlias(params)),
    updateAliases: (params: { actions: Array<Record<string, Record<string, unknown>>> }, options?: EsRequestOptions) =>
      this.call(options, () => this.engine.updateAliases(params)),
    refresh: (params: { index: string }, options?: EsRequestOptions) => this.call(options, () => this.engine.refresh(params)),
    getMapping: (params: { index: string }, options?: EsRequestOptions) => this.call(options, () => this.engine.getMapping(params)),
    putMapping: (params: EsPutMappingParams, options?: EsRequestOptions) => this.call(options, () => this.engine.putMapping({ ...params })),
  };

  async close(): Promise<void> {}
}

/** Options of {@link createMemoryElasticsearchAdapter}. */
export interface MemoryElasticsearchAdapterOptions extends Omit<ElasticsearchAdapterOptions, "ownsClient"> {
  /** Share an engine (for example with the Elasticsearch test server); a new one by default. */
  engine?: SearchEngine | undefined;
  /** Clock of a new engine (refresh interval, date math). */
  clock?: SearchEngineOptions["clock"];
}

/** The in-memory Elasticsearch adapter; entity indices are created on first use. */
export class MemoryElasticsearchAdapter extends ElasticsearchAdapter {
  private readonly prepared = new WeakSet<EntityModel>();
  /** First uses in flight: concurrent first requests of an entity wait for one schema apply instead of each creating the index. */
  private readonly preparing = new WeakMap<EntityModel, Promise<void>>();

  constructor(
    readonly engine: SearchEngine,
    options: Omit<ElasticsearchAdapterOptions, "ownsClient"> = {},
  ) {
    super(new SearchEngineClient(engine), options);
  }

  protected override prepare(model: EntityModel): Promise<void> | undefined {
    if (this.prepared.has(model)) return undefined;
    let pending = this.preparing.get(model);
    if (!pending) {
      pending = this.applySchema([model]).then(
        () => undefined,
        (error: unknown) => {
          this.preparing.delete(model);
          throw error;
        },
      );
      this.preparing.set(model, pending);
    }
    return pending;
  }

  /** Applies the schema; the entities count as prepared, so first use does not apply it again over later changes. */
  override async applySchema(entities: readonly EntityModel[], options: SchemaApplyOptions = {}): Promise<SchemaApplyResult> {
    const result = await super.applySchema(entities, options);
    for (const model of entities) this.prepared.add(model);
    return result;
  }
}

/**
 * Creates the in-memory Elasticsearch adapter.
 *
 * @example
 * const elasticsearch = createMemoryElasticsearchAdapter();
 * const repos = createRepositories({ stores: { elasticsearch } });
 */
export function createMemoryElasticsearchAdapter(options: MemoryElasticsearchAdapterOptions = {}): MemoryElasticsearchAdapter {
  const { engine, clock, ...rest } = options;
  return new MemoryElasticsearchAdapter(engine ?? new SearchEngine(clock ? { clock } : {}), rest);
}
