import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineEntity,
  isPolyxenaError,
  PolyxenaRuntime,
  type EntityDefinition,
  type StoreKind,
  createResiliencePolicy,
  storeDialect,
} from "@polyxena/core";
import { ChaosAdapter } from "../src/chaos-adapter.js";
import { STORE_VARIANTS, startStoreEndpoints, type StoreEndpoints } from "./helpers/store-endpoints.js";

/**
 * A caller's mistake never opens the breaker: twenty requests whose key is
 * over the store's limit are each refused with E_VALIDATION naming the limit,
 * none is retried or counted as a store failure, and a valid request right
 * after them succeeds. Per store, on its memory and its real (or test) adapter,
 * under the default resilience policy (the breaker opens at 50 % failures of
 * 20 calls).
 */

function entityFor(store: StoreKind): EntityDefinition {
  return defineEntity(`Mistake${store}`, {
    store,
    schema: z.object({ id: z.string().min(1), owner: z.string().min(1), note: z.string() }),
    key: storeDialect(store).keys.declare({ partition: ["id"], clustering: [] }),
    queries: { byOwner: { by: ["owner"] } },
  } as never) as EntityDefinition;
}

/** Over every store's key limit (Cassandra's 64 KB included). */
const HUGE = "k".repeat(70_000);

let stores: StoreEndpoints;

beforeAll(async () => {
  stores = await startStoreEndpoints("caller-mistakes");
});

afterAll(async () => {
  await stores?.close();
});

for (const { kind, variant } of STORE_VARIANTS) {
  describe(`${kind} (${variant})`, () => {
    it("twenty oversized-key requests are refused with E_VALIDATION naming the limit; the breaker stays closed and a valid request succeeds", async () => {
      const def = entityFor(kind);
      const adapter = stores.adapter(kind, variant);
      await adapter.applySchema?.([def.model]);
      const counted = new ChaosAdapter(adapter);
      const policy = createResiliencePolicy();
      const repo = new PolyxenaRuntime({ stores: { [kind]: counted }, policy }, [def]).entity(def);
      const mistakes: (() => Promise<unknown>)[] = [
        () => repo.put({ id: HUGE, owner: "o", note: "n" }),
        () => repo.get({ id: HUGE }, { consistency: "strong" }),
        () => repo.getMany([{ id: "fine" }, { id: HUGE }], { consistency: "strong" }),
        () => repo.delete({ id: HUGE }),
        () => repo.update({ id: HUGE }, { note: "x" }),
      ];
      for (let i = 0; i < 20; i++) {
        const error = await mistakes[i % mistakes.length]!().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isPolyxenaError(error, "E_VALIDATION"), `request ${i}: ${String(error)}`).toBe(true);
        // Every store, Cassandra included (cassandra.partitionKeyBytes), refuses the key before the call.
        expect((error as { constraint?: string }).constraint ?? "", `request ${i}: ${String(error)}`).toMatch(new RegExp(`^${kind}\\.`));
        expect((error as { fix?: string }).fix, `request ${i}`).toBeTruthy();
      }
      expect(policy.breakerState(counted)).toBe("closed");
      // None was retried: each reached the adapter once.
      expect(counted.calls()).toBe(20);
      await repo.put({ id: "fine", owner: "o", note: "valid" });
      expect((await repo.get({ id: "fine" }, { consistency: "strong" })).item).toEqual({ id: "fine", owner: "o", note: "valid" });
      expect(policy.breakerState(counted)).toBe("closed");
    });
  });
}
