/**
 * MySQL in the relational suite: what its server names and does differently,
 * and its own cases: strict mode, versions decided without `RETURNING`,
 * InnoDB's isolation levels and deadlocks, InnoDB's key limit. There is no
 * in-process MySQL engine, so they run against a real server (MariaDB or
 * MySQL) only.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, isPolyxenaError, PolyxenaRuntime, type EntityRuntime, type StoreAdapter } from "@polyxena/core";
import { newRelationalAccount, relationalConformance, relationalEntities, type RelationalAccount, type RelationalProfile } from "../../conformance/relational-conformance.js";
import { expectPolyxenaError, type ConformanceTarget } from "../../conformance/store-conformance.js";

/** MySQL's profile in the relational suite: InnoDB names every primary key `PRIMARY`. */
export const MYSQL_PROFILE: RelationalProfile = { kind: "mysql", prefix: { entity: "My", table: "myc" }, primaryKeyConstraint: () => "PRIMARY", sessions: "many" };

/** Two unbounded text key fields: each gets half of InnoDB's 3072 key bytes (384 characters of utf8mb4). */
export const MyWideKey = defineEntity("MyWideKey", {
  store: "mysql",
  schema: z.object({ a: z.string().min(1), b: z.string().min(1), note: z.string() }),
  table: "myc_wide_key",
  key: { primary: ["a", "b"] },
});

const valueOf = (result: { item?: unknown }) => (result.item as { value: number } | undefined)?.value;

/** Registers the relational suite and MySQL's own cases on a MySQL adapter. */
export function mysqlConformance(describeName: string, makeAdapter: ConformanceTarget["setup"]): void {
  relationalConformance(describeName, makeAdapter, MYSQL_PROFILE);
  const { account: Account, serialCounter: SerialCounter, plainCounter: PlainCounter } = relationalEntities(MYSQL_PROFILE);

  describe(`${describeName}: mysql conformance`, () => {
    let adapter: StoreAdapter;
    let cleanup: () => Promise<void>;
    let accounts: EntityRuntime;

    beforeAll(async () => {
      ({ adapter, cleanup } = await makeAdapter([Account, SerialCounter, PlainCounter, MyWideKey]));
      accounts = new PolyxenaRuntime({ stores: { mysql: adapter } }, [Account]).entity(Account);
    });
    afterAll(async () => {
      await cleanup?.();
    });

    it("refuses values the columns cannot hold with E_VALIDATION (strict mode), writes nothing, and does not count them as store failures", async () => {
      const tooBig = newRelationalAccount({ balance: 10n ** 40n });
      const bigError = await expectPolyxenaError(accounts.put(tooBig), "E_VALIDATION");
      expect(adapter.classifyError?.(bigError.cause)).toBe("invalid");
      expect((await accounts.get({ accountId: tooBig.accountId })).item).toBeUndefined();
      // datetime holds years 1000 to 9999.
      const farFuture = newRelationalAccount({ openedAt: new Date(Date.UTC(10_000, 0, 1)) });
      const dateError = await expectPolyxenaError(accounts.put(farFuture), "E_VALIDATION");
      expect(adapter.classifyError?.(dateError.cause)).toBe("invalid");
      expect((await accounts.get({ accountId: farFuture.accountId })).item).toBeUndefined();
    });

    it("decides an expected version without RETURNING: by the rows the conditional UPDATE matched", async () => {
      const account = newRelationalAccount();
      await accounts.put(account, { ifNotExists: true });
      await accounts.update({ accountId: account.accountId }, { credits: 1 });
      const error = await expectPolyxenaError(accounts.update({ accountId: account.accountId }, { credits: 2 }, { expectedVersion: 1 }), "E_CONDITION_FAILED");
      expect(error.statement).toMatch(/^UPDATE `myc_account` SET .* AND `version` = \?$/);
      expect((error.current as RelationalAccount).version).toBe(2);
    });

    it("runs transactions at InnoDB's isolation levels, from the entities' write consistency or the option", async () => {
      const plain = new PolyxenaRuntime({ stores: { mysql: adapter } }, [PlainCounter]);
      const counters = plain.entity(PlainCounter);

      // repeatable read (InnoDB's default): reads see the transaction's snapshot, and an update
      // writes over a row changed since then (InnoDB does not detect the lost update).
      const snapshotId = randomUUID();
      await counters.put({ counterId: snapshotId, value: 1 });
      await plain.transaction(async (tx) => {
        const repo = tx.entity(PlainCounter);
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
          const repo = tx.entity(PlainCounter);
          expect(valueOf(await repo.get({ counterId: committedId }))).toBe(1);
          await counters.put({ counterId: committedId, value: 2 });
          expect(valueOf(await repo.get({ counterId: committedId }))).toBe(2);
        },
        { isolation: "read committed" },
      );

      // serializable (from the entity's write consistency): reads lock the rows they read, so a
      // concurrent write of that row waits; when the transaction then writes the row, InnoDB sees the
      // cycle and refuses the waiting write (the cheaper one to roll back) as a deadlock.
      const serial = new PolyxenaRuntime({ stores: { mysql: adapter } }, [SerialCounter]);
      const serialCounters = serial.entity(SerialCounter);
      const serialId = randomUUID();
      await serialCounters.put({ counterId: serialId, value: 1 });
      let outside: Promise<unknown> | undefined;
      let outsideDone = false;
      await serial.transaction(async (tx) => {
        const repo = tx.entity(SerialCounter);
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
      const plain = new PolyxenaRuntime({ stores: { mysql: adapter } }, [PlainCounter]);
      const [x, y] = [randomUUID(), randomUUID()];
      await plain.entity(PlainCounter).put({ counterId: x, value: 0 });
      await plain.entity(PlainCounter).put({ counterId: y, value: 0 });
      let bothLocked!: () => void;
      const firstLocks = new Promise<void>((r) => (bothLocked = r));
      let locked = 0;
      const afterDeadlock: unknown[] = [];
      const cross = (first: string, second: string, value: number) =>
        plain.transaction(async (tx) => {
          const repo = tx.entity(PlainCounter);
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
      expect(valueOf(await plain.entity(PlainCounter).get({ counterId: x }))).toBe(winner);
      expect(valueOf(await plain.entity(PlainCounter).get({ counterId: y }))).toBe(winner);
    });

    it("refuses a key longer than its column's share of InnoDB's 3072 key bytes before the call, naming the limit", async () => {
      const wide = new PolyxenaRuntime({ stores: { mysql: adapter } }, [MyWideKey]).entity(MyWideKey);
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

  });
}
