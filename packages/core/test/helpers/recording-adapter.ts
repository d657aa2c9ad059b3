import { BASE_CAPABILITIES, type StoreAdapter, type StoreCapabilities, type StoredItem, type StoreTransaction } from "../../src/index.js";

/** A map-backed adapter that records every request, for runtime tests. */
export function recordingAdapter(capabilities: Partial<StoreCapabilities> = {}) {
  const rows = new Map<string, StoredItem>();
  const requests: { method: string; request: Record<string, unknown> }[] = [];
  const id = (key: Record<string, unknown>) => JSON.stringify(key);
  let failWith: unknown;
  const adapter: StoreAdapter & { rows: typeof rows; requests: typeof requests; failNext(error: unknown): void } = {
    kind: "postgres",
    name: "postgres",
    capabilities: { ...BASE_CAPABILITIES, conditionalWrites: true, transactions: true, ...capabilities },
    rows,
    requests,
    failNext(error) {
      failWith = error;
    },
    async get(request) {
      requests.push({ method: "get", request: { ...request } });
      if (failWith) {
        const e = failWith;
        failWith = undefined;
        throw e;
      }
      return rows.get(id(request.key));
    },
    async getMany(request) {
      requests.push({ method: "getMany", request: { ...request } });
      return request.keys.map((k) => rows.get(id(k)));
    },
    async put(request) {
      requests.push({ method: "put", request: { ...request } });
      const key = Object.fromEntries(request.op.entity.key.fields.map((f) => [f, request.item[f]]));
      rows.set(id(key), { ...request.item });
    },
    async update(request) {
      requests.push({ method: "update", request: { ...request } });
      const row = rows.get(id(request.key));
      if (row) Object.assign(row, request.changes);
      return row;
    },
    async delete(request) {
      requests.push({ method: "delete", request: { ...request } });
      rows.delete(id(request.key));
    },
    async query(request) {
      requests.push({ method: "query", request: { ...request } });
      const all = [...rows.values()].filter((r) => Object.entries(request.params).every(([k, v]) => r[k] === v));
      const start = typeof request.position === "number" ? request.position : 0;
      const items = all.slice(start, start + request.limit);
      return { items, position: start + request.limit < all.length ? start + request.limit : undefined };
    },
    async transaction<T>(work: (tx: StoreTransaction) => Promise<T>) {
      const snapshot = new Map([...rows].map(([k, v]) => [k, { ...v }]));
      try {
        return await work({ store: "postgres" });
      } catch (error) {
        rows.clear();
        for (const [k, v] of snapshot) rows.set(k, v);
        throw error;
      }
    },
    async close() {},
  };
  return adapter;
}
