import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  CursorCodec,
  PolyxenaError,
  PolyxenaRuntime,
  bindRepositories,
  createResiliencePolicy,
  defineEntity,
  isPolyxenaError,
  type CacheProvider,
  type EntityCache,
  type EntityRuntime,
  type OperationEvent,
  type PolyxenaErrorCode,
  Repository,
} from "../src/index.js";
import { recordingAdapter } from "./helpers/recording-adapter.js";

const Account = defineEntity("Account", {
  store: "postgres",
  schema: z.object({
    accountId: z.uuid(),
    email: z.email(),
    plan: z.enum(["basic", "premium"]),
    createdAt: z.date(),
    credits: z.number().int().default(0),
    version: z.number().int().nonnegative(),
  }),
  key: { primary: ["accountId"] },
  queries: { accountsOnPlan: { by: ["plan"], order: { createdAt: "desc" } } },
  version: "version",
  consistency: { read: "eventual", write: "serializable" },
  cache: { ttl: "5m" },
});

const ID = "7f2c1a34-9b1e-4c1d-8d36-0c4bb3c1e0a1";
const account = { accountId: ID, email: "a@example.com", plan: "basic" as const, createdAt: new Date("2026-01-01T00:00:00Z"), version: 0 };

async function rejection(promise: Promise<unknown>, code: PolyxenaErrorCode): Promise<PolyxenaError> {
  try {
    await promise;
  } catch (error) {
    if (isPolyxenaError(error, code)) return error;
    throw error;
  }
  throw new Error(`expected ${code}`);
}

function setup(options: { cache?: CacheProvider; events?: OperationEvent[] } = {}) {
  const adapter = recordingAdapter({ atomicVersionIncrement: true, returnsUpdatedItem: true });
  const runtime = new PolyxenaRuntime(
    { stores: { postgres: adapter }, cache: options.cache, onOperation: options.events ? (e) => options.events!.push(e) : undefined },
    [Account],
  );
  return { adapter, runtime, repo: runtime.entity(Account) };
}

describe("EntityRuntime", () => {
  it("validates writes with zod, applies defaults, and writes nothing on E_VALIDATION", async () => {
    const { adapter, repo } = setup();
    const error = await rejection(repo.put({ ...account, email: "not-an-email", plan: "gold" }), "E_VALIDATION");
    expect(error.issues?.map((i) => i.path.join("."))).toEqual(["email", "plan"]);
    expect(error.entity).toBe("Account");
    expect(error.operation).toBe("Account.put");
    expect(adapter.requests).toEqual([]);
    const stored = await repo.put(account);
    expect(stored.credits).toBe(0);
  });

  it("turns put options into adapter conditions and manages the version field", async () => {
    const { adapter, repo } = setup();
    await repo.put(account, { ifNotExists: true });
    expect(adapter.requests[0]!.request.condition).toEqual({ kind: "notExists" });
    expect((adapter.requests[0]!.request.item as { version: number }).version).toBe(1);
    const next = await repo.put(account, { expectedVersion: 1 });
    expect(next.version).toBe(2);
    expect(adapter.requests[1]!.request.condition).toEqual({ kind: "version", field: "version", expected: 1 });
    // Callers without types can still combine them: refused at run time too.
    // @ts-expect-error ifNotExists and expectedVersion exclude each other
    await rejection(repo.put(account, { ifNotExists: true, expectedVersion: 1 }), "E_VALIDATION");
    await rejection(repo.put(account, { expectedVersion: -1 }), "E_VALIDATION");
  });

  it("passes update changes without key or version fields, asks for an atomic increment", async () => {
    const { adapter, repo } = setup();
    await repo.put(account);
    await repo.update({ accountId: ID }, { plan: "premium" });
    const request = adapter.requests.at(-1)!.request;
    expect(request.changes).toEqual({ plan: "premium" });
    expect(request.condition).toEqual({ kind: "exists" });
    expect(request.incrementVersion).toBe("version");
    await rejection(repo.update({ accountId: ID }, { version: 9 }), "E_VALIDATION");
    await rejection(repo.update({ accountId: ID }, { accountId: ID }), "E_VALIDATION");
    await rejection(repo.update({ accountId: ID }, {}), "E_VALIDATION");
    await rejection(repo.update({ accountId: ID }, { email: undefined }), "E_VALIDATION");
  });

  it("refuses options the adapter cannot honour with E_UNSUPPORTED", async () => {
    const { repo } = setup();
    const error = await rejection(repo.put(account, { ttl: "1h" }), "E_UNSUPPORTED");
    expect(error.store).toBe("postgres");
  });

  it("resolves per-call consistency and rejects unknown levels", async () => {
    const { adapter, repo } = setup();
    await repo.get({ accountId: ID }, { consistency: "repeatable read" });
    expect(adapter.requests[0]!.request.consistency).toEqual({ level: "strong", native: "repeatable read" });
    await rejection(repo.get({ accountId: ID }, { consistency: "LOCAL_QUORUM" }), "E_VALIDATION");
    await rejection(repo.get({ accountId: "not-a-uuid" }), "E_VALIDATION");
    await rejection(repo.get(null as never), "E_VALIDATION");
  });

  it("validates a key the same whether it holds exactly its fields or more", async () => {
    const { adapter, repo } = setup();
    const upper = ID.toUpperCase();
    await repo.get({ accountId: upper });
    await repo.get({ accountId: upper, plan: "basic" } as never);
    expect(adapter.requests.map((r) => (r.request as { key: unknown }).key)).toEqual([{ accountId: ID }, { accountId: ID }]);
    for (const bad of [{ accountId: 7 }, { accountId: `${ID.slice(0, -1)}\ud800` }, { accountId: "not-a-uuid" }, {}]) {
      const error = await rejection(repo.get(bad as never), "E_VALIDATION");
      expect(error.message).toMatch(/accountId/);
    }
    expect(adapter.requests).toHaveLength(2);
  });

  it("issues signed cursors bound to the query and its parameters", async () => {
    const { repo } = setup();
    for (let i = 0; i < 5; i++) await repo.put({ ...account, accountId: `7f2c1a34-9b1e-4c1d-8d36-0c4bb3c1e0a${i}` });
    const first = await repo.query("accountsOnPlan", { plan: "basic" }, { limit: 2 });
    expect(first.items).toHaveLength(2);
    const second = await repo.query("accountsOnPlan", { plan: "basic" }, { limit: 2, cursor: first.cursor! });
    expect(second.items.map((i) => i.accountId)).not.toEqual(first.items.map((i) => i.accountId));
    await rejection(repo.query("accountsOnPlan", { plan: "premium" }, { limit: 2, cursor: first.cursor! }), "E_VALIDATION");
    await rejection(repo.query("accountsOnPlan", { plan: "basic" }, { limit: 3, cursor: first.cursor! }), "E_VALIDATION");
    const forged = new CursorCodec("another secret of 16+ bytes").encode("Account.query.accountsOnPlan", 2);
    await rejection(repo.query("accountsOnPlan", { plan: "basic" }, { limit: 2, cursor: forged }), "E_VALIDATION");
    await rejection(repo.query("accountsOnPlan", { plan: "basic" }, { cursor: "x".repeat(10_000) }), "E_VALIDATION");
    await rejection(repo.query("accountsOnPlan", { plan: "basic" }, { range: { gt: "yesterday" } }), "E_VALIDATION");
  });

  it("accepts a cursor issued by another process sharing the secret", async () => {
    const adapter = recordingAdapter();
    for (let i = 0; i < 3; i++) adapter.rows.set(String(i), { ...account, accountId: `7f2c1a34-9b1e-4c1d-8d36-0c4bb3c1e0a${i}` });
    const one = new PolyxenaRuntime({ stores: { postgres: adapter }, cursorSecret: "shared-secret-0123456789" }, [Account]).entity(Account);
    const two = new PolyxenaRuntime({ stores: { postgres: adapter }, cursorSecret: "shared-secret-0123456789" }, [Account]).entity(Account);
    const page = await one.query("accountsOnPlan", { plan: "basic" }, { limit: 2 });
    expect((await two.query("accountsOnPlan", { plan: "basic" }, { limit: 2, cursor: page.cursor! })).items).toHaveLength(1);
  });

  it("wraps driver errors as E_STORE with cause and context, or by the adapter's classification", async () => {
    const { adapter, repo } = setup();
    const driverError = new Error("connection reset");
    adapter.failNext(driverError);
    const error = await rejection(repo.get({ accountId: ID }, { consistency: "strong" }), "E_STORE");
    expect(error.cause).toBe(driverError);
    expect(error.store).toBe("postgres");
    expect(error.operation).toBe("Account.get");
    adapter.classifyError = () => "timeout";
    adapter.failNext(new Error("slow"));
    await rejection(repo.get({ accountId: ID }, { consistency: "strong" }), "E_TIMEOUT");
  });

  it("reads eventual calls through the cache, strong calls straight from the store, and invalidates after writes", async () => {
    const calls: string[] = [];
    const cache: EntityCache = {
      async get(key, load) {
        calls.push(`get:${JSON.stringify(key)}`);
        return { value: await load(), source: "store" };
      },
      async query(name, _scope, load) {
        calls.push(`query:${name}`);
        return { value: await load(), source: "store" };
      },
      async invalidate(keys) {
        calls.push(`invalidate:${keys.length}`);
        throw new Error("cache down");
      },
    };
    const events: OperationEvent[] = [];
    const { repo } = setup({ cache: { forEntity: () => cache }, events });
    await repo.put(account);
    await repo.get({ accountId: ID });
    await repo.get({ accountId: ID }, { consistency: "strong" });
    expect(calls).toEqual(["invalidate:1", `get:${JSON.stringify({ accountId: ID })}`]);
    expect(events.map((e) => [e.operation, e.cache, e.outcome])).toEqual([
      ["put", "bypass", "ok"],
      ["get", "store", "ok"],
      ["get", "bypass", "ok"],
    ]);
  });

  it("runs a transaction that rolls back on throw and defers cache invalidation to commit", async () => {
    const invalidated: number[] = [];
    const cache: EntityCache = {
      get: async (_k, load) => ({ value: await load(), source: "store" }),
      query: async (_n, _s, load) => ({ value: await load(), source: "store" }),
      invalidate: async (keys) => void invalidated.push(keys.length),
    };
    const adapter = recordingAdapter();
    const repos = bindRepositories({ stores: { postgres: adapter }, cache: { forEntity: () => cache } }, [Account], (scope) => ({ account: scope.entity(Account) }));
    await expect(
      repos.transaction(async (tx) => {
        await tx.account.put(account);
        expect(invalidated).toEqual([]);
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(adapter.rows.size).toBe(0);
    expect(invalidated).toEqual([]);
    await repos.transaction(async (tx) => {
      await tx.account.put(account);
    });
    expect(adapter.rows.size).toBe(1);
    expect(invalidated).toEqual([1]);
  });

  it("refuses two entities with one name and a missing store adapter", () => {
    expect(() => new PolyxenaRuntime({ stores: { postgres: recordingAdapter() } }, [Account, Account])).toThrow(/two entities are named Account/);
    const error = (() => {
      try {
        new PolyxenaRuntime({ stores: {} }, [Account]);
      } catch (e) {
        return e;
      }
    })();
    expect(isPolyxenaError(error, "E_DEFINITION")).toBe(true);
    expect((error as PolyxenaError).fix).toContain("postgres");
  });
});

describe("PolyxenaRuntime.applySchema", () => {
  it("hands each adapter the models of its own entities", async () => {
    const seen: string[][] = [];
    const adapter = Object.assign(recordingAdapter(), {
      applySchema: async (models: readonly { name: string }[]) => {
        seen.push(models.map((m) => m.name));
        return { applied: ["CREATE TABLE account"], unchanged: [] };
      },
    });
    const runtime = new PolyxenaRuntime({ stores: { postgres: adapter } }, [Account]);
    expect(await runtime.applySchema()).toEqual({ postgres: { applied: ["CREATE TABLE account"], unchanged: [] } });
    expect(seen).toEqual([["Account"]]);
  });
});

describe("operation descriptors", () => {
  it("are stable objects per operation, and conditional writes use non-idempotent ones", async () => {
    const { adapter, repo } = setup();
    await repo.put(account);
    await repo.put(account);
    await repo.put(account, { expectedVersion: 0 }).catch(() => undefined);
    await repo.put(account, { expectedVersion: 1 }).catch(() => undefined);
    const ops = adapter.requests.filter((r) => r.method === "put").map((r) => r.request.op as { idempotent: boolean });
    expect(ops[0]).toBe(ops[1]);
    expect(ops[2]).toBe(ops[3]);
    expect(ops[0]!.idempotent).toBe(true);
    expect(ops[2]!.idempotent).toBe(false);
  });
});

describe("transactions across stores", () => {
  const Note = defineEntity("Note", {
    store: "dynamodb",
    schema: z.object({ noteId: z.string(), text: z.string() }),
    key: { partition: "noteId" },
  });

  it("hand out repositories of other stores that refuse to run inside the transaction", async () => {
    const postgres = recordingAdapter();
    const dynamodb = Object.assign(recordingAdapter(), { kind: "dynamodb" as const, name: "dynamodb" });
    const repos = bindRepositories({ stores: { postgres, dynamodb } }, [Account, Note], (scope) => ({ account: scope.entity(Account), note: scope.entity(Note) }));
    const error = await rejection(
      repos.transaction(async (tx) => {
        await tx.account.put(account);
        await tx.note.put({ noteId: "n1", text: "outside" });
      }, { store: "postgres" }),
      "E_UNSUPPORTED",
    );
    expect(error.message).toContain("outside this postgres transaction");
    expect(postgres.rows.size).toBe(0);
    expect(dynamodb.rows.size).toBe(0);
    await repos.note.put({ noteId: "n1", text: "fine outside" });
    expect(dynamodb.rows.size).toBe(1);
  });

  it("refuse store calls through a transaction that has finished, before they reach the adapter", async () => {
    const postgres = recordingAdapter();
    const repos = bindRepositories({ stores: { postgres } }, [Account], (scope) => ({ account: scope.entity(Account) }));
    let escaped: { account: EntityRuntime } | undefined;
    await repos.transaction(async (tx) => {
      escaped = tx;
      await tx.account.put(account);
    });
    const before = postgres.requests.length;
    const error = await rejection(escaped!.account.put({ ...account, plan: "premium" }), "E_UNSUPPORTED");
    expect(error.message).toContain("transaction has already finished");
    expect(error.fix).toContain("await every operation inside the transaction callback");
    await rejection(escaped!.account.get({ accountId: ID }), "E_UNSUPPORTED");
    expect(postgres.requests.length).toBe(before);
  });

  it("refuse a retry that outlives its transaction (the first attempt ran inside it)", async () => {
    const postgres = recordingAdapter();
    const timeout = new PolyxenaError("E_TIMEOUT", "the store took too long", {});
    const policy = createResiliencePolicy({ retry: { retries: 2, initialDelayMs: 20, maxDelayMs: 20 } });
    const repos = bindRepositories({ stores: { postgres }, policy }, [Account], (scope) => ({ account: scope.entity(Account) }));
    let pending: Promise<unknown> | undefined;
    await repos.transaction(async (tx) => {
      postgres.failNext(timeout);
      // Not awaited: the work returns while the read waits for its retry.
      pending = tx.account.get({ accountId: ID }, { consistency: "strong" });
      pending.catch(() => undefined);
    });
    const error = await rejection(pending!, "E_UNSUPPORTED");
    expect(error.message).toContain("transaction has already finished");
    expect(postgres.requests.filter((r) => r.method === "get")).toHaveLength(1);
  });

  it("need a named store when more than one store has transactions, and name the choices", async () => {
    const postgres = recordingAdapter();
    const dynamodb = Object.assign(recordingAdapter(), { kind: "dynamodb" as const, name: "dynamodb" });
    const repos = bindRepositories({ stores: { postgres, dynamodb } }, [Account, Note], (scope) => ({ account: scope.entity(Account), note: scope.entity(Note) }));
    let ran = false;
    const error = await rejection(
      repos.transaction(async () => {
        ran = true;
      }),
      "E_UNSUPPORTED",
    );
    expect(error.message).toContain("2 stores have transactions here");
    expect(error.fix).toContain("postgres, dynamodb");
    expect(ran).toBe(false);
    await repos.transaction(async (tx) => tx.note.put({ noteId: "n2", text: "in dynamodb" }), { store: "dynamodb" });
    expect(dynamodb.rows.size).toBe(1);
  });
});

describe("operation events and keys", () => {
  it("carry the key unless the service turns it off, and never parameter or item values", async () => {
    for (const includeKeys of [false, true, undefined]) {
      const events: OperationEvent[] = [];
      const runtime = new PolyxenaRuntime({ stores: { postgres: recordingAdapter() }, onOperation: (e) => events.push(e), includeKeys }, [Account]);
      const repo = runtime.entity(Account);
      await repo.put(account);
      await repo.get({ accountId: ID }, { consistency: "strong" });
      expect(events.map((e) => e.key)).toEqual(includeKeys !== false ? [{ accountId: ID }, { accountId: ID }] : [undefined, undefined]);
      expect(JSON.stringify(events)).not.toContain("a@example.com");
    }
  });
});

describe("Repository.get", () => {
  it("reports invalid keys as a rejected promise, never a synchronous throw", async () => {
    const { runtime } = setup();
    const repo = new Repository<object, object, object>(runtime.entity(Account));
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = repo.get({ accountId: 42 });
    }).not.toThrow();
    await rejection(promise!, "E_VALIDATION");
  });
});

describe("putMany", () => {
  it("keeps the items the store accepted when it refuses others, and invalidates only what was written", async () => {
    const invalidated: unknown[] = [];
    const cache: EntityCache = {
      get: async (_k, load) => ({ value: await load(), source: "store" }),
      query: async (_n, _s, load) => ({ value: await load(), source: "store" }),
      invalidate: async (keys) => void invalidated.push(...keys),
    };
    const adapter = Object.assign(recordingAdapter(), {
      async putMany(request: { items: readonly Record<string, unknown>[] }) {
        return request.items.flatMap((item, index) => (item.plan === "premium" ? [{ index, error: new PolyxenaError("E_CONDITION_FAILED", "refused") }] : []));
      },
    });
    const runtime = new PolyxenaRuntime({ stores: { postgres: adapter }, cache: { forEntity: () => cache } }, [Account]);
    const ids = [0, 1, 2].map((i) => `7f2c1a34-9b1e-4c1d-8d36-0c4bb3c1e0b${i}`);
    const result = await runtime.entity(Account).putMany([
      { ...account, accountId: ids[0] },
      { ...account, accountId: "bad" },
      { ...account, accountId: ids[1], plan: "premium" },
      { ...account, accountId: ids[2] },
    ]);
    expect(result.written.map((i) => i.accountId)).toEqual([ids[0], ids[2]]);
    expect(result.failed.map((f) => [f.index, f.error.code, f.error.entity])).toEqual([
      [1, "E_VALIDATION", "Account"],
      [2, "E_CONDITION_FAILED", "Account"],
    ]);
    expect(invalidated).toEqual([{ accountId: ids[0] }, { accountId: ids[2] }]);
  });
});

describe("page cursors", () => {
  it("behave as ordinary properties although signed on first read", async () => {
    const { repo } = setup();
    for (let i = 0; i < 3; i++) await repo.put({ ...account, accountId: `7f2c1a34-9b1e-4c1d-8d36-0c4bb3c1e0c${i}` });
    const page = await repo.query("accountsOnPlan", { plan: "basic" }, { limit: 2 });
    expect(Object.keys(page)).toEqual(["items", "cursor"]);
    const viaJson = JSON.parse(JSON.stringify(page)) as { cursor: string };
    expect(viaJson.cursor).toBe(page.cursor);
    expect({ ...page }.cursor).toBe(page.cursor);
    const last = await repo.query("accountsOnPlan", { plan: "basic" }, { limit: 2, cursor: viaJson.cursor });
    expect(last.items).toHaveLength(1);
    expect("cursor" in last).toBe(false);
  });
});
