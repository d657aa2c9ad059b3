/**
 * MySQL-specific conformance cases, next to the store-independent suite:
 * every column type and JSON columns, conditional writes without
 * `RETURNING`, InnoDB's isolation levels and deadlocks, keyset paging with
 * ties, InnoDB's key limit. There is no in-process MySQL engine,
 * so they run against a real server (MariaDB or MySQL) only.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, isPolyxenaError, PolyxenaRuntime, type EntityRuntime, type StoreAdapter } from "@polyxena/core";
import { expectPolyxenaError, type ConformanceTarget } from "../../conformance/store-conformance.js";

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

/** Accounts: every MySQL column type (JSON columns included), a version field. */
export const MyAccount = defineEntity("MyAccount", {
  store: "mysql",
  schema: accountSchema,
  table: "myc_account",
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
type EventItem = z.output<typeof eventSchema>;

/** Events: a composite key and a query ordered by a field with many ties. */
export const MyEvent = defineEntity("MyEvent", {
  store: "mysql",
  schema: eventSchema,
  table: "myc_event",
  key: { primary: ["streamId", "seq"] },
  queries: {
    byTopic: { by: ["topic"], order: { rank: "asc" } },
    byTopicRankDesc: { by: ["topic"], order: { rank: "desc" } },
  },
});

const counterSchema = z.object({ counterId: z.string(), value: z.number().int() });

/** A counter whose writes run serializable (transactions default to that level). */
export const MySerialCounter = defineEntity("MySerialCounter", {
  store: "mysql",
  schema: counterSchema,
  table: "myc_serial_counter",
  key: { primary: ["counterId"] },
  consistency: { write: "serializable" },
});

/** A counter with the server's default isolation (REPEATABLE READ). */
export const MyPlainCounter = defineEntity("MyPlainCounter", {
  store: "mysql",
  schema: counterSchema,
  table: "myc_plain_counter",
  key: { primary: ["counterId"] },
});

/** Two unbounded text key fields: each gets half of InnoDB's 3072 key bytes (384 characters of utf8mb4). */
export const MyWideKey = defineEntity("MyWideKey", {
  store: "mysql",
  schema: z.object({ a: z.string().min(1), b: z.string().min(1), note: z.string() }),
  table: "myc_wide_key",
  key: { primary: ["a", "b"] },
});

const DEFINITIONS = [MyAccount, MyEvent, MySerialCounter, MyPlainCounter, MyWideKey];

const valueOf = (result: { item?: unknown }) => (result.item as { value: number } | undefined)?.value;

/**
 * Registers the MySQL-specific cases. `makeAdapter` creates an adapter with
 * the schema of the given definitions in place, isolated from other test
 * files, like the store conformance target's `setup`.
 */
export function mysqlConformance(describeName: string, makeAdapter: ConformanceTarget["setup"]): void {
  describe(`${describeName}: mysql conformance`, () => {
    let adapter: StoreAdapter;
    let cleanup: () => Promise<void>;
    let runtime: PolyxenaRuntime;
    let accounts: EntityRuntime;
    let events: EntityRuntime;

    beforeAll(async () => {
      ({ adapter, cleanup } = await makeAdapter(DEFINITIONS));
      runtime = new PolyxenaRuntime({ stores: { mysql: adapter } }, [MyAccount, MyEvent, MyWideKey]);
      accounts = runtime.entity(MyAccount);
      events = runtime.entity(MyEvent);
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

    it("round-trips decimal, bigint, double, boolean, enum, datetime, null and JSON column values", async () => {
      const account = newAccount({ nickname: "ace", closedAt: new Date(Date.UTC(2027, 0, 1)), active: false });
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

    it("refuses values the columns cannot hold with E_VALIDATION (strict mode), writes nothing, and does not count them as store failures", async () => {
      const tooBig = newAccount({ balance: 10n ** 40n });
      const bigError = await expectPolyxenaError(accounts.put(tooBig), "E_VALIDATION");
      expect(adapter.classifyError?.(bigError.cause)).toBe("invalid");
      expect((await accounts.get({ accountId: tooBig.accountId })).item).toBeUndefined();
      // datetime holds years 1000 to 9999.
      const farFuture = newAccount({ openedAt: new Date(Date.UTC(10_000, 0, 1)) });
      const dateError = await expectPolyxenaError(accounts.put(farFuture), "E_VALIDATION");
      expect(adapter.classifyError?.(dateError.cause)).toBe("invalid");
      expect((await accounts.get({ accountId: farFuture.accountId })).item).toBeUndefined();
    });

    it("matches uuid keys case-insensitively and returns them lower-case", async () => {
      const id = randomUUID();
      await accounts.put(newAccount({ accountId: id.toUpperCase() }));
      const read = (await accounts.get({ accountId: id })).item as Account;
      expect(read.accountId).toBe(id);
      const many = (await accounts.getMany([{ accountId: id.toUpperCase() }, { accountId: randomUUID() }])) as (Account | undefined)[];
      expect(many.map((a) => a?.accountId)).toEqual([id, undefined]);
    });

    it("names the primary key when ifNotExists finds the key taken, with the current row", async () => {
      const account = newAccount();
      await accounts.put(account, { ifNotExists: true });
      const error = await expectPolyxenaError(accounts.put({ ...account, email: "other@example.com" }, { ifNotExists: true }), "E_CONDITION_FAILED");
      expect(error.constraint).toBe("PRIMARY");
      expect(error.entity).toBe("MyAccount");
      expect(error.statement).toMatch(/^INSERT INTO `myc_account`/);
      expect((error.current as Account).email).toBe(account.email);
      expect(adapter.classifyError?.(error)).toBe("condition");
    });

    it("decides expected versions without RETURNING: a stale version changes nothing and reports the current row", async () => {
      const account = newAccount();
      await accounts.put(account, { ifNotExists: true });
      const updated = (await accounts.update({ accountId: account.accountId }, { credits: 1 })) as Account;
      expect(updated.version).toBe(2);
      const error = await expectPolyxenaError(accounts.update({ accountId: account.accountId }, { credits: 2 }, { expectedVersion: 1 }), "E_CONDITION_FAILED");
      expect(error.statement).toMatch(/^UPDATE `myc_account` SET .* AND `version` = \?$/);
      expect((error.current as Account).version).toBe(2);
      expect((error.current as Account).credits).toBe(1);
      await expectPolyxenaError(accounts.put({ ...account, credits: 5 }, { expectedVersion: 1 }), "E_CONDITION_FAILED");
      await expectPolyxenaError(accounts.delete({ accountId: account.accountId }, { expectedVersion: 1 }), "E_CONDITION_FAILED");
      expect(((await accounts.get({ accountId: account.accountId })).item as Account).credits).toBe(1);
    });

    it("returns exactly the row each update wrote, even when updates of one row run at once", async () => {
      const account = newAccount();
      await accounts.put(account, { ifNotExists: true });
      const results = (await Promise.all(Array.from({ length: 8 }, (_, i) => accounts.update({ accountId: account.accountId }, { credits: i })))) as Account[];
      // Each update read its row back under its own row lock: eight distinct versions, each with its own credits.
      expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
      for (const r of results) expect(r.credits).toBe(results.indexOf(r));
      const last = results.find((r) => r.version === 9)!;
      expect((await accounts.get({ accountId: account.accountId })).item).toEqual(last);
    });

    it("commits every write of a transaction together", async () => {
      const a = newAccount();
      const b = newAccount();
      await runtime.transaction(async (tx) => {
        await tx.entity(MyAccount).put(a);
        await tx.entity(MyAccount).put(b, { ifNotExists: true });
        expect((await tx.entity(MyAccount).get({ accountId: a.accountId })).item).toEqual(a);
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
          const repo = tx.entity(MyAccount);
          await repo.put(created);
          await repo.update({ accountId: existing.accountId }, { email: "after@example.com" }, { expectedVersion: 1 });
          await repo.delete({ accountId: existing.accountId }, { expectedVersion: 2 });
          expect((await repo.get({ accountId: existing.accountId })).item).toBeUndefined();
          expect((await repo.get({ accountId: created.accountId })).item).toBeDefined();
          // Outside the transaction nothing is visible yet.
          expect((await accounts.get({ accountId: created.accountId })).item).toBeUndefined();
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
          await tx.entity(MyAccount).put(b);
          await tx.entity(MyAccount).put(a, { ifNotExists: true });
        }),
        "E_CONDITION_FAILED",
      );
      expect((await accounts.get({ accountId: b.accountId })).item).toBeUndefined();
    });

    it("refuses a transaction handle used after the transaction ended, and an unknown isolation level", async () => {
      let escaped: EntityRuntime | undefined;
      await runtime.transaction(async (tx) => {
        escaped = tx.entity(MyAccount);
      });
      const error = await expectPolyxenaError(escaped!.get({ accountId: randomUUID() }), "E_UNSUPPORTED");
      expect(error.message).toMatch(/already finished/);
      await expectPolyxenaError(runtime.transaction(async () => undefined, { isolation: "chaotic" }), "E_VALIDATION");
    });

    it("runs transactions at InnoDB's isolation levels, from the entities' write consistency or the option", async () => {
      const plain = new PolyxenaRuntime({ stores: { mysql: adapter } }, [MyPlainCounter]);
      const counters = plain.entity(MyPlainCounter);

      // repeatable read (InnoDB's default): reads see the transaction's snapshot, and an update
      // writes over a row changed since then (InnoDB does not detect the lost update).
      const snapshotId = randomUUID();
      await counters.put({ counterId: snapshotId, value: 1 });
      await plain.transaction(async (tx) => {
        const repo = tx.entity(MyPlainCounter);
        expect(valueOf(await repo.get({ counterId: snapshotId }))).toBe(1);
        await counters.put({ counterId: snapshotId, value: 2 });
        expect(valueOf(await repo.get({ counterId: snapshotId }))).toBe(1);
        expect(((await repo.update({ counterId: snapshotId }, { value: 10 })) as { value: number }).value).toBe(10);
      });
      expect(valueOf(await counters.get({ counterId: snapshotId }))).toBe(10);

      // read committed: each statement sees the latest committed row.
      const committedId = randomUUID();
      await counters.put({ counterId: committedId, value: 1 });
      await plain.transaction(
        async (tx) => {
          const repo = tx.entity(MyPlainCounter);
          expect(valueOf(await repo.get({ counterId: committedId }))).toBe(1);
          await counters.put({ counterId: committedId, value: 2 });
          expect(valueOf(await repo.get({ counterId: committedId }))).toBe(2);
        },
        { isolation: "read committed" },
      );

      // serializable (from the entity's write consistency): reads lock the rows they read, so a
      // concurrent write of that row waits; when the transaction then writes the row, InnoDB sees the
      // cycle and refuses the waiting write (the cheaper one to roll back) as a deadlock.
      const serial = new PolyxenaRuntime({ stores: { mysql: adapter } }, [MySerialCounter]);
      const serialCounters = serial.entity(MySerialCounter);
      const serialId = randomUUID();
      await serialCounters.put({ counterId: serialId, value: 1 });
      let outside: Promise<unknown> | undefined;
      let outsideDone = false;
      await serial.transaction(async (tx) => {
        const repo = tx.entity(MySerialCounter);
        expect(valueOf(await repo.get({ counterId: serialId }))).toBe(1);
        outside = serialCounters.put({ counterId: serialId, value: 2 }).finally(() => (outsideDone = true));
        outside.catch(() => undefined);
        await new Promise((r) => setTimeout(r, 300));
        expect(outsideDone).toBe(false);
        await repo.update({ counterId: serialId }, { value: 10 });
      });
      const refused = await expectPolyxenaError(outside!, "E_CONDITION_FAILED");
      expect(refused.constraint).toBe("deadlock");
      expect(valueOf(await serialCounters.get({ counterId: serialId }))).toBe(10);
    });

    it("reports a deadlock as E_CONDITION_FAILED (constraint deadlock) with the fix, rolling the loser back", async () => {
      const plain = new PolyxenaRuntime({ stores: { mysql: adapter } }, [MyPlainCounter]);
      const [x, y] = [randomUUID(), randomUUID()];
      await plain.entity(MyPlainCounter).put({ counterId: x, value: 0 });
      await plain.entity(MyPlainCounter).put({ counterId: y, value: 0 });
      let bothLocked!: () => void;
      const firstLocks = new Promise<void>((r) => (bothLocked = r));
      let locked = 0;
      const afterDeadlock: unknown[] = [];
      const cross = (first: string, second: string, value: number) =>
        plain.transaction(async (tx) => {
          const repo = tx.entity(MyPlainCounter);
          await repo.update({ counterId: first }, { value });
          if (++locked === 2) bothLocked();
          await firstLocks;
          try {
            await repo.update({ counterId: second }, { value });
          } catch (error) {
            // InnoDB rolled the whole transaction back: a statement now would run outside it, so it is refused.
            afterDeadlock.push(await repo.put({ counterId: first, value: 99 }).catch((e: unknown) => e));
            throw error;
          }
        });
      const outcomes = await Promise.allSettled([cross(x, y, 1), cross(y, x, 2)]);
      const failed = outcomes.filter((o) => o.status === "rejected");
      expect(failed).toHaveLength(1);
      const error = (failed[0] as PromiseRejectedResult).reason as { code?: string; constraint?: string; fix?: string };
      expect(isPolyxenaError(error, "E_CONDITION_FAILED")).toBe(true);
      expect(error.constraint).toBe("deadlock");
      expect(error.fix).toMatch(/run it again/);
      expect(afterDeadlock).toHaveLength(1);
      expect(isPolyxenaError(afterDeadlock[0], "E_CONDITION_FAILED")).toBe(true);
      expect((afterDeadlock[0] as { constraint?: string }).constraint).toBe("deadlock");
      const winner = outcomes[0]!.status === "fulfilled" ? 1 : 2;
      expect(valueOf(await plain.entity(MyPlainCounter).get({ counterId: x }))).toBe(winner);
      expect(valueOf(await plain.entity(MyPlainCounter).get({ counterId: y }))).toBe(winner);
    });

    it("refuses a key longer than its column's share of InnoDB's 3072 key bytes before the call, naming the limit", async () => {
      const wide = runtime.entity(MyWideKey);
      const fits = { a: "é".repeat(384), b: "b".repeat(384), note: "fits" };
      await wide.put(fits);
      expect((await wide.get({ a: fits.a, b: fits.b })).item).toEqual(fits);
      for (const attempt of [() => wide.put({ ...fits, a: "a".repeat(385) }), () => wide.get({ a: fits.a, b: "b".repeat(70_000) }), () => wide.delete({ a: "x".repeat(385), b: "b" })]) {
        const error = await expectPolyxenaError(attempt(), "E_VALIDATION");
        expect(error.constraint).toBe("mysql.indexKeyBytes");
        expect(error.fix).toMatch(/hash long natural keys/);
        expect(error.statement).toBeUndefined();
      }
    });

    describe("keyset paging with ties", () => {
      const topic = `topic-${randomUUID()}`;
      const ranks = [2, 1, 1, 2, 3, 1, 3, 2, 0, 1, 0];
      const streams = [randomUUID(), randomUUID()];
      const items: EventItem[] = ranks.map((rank, i) => ({ streamId: streams[i % 2]!, seq: 100 - i, topic, rank, note: `n${i}` }));
      // The key (streamId, seq) breaks ties, ascending, in both directions.
      const rankOf = (e: EventItem) => e.rank;
      const byKey = (a: EventItem, b: EventItem) => (a.streamId !== b.streamId ? (a.streamId < b.streamId ? -1 : 1) : a.seq - b.seq);
      const ascending = [...items].sort((a, b) => rankOf(a) - rankOf(b) || byKey(a, b));
      const descending = [...items].sort((a, b) => rankOf(b) - rankOf(a) || byKey(a, b));
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

      it("pages forward and backward through every row exactly once", async () => {
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
      });
    });
  });
}
