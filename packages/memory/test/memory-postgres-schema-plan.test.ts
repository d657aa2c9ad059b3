import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime, type EntityModel, type SchemaPlan, type StoreAdapter } from "@polyxena/core";
import { createPostgresAdapter, type PostgresAdapter } from "@polyxena/adapters/postgres";
import { createMemoryPostgresAdapter } from "../src/index.js";
import { expectPolyxenaError, createPostgresTestDatabase, type PostgresTestDatabase } from "@polyxena/testkit";

/** Versions of one entity as a team evolves it. */
function versions(table: string) {
  const v1 = z.object({ memberId: z.uuid(), name: z.string(), plan: z.string().optional() });
  const define = <S extends z.ZodObject<z.ZodRawShape>>(schema: S, extra: Record<string, unknown> = {}) =>
    defineEntity("Member", { store: "postgres", schema, table, key: { primary: ["memberId" as never] }, ...extra });
  return {
    v1: define(v1),
    v2: define(v1.extend({ nickname: z.string().max(40).optional() }), { queries: { byName: { by: ["name"] } }, unique: ["nickname"] }),
    required: define(v1.extend({ tier: z.number().int() })),
    retyped: define(z.object({ memberId: z.uuid(), name: z.number().int(), plan: z.string().optional() })),
    removed: define(z.object({ memberId: z.uuid(), name: z.string() })),
  };
}

/** A plan with `schema` named `public`, so plans made in two schemas compare. */
const inSchema = (plan: SchemaPlan, schema: string): SchemaPlan => {
  const swap = (s: string) => s.replaceAll(`"${schema}".`, '"public".');
  return { changes: plan.changes.map((c) => ({ ...c, statement: swap(c.statement), ...(c.reason === undefined ? {} : { reason: swap(c.reason) }) })), unchanged: plan.unchanged.map(swap) };
};

describe("memory Postgres (PGlite) plans and applies as the real database does", () => {
  let db: PostgresTestDatabase;
  let real: PostgresAdapter;
  beforeAll(async () => {
    db = await createPostgresTestDatabase("memory-postgres-schema-plan");
    real = createPostgresAdapter({ connectionString: db.connectionString }, { schema: db.schema });
  });
  afterAll(async () => {
    await real?.close();
    await db?.drop();
  });

  it("gives the real adapter's plan at every step: additive, refused, destructive with allowDestructive", async () => {
    const table = `member_${randomUUID().slice(0, 8)}`;
    const { v1, v2, required, retyped, removed } = versions(table);
    const memory = createMemoryPostgresAdapter();
    const put = (adapter: StoreAdapter, def: { model: EntityModel }, item: Record<string, unknown>) =>
      new PolyxenaRuntime({ stores: { postgres: adapter } }, [def as never]).entity(def as never).put(item);
    const plans = async (def: { model: EntityModel }) => {
      const [m, r] = [inSchema(await memory.planSchema([def.model]), memory.schema), inSchema(await real.planSchema([def.model]), db.schema)];
      expect(m).toEqual(r);
      return m;
    };

    const empty = await plans(v1);
    expect(empty.changes.map((c) => c.kind)).toEqual(["additive"]);
    expect(empty.changes[0]!.statement).toContain(`CREATE TABLE IF NOT EXISTS "public"."${table}"`);
    for (const adapter of [memory, real]) {
      await adapter.applySchema([v1.model]);
      await put(adapter, v1, { memberId: randomUUID(), name: "Ada" });
    }
    expect((await plans(v1)).changes).toEqual([]);

    // An added field, query and unique constraint: additive; apply makes exactly what the plan said.
    const added = await plans(v2);
    expect(added.changes.map((c) => c.kind)).toEqual(["additive", "additive", "additive"]);
    expect(added.changes[0]!.statement).toBe(`ALTER TABLE "public"."${table}" ADD COLUMN "nickname" varchar(40)`);
    expect(inSchema({ changes: [], unchanged: (await memory.applySchema([v2.model])).applied }, memory.schema).unchanged).toEqual(added.changes.map((c) => c.statement));
    await real.applySchema([v2.model]);
    expect((await plans(v2)).changes).toEqual([]);
    expect((await memory.applySchema([v2.model])).applied).toEqual([]);

    // A required field on a table with rows, and a type change: refused with the reason, changing nothing.
    // (nickname, added by v2, is not in this version: its drop is destructive.)
    expect((await plans(required)).changes.map((c) => c.kind)).toEqual(["incompatible", "destructive"]);
    await expectPolyxenaError(memory.applySchema([required.model], { allowDestructive: true }), "E_DEFINITION");
    const retype = await plans(retyped);
    expect(retype.changes.some((c) => c.kind === "destructive" && c.reason?.includes("column name"))).toBe(true);
    await expectPolyxenaError(memory.applySchema([retyped.model]), "E_DEFINITION");
    expect((await plans(v2)).changes).toEqual([]);

    // A removed field: destructive, made only with allowDestructive, and then the plan is empty.
    const remove = await plans(removed);
    expect(remove.changes.filter((c) => c.kind === "destructive").map((c) => c.statement)).toContain(`ALTER TABLE "public"."${table}" DROP COLUMN "plan"`);
    await expectPolyxenaError(memory.applySchema([removed.model]), "E_DEFINITION");
    const made = await memory.applySchema([removed.model], { allowDestructive: true });
    expect(inSchema({ changes: [], unchanged: made.applied }, memory.schema).unchanged).toEqual(remove.changes.map((c) => c.statement));
    await real.applySchema([removed.model], { allowDestructive: true });
    expect((await plans(removed)).changes).toEqual([]);
  });
});
