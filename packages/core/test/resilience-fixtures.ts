import { z } from "zod";
import {
  BASE_CAPABILITIES,
  PolyxenaRuntime,
  defineEntity,
  isPolyxenaError,
  type CallPolicy,
  type OperationEvent,
  type OperationKind,
  type PolyxenaError,
  type PolyxenaErrorCode,
  type StoreAdapter,
  type StoredItem,
} from "../src/index.js";

/** What the next store call does. */
export type StoreBehaviour = "ok" | "transient" | "broken" | "stall" | { throw: unknown };

/** An error the flaky store classifies as `unavailable` (transient) or `store` (broken). */
export class FlakyError extends Error {
  constructor(readonly transient: boolean) {
    super(transient ? "connection reset" : "internal store error");
  }
}

/**
 * A map-backed store whose calls follow a script: each call takes the next
 * scripted behaviour (then `fallback`). Stalled calls never settle until
 * `release()`, whatever their abort signal says.
 */
export function flakyStore(name = "postgres") {
  const rows = new Map<string, StoredItem>();
  const script: StoreBehaviour[] = [];
  const stalled: Array<() => void> = [];
  const calls: OperationKind[] = [];
  let fallback: StoreBehaviour = "ok";
  const id = (key: Record<string, unknown>) => JSON.stringify(key);

  async function step(kind: OperationKind): Promise<void> {
    calls.push(kind);
    const behaviour = script.shift() ?? fallback;
    if (behaviour === "ok") return;
    if (behaviour === "transient") throw new FlakyError(true);
    if (behaviour === "broken") throw new FlakyError(false);
    if (behaviour === "stall") return new Promise<void>((resolve) => stalled.push(resolve));
    throw behaviour.throw;
  }

  const adapter: StoreAdapter = {
    kind: "postgres",
    name,
    capabilities: { ...BASE_CAPABILITIES, conditionalWrites: true, atomicVersionIncrement: true, returnsUpdatedItem: true },
    async get(request) {
      await step("get");
      return rows.get(id(request.key));
    },
    async getMany(request) {
      await step("getMany");
      return request.keys.map((k) => rows.get(id(k)));
    },
    async put(request) {
      await step("put");
      const key = Object.fromEntries(request.op.entity.key.fields.map((f) => [f, request.item[f]]));
      rows.set(id(key), { ...request.item });
    },
    async update(request) {
      await step("update");
      const row = rows.get(id(request.key));
      if (row) Object.assign(row, request.changes);
      return row;
    },
    async delete(request) {
      await step("delete");
      rows.delete(id(request.key));
    },
    async query(request) {
      await step("query");
      return { items: [...rows.values()].slice(0, request.limit) };
    },
    classifyError(error) {
      return error instanceof FlakyError ? (error.transient ? "unavailable" : "store") : "store";
    },
    async close() {},
  };

  return {
    adapter,
    rows,
    calls,
    /** Queue behaviours for the next calls. */
    next(...behaviours: StoreBehaviour[]) {
      script.push(...behaviours);
    },
    /** Behaviour once the script is used up. */
    always(behaviour: StoreBehaviour) {
      fallback = behaviour;
    },
    get stalled() {
      return stalled.length;
    },
    /** Lets every stalled call complete normally. */
    release() {
      for (const resume of stalled.splice(0)) resume();
    },
  };
}

export const Profile = defineEntity("Profile", {
  store: "postgres",
  schema: z.object({ profileId: z.string().min(1), name: z.string(), version: z.number().int().nonnegative() }),
  key: { primary: ["profileId"] },
  version: "version",
});

export const Invoice = defineEntity("Invoice", {
  store: "postgres",
  schema: z.object({ invoiceId: z.string().min(1), cents: z.number().int() }),
  key: { primary: ["invoiceId"] },
});

/** Repositories runtime over a flaky store with the given policy, collecting events. */
export function runtimeWith(policy: CallPolicy, store = flakyStore()) {
  const events: OperationEvent[] = [];
  const runtime = new PolyxenaRuntime({ stores: { postgres: store.adapter }, policy, onOperation: (e) => events.push(e) }, [Profile, Invoice]);
  return { store, events, profiles: runtime.entity(Profile), invoices: runtime.entity(Invoice) };
}

/** The Polyxena error a promise rejects with; fails the test otherwise. */
export async function rejection(promise: Promise<unknown>, code: PolyxenaErrorCode): Promise<PolyxenaError> {
  try {
    await promise;
  } catch (error) {
    if (isPolyxenaError(error, code)) return error;
    throw new Error(`expected ${code}, got ${String(error)}`, { cause: error });
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

/** Tracks whether a promise has settled, without unhandled rejections. */
export function track<T>(promise: Promise<T>) {
  const state = { settled: false, promise };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}
