/**
 * The Elasticsearch store adapter. It speaks to anything shaped like the official
 * client ({@link ElasticsearchClientPort}): the real `@elastic/elasticsearch` client, or
 * the in-memory engine's client (`createMemoryElasticsearchAdapter`).
 */
import {
  isPolyxenaError,
  PolyxenaError,
  type BulkItemFailure,
  type ConsistencyLevelModel,
  type DeleteRequest,
  type EntityModel,
  type ErrorClass,
  type GetManyRequest,
  type GetRequest,
  type OperationDescriptor,
  type PutManyRequest,
  type PutRequest,
  type QueryRequest,
  type SchemaApplyOptions,
  type SchemaApplyResult,
  type SchemaPlan,
  type SearchHit,
  type SearchPage,
  type SearchRequest,
  type StoreAdapter,
  type StoredItem,
  type StorePage,
  type StoreRequestBase,
  type UpdateRequest,
  type WriteCondition,
} from "@polyxena/core";
import { bulkChunks, DEFAULT_BULK_LIMITS, type BulkChunkLimits } from "./bulk-chunks.js";
import { ELASTICSEARCH_CAPABILITIES } from "./elasticsearch-capabilities.js";
import type { ElasticsearchClientPort, EsDeleteParams, EsGetResponse, EsRefresh, EsRequestOptions, EsSearchResponse } from "./elasticsearch-client-port.js";
import { decodeSource, encodeSource } from "./elasticsearch-codec.js";
import { checkedDocumentId } from "./elasticsearch-limits.js";
import { bulkItemError, classifyElasticsearchError, elasticsearchError, esBody, esStatus } from "./elasticsearch-errors.js";
import { applyElasticsearchSchema, planElasticsearchSchema, type ElasticsearchSchemaOptions } from "./elasticsearch-schema.js";
import { compileQueryRequest, compileQueryShape, compileSearchRequest, type CompiledQueryShape } from "./search-request-compiler.js";

/** Options of the Elasticsearch adapter besides the client. */
export interface ElasticsearchAdapterOptions extends ElasticsearchSchemaOptions {
  /** Instance id in errors and metrics (default `elasticsearch`). */
  name?: string | undefined;
  /** Whether `close()` closes the client (default false: the caller owns it). */
  ownsClient?: boolean | undefined;
  /** Limits of one `_bulk` request of `putMany` (default 1,000 items, 5 MiB). */
  bulkLimits?: Partial<BulkChunkLimits> | undefined;
}

/** The refresh policy of a write: eventual -> none, strong -> `wait_for`, native levels as named. */
export function refreshFor(consistency: ConsistencyLevelModel): EsRefresh {
  if (consistency.native === "true") return true;
  if (consistency.native === "false") return false;
  if (consistency.native === "wait_for") return "wait_for";
  return consistency.level === "strong" ? "wait_for" : false;
}

/** Transport options of a request: its abort signal, when it has one. */
function transport(request: StoreRequestBase): EsRequestOptions | undefined {
  return request.signal ? { signal: request.signal } : undefined;
}

interface CurrentDocument {
  item: StoredItem;
  seqNo: number;
  primaryTerm: number;
}

/**
 * A {@link StoreAdapter} for Elasticsearch. Requests go through the entity's alias;
 * conditional writes read the document and write with `if_seq_no`/`if_primary_term`, so a
 * concurrent change between the two is a 409 and surfaces as `E_CONDITION_FAILED`.
 */
export class ElasticsearchAdapter<C extends ElasticsearchClientPort = ElasticsearchClientPort> implements StoreAdapter {
  readonly kind = "elasticsearch" as const;
  readonly capabilities = ELASTICSEARCH_CAPABILITIES;
  readonly name: string;
  private readonly shapes = new WeakMap<OperationDescriptor, CompiledQueryShape>();
  /** Prepended to every alias and index name (`indexPrefix` option; empty by default). */
  readonly indexPrefix: string;
  private readonly bulkLimits: BulkChunkLimits;

  constructor(
    /** The client requests go through, typed as given (the official `Client` from `createElasticsearchAdapter({ node })`). */
    readonly client: C,
    private readonly options: ElasticsearchAdapterOptions = {},
  ) {
    this.name = options.name ?? "elasticsearch";
    this.indexPrefix = options.indexPrefix ?? "";
    if (this.indexPrefix !== "" && !/^[a-z0-9][a-z0-9_.-]*$/.test(this.indexPrefix)) {
      throw new PolyxenaError("E_DEFINITION", `index prefix ${JSON.stringify(this.indexPrefix)} is not a valid start of an index name`, {
        store: this.name,
        fix: "use lowercase letters, digits, '_', '-' or '.', starting with a letter or digit",
      });
    }
    this.bulkLimits = { ...DEFAULT_BULK_LIMITS, ...options.bulkLimits };
  }

  /** The alias every request of the entity goes through (index prefix + table name). */
  private alias(model: EntityModel): string {
    return this.indexPrefix + model.table;
  }

  /** The alias an entity is read and written through, for requests beyond the declared patterns on `client`. */
  indexName(model: EntityModel): string {
    return this.alias(model);
  }

  /**
   * Called before every operation on an entity. The real adapter expects `applySchema`
   * to have run; the in-memory adapter creates the entity's index on first use.
   */
  protected prepare(_model: EntityModel): Promise<void> | undefined {
    // Nothing to wait for: returning no promise keeps an await off every request.
    return undefined;
  }

  private async run<T>(request: StoreRequestBase, statement: string, work: () => Promise<T>): Promise<T> {
    try {
      const preparing = this.prepare(request.op.entity);
      if (preparing) await preparing;
      return await work();
    } catch (error) {
      throw elasticsearchError(error, {
        entity: request.op.entity.name,
        operation: request.op.id,
        store: this.name,
        statement,
        idempotent: request.op.idempotent,
      });
    }
  }

  private conditionFailed(request: StoreRequestBase, statement: string, message: string, current?: StoredItem): PolyxenaError {
    return new PolyxenaError("E_CONDITION_FAILED", message, {
      entity: request.op.entity.name,
      operation: request.op.id,
      store: this.name,
      statement,
      current,
    });
  }

  private async readCurrent(request: StoreRequestBase, index: string, id: string): Promise<CurrentDocument | undefined> {
    const doc = await this.getDocument(request, index, id);
    if (!doc) return undefined;
    return { item: decodeSource(request.op.entity, doc._source), seqNo: doc._seq_no ?? 0, primaryTerm: doc._primary_term ?? 1 };
  }

  private async getDocument(request: StoreRequestBase, index: string, id: string): Promise<EsGetResponse | undefined> {
    return this.run(request, `GET /${index}/_doc/{id}`, async () => {
      try {
        const doc = await this.client.get({ index, id }, transport(request));
        return doc.found ? doc : undefined;
      } catch (error) {
        if (esStatus(error) === 404 && esBody(error)?.found === false) return undefined;
        throw error;
      }
    });
  }

  /** Checks a write condition against the current document; returns it for the conditional write. */
  private async checkCondition(
    request: StoreRequestBase,
    index: string,
    id: string,
    condition: WriteCondition,
    statement: string,
  ): Promise<CurrentDocument> {
    const current = await this.readCurrent(request, index, id);
    if (!current) throw this.conditionFailed(request, statement, condition.kind === "version" ? `expected version ${condition.expected}, but the item does not exist` : "the item does not exist");
    if (condition.kind === "version" && current.item[condition.field] !== condition.expected) {
      throw this.conditionFailed(request, statement, `expected version ${condition.expected}, found ${String(current.item[condition.field])}`, current.item);
    }
    return current;
  }

  async get(request: GetRequest): Promise<StoredItem | undefined> {
    const model = request.op.entity;
    const doc = await this.getDocument(request, this.alias(model), checkedDocumentId(model, request.key));
    return doc ? decodeSource(model, doc._source) : undefined;
  }

  async getMany(request: GetManyRequest): Promise<(StoredItem | undefined)[]> {
    const model = request.op.entity;
    const index = this.alias(model);
    const ids = request.keys.map((k) => checkedDocumentId(model, k));
    const res = await this.run(request, `POST /${index}/_mget`, () => this.client.mget({ index, ids }, transport(request)));
    return res.docs.map((raw) => {
      const doc = raw as Partial<EsGetResponse> & { error?: unknown };
      if (doc.error !== undefined) {
        throw elasticsearchError(Object.assign(new Error("mget item failed"), { body: { error: doc.error } }), {
          entity: model.name,
          operation: request.op.id,
          store: this.name,
          statement: `POST /${index}/_mget`,
          idempotent: true,
        });
      }
      return doc.found ? decodeSource(model, doc._source) : undefined;
    });
  }

  async put(request: PutRequest): Promise<void> {
    if (request.ttlSeconds !== undefined) {
      throw new PolyxenaError("E_UNSUPPORTED", "Elasticsearch documents have no row TTL", { entity: request.op.entity.name, operation: request.op.id, store: this.name });
    }
    const model = request.op.entity;
    const index = this.alias(model);
    const id = checkedDocumentId(model, request.item, "item");
    const document = encodeSource(model, request.item);
    const refresh = refreshFor(request.consistency);
    const condition = request.condition;
    if (condition?.kind === "notExists") {
      const statement = `PUT /${index}/_create/{id}`;
      await this.run(request, statement, () => this.client.index({ index, id, document, refresh, op_type: "create" }, transport(request)));
      return;
    }
    const statement = `PUT /${index}/_doc/{id}`;
    if (!condition) {
      await this.run(request, statement, () => this.client.index({ index, id, document, refresh }, transport(request)));
      return;
    }
    const current = await this.checkCondition(request, index, id, condition, statement);
    await this.run(request, `${statement}?if_seq_no&if_primary_term`, () =>
      this.client.index({ index, id, document, refresh, if_seq_no: current.seqNo, if_primary_term: current.primaryTerm }, transport(request)),
    );
  }

  /**
   * Writes the items with `_bulk` (`index` actions, chunked by `bulkLimits`). Refused items
   * come back with their error (a document that does not fit the mapping is `E_VALIDATION`,
   * a version conflict `E_CONDITION_FAILED`); the others are written. Only the last chunk
   * carries the refresh policy: a refresh makes every earlier chunk searchable too. When
   * every request fails as a whole (store down), the call fails, so the policy can retry.
   */
  async putMany(request: PutManyRequest): Promise<BulkItemFailure[]> {
    const model = request.op.entity;
    if (request.ttlSeconds !== undefined) {
      throw new PolyxenaError("E_UNSUPPORTED", "Elasticsearch documents have no row TTL", { entity: model.name, operation: request.op.id, store: this.name });
    }
    const index = this.alias(model);
    const statement = `POST /_bulk (index ${index})`;
    const refresh = refreshFor(request.consistency);
    const context = { entity: model.name, operation: request.op.id, store: this.name, statement, idempotent: true };
    const failures: BulkItemFailure[] = [];
    // An item whose id is over the limit is refused on its own; the others are written.
    const sent: number[] = [];
    request.items.forEach((item, i) => {
      try {
        checkedDocumentId(model, item, "item");
        sent.push(i);
      } catch (error) {
        failures.push({ index: i, error: isPolyxenaError(error) ? error.withContext({ statement }) : error });
      }
    });
    if (sent.length === 0) return failures;
    const chunks = bulkChunks(model, index, sent.map((i) => request.items[i]!), this.bulkLimits);
    let wholesale: PolyxenaError | undefined;
    let answered = false;
    let lastFailed = false;
    for (let c = 0; c < chunks.length; c++) {
      const chunk = chunks[c]!;
      const isLast = c === chunks.length - 1;
      try {
        const res = await this.run(request, statement, () => this.client.bulk({ operations: chunk.lines, refresh: isLast ? refresh : false }, transport(request)));
        answered = true;
        for (let i = 0; i < chunk.count; i++) {
          const entry = res.items[i];
          const result = entry?.index ?? entry?.create;
          if (!result) failures.push({ index: sent[chunk.first + i]!, error: bulkItemError({ status: 500, error: { type: "missing_bulk_item", reason: "no result for this item" } }, context) });
          else if (result.error || result.status >= 300) failures.push({ index: sent[chunk.first + i]!, error: bulkItemError(result, context) });
        }
      } catch (error) {
        const failure = error as PolyxenaError;
        wholesale ??= failure;
        lastFailed = isLast;
        for (let i = 0; i < chunk.count; i++) failures.push({ index: sent[chunk.first + i]!, error: failure });
      }
    }
    if (wholesale && !answered) throw wholesale;
    // The refresh rode on the last chunk, which failed: refresh for the chunks that were written.
    if (lastFailed && refresh !== false) {
      await this.run(request, `POST /${index}/_refresh`, () => this.client.indices.refresh({ index }, transport(request))).catch(() => undefined);
    }
    return failures;
  }

  async update(request: UpdateRequest): Promise<StoredItem | undefined> {
    if (request.ttlSeconds !== undefined) {
      throw new PolyxenaError("E_UNSUPPORTED", "Elasticsearch documents have no row TTL", { entity: request.op.entity.name, operation: request.op.id, store: this.name });
    }
    const model = request.op.entity;
    const index = this.alias(model);
    const id = checkedDocumentId(model, request.key);
    const statement = `PUT /${index}/_doc/{id}?if_seq_no&if_primary_term`;
    const current = await this.checkCondition(request, index, id, request.condition, statement);
    const next: StoredItem = { ...current.item };
    for (const [field, value] of Object.entries(request.changes)) {
      if (value === undefined) delete next[field];
      else next[field] = value;
    }
    if (request.incrementVersion) {
      const version = current.item[request.incrementVersion];
      next[request.incrementVersion] = (typeof version === "number" ? version : 0) + 1;
    }
    await this.run(request, statement, () =>
      this.client.index(
        { index, id, document: encodeSource(model, next), refresh: refreshFor(request.consistency), if_seq_no: current.seqNo, if_primary_term: current.primaryTerm },
        transport(request),
      ),
    );
    return next;
  }

  async delete(request: DeleteRequest): Promise<void> {
    const model = request.op.entity;
    const index = this.alias(model);
    const id = checkedDocumentId(model, request.key);
    const refresh = refreshFor(request.consistency);
    const statement = `DELETE /${index}/_doc/{id}`;
    const params: EsDeleteParams = { index, id, refresh };
    if (request.condition) {
      const current = await this.checkCondition(request, index, id, request.condition, statement);
      params.if_seq_no = current.seqNo;
      params.if_primary_term = current.primaryTerm;
    }
    await this.run(request, statement, async () => {
      try {
        await this.client.delete(params, transport(request));
      } catch (error) {
        if (esStatus(error) === 404 && esBody(error)?.result === "not_found" && !request.condition) return;
        if (esStatus(error) === 404 && esBody(error)?.result === "not_found") {
          throw this.conditionFailed(request, statement, "the item does not exist");
        }
        throw error;
      }
    });
  }

  /**
   * External versioning: the document is written with the projection's
   * source version as its Elasticsearch version (`version_type=external`,
   * or `external_gte` to rewrite an equal version), so the node itself
   * refuses an older or repeated event in the same request (409, answered
   * false).
   */
  async putIfNewer(request: PutRequest, version: number, orEqual: boolean): Promise<boolean> {
    const model = request.op.entity;
    const index = this.alias(model);
    const id = checkedDocumentId(model, request.item, "item");
    const document = encodeSource(model, request.item);
    const versionType = orEqual ? "external_gte" : "external";
    try {
      await this.run(request, `PUT /${index}/_doc/{id}?version={version}&version_type=${versionType}`, () =>
        this.client.index({ index, id, document, refresh: refreshFor(request.consistency), version, version_type: versionType }, transport(request)),
      );
      return true;
    } catch (error) {
      if (isPolyxenaError(error, "E_CONDITION_FAILED")) return false;
      throw error;
    }
  }

  /** Deletes with external versioning: refused (false) when the document holds a newer version; a missing document answers false. */
  async deleteIfNewer(request: DeleteRequest, version: number): Promise<boolean> {
    const model = request.op.entity;
    const index = this.alias(model);
    const id = checkedDocumentId(model, request.key);
    const statement = `DELETE /${index}/_doc/{id}?version={version}&version_type=external`;
    try {
      return await this.run(request, statement, async () => {
        try {
          await this.client.delete({ index, id, refresh: refreshFor(request.consistency), version, version_type: "external" }, transport(request));
          return true;
        } catch (error) {
          if (esStatus(error) === 404 && esBody(error)?.result === "not_found") return false;
          throw error;
        }
      });
    } catch (error) {
      if (isPolyxenaError(error, "E_CONDITION_FAILED")) return false;
      throw error;
    }
  }

  /** Strong reads of search results make every acknowledged write searchable first. */
  private async refreshForRead(request: StoreRequestBase, index: string): Promise<void> {
    await this.run(request, `POST /${index}/_refresh`, () => this.client.indices.refresh({ index }, transport(request)));
  }

  async query(request: QueryRequest): Promise<StorePage> {
    const model = request.op.entity;
    const query = request.op.query;
    if (!query) throw new PolyxenaError("E_DEFINITION", `operation ${request.op.id} has no declared query`, { entity: model.name, store: this.name });
    let shape = this.shapes.get(request.op);
    if (!shape) {
      shape = compileQueryShape(model, query);
      this.shapes.set(request.op, shape);
    }
    const index = this.alias(model);
    if (request.consistency.level === "strong") await this.refreshForRead(request, index);
    const params = compileQueryRequest(model, index, shape, request);
    const res = await this.run(request, `POST /${index}/_search (${query.name})`, () => this.client.search(params, transport(request)));
    return this.page(model, res, request.limit);
  }

  async search(request: SearchRequest): Promise<SearchPage> {
    const model = request.op.entity;
    const index = this.alias(model);
    if (request.consistency.level === "strong") await this.refreshForRead(request, index);
    const params = compileSearchRequest(model, index, request);
    const res = await this.run(request, `POST /${index}/_search`, () => this.client.search(params, transport(request)));
    const found = res.hits.hits;
    const count = Math.min(found.length, request.limit);
    const items: StoredItem[] = new Array<StoredItem>(count);
    const hits: SearchHit[] = new Array<SearchHit>(count);
    for (let i = 0; i < count; i++) {
      const h = found[i]!;
      items[i] = decodeSource(model, h._source);
      const score = typeof h._score === "number" ? h._score : null;
      hits[i] = request.highlight && h.highlight ? { score, highlights: h.highlight } : { score };
    }
    const total = res.hits.total;
    const page: SearchPage = { items, total: typeof total === "number" ? total : (total?.value ?? count), hits };
    const last = found[request.limit - 1];
    if (found.length > request.limit && last?.sort) page.position = last.sort;
    return page;
  }

  /** Turns hits into a page: one extra hit was fetched to know whether a next page exists. */
  private page(model: EntityModel, res: EsSearchResponse, limit: number): StorePage {
    const hits = res.hits.hits;
    const items = hits.slice(0, limit).map((h) => decodeSource(model, h._source));
    const last = hits[limit - 1];
    return hits.length > limit && last?.sort ? { items, position: last.sort } : { items };
  }

  async applySchema(entities: readonly EntityModel[], options: SchemaApplyOptions = {}): Promise<SchemaApplyResult> {
    try {
      return await applyElasticsearchSchema(this.client, entities, { replicas: this.options.replicas, indexPrefix: this.indexPrefix, allowDestructive: options.allowDestructive }, this.name);
    } catch (error) {
      if (error instanceof PolyxenaError) throw error;
      throw elasticsearchError(error, { entity: entities.map((e) => e.name).join(","), operation: "applySchema", store: this.name, statement: "PUT /{index}", idempotent: true });
    }
  }

  /** Compares each entity's declared mapping with the index behind its alias (GET alias, GET mapping); changes nothing. */
  async planSchema(entities: readonly EntityModel[]): Promise<SchemaPlan> {
    try {
      return await planElasticsearchSchema(this.client, entities, { replicas: this.options.replicas, indexPrefix: this.indexPrefix });
    } catch (error) {
      throw elasticsearchError(error, { entity: entities.map((e) => e.name).join(","), operation: "planSchema", store: this.name, statement: "GET /{alias}/_mapping", idempotent: true });
    }
  }

  classifyError(error: unknown): ErrorClass {
    return classifyElasticsearchError(error);
  }

  async close(): Promise<void> {
    if (this.options.ownsClient) await this.client.close();
  }
}
