/**
 * Connections of a relational store killed by its server in the middle of
 * each kind of operation and of transactions: the call rejects with a
 * PolyxenaError carrying what the store lets us know of its outcome, the
 * process survives, and the next call works. One suite parameterised by the
 * store: each store's test kit says how its server kills a connection, and
 * registers what only its server does beside the shared cases.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, isPolyxenaError, type EntityDefinition, type EntityRuntime, type PolyxenaRuntime, type ResiliencePolicy, type StoreKind } from "@polyxena/core";

/** A runtime on an adapter of its own (its own pool), under a policy without retries. */
export interface KillableHarness {
  readonly ledger: EntityRuntime;
  readonly runtime: PolyxenaRuntime;
  readonly policy: ResiliencePolicy;
  /** Kills this harness's connections that wait on a lock; returns how many. */
  killWaiting(): Promise<number>;
  /** Kills the connection of this harness's open transaction, between its statements; returns how many. */
  killTransaction(): Promise<number>;
}

/** A database of its own on the store's server, for one suite. */
export interface KillableDatabase {
  harness(): Promise<KillableHarness>;
  /** Locks the ledger table from another session until the returned function runs. */
  lockLedger(): Promise<() => Promise<void>>;
  /** Rows of the ledger under `account`, read past the adapter. */
  storedRows(account: string): Promise<number>;
  close(): Promise<void>;
}

/** How one relational store's server kills connections, and where it differs. */
export interface KilledConnectionsProfile {
  readonly kind: StoreKind;
  /** Creates the database with the ledger's table reachable (harnesses apply the schema). */
  open(ledger: EntityDefinition): Promise<KillableDatabase>;
  /** The outcome a killed update reports, where the store knows it is unknown (it may have committed). */
  readonly updateOutcome?: "unknown" | undefined;
  /** Whether a bulk write killed mid-way reports each refused item (the store's `putMany` uses several connections). */
  readonly bulk: boolean;
  /** Registers the store's own cases inside the suite, after the shared ones (the database is open while they run). */
  cases?(): void;
}

/** The ledger of the suite: a composite key and a query, on the profile's store. */
export function killedLedger(kind: StoreKind): EntityDefinition {
  return defineEntity("Ledger", {
    store: kind as never,
    schema: z.object({ account: z.string().min(1).max(40), entry: z.number().int(), amount: z.number().int() }),
    key: { primary: ["account", "entry"] },
    queries: { entriesOf: { by: ["account"], order: { entry: "asc" } } },
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `call` while the ledger table is locked, kills the harness's connections waiting on the lock, and returns what the call settled with. */
export async function killedWhileWaiting(db: KillableDatabase, h: KillableHarness, call: () => Promise<unknown>): Promise<{ value?: unknown; error?: unknown }> {
  const unlock = await db.lockLedger();
  try {
    let settled = false;
    const pending = call().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    void pending.then(() => (settled = true));
    // Every connection of the call that waits on the lock is killed (a bulk write may use several).
    let killed = 0;
    for (let i = 0; i < 150 && !settled; i++) {
      await sleep(20);
      killed += await h.killWaiting();
    }
    expect(killed).toBeGreaterThan(0);
    return await pending;
  } finally {
    await unlock();
  }
}

/** Registers the killed-connection cases on one relational store's real server. */
export function relationalKilledConnections(name: string, profile: KilledConnectionsProfile): void {
  const Ledger = killedLedger(profile.kind);

  describe(`${name}: connections killed`, () => {
    let db: KillableDatabase;
    beforeAll(async () => {
      db = await profile.open(Ledger);
    });
    afterAll(async () => {
      await db?.close();
    });

    it("read, write, update, query page and bulk each reject with E_UNAVAILABLE, the breaker stays closed, and the next call works", async () => {
      const h = await db.harness();
      await h.ledger.put({ account: "a", entry: 1, amount: 10 });
      const cases: [string, () => Promise<unknown>, "unknown" | undefined][] = [
        ["get", () => h.ledger.get({ account: "a", entry: 1 }, { consistency: "strong" }), undefined],
        ["getMany", () => h.ledger.getMany([{ account: "a", entry: 1 }, { account: "a", entry: 2 }], { consistency: "strong" }), undefined],
        ["put", () => h.ledger.put({ account: "a", entry: 2, amount: 20 }), undefined],
        ["update", () => h.ledger.update({ account: "a", entry: 1 }, { amount: 11 }), profile.updateOutcome],
        ["query", () => h.ledger.query("entriesOf", { account: "a" }, { limit: 1 }), undefined],
      ];
      for (const [what, call, outcome] of cases) {
        const settled = await killedWhileWaiting(db, h, call);
        expect(isPolyxenaError(settled.error, "E_UNAVAILABLE"), `${what}: ${String(settled.error)}`).toBe(true);
        if (outcome) expect((settled.error as { outcome?: string }).outcome, what).toBe(outcome);
        expect((settled.error as { store?: string }).store).toBe(profile.kind);
      }
      if (profile.bulk) {
        // A bulk write reports each refused item; the killed ones are E_UNAVAILABLE.
        const settled = await killedWhileWaiting(db, h, () => h.ledger.putMany([{ account: "b", entry: 1, amount: 1 }, { account: "b", entry: 2, amount: 2 }]));
        const result = settled.value as { failed: { error: unknown }[] };
        expect(result.failed.length).toBeGreaterThan(0);
        for (const f of result.failed) expect(isPolyxenaError(f.error, "E_UNAVAILABLE"), `putMany: ${String(f.error)}`).toBe(true);
      }
      // Lost connections are store failures, but too few calls to open the breaker.
      expect(h.policy.breakerState(profile.kind)).toBe("closed");
      const after = await h.ledger.get({ account: "a", entry: 1 }, { consistency: "strong" });
      expect(after.item).toMatchObject({ account: "a", entry: 1 });
      await h.runtime.close();
    });

    it("a transaction whose connection is killed between statements rejects with E_UNAVAILABLE, outcome not-applied, and writes nothing; the pool replaces the connection", async () => {
      const h = await db.harness();
      const error = await h.runtime
        .transaction(async (scope) => {
          const ledger = scope.entity(Ledger);
          await ledger.put({ account: "t1", entry: 1, amount: 1 });
          expect(await h.killTransaction()).toBe(1);
          // The connection is gone while no statement runs: the client notices now or on the next statement.
          await sleep(100);
          await ledger.put({ account: "t1", entry: 2, amount: 2 });
        })
        .catch((e: unknown) => e);
      expect(isPolyxenaError(error, "E_UNAVAILABLE"), String(error)).toBe(true);
      expect(error).toMatchObject({ store: profile.kind, operation: "transaction", outcome: "not-applied" });
      expect(await db.storedRows("t1")).toBe(0);
      // Other callers are not affected.
      await h.ledger.put({ account: "t1", entry: 3, amount: 3 });
      expect((await h.ledger.get({ account: "t1", entry: 3 }, { consistency: "strong" })).item).toMatchObject({ amount: 3 });
      await h.runtime.close();
    });

    it("a transaction whose work returns after its connection died rejects with E_UNAVAILABLE, outcome not-applied (COMMIT never reaches the server)", async () => {
      const h = await db.harness();
      const error = await h.runtime
        .transaction(async (scope) => {
          await scope.entity(Ledger).put({ account: "t2", entry: 1, amount: 1 });
          await h.killTransaction();
          await sleep(100);
        })
        .catch((e: unknown) => e);
      expect(isPolyxenaError(error, "E_UNAVAILABLE"), String(error)).toBe(true);
      expect(error).toMatchObject({ operation: "transaction", outcome: "not-applied" });
      expect(await db.storedRows("t2")).toBe(0);
      await h.runtime.close();
    });

    profile.cases?.();
  });
}
