/**
 * Conformance cases every relational store passes (every column type and
 * JSON values, uuid keys, conditional writes and versions, transactions,
 * keyset paging with ties), one suite parameterised by the store: each
 * store's test kit declares where its server truly differs in a
 * {@link RelationalProfile} and registers its own cases (isolation levels,
 * limits) beside it.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime, type EntityDefinition, type EntityRuntime, type StoreAdapter, type StoreKind } from "@polyxena/core";
import { expectPolyxenaError, type ConformanceTarget } from "./store-conformance.js";

const accountSchema = z.object({
  accountId: z.uuid(),
  email: z.string().max(200),
  plan: z.enum(["basic", "premium"]),
  balance: z.bigint(),
  credits: z.number().int(),
  rating: z.number(),
  active: z.boolean(),
  openedAt: z.date(),
  closedAt: z.date().nullable(),
  nickname: z.string().optional(),
  tags: z.array(z.string()),
  limits: z.record(z.string(), z.number()),
  profile: z.object({ city: z.string(), since: z.date(), big: z.bigint().optional() }),
  history: z.array(z.object({ at: z.date(), amount: z.bigint() })),
  version: z.number().int().nonnegative(),
});

/** An account of the relational suite. */
export type RelationalAccount = z.output<typeof accountSchema>;

const eventSchema = z.object({
  streamId: z.uuid(),
  seq: z.number().int().min(0).max(1_000_000),
  topic: z.string(),
  rank: z.number().int().min(0).max(100),
  note: z.string(),
});
type EventItem = z.output<typeof eventSchema>;

const counterSchema = z.object({ counterId: z.string(), value: z.number().int() });

/** The entities of the relational suite, declared on one store. */
export interface RelationalEntities {
  /** Accounts: every column type (JSON columns included), a version field. */
  readonly account: EntityDefinition;
  /** Events: a composite key and a query ordered by a field with many ties. */
  readonly event: EntityDefinition;
  /** A counter whose writes run serializable (transactions default to that level). */
  readonly serialCounter: EntityDefinition;
  /** A counter at the store's default isolation. */
  readonly plainCounter: EntityDefinition;
}

/** Where one relational store's server truly differs, as the shared cases need to know it. */
export interface RelationalProfile {
  readonly kind: StoreKind;
  /** Prefix of the suite's entity names (`Pg`) and tables (`pgc`), so the stores' tables never meet. */
  readonly prefix: { readonly entity: string; readonly table: string };
  /** The constraint the store names when a primary key is taken (`PRIMARY`, `<table>_pkey`). */
  primaryKeyConstraint(table: string): string;
  /**
   * `many` (a server): a statement outside an open transaction runs on another
   * connection while the transaction goes on, so the cases interleave them.
   * `one` (PGlite: one backend, one session): such a statement, sent from inside
   * the transaction, must fail at once with `E_UNSUPPORTED` instead of waiting for ever.
   */
  readonly sessions: "many" | "one";
}

/** The suite's entities on the profile's store. */
export function relationalEntities(profile: RelationalProfile): RelationalEntities {
  const { entity, table } = profile.prefix;
  const store = profile.kind as never;
  const counter = (name: string, tableName: string, extra: object = {}) =>
    defineEntity(`${entity}${name}`, { store, schema: counterSchema, table: `${table}_${tableName}`, key: { primary: ["counterId"] }, ...extra });
  return {
    account: defineEntity(`${entity}Account`, {
      store,
      schema: accountSchema,
      table: `${table}_account`,
      key: { primary: ["accountId"] },
      queries: { byPlan: { by: ["plan"], order: { openedAt: "desc" } } },
      version: "version",
    }),
    event: defineEntity(`${entity}Event`, {
      store,
      schema: eventSchema,
      table: `${table}_event`,
      key: { primary: ["streamId", "seq"] },
      queries: {
        byTopic: { by: ["topic"], order: { rank: "asc" } },
        byTopicRankDesc: { by: ["topic"], order: { rank: "desc" } },
      },
    }),
    serialCounter: counter("SerialCounter", "serial_counter", { consistency: { write: "serializable" } }),
    plainCounter: counter("PlainCounter", "plain_counter"),
  };
}

/** A new account of the suite, with every column filled; `over` replaces fields. */
export function newRelationalAccount(over: Partial<RelationalAccount> = {}): RelationalAccount {
  return {
    accountId: randomUUID(),
    email: `${randomUUID()}@example.com`,
    plan: "basic",
    balance: 123_456_789_012_345_678_901_234_567_890n,
    credits: 9_007_199_254_740_991,
    rating: -0.125,
    active: true,
    openedAt: new Date(Date.UTC(2026, 2, 3, 4, 5, 6, 789)),
    closedAt: null,
    tags: ["a", "b"],
    limits: { daily: 10, monthly: 300.5 },
    profile: { city: "Oslo", since: new Date(Date.UTC(2020, 0, 1)), big: -42n },
    history: [{ at: new Date(Date.UTC(2025, 11, 31, 23, 59, 59, 999)), amount: 10n ** 30n }],
    version: 0,
    ...over,
  };
}

/**
 * Registers the relational cases on one store. `makeAdapter` creates an
 * adapter with the schema of the given definitions in place, isolated from
 * other test files, like the store conformance target's `setup`.
 */
export function relationalConformance(describeName: string, makeAdapter: ConformanceTarget["setup"], profile: RelationalProfile): void {
  const entities = relationalEntities(profile);
  const { account: Account, event: Event, plainCounter: PlainCounter } = entities;
  const newAccount = newRelationalAccount;

  describe(`${describeName}: relational conformance`, () => {
    let adapter: StoreAdapter;
    let cleanup: () => Promise<void>;
    let runtime: PolyxenaRuntime;
    let accounts: EntityRuntime;
    let events: EntityRuntime;

    beforeAll(async () => {
      ({ adapter, cleanup } = await makeAdapter(Object.values(entities)));
      runtime = new PolyxenaRuntime({ stores: { [profile.kind]: adapter } }, [Account, Event]);
      accounts = runtime.entity(Account);
      events = runtime.entity(Event);
    });
    afterAll(async () => {
      await cleanup?.();
    });

    it("round-trips bigint, large int, double, boolean, enum, date, null and JSON values", async () => {
      const account = newAccount({ nickname: "ace", closedAt: new Date(Date.UTC(2027, 0, 1)), active: false });
      await accounts.put(account);
      const read = (await accounts.get({ accountId: account.accountId })).item as RelationalAccount;
      expect(read).toEqual(account);
      expect(typeof read.balance).toBe("bigint");
      expect(read.history[0]!.at).toBeInstanceOf(Date);
      expect(typeof read.history[0]!.amount).toBe("bigint");
      const bare = newAccount();
      await accounts.put(bare);
      const bareRead = (await accounts.get({ accountId: bare.accountId })).item as RelationalAccount;
      expect(bareRead.closedAt).toBeNull();
      expect("nickname" in bareRead).toBe(false);
    });

    it("refuses a bigint beyond numeric(39,0) with E_VALIDATION and writes nothing", async () => {
      const account = newAccount({ balance: 10n ** 40n });
      await expectPolyxenaError(accounts.put(account), "E_VALIDATION");
      expect((await accounts.get({ accountId: account.accountId })).item).toBeUndefined();
    });

    it("matches uuid keys case-insensitively and returns them lower-case", async () => {
      const id = randomUUID();
      await accounts.put(newAccount({ accountId: id.toUpperCase() }));
      const read = (await accounts.get({ accountId: id })).item as RelationalAccount;
      expect(read.accountId).toBe(id);
      const many = (await accounts.getMany([{ accountId: id.toUpperCase() }, { accountId: randomUUID() }])) as (RelationalAccount | undefined)[];
      expect(many.map((a) => a?.accountId)).toEqual([id, undefined]);
    });

    it("keeps stored state out of callers' reach (inputs and results are copies)", async () => {
      const account = newAccount();
      await accounts.put(account);
      account.tags.push("mutated");
      account.profile.city = "mutated";
      const first = (await accounts.get({ accountId: account.accountId })).item as RelationalAccount;
      expect(first.tags).toEqual(["a", "b"]);
      first.tags.push("again");
      first.openedAt.setTime(0);
      const second = (await accounts.get({ accountId: account.accountId })).item as RelationalAccount;
      expect(second.tags).toEqual(["a", "b"]);
      expect(second.profile.city).toBe("Oslo");
      expect(second.openedAt.getTime()).toBe(Date.UTC(2026, 2, 3, 4, 5, 6, 789));
    });

    it("names the primary-key constraint when ifNotExists finds the key taken, with the current row, classified as a condition", async () => {
      const account = newAccount();
      await accounts.put(account, { ifNotExists: true });
      const error = await expectPolyxenaError(accounts.put({ ...account, email: "other@example.com" }, { ifNotExists: true }), "E_CONDITION_FAILED");
      expect(error.constraint).toBe(profile.primaryKeyConstraint(`${profile.prefix.table}_account`));
      expect(error.entity).toBe(Account.model.name);
      expect(error.statement).toContain(`${profile.prefix.table}_account`);
      expect((error.current as RelationalAccount).email).toBe(account.email);
      expect(adapter.classifyError?.(error)).toBe("condition");
    });

    it("decides expected versions: a stale version changes nothing and reports the current row", async () => {
      const account = newAccount();
      await accounts.put(account, { ifNotExists: true });
      const updated = (await accounts.update({ accountId: account.accountId }, { credits: 1 })) as RelationalAccount;
      expect(updated.version).toBe(2);
      const error = await expectPolyxenaError(accounts.update({ accountId: account.accountId }, { credits: 2 }, { expectedVersion: 1 }), "E_CONDITION_FAILED");
      expect((error.current as RelationalAccount).version).toBe(2);
      expect((error.current as RelationalAccount).credits).toBe(1);
      await expectPolyxenaError(accounts.put({ ...account, credits: 5 }, { expectedVersion: 1 }), "E_CONDITION_FAILED");
      await expectPolyxenaError(accounts.delete({ accountId: account.accountId }, { expectedVersion: 1 }), "E_CONDITION_FAILED");
      expect(((await accounts.get({ accountId: account.accountId })).item as RelationalAccount).credits).toBe(1);
    });

    it("returns exactly the row each update wrote, even when updates of one row run at once", async () => {
      const account = newAccount();
      await accounts.put(account, { ifNotExists: true });
      const results = (await Promise.all(Array.from({ length: 8 }, (_, i) => accounts.update({ accountId: account.accountId }, { credits: i })))) as RelationalAccount[];
      // Each update returned its row as it wrote it: eight distinct versions, each with its own credits.
      expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
      for (const r of results) expect(r.credits).toBe(results.indexOf(r));
      const last = results.find((r) => r.version === 9)!;
      expect((await accounts.get({ accountId: account.accountId })).item).toEqual(last);
    });

    it("commits every write of a transaction together", async () => {
      const a = newAccount();
      const b = newAccount();
      await runtime.transaction(async (tx) => {
        await tx.entity(Account).put(a);
        await tx.entity(Account).put(b, { ifNotExists: true });
        expect((await tx.entity(Account).get({ accountId: a.accountId })).item).toEqual(a);
      });
      expect((await accounts.get({ accountId: a.accountId })).item).toEqual(a);
      expect(((await accounts.get({ accountId: b.accountId })).item as RelationalAccount).version).toBe(1);
    });

    it("rolls back every write when the transaction throws, and rethrows the same error", async () => {
      const existing = newAccount({ email: "before@example.com" });
      await accounts.put(existing, { ifNotExists: true });
      const created = newAccount();
      const failure = new Error("work failed");
      let caught: unknown;
      try {
        await runtime.transaction(async (tx) => {
          const repo = tx.entity(Account);
          await repo.put(created);
          await repo.update({ accountId: existing.accountId }, { email: "after@example.com" }, { expectedVersion: 1 });
          await repo.delete({ accountId: existing.accountId }, { expectedVersion: 2 });
          expect((await repo.get({ accountId: existing.accountId })).item).toBeUndefined();
          expect((await repo.get({ accountId: created.accountId })).item).toBeDefined();
          // Outside the transaction nothing is visible yet (with one session, a statement outside it is refused).
          if (profile.sessions === "many") expect((await accounts.get({ accountId: created.accountId })).item).toBeUndefined();
          else await expectPolyxenaError(accounts.get({ accountId: created.accountId }), "E_UNSUPPORTED");
          throw failure;
        });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBe(failure);
      expect((await accounts.get({ accountId: created.accountId })).item).toBeUndefined();
      const after = (await accounts.get({ accountId: existing.accountId })).item as RelationalAccount;
      expect(after.email).toBe("before@example.com");
      expect(after.version).toBe(1);
    });

    it("rolls back when a write inside the transaction fails its condition", async () => {
      const a = newAccount();
      await accounts.put(a, { ifNotExists: true });
      const b = newAccount();
      await expectPolyxenaError(
        runtime.transaction(async (tx) => {
          await tx.entity(Account).put(b);
          await tx.entity(Account).put(a, { ifNotExists: true });
        }),
        "E_CONDITION_FAILED",
      );
      expect((await accounts.get({ accountId: b.accountId })).item).toBeUndefined();
    });

    it("refuses a transaction handle used after the transaction ended", async () => {
      let escaped: EntityRuntime | undefined;
      await runtime.transaction(async (tx) => {
        escaped = tx.entity(Account);
      });
      // The caller's mistake, not the store's: a code that never counts against the breaker.
      const error = await expectPolyxenaError(escaped!.get({ accountId: randomUUID() }), "E_UNSUPPORTED");
      expect(error.message).toMatch(/already finished/);
    });

    it("refuses an unknown isolation level with E_VALIDATION", async () => {
      await expectPolyxenaError(runtime.transaction(async () => undefined, { isolation: "chaotic" }), "E_VALIDATION");
    });

    if (profile.sessions === "one") {
      it("refuses at once a statement outside an open transaction sent from inside it, and the transaction goes on", async () => {
        const plain = new PolyxenaRuntime({ stores: { [profile.kind]: adapter } }, [PlainCounter]);
        const counterId = randomUUID();
        await plain.transaction(async (tx) => {
          await tx.entity(PlainCounter).put({ counterId, value: 1 });
          const refused = await expectPolyxenaError(plain.entity(PlainCounter).put({ counterId, value: 2 }), "E_UNSUPPORTED");
          expect(refused.fix).toMatch(/through the transaction/);
          await expectPolyxenaError(plain.transaction(async () => undefined), "E_UNSUPPORTED");
          await tx.entity(PlainCounter).update({ counterId }, { value: 3 });
        });
        expect(((await plain.entity(PlainCounter).get({ counterId })).item as { value: number }).value).toBe(3);
      });
    }

    describe("keyset paging with ties", () => {
      const topic = `topic-${randomUUID()}`;
      const ranks = [2, 1, 1, 2, 3, 1, 3, 2, 0, 1, 0];
      const streams = [randomUUID(), randomUUID()];
      const items: EventItem[] = ranks.map((rank, i) => ({ streamId: streams[i % 2]!, seq: 100 - i, topic, rank, note: `n${i}` }));
      // The order, computed independently: rank, then the key (streamId, seq) breaks ties, ascending in both directions.
      const byKey = (a: EventItem, b: EventItem) => (a.streamId !== b.streamId ? (a.streamId < b.streamId ? -1 : 1) : a.seq - b.seq);
      const ascending = [...items].sort((a, b) => a.rank - b.rank || byKey(a, b));
      const descending = [...items].sort((a, b) => b.rank - a.rank || byKey(a, b));
      const label = (e: Record<string, unknown>) => `${String(e.streamId)}/${String(e.seq)}`;

      beforeAll(async () => {
        for (const item of items) await events.put(item);
        await events.put({ streamId: randomUUID(), seq: 1, topic: `${topic}-other`, rank: 0, note: "other topic" });
      });

      const pageThrough = async (limit: number, reverse: boolean, query = "byTopic") => {
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages < 30; pages++) {
          const page = await events.query(query, { topic }, { limit, cursor, reverse });
          seen.push(...page.items.map(label));
          cursor = page.cursor;
          if (!cursor) break;
        }
        return seen;
      };

      it("pages forward through every row exactly once, and backward in exactly the reverse order", async () => {
        expect(await pageThrough(3, false)).toEqual(ascending.map(label));
        expect(await pageThrough(1, false)).toEqual(ascending.map(label));
        expect(await pageThrough(4, true)).toEqual([...ascending].reverse().map(label));
      });

      it("pages a descending order whose ties are broken by the ascending key", async () => {
        expect(await pageThrough(2, false, "byTopicRankDesc")).toEqual(descending.map(label));
        expect(await pageThrough(3, true, "byTopicRankDesc")).toEqual([...descending].reverse().map(label));
      });

      it("restricts by range on the order field, ties included, and returns items whole", async () => {
        const page = await events.query("byTopic", { topic }, { range: { gte: 1, lt: 3 } });
        expect(page.items).toEqual(ascending.filter((e) => e.rank >= 1 && e.rank < 3));
        expect((await events.query("byTopic", { topic }, { limit: 100 })).items).toEqual(ascending);
      });
    });
  });
}
