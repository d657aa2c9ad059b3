/**
 * Postgres-specific conformance cases: run unchanged against the in-memory
 * Postgres adapter and the real one, next to the store-independent suite.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, isPolyxenaError, PolyxenaRuntime, type EntityRuntime, type StoreAdapter } from "@polyxena/core";
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
type Account = z.output<typeof accountSchema>;

/** Accounts: every Postgres column type, a version field. */
export const PgAccount = defineEntity("PgAccount", {
  store: "postgres",
  schema: accountSchema,
  table: "pgc_account",
  key: { primary: ["accountId"] },
  queries: { byPlan: { by: ["plan"], order: { openedAt: "desc" } } },
  version: "version",
});

const eventSchema = z.object({
  streamId: z.uuid(),
  seq: z.number().int().min(0).max(1_000_000),
  topic: z.string(),
  rank: z.number().int().min(0).max(100),
  note: z.string(),
});
type PgEventItem = z.output<typeof eventSchema>;

/** Events: a composite key and a query ordered by a field with many ties. */
export const PgEvent = defineEntity("PgEvent", {
  store: "postgres",
  schema: eventSchema,
  table: "pgc_event",
  key: { primary: ["streamId", "seq"] },
  queries: {
    byTopic: { by: ["topic"], order: { rank: "asc" } },
    byTopicRankDesc: { by: ["topic"], order: { rank: "desc" } },
  },
});

const counterSchema = z.object({ counterId: z.string(), value: z.number().int() });

/** A counter whose writes run serializable (transactions default to that level). */
export const SerialCounter = defineEntity("SerialCounter", {
  store: "postgres",
  schema: counterSchema,
  table: "pgc_serial_counter",
  key: { primary: ["counterId"] },
  consistency: { write: "serializable" },
});

/** A counter with the default (read committed) transactions. */
export const PlainCounter = defineEntity("PlainCounter", {
  store: "postgres",
  schema: counterSchema,
  table: "pgc_plain_counter",
  key: { primary: ["counterId"] },
});

const DEFINITIONS = [PgAccount, PgEvent, SerialCounter, PlainCounter];

/** What a Postgres endpoint offers beyond the statements themselves. */
export interface PostgresConformanceOptions {
  /**
   * `many` (a server, the default): a statement outside an open transaction runs on
   * another connection while the transaction goes on, so the cases interleave them.
   * `one` (PGlite: one backend, one session): such a statement, sent from inside the
   * transaction, must fail at once with `E_UNSUPPORTED` instead of waiting for ever.
   */
  sessions?: "many" | "one";
}

/**
 * Registers the Postgres-specific cases. `makeAdapter` creates an adapter
 * with the schema of the given definitions in place, isolated from other
 * test files, like the store conformance target's `setup`.
 */
export function postgresConformance(describeName: string, makeAdapter: ConformanceTarget["setup"], options: PostgresConformanceOptions = {}): void {
  const sessions = options.sessions ?? "many";
  describe(`${describeName}: postgres conformance`, () => {
    let adapter: StoreAdapter;
    let cleanup: () => Promise<void>;
    let runtime: PolyxenaRuntime;
    let accounts: EntityRuntime;
    let events: EntityRuntime;

    beforeAll(async () => {
      ({ adapter, cleanup } = await makeAdapter(DEFINITIONS));
      runtime = new PolyxenaRuntime({ stores: { postgres: adapter } }, [PgAccount, PgEvent]);
      accounts = runtime.entity(PgAccount);
      events = runtime.entity(PgEvent);
    });
    afterAll(async () => {
      await cleanup?.();
    });

    const newAccount = (over: Partial<Account> = {}): Account => ({
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
    });

    it("round-trips bigint, large int, double, boolean, enum, date, null and jsonb values", async () => {
      const account = newAccount({ nickname: "ace", closedAt: new Date(Date.UTC(2027, 0, 1)) });
      await accounts.put(account);
      const read = (await accounts.get({ accountId: account.accountId })).item as Account;
      expect(read).toEqual(account);
      expect(typeof read.balance).toBe("bigint");
      expect(read.history[0]!.at).toBeInstanceOf(Date);
      expect(typeof read.history[0]!.amount).toBe("bigint");
      const bare = newAccount();
      await accounts.put(bare);
      const bareRead = (await accounts.get({ accountId: bare.accountId })).item as Account;
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
      const read = (await accounts.get({ accountId: id })).item as Account;
      expect(read.accountId).toBe(id);
      const many = (await accounts.getMany([{ accountId: id.toUpperCase() }, { accountId: randomUUID() }])) as (Account | undefined)[];
      expect(many.map((a) => a?.accountId)).toEqual([id, undefined]);
    });

    it("keeps stored state out of callers' reach (inputs and results are copies)", async () => {
      const account = newAccount();
      await accounts.put(account);
      account.tags.push("mutated");
      account.profile.city = "mutated";
      const first = (await accounts.get({ accountId: account.accountId })).item as Account;
      expect(first.tags).toEqual(["a", "b"]);
      first.tags.push("again");
      first.openedAt.setTime(0);
      const second = (await accounts.get({ accountId: account.accountId })).item as Account;
      expect(second.tags).toEqual(["a", "b"]);
      expect(second.profile.city).toBe("Oslo");
      expect(second.openedAt.getTime()).toBe(Date.UTC(2026, 2, 3, 4, 5, 6, 789));
    });

    it("names the primary-key constraint when ifNotExists finds the key taken, with the current row", async () => {
      const account = newAccount();
      await accounts.put(account, { ifNotExists: true });
      const error = await expectPolyxenaError(accounts.put({ ...account, email: "other@example.com" }, { ifNotExists: true }), "E_CONDITION_FAILED");
      expect(error.constraint).toBe("pgc_account_pkey");
      expect(error.entity).toBe("PgAccount");
      expect(typeof error.statement).toBe("string");
      expect((error.current as Account).email).toBe(account.email);
    });

    it("reports the current row when an expected version is stale", async () => {
      const account = newAccount();
      await accounts.put(account, { ifNotExists: true });
      await accounts.update({ accountId: account.accountId }, { credits: 1 });
      const error = await expectPolyxenaError(accounts.update({ accountId: account.accountId }, { credits: 2 }, { expectedVersion: 1 }), "E_CONDITION_FAILED");
      expect((error.current as Account).version).toBe(2);
      expect((error.current as Account).credits).toBe(1);
    });

    it("commits every write of a transaction together", async () => {
      const a = newAccount();
      const b = newAccount();
      await runtime.transaction(async (tx) => {
        await tx.entity(PgAccount).put(a);
        await tx.entity(PgAccount).put(b, { ifNotExists: true });
        expect((await tx.entity(PgAccount).get({ accountId: a.accountId })).item).toEqual(a);
      });
      expect((await accounts.get({ accountId: a.accountId })).item).toEqual(a);
      expect(((await accounts.get({ accountId: b.accountId })).item as Account).version).toBe(1);
    });

    it("rolls back every write when the transaction throws, and rethrows the same error", async () => {
      const existing = newAccount({ email: "before@example.com" });
      await accounts.put(existing, { ifNotExists: true });
      const created = newAccount();
      const failure = new Error("work failed");
      let caught: unknown;
      try {
        await runtime.transaction(async (tx) => {
          const repo = tx.entity(PgAccount);
          await repo.put(created);
          await repo.update({ accountId: existing.accountId }, { email: "after@example.com" }, { expectedVersion: 1 });
          await repo.delete({ accountId: existing.accountId }, { expectedVersion: 2 });
          expect((await repo.get({ accountId: existing.accountId })).item).toBeUndefined();
          expect((await repo.get({ accountId: created.accountId })).item).toBeDefined();
          // Outside the transaction nothing is visible yet (with one session, a statement outside it is refused).
          if (sessions === "many") expect((await accounts.get({ accountId: created.accountId })).item).toBeUndefined();
          else await expectPolyxenaError(accounts.get({ accountId: created.accountId }), "E_UNSUPPORTED");
          throw failure;
        });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBe(failure);
      expect((await accounts.get({ accountId: created.accountId })).item).toBeUndefined();
      const after = (await accounts.get({ accountId: existing.accountId })).item as Account;
      expect(after.email).toBe("before@example.com");
      expect(after.version).toBe(1);
    });

    it("rolls back when a write inside the transaction fails its condition", async () => {
      const a = newAccount();
      await accounts.put(a, { ifNotExists: true });
      const b = newAccount();
      await expectPolyxenaError(
        runtime.transaction(async (tx) => {
          await tx.entity(PgAccount).put(b);
          await tx.entity(PgAccount).put(a, { ifNotExists: true });
        }),
        "E_CONDITION_FAILED",
      );
      expect((await accounts.get({ accountId: b.accountId })).item).toBeUndefined();
    });

    it("refuses a transaction handle used after the transaction ended", async () => {
      let escaped: EntityRuntime | undefined;
      await runtime.transaction(async (tx) => {
        escaped = tx.entity(PgAccount);
      });
      // The caller's mistake, not the store's: a code that never counts against the breaker.
      const error = await expectPolyxenaError(escaped!.get({ accountId: randomUUID() }), "E_UNSUPPORTED");
      expect(error.message).toMatch(/already finished/);
    });

    it("refuses an unknown isolation level with E_VALIDATION", async () => {
      await expectPolyxenaError(runtime.transaction(async () => undefined, { isolation: "chaotic" }), "E_VALIDATION");
    });

    if (sessions === "one") {
      it("refuses at once a statement outside an open transaction sent from inside it, and the transaction goes on", async () => {
        const plain = new PolyxenaRuntime({ stores: { postgres: adapter } }, [PlainCounter]);
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

    if (sessions === "many") it("takes the transaction isolation from the entities' write consistency", async () => {
      // serializable (from SerialCounter's consistency): the transaction reads a snapshot, and writing
      // a row changed by someone else since then is a serialization failure.
      const serial = new PolyxenaRuntime({ stores: { postgres: adapter } }, [SerialCounter]);
      const counterId = randomUUID();
      await serial.entity(SerialCounter).put({ counterId, value: 1 });
      const serialError = await expectPolyxenaError(
        serial.transaction(async (tx) => {
          const repo = tx.entity(SerialCounter);
          expect(((await repo.get({ counterId })).item as { value: number }).value).toBe(1);
          await serial.entity(SerialCounter).put({ counterId, value: 2 });
          expect(((await repo.get({ counterId })).item as { value: number }).value).toBe(1);
          await repo.update({ counterId }, { value: 10 });
        }),
        "E_CONDITION_FAILED",
      );
      expect(serialError.constraint).toBe("serialization_failure");
      expect(((await serial.entity(SerialCounter).get({ counterId })).item as { value: number }).value).toBe(2);

      // read committed (the default): each statement sees the latest committed row.
      const plain = new PolyxenaRuntime({ stores: { postgres: adapter } }, [PlainCounter]);
      const plainId = randomUUID();
      await plain.entity(PlainCounter).put({ counterId: plainId, value: 1 });
      await plain.transaction(async (tx) => {
        const repo = tx.entity(PlainCounter);
        expect(((await repo.get({ counterId: plainId })).item as { value: number }).value).toBe(1);
        await plain.entity(PlainCounter).put({ counterId: plainId, value: 2 });
        expect(((await repo.get({ counterId: plainId })).item as { value: number }).value).toBe(2);
        await repo.update({ counterId: plainId }, { value: 3 });
      });
      expect(((await plain.entity(PlainCounter).get({ counterId: plainId })).item as { value: number }).value).toBe(3);

      // An explicit isolation option wins over the entities' consistency.
      const explicitId = randomUUID();
      await plain.entity(PlainCounter).put({ counterId: explicitId, value: 1 });
      await expectPolyxenaError(
        plain.transaction(
          async (tx) => {
            const repo = tx.entity(PlainCounter);
            await repo.get({ counterId: explicitId });
            await plain.entity(PlainCounter).put({ counterId: explicitId, value: 2 });
            await repo.update({ counterId: explicitId }, { value: 3 });
          },
          { isolation: "repeatable read" },
        ),
        "E_CONDITION_FAILED",
      );
    });

    describe("keyset paging with ties", () => {
      const topic = `topic-${randomUUID()}`;
      const ranks = [2, 1, 1, 2, 3, 1, 3, 2, 0, 1, 0];
      const streams = [randomUUID(), randomUUID()];
      const items: PgEventItem[] = ranks.map((rank, i) => ({ streamId: streams[i % 2]!, seq: 100 - i, topic, rank, note: `n${i}` }));
      // Postgres' order, computed independently: rank, then the key (streamId, seq) breaks ties.
      const expected = [...items].sort((a, b) => {
        if (a.rank !== b.rank) return a.rank - b.rank;
        if (a.streamId !== b.streamId) return a.streamId < b.streamId ? -1 : 1;
        return a.seq - b.seq;
      });
      const label = (e: Record<string, unknown>) => `${String(e.streamId)}/${String(e.seq)}`;

      beforeAll(async () => {
        for (const item of items) await events.put(item);
        await events.put({ streamId: randomUUID(), seq: 1, topic: `${topic}-other`, rank: 0, note: "other topic" });
      });

      const pageThrough = async (limit: number, reverse: boolean, query = "byTopic") => {
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages < 20; pages++) {
          const page = await events.query(query, { topic }, { limit, cursor, reverse });
          seen.push(...page.items.map(label));
          cursor = page.cursor;
          if (!cursor) break;
        }
        return seen;
      };

      it("pages forward through every row exactly once in Postgres' order", async () => {
        expect(await pageThrough(3, false)).toEqual(expected.map(label));
        expect(await pageThrough(1, false)).toEqual(expected.map(label));
      });

      it("pages backward in exactly the reverse order", async () => {
        expect(await pageThrough(4, true)).toEqual([...expected].reverse().map(label));
      });

      it("pages a descending order whose ties are broken by the ascending key", async () => {
        const descending = [...items].sort((a, b) => {
          if (a.rank !== b.rank) return b.rank - a.rank;
          if (a.streamId !== b.streamId) return a.streamId < b.streamId ? -1 : 1;
          return a.seq - b.seq;
        });
        expect(await pageThrough(2, false, "byTopicRankDesc")).toEqual(descending.map(label));
        expect(await pageThrough(3, true, "byTopicRankDesc")).toEqual([...descending].reverse().map(label));
      });

      it("restricts by range on the order field, ties included", async () => {
        const page = await events.query("byTopic", { topic }, { range: { gte: 1, lt: 3 } });
        expect(page.items.map(label)).toEqual(expected.filter((e) => e.rank >= 1 && e.rank < 3).map(label));
      });

      it("returns items whole", async () => {
        const page = await events.query("byTopic", { topic }, { limit: 100 });
        expect(page.items).toEqual(expected);
      });
    });

    it("classifies its own errors for the resilience policy", async () => {
      const account = newAccount();
      await accounts.put(account, { ifNotExists: true });
      try {
        await accounts.put(account, { ifNotExists: true });
        expect.unreachable("the second insert must fail");
      } catch (error) {
        expect(isPolyxenaError(error, "E_CONDITION_FAILED")).toBe(true);
        expect(adapter.classifyError?.(error)).toBe("condition");
      }
    });
  });
}
