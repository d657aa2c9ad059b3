import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createCacheAside,
  defineEntity,
  InProcessInvalidationBus,
  isPolyxenaError,
  PolyxenaRuntime,
  type EntityDefinition,
  type EntityRuntime,
  type PolyxenaErrorCode,
  type StoreAdapter,
  type StoreKind,
  type StoredItem,
  createResiliencePolicy,
  type ResiliencePolicy,
  storeDialect,
} from "@polyxena/core";
import { MemoryCacheDriver } from "@polyxena/memory";
import { STORE_VARIANTS, startStoreEndpoints, type StoreEndpoints } from "./helpers/store-endpoints.js";
import { requestSequence, SLOTS, tamperCursor, type BadRequest, type FuzzRequest, type GoodRequest } from "./fuzz/hostile-requests.js";

/**
 * The standing guard of issue 11: for every store, on its memory and its real
 * (or test-server) adapter, generated hostile requests interleaved with good
 * ones, through a runtime with the default resilience policy and a two-tier
 * cache. Asserted for every run:
 * - the process survives (an uncaught error fails the file);
 * - each hostile request succeeds, or fails with a PolyxenaError whose code is
 *   a caller's code (never E_STORE, E_TIMEOUT or E_UNAVAILABLE);
 * - no good request fails, and each returns what a model of the store says;
 * - no breaker opens;
 * - a cached read never returns an item other than what the store holds under
 *   that key (checked against a strong read, which bypasses the cache);
 * - nothing reaches Object.prototype.
 *
 * Bounded and reproducible: the seed and the run count are printed, and can be
 * changed with POLYXENA_FUZZ_SEED and POLYXENA_FUZZ_RUNS.
 */

const SEED = Number(process.env.POLYXENA_FUZZ_SEED ?? 1106);
const RUNS = Number(process.env.POLYXENA_FUZZ_RUNS ?? 15);
console.log(`[fuzz] hostile requests: seed ${SEED}, ${RUNS} runs per store and adapter (replay with POLYXENA_FUZZ_SEED=${SEED})`);

/** Codes a caller's own mistake may produce. */
const CALLER_CODES = new Set<PolyxenaErrorCode>(["E_VALIDATION", "E_CONDITION_FAILED", "E_NOT_FOUND", "E_ALREADY_EXISTS", "E_UNSUPPORTED"]);

/** The key's field type: any string, or a UUID (whose case the stores treat differently). */
type KeyType = "string" | "uuid";

/** Whether the store searches full text: there writes become visible to queries on refresh, and `search` runs. */
const searches = (store: StoreKind) => storeDialect(store).features.fullTextSearch;

function entityFor(store: StoreKind, keyType: KeyType): EntityDefinition {
  return defineEntity(`Fuzz${store}${keyType}`, {
    store,
    schema: z.object({ id: keyType === "uuid" ? z.uuid() : z.string().min(1), owner: z.string().min(1), n: z.number().int(), note: z.string().optional() }),
    key: storeDialect(store).keys.declare({ partition: ["id"], clustering: [] }),
    queries: { byOwner: { by: ["owner"] } },
    cache: { ttl: "60s", l1: { ttl: "30s", max: 1_000 } },
    ...(searches(store) ? { search: { text: ["note"] } } : {}),
  } as never) as EntityDefinition;
}

let stores: StoreEndpoints;

beforeAll(async () => {
  stores = await startStoreEndpoints("fuzz");
});

afterAll(async () => {
  await stores?.close();
});

/** One fuzz target: a runtime over one adapter, with the policy and the cache. */
interface Target {
  kind: StoreKind;
  keyType: KeyType;
  repo: EntityRuntime;
  policy: ResiliencePolicy;
  adapter: StoreAdapter;
  /** What serves the `byOwner` query (a global secondary index cannot be read strongly). */
  byOwnerIndex: string;
}

class Finding extends Error {}

/** Runs one generated sequence; `run` makes keys unique to this run so each run starts from an empty model. */
async function runSequence(target: Target, run: number, requests: readonly FuzzRequest[]): Promise<void> {
  const { repo, kind } = target;
  // UUIDs with letters, so that upper case makes a difference.
  const id = (slot: number) => (target.keyType === "uuid" ? `aaaaaaaa-bbbb-4ccc-8ddd-${(run * 16 + slot).toString(16).padStart(12, "e")}` : `r${run}-s${slot}`);
  const owner = (o: number) => `r${run}-o${o}`;
  const model = new Map<string, StoredItem>();
  const describe = (r: unknown) => JSON.stringify(r, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : typeof v === "symbol" ? String(v) : v))?.slice(0, 300);

  /** A cached read of `key` must equal a strong read (the store's answer) of the same key. */
  const checkCacheAgainstStore = async (key: Record<string, unknown>, what: string) => {
    const cached = await repo.get(key);
    const stored = await repo.get(key, { consistency: "strong" });
    if (!isDeepStrictEqual(cached.item, stored.item)) {
      throw new Finding(`${what}: the cache answered ${describe(cached.item)} (${cached.source}) for ${describe(key)}, the store holds ${describe(stored.item)}`);
    }
    return stored.item;
  };

  const good = async (r: GoodRequest) => {
    switch (r.t) {
      case "put": {
        const item: StoredItem = { id: id(r.slot), owner: owner(r.owner), n: r.n };
        if (r.note !== undefined) item.note = r.note;
        await repo.put(item);
        model.set(id(r.slot), item);
        return;
      }
      case "get": {
        const read = await repo.get({ id: id(r.slot) });
        expect(read.item, `get ${id(r.slot)}`).toEqual(model.get(id(r.slot)));
        await checkCacheAgainstStore({ id: id(r.slot) }, "get");
        return;
      }
      case "getMany": {
        const items = await repo.getMany(r.slots.map((s) => ({ id: id(s) })));
        expect(items, "getMany").toEqual(r.slots.map((s) => model.get(id(s))));
        return;
      }
      case "update": {
        const current = model.get(id(r.slot));
        if (!current) {
          // Updates never create: the caller is told so with a caller's code.
          const error = await repo.update({ id: id(r.slot) }, { n: r.n }).then(() => undefined, (e: unknown) => e);
          expect(isPolyxenaError(error, "E_CONDITION_FAILED"), `update of a missing item: ${String(error)}`).toBe(true);
          return;
        }
        const updated = await repo.update({ id: id(r.slot) }, { n: r.n });
        const next = { ...current, n: r.n };
        expect(updated, "update").toEqual(next);
        model.set(id(r.slot), next);
        return;
      }
      case "delete":
        await repo.delete({ id: id(r.slot) });
        model.delete(id(r.slot));
        return;
      case "query": {
        const seen: StoredItem[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 10; page++) {
          // A query on a global secondary index cannot be strong (dynalite and the memory twin answer at once anyway).
          const consistency = target.byOwnerIndex === "gsi" ? undefined : ("strong" as const);
          const result = await repo.query("byOwner", { owner: owner(r.owner) }, { limit: r.limit, cursor, ...(consistency ? { consistency } : {}) });
          seen.push(...result.items);
          cursor = result.cursor;
          if (!cursor) break;
        }
        for (const item of seen) expect(item, "query item").toEqual(model.get(String(item.id)));
        const expected = [...model.values()].filter((i) => i.owner === owner(r.owner)).map((i) => i.id);
        // A search store makes writes searchable on refresh; the other stores answer with every item.
        if (!searches(kind)) expect(seen.map((i) => i.id).sort(), "query completeness").toEqual([...expected].sort());
        return;
      }
      case "search": {
        if (!searches(kind)) return;
        const result = await repo.search({ text: r.word, filter: { owner: owner(0) } as never, limit: 5 });
        // Search sees writes once the index refreshes: a hit is an item of the run with the filtered owner.
        const ids = Array.from({ length: SLOTS }, (_, slot) => id(slot));
        for (const item of result.items) {
          expect(item, "search item").toMatchObject({ owner: owner(0) });
          expect(ids, "search item of this run").toContain(item.id);
        }
        return;
      }
    }
  };

  const withHostile = <T extends object>(base: T, json: string | undefined): T => (json ? { ...base, ...(JSON.parse(json) as object) } : base);

  /** Sends a hostile request; returns whether it succeeded. */
  const bad = async (r: BadRequest): Promise<boolean> => {
    switch (r.t) {
      case "oddKey": {
        const item = { id: r.key, owner: owner(0), n: 1 };
        const put = await settle(repo.put(item));
        if (!put.ok) return false;
        const stored = await checkCacheAgainstStore({ id: r.key }, `odd key ${describe(r.key)}`);
        if (stored === undefined) throw new Finding(`put of odd key ${describe(r.key)} succeeded but the store holds nothing under it`);
        await repo.delete({ id: r.key });
        await checkCacheAgainstStore({ id: r.key }, `odd key ${describe(r.key)} after delete`);
        return true;
      }
      case "caseKey": {
        const lower = id(r.slot);
        const upper = lower.toUpperCase();
        if (r.action === "get") {
          await repo.get({ id: lower });
          await checkCacheAgainstStore({ id: upper }, "upper-case key after a read of the lower-case one");
          return true;
        }
        await repo.get({ id: lower });
        const put = await settle(repo.put({ id: upper, owner: owner(0), n: 7 }));
        await checkCacheAgainstStore({ id: lower }, "lower-case key after a put of the upper-case one");
        await checkCacheAgainstStore({ id: upper }, "upper-case key after its put");
        if (put.ok) {
          // Where the store keeps the two apart, the upper-case item is not the model's: remove it.
          await repo.delete({ id: upper });
          await checkCacheAgainstStore({ id: lower }, "lower-case key after a delete of the upper-case one");
          await checkCacheAgainstStore({ id: upper }, "upper-case key after its delete");
        }
        return put.ok;
      }
      case "badBulk": {
        // Items at keys of their own (an owner no query reads), each valid or not; `undefined` key means a fresh valid one.
        const bulkOwner = `r${run}-bulk`;
        const items = r.items.map((spec, i) =>
          withHostile({ id: spec.key ?? (target.keyType === "uuid" ? `cccccccc-dddd-4eee-8fff-${(run * 64 + i).toString(16).padStart(12, "a")}` : `r${run}-b${i}`), owner: bulkOwner, n: spec.value }, spec.json),
        );
        let result: { written: StoredItem[]; failed: { index: number; error: unknown }[] };
        try {
          result = await repo.putMany(items);
        } catch (error) {
          await settle(Promise.reject(error));
          return false;
        }
        for (const f of result.failed) await settle(Promise.reject(f.error));
        for (const written of result.written) {
          const key = { id: written.id };
          const stored = await checkCacheAgainstStore(key, `bulk-written key ${describe(written.id)}`);
          if (!isDeepStrictEqual(stored, written)) throw new Finding(`putMany reported ${describe(written)} written, the store holds ${describe(stored)}`);
          await repo.delete(key);
        }
        return result.failed.length === 0;
      }
      case "badKey": {
        const key = r.key as Record<string, unknown>;
        switch (r.action) {
          case "get":
            return (await settle(repo.get(key))).ok;
          case "getMany":
            return (await settle(repo.getMany([{ id: id(0) }, key]))).ok;
          case "update":
            return (await settle(repo.update(key, { n: 1 }))).ok;
          case "delete":
            return (await settle(repo.delete(key))).ok;
          case "put":
            return (await settle(repo.put({ owner: owner(0), n: 1, ...(typeof key === "object" && key !== null ? key : { id: key }) }))).ok;
        }
        return false;
      }
      case "badItem": {
        const item = withHostile({ id: id(r.slot), owner: owner(0), n: 1, [r.field]: r.value } as Record<string, unknown>, r.json);
        return (await settle(repo.put(item))).ok;
      }
      case "badChanges": {
        const changes = typeof r.changes === "object" && r.changes !== null ? withHostile(r.changes, r.json) : r.changes;
        return (await settle(repo.update({ id: id(r.slot) }, changes as never))).ok;
      }
      case "badQuery": {
        const params = typeof r.params === "object" && r.params !== null ? withHostile(r.params, r.json) : r.params;
        return (await settle(repo.query("byOwner", params as never, r.options as never))).ok;
      }
      case "badCursor": {
        const first = await repo.query("byOwner", { owner: owner(r.owner) }, { limit: 1 });
        const cursor = first.cursor ?? "";
        return (await settle(repo.query("byOwner", { owner: owner(r.owner) }, { limit: 1, cursor: tamperCursor(cursor, r.tamper) as never }))).ok;
      }
      case "badSearch": {
        if (!searches(kind)) return (await settle(repo.search(r.options as never))).ok;
        const options = typeof r.options === "object" && r.options !== null ? withHostile(r.options, r.json) : r.options;
        return (await settle(repo.search(options as never))).ok;
      }
    }
  };

  /** Settles a hostile call: success, or a caller's code; anything else is a finding. */
  const settle = async (call: Promise<unknown>): Promise<{ ok: boolean }> => {
    try {
      await call;
      return { ok: true };
    } catch (error) {
      if (!isPolyxenaError(error)) throw new Finding(`a hostile request failed with a non-Polyxena error: ${String(error)}`);
      if (!CALLER_CODES.has(error.code)) throw new Finding(`a hostile request failed as a store failure (${error.code}): ${error.message}`);
      return { ok: false };
    }
  };

  // A cursor needs a second page: two items of owner 0 exist before the sequence.
  for (const slot of [0, 1]) await good({ t: "put", slot, owner: 0, n: slot, note: "alpha beta" });

  for (const request of requests) {
    if ("good" in request) {
      try {
        await good(request.good);
      } catch (error) {
        if (error instanceof Finding) throw error;
        throw new Finding(`good request ${describe(request.good)} failed: ${String(error)}`);
      }
    } else {
      let succeeded: boolean;
      try {
        succeeded = await bad(request.bad);
      } catch (error) {
        if (error instanceof Finding) throw new Finding(`${error.message} (request ${describe(request.bad)})`);
        throw new Finding(`hostile request ${describe(request.bad)} broke the check itself: ${String(error)}`);
      }
      // A hostile write at a good slot that the store accepted changes what the model expects.
      if (succeeded && "slot" in request.bad) {
        const slotId = id(request.bad.slot);
        const stored = (await repo.get({ id: slotId }, { consistency: "strong" })).item;
        if (stored === undefined) model.delete(slotId);
        else model.set(slotId, stored);
      }
    }
    if (target.policy.breakerState(target.adapter) !== "closed") {
      throw new Finding(`the breaker of ${target.adapter.name} is ${target.policy.breakerState(target.adapter)} after ${describe(request)}`);
    }
  }
}

for (const keyType of ["string", "uuid"] as const) {
  for (const { kind, variant } of STORE_VARIANTS) {
    describe(`fuzz: ${kind} (${variant}, ${keyType} key)`, () => {
      it("hostile requests interleaved with good ones hurt no one: caller codes only, good requests answered, breaker closed, cache true to the store", async () => {
        const def = entityFor(kind, keyType);
        const adapter = stores.adapter(kind, variant);
        await adapter.applySchema?.([def.model]);
        const policy = createResiliencePolicy();
        const cache = createCacheAside({ driver: new MemoryCacheDriver(), bus: new InProcessInvalidationBus(), prefix: `fuzz-${kind}-${variant}-${keyType}` });
        const runtime = new PolyxenaRuntime({ stores: { [kind]: adapter }, policy, cache }, [def]);
        const target: Target = { kind, keyType, repo: runtime.entity(def), policy, adapter, byOwnerIndex: def.model.queries.find((q) => q.name === "byOwner")!.index.kind };
        const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
        let run = 0;
        try {
          await fc.assert(
            fc.asyncProperty(requestSequence, async (requests) => {
              await runSequence(target, run++, requests);
            }),
            { seed: SEED, numRuns: RUNS, endOnFailure: true },
          );
        } finally {
          await cache.close?.();
        }
        expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(policy.breakerState(adapter)).toBe("closed");
      }, 120_000);
    });
  }
}

