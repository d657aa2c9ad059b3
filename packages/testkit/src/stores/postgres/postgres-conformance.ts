/**
 * Postgres in the relational suite: what its server names and does
 * differently, and its isolation cases (serialization failures under
 * serializable, read committed by default).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolyxenaRuntime, type StoreAdapter } from "@polyxena/core";
import { relationalConformance, relationalEntities, type RelationalProfile } from "../../conformance/relational-conformance.js";
import { expectPolyxenaError, type ConformanceTarget } from "../../conformance/store-conformance.js";

/** Postgres's profile in the relational suite; `sessions` is `one` on PGlite. */
export function postgresProfile(sessions: RelationalProfile["sessions"]): RelationalProfile {
  return { kind: "postgres", prefix: { entity: "Pg", table: "pgc" }, primaryKeyConstraint: (table) => `${table}_pkey`, sessions };
}

/** Registers the relational suite on a Postgres adapter, and Postgres's isolation cases where it has sessions to interleave. */
export function postgresConformance(describeName: string, makeAdapter: ConformanceTarget["setup"], sessions: RelationalProfile["sessions"]): void {
  const profile = postgresProfile(sessions);
  relationalConformance(describeName, makeAdapter, profile);
  if (sessions === "one") return;
  const { serialCounter: SerialCounter, plainCounter: PlainCounter } = relationalEntities(profile);
  const valueOf = (result: { item?: unknown }) => (result.item as { value: number } | undefined)?.value;

  describe(`${describeName}: postgres isolation`, () => {
    let adapter: StoreAdapter;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ adapter, cleanup } = await makeAdapter([SerialCounter, PlainCounter]));
    });
    afterAll(async () => {
      await cleanup?.();
    });

    it("takes the transaction isolation from the entities' write consistency", async () => {
      // serializable (from SerialCounter's consistency): the transaction reads a snapshot, and writing
      // a row changed by someone else since then is a serialization failure.
      const serial = new PolyxenaRuntime({ stores: { postgres: adapter } }, [SerialCounter]);
      const counterId = randomUUID();
      await serial.entity(SerialCounter).put({ counterId, value: 1 });
      const serialError = await expectPolyxenaError(
        serial.transaction(async (tx) => {
          const repo = tx.entity(SerialCounter);
          expect(valueOf(await repo.get({ counterId }))).toBe(1);
          await serial.entity(SerialCounter).put({ counterId, value: 2 });
          expect(valueOf(await repo.get({ counterId }))).toBe(1);
          await repo.update({ counterId }, { value: 10 });
        }),
        "E_CONDITION_FAILED",
      );
      expect(serialError.constraint).toBe("serialization_failure");
      expect(valueOf(await serial.entity(SerialCounter).get({ counterId }))).toBe(2);

      // read committed (the default): each statement sees the latest committed row.
      const plain = new PolyxenaRuntime({ stores: { postgres: adapter } }, [PlainCounter]);
      const plainId = randomUUID();
      await plain.entity(PlainCounter).put({ counterId: plainId, value: 1 });
      await plain.transaction(async (tx) => {
        const repo = tx.entity(PlainCounter);
        expect(valueOf(await repo.get({ counterId: plainId }))).toBe(1);
        await plain.entity(PlainCounter).put({ counterId: plainId, value: 2 });
        expect(valueOf(await repo.get({ counterId: plainId }))).toBe(2);
        await repo.update({ counterId: plainId }, { value: 3 });
      });
      expect(valueOf(await plain.entity(PlainCounter).get({ counterId: plainId }))).toBe(3);

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
  });
}
