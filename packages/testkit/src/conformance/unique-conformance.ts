import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, isPolyxenaError, PolyxenaRuntime, storeDialect, type EntityDefinition, type EntityRuntime, type KeySpec, type StoreAdapter, type StoreKind } from "@polyxena/core";
import { expectPolyxenaError, type ConformanceTarget } from "./store-conformance.js";

/** The schema of the unique-constraint conformance entity. */
export const uniqueAccountSchema = z.object({
  accountId: z.uuid(),
  email: z.string().min(3).max(200),
  tenant: z.string().min(1).max(100),
  handle: z.string().min(1).max(100).optional(),
  name: z.string(),
});

/** An item of the unique-constraint conformance entity. */
export type UniqueAccount = z.output<typeof uniqueAccountSchema>;

/** Name of the auto-named constraint on `email`. */
export const EMAIL_CONSTRAINT = "unique_account_email_key";
/** Name of the named constraint on `tenant, handle`. */
export const HANDLE_CONSTRAINT = "account_tenant_handle";

/**
 * The unique-constraint conformance entity for one store kind that enforces
 * uniqueness: keyed by `accountId` in the store's own terms, with `email`
 * unique (auto-named) and `tenant, handle` unique (named; an absent handle
 * claims nothing). Writes are strong.
 */
export function uniqueAccountEntity(kind: StoreKind, table = "unique_account"): EntityDefinition<typeof uniqueAccountSchema> {
  const unique = ["email" as const, { name: HANDLE_CONSTRAINT, fields: ["tenant" as const, "handle" as const] }];
  const key = storeDialect(kind).keys.declare({ partition: ["accountId"], clustering: [] }) as KeySpec<keyof UniqueAccount>;
  return defineEntity("UniqueAccount", { store: kind, schema: uniqueAccountSchema, table, key, unique, consistency: { write: "strong" } });
}

/**
 * Registers the unique-constraint cases for one adapter. Stores that enforce
 * uniqueness run every case; Elasticsearch checks that the declaration is
 * refused; a DynamoDB endpoint without TransactWriteItems (dynalite) checks
 * that a write to a unique entity fails whole, writing nothing.
 */
export function uniqueConformance(name: string, target: ConformanceTarget): void {
  describe(`${name}: unique constraints`, () => {
    const refusal = storeDialect(target.kind).features.uniqueConstraints;
    if (refusal !== true) {
      it(`a ${target.kind} entity declaring unique is E_DEFINITION with the fix`, () => {
        let caught: unknown;
        try {
          defineEntity("UniqueDoc", { store: target.kind, schema: uniqueAccountSchema, key: storeDialect(target.kind).keys.declare({ partition: ["accountId"], clustering: [] }) as KeySpec<keyof UniqueAccount>, unique: ["email"] });
        } catch (error) {
          caught = error;
        }
        expect(isPolyxenaError(caught, "E_DEFINITION")).toBe(true);
        expect((caught as Error).message).toContain(refusal.message);
        expect((caught as { path?: string }).path).toBe("unique");
      });
      return;
    }
    const definition = uniqueAccountEntity(target.kind);
    let adapter: StoreAdapter;
    let cleanup: () => Promise<void>;
    let repo: EntityRuntime;
    beforeAll(async () => {
      ({ adapter, cleanup } = await target.setup([definition]));
      repo = new PolyxenaRuntime({ stores: { [target.kind]: adapter } }, [definition]).entity(definition);
    });
    afterAll(async () => {
      await cleanup?.();
    });
    const account = (over: Partial<UniqueAccount> = {}): UniqueAccount => ({
      accountId: randomUUID(),
      email: `${randomUUID()}@example.com`,
      tenant: `tenant-${randomUUID().slice(0, 8)}`,
      name: "Ada",
      ...over,
    });
    const read = async (a: UniqueAccount) => (await repo.get({ accountId: a.accountId }, { consistency: "strong" })).item as UniqueAccount | undefined;
    // Decided when the cases are registered, so an endpoint without TransactWriteItems (dynalite)
    // runs only the case that holds there instead of passing the others without asserting.
    if (target.transactWriteItems === false) {
      it("a write to a unique entity on an endpoint without TransactWriteItems fails whole with E_STORE, writing nothing", async () => {
        const a = account();
        const error = await expectPolyxenaError(repo.put(a), "E_STORE");
        expect(error.statement).toContain("TransactWriteItems");
        expect(await read(a)).toBeUndefined();
      });
      return;
    }

    it("a second item with a taken value is E_ALREADY_EXISTS naming the constraint and its fields; the holder stays", async () => {
      const a = account();
      await repo.put(a);
      const b = account({ email: a.email });
      const error = await expectPolyxenaError(repo.put(b), "E_ALREADY_EXISTS");
      expect(error.constraint).toBe(EMAIL_CONSTRAINT);
      expect(error.message).toContain(EMAIL_CONSTRAINT);
      expect(error.message).toContain("(email)");
      expect(error.entity).toBe("UniqueAccount");
      expect(await read(b)).toBeUndefined();
      expect(await read(a)).toEqual(a);
    });

    it("writing an item again with its own values succeeds (its claims are its own)", async () => {
      const a = account({ handle: "ada" });
      await repo.put(a);
      await repo.put({ ...a, name: "Ada L." });
      expect(await read(a)).toEqual({ ...a, name: "Ada L." });
      await repo.update({ accountId: a.accountId }, { email: a.email, name: "Ada K." });
      expect((await read(a))?.name).toBe("Ada K.");
    });

    it("an update that changes a unique field moves its claim: the old value is free, the new one taken", async () => {
      const a = account();
      await repo.put(a);
      const moved = `${randomUUID()}@example.com`;
      const updated = await repo.update({ accountId: a.accountId }, { email: moved });
      expect(updated.email).toBe(moved);
      const b = account({ email: a.email });
      await repo.put(b);
      expect(await read(b)).toEqual(b);
      const c = account({ email: moved });
      expect((await expectPolyxenaError(repo.put(c), "E_ALREADY_EXISTS")).constraint).toBe(EMAIL_CONSTRAINT);
      expect(await read(c)).toBeUndefined();
    });

    it("an update to a taken value fails, changing nothing and keeping the item's own claim", async () => {
      const a = account();
      const b = account();
      await repo.put(a);
      await repo.put(b);
      const error = await expectPolyxenaError(repo.update({ accountId: b.accountId }, { email: a.email, name: "thief" }), "E_ALREADY_EXISTS");
      expect(error.constraint).toBe(EMAIL_CONSTRAINT);
      expect(await read(b)).toEqual(b);
      expect(await read(a)).toEqual(a);
      const c = account({ email: b.email });
      await expectPolyxenaError(repo.put(c), "E_ALREADY_EXISTS");
    });

    it("a put that replaces an item with new values releases the old ones", async () => {
      const a = account({ handle: "first" });
      await repo.put(a);
      await repo.put({ ...a, email: `${randomUUID()}@example.com`, handle: "second" });
      const b = account({ email: a.email, tenant: a.tenant, handle: "first" });
      await repo.put(b);
      expect(await read(b)).toEqual(b);
    });

    it("a delete releases the item's claims", async () => {
      const a = account({ handle: "gone" });
      await repo.put(a);
      await repo.delete({ accountId: a.accountId });
      const b = account({ email: a.email, tenant: a.tenant, handle: "gone" });
      await repo.put(b);
      expect(await read(b)).toEqual(b);
    });

    it("a composite constraint holds on all its fields together; an absent field claims nothing", async () => {
      const tenant = `tenant-${randomUUID().slice(0, 8)}`;
      const a = account({ tenant, handle: "same" });
      await repo.put(a);
      const clash = account({ tenant, handle: "same" });
      const error = await expectPolyxenaError(repo.put(clash), "E_ALREADY_EXISTS");
      expect(error.constraint).toBe(HANDLE_CONSTRAINT);
      expect(error.message).toContain("(tenant, handle)");
      await repo.put(account({ tenant: `${tenant}-other`, handle: "same" }));
      await repo.put(account({ tenant, handle: "different" }));
      const bare1 = account({ tenant });
      const bare2 = account({ tenant });
      await repo.put(bare1);
      await repo.put(bare2);
      expect(await read(bare2)).toEqual(bare2);
      // Removing the optional field releases the claim.
      await repo.update({ accountId: a.accountId }, { handle: undefined });
      await repo.put(clash);
      expect(await read(clash)).toEqual(clash);
    });

    it("concurrent inserts of one value: exactly one wins, the others are E_ALREADY_EXISTS and leave nothing", async () => {
      const email = `${randomUUID()}@example.com`;
      const contenders = Array.from({ length: 6 }, () => account({ email }));
      const results = await Promise.allSettled(contenders.map((a) => repo.put(a)));
      const winners = results.flatMap((r, i) => (r.status === "fulfilled" ? [contenders[i]!] : []));
      expect(winners).toHaveLength(1);
      for (const r of results) {
        if (r.status === "rejected") {
          expect(isPolyxenaError(r.reason, "E_ALREADY_EXISTS"), String(r.reason)).toBe(true);
          expect((r.reason as { constraint?: string }).constraint).toBe(EMAIL_CONSTRAINT);
        }
      }
      const stored = await Promise.all(contenders.map(read));
      expect(stored.filter((s) => s !== undefined)).toEqual(winners);
    });

    it("concurrent updates moving two items to one value: exactly one wins", async () => {
      const a = account();
      const b = account();
      await repo.put(a);
      await repo.put(b);
      const email = `${randomUUID()}@example.com`;
      const results = await Promise.allSettled([a, b].map((x) => repo.update({ accountId: x.accountId }, { email })));
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const holders = (await Promise.all([a, b].map(read))).filter((x) => x?.email === email);
      expect(holders).toHaveLength(1);
      // The loser kept its old value and its claim on it.
      const loser = results[0]!.status === "fulfilled" ? b : a;
      expect((await read(loser))?.email).toBe(loser.email);
      await expectPolyxenaError(repo.put(account({ email: loser.email })), "E_ALREADY_EXISTS");
    });
  });
}
