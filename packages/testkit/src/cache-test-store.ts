import {
  BASE_CAPABILITIES,
  PolyxenaError,
  type DeleteRequest,
  type GetManyRequest,
  type GetRequest,
  type PutRequest,
  type QueryRequest,
  type StoreAdapter,
  type StoreCapabilities,
  type StoredItem,
  type StoreKind,
  type StorePage,
  type UpdateRequest,
  type WriteCondition,
} from "@polyxena/core";

/** Options of {@link CacheTestStore}. */
export interface CacheTestStoreOptions {
  /** Store kind it pretends to be (default `dynamodb`). */
  kind?: StoreKind;
  /** Adapter name (default the kind). */
  name?: string;
  /**
   * Runs between reading the map and returning the item (get and query): delay
   * here to open the race between a store read and the cache fill.
   */
  afterRead?: (key: string) => Promise<void> | void;
}

/**
 * A map-backed {@link StoreAdapter} for cache tests: linearizable reads and
 * writes, per-key read counters, reads that can be delayed or held between
 * the map read and the return (to inject the fill race), and reads that can
 * be made to fail.
 */
export class CacheTestStore implements StoreAdapter {
  readonly kind: StoreKind;
  readonly name: string;
  readonly capabilities: StoreCapabilities = { ...BASE_CAPABILITIES, conditionalWrites: true, atomicVersionIncrement: true, returnsUpdatedItem: true };
  /** Store reads (get, each key of getMany, query). */
  reads = 0;
  /** Writes applied. */
  writes = 0;
  /** Store calls: `get` / `getMany` requests received (a `getMany` of 50 keys is one call). */
  getCalls = 0;
  getManyCalls = 0;
  /** When set, every read throws this error. */
  failReads: Error | undefined;
  afterRead: ((key: string) => Promise<void> | void) | undefined;
  private readonly items = new Map<string, StoredItem>();
  private readonly readsByKey = new Map<string, number>();
  private gate: Promise<void> | undefined;

  constructor(options: CacheTestStoreOptions = {}) {
    this.kind = options.kind ?? "dynamodb";
    this.name = options.name ?? this.kind;
    this.afterRead = options.afterRead;
  }

  /** Store reads of one key (as `keyId` encodes it). */
  readsOf(key: Record<string, unknown>): number {
    return this.readsByKey.get(keyId(key)) ?? 0;
  }

  /** Holds every read after its map read until the returned function is called. */
  holdReads(): () => void {
    let release!: () => void;
    this.gate = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.gate = undefined;
      release();
    };
  }

  /** Stores an item directly (no write counted, no cache invalidation): test fixtures. */
  seed(item: StoredItem, keyFields: readonly string[]): void {
    this.items.set(keyId(pick(item, keyFields)), structuredClone(item));
  }

  /** The stored item, bypassing everything. */
  peek(key: Record<string, unknown>): StoredItem | undefined {
    const item = this.items.get(keyId(key));
    return item && structuredClone(item);
  }

  async get(request: GetRequest): Promise<StoredItem | undefined> {
    this.getCalls++;
    return this.read(keyId(request.key), () => this.items.get(keyId(request.key)));
  }

  async getMany(request: GetManyRequest): Promise<(StoredItem | undefined)[]> {
    this.getManyCalls++;
    return Promise.all(request.keys.map((key) => this.read(keyId(key), () => this.items.get(keyId(key)))));
  }

  async put(request: PutRequest): Promise<void> {
    const id = keyId(pick(request.item, request.op.entity.key.fields));
    this.checkCondition(request.condition, this.items.get(id));
    this.items.set(id, structuredClone(request.item));
    this.writes++;
  }

  async update(request: UpdateRequest): Promise<StoredItem | undefined> {
    const id = keyId(request.key);
    const current = this.items.get(id);
    this.checkCondition(request.condition, current);
    const next: StoredItem = { ...current!, ...structuredClone(request.changes) };
    for (const [k, v] of Object.entries(request.changes)) if (v === undefined) delete next[k];
    if (request.incrementVersion) next[request.incrementVersion] = ((current![request.incrementVersion] as number | undefined) ?? 0) + 1;
    this.items.set(id, next);
    this.writes++;
    return structuredClone(next);
  }

  async delete(request: DeleteRequest): Promise<void> {
    const id = keyId(request.key);
    this.checkCondition(request.condition, this.items.get(id));
    this.items.delete(id);
    this.writes++;
  }

  async query(request: QueryRequest): Promise<StorePage> {
    const query = request.op.query!;
    const scope = `query:${JSON.stringify(request.params)}`;
    return this.read(scope, () => {
      const matches = [...this.items.values()].filter((item) => query.by.every((f) => sameValue(item[f], request.params[f])));
      const order = query.order;
      matches.sort((a, b) => {
        for (const o of order) {
          const c = compare(a[o.field], b[o.field]) * (o.order === "desc" ? -1 : 1);
          if (c !== 0) return request.reverse ? -c : c;
        }
        return 0;
      });
      const offset = typeof request.position === "number" ? request.position : 0;
      const items = matches.slice(offset, offset + request.limit);
      const next = offset + items.length;
      return next < matches.length ? { items, position: next } : { items };
    });
  }

  async close(): Promise<void> {}

  private async read<T>(id: string, take: () => T): Promise<T> {
    this.reads++;
    this.readsByKey.set(id, (this.readsByKey.get(id) ?? 0) + 1);
    if (this.failReads) throw this.failReads;
    const value = structuredClone(take());
    await this.afterRead?.(id);
    if (this.gate) await this.gate;
    return value;
  }

  private checkCondition(condition: WriteCondition | undefined, current: StoredItem | undefined): void {
    if (!condition) return;
    const failed =
      (condition.kind === "notExists" && current !== undefined) ||
      (condition.kind === "exists" && current === undefined) ||
      (condition.kind === "version" && (current === undefined || current[condition.field] !== condition.expected));
    if (failed) throw new PolyxenaError("E_CONDITION_FAILED", `condition ${condition.kind} not met`, { current });
  }
}

/** The map key of an item key: its fields in sorted order. */
export function keyId(key: Record<string, unknown>): string {
  return JSON.stringify(Object.keys(key).sort().map((k) => [k, key[k] instanceof Date ? (key[k] as Date).toISOString() : String(key[k])]));
}

function pick(item: StoredItem, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f, item[f]]));
}

function sameValue(a: unknown, b: unknown): boolean {
  return a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;
}

function compare(a: unknown, b: unknown): number {
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  if (x === y) return 0;
  if (x === undefined || x === null) return -1;
  if (y === undefined || y === null) return 1;
  return (x as number) < (y as number) ? -1 : 1;
}
