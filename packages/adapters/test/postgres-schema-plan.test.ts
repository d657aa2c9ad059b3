import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime, type EntityModel } from "@polyxena/core";
import { createPostgresAdapter, type PostgresAdapter } from "../src/postgres/index.js";
import { expectPolyxenaError, createPostgresTestDatabase, type PostgresTestDatabase } from "@polyxena/testkit";

/** Versions of one entity as a team evolves it; each test uses its own table. */
function versions(table: string) {
  const v1 = z.object({ memberId: z.uuid(), name: z.string(), plan: z.string().optional() });
  const define = <S extends z.ZodObject<z.ZodRawShape>>(schema: S, extra: Record<string, unknown> = {}) =>
    defineEntity("Member", { store: "postgres", schema, table, key: { primary: ["memberId" as never] }, ...extra });
  return {
    v1: define(v1),
    /** A new optional field, a new index-backed query and a unique constraint: all additive. */
    v2: define(v1.extend({ nickname: z.string().max(40).optional() }), { queries: { byName: { by: ["name"] } }, unique: ["nickname"] }),
    /** A new required field: cannot be added to a table that holds rows. */
    required: define(v1.extend({ tier: z.number().int() })),
    /** `name` changes type. */
    retyped: define(z.object({ memberId: z.uuid(), name: z.number().int(), plan: z.string().optional() })),
    /** `plan` is removed. */
    removed: define(z.object({ memberId: z.uuid(), name: z.string() })),
  };
}

describe("postgres schema plan and apply compare with the live database", () => {
  let db: PostgresTestDatabase;
  let adapter: PostgresAdapter;
  beforeAll(async () => {
    db = await createPostgresTestDatabase("postgres-schema-plan");
    adapter = createPostgresAdapter({ connectionString: db.connectionString }, { schema: db.schema });
  });
  afterAll(async () => {
    await adapter?.close();
    await db?.drop();
  });

  const columns = async (table: string) =>
    (await db.pool.query<{ column_name: string; data_type: string }>("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position", [db.schema, table])).rows.map(
      (r) => `${r.column_name}:${r.data_type}`,
    );
  const putMember = async (model: { model: EntityModel; schema: z.ZodObject<z.ZodRawShape> }, item: Record<string, unknown>) =>
    new PolyxenaRuntime({ stores: { postgres: adapter } }, [model as never]).entity(model as never).put(item);

  it("an added field: plan shows the column, index and constraint without changing anything; apply adds them and writes succeed", async () => {
    const table = `member_${randomUUID().slice(0, 8)}`;
    const { v1, v2 } = versions(table);
    await adapter.applySchema([v1.model]);
    await putMember(v1, { memberId: randomUUID(), name: "Ada" });

    const plan = await adapter.planSchema([v2.model]);
    expect(plan.changes).toEqual([
      { kind: "additive", statement: `ALTER TABLE "${db.schema}"."${table}" ADD COLUMN "nickname" varchar(40)` },
      { kind: "additive", statement: `ALTER TABLE "${db.schema}"."${table}" ADD CONSTRAINT "${table}_nickname_key" UNIQUE ("nickname")` },
      { kind: "additive", statement: expect.stringMatching(/^CREATE INDEX IF NOT EXISTS "member_[0-9a-f]+_by_name_idx"/) },
    ]);
    expect(await columns(table)).toEqual(["member_id:uuid", "name:text", "plan:text"]);

    const applied = await adapter.applySchema([v2.model]);
    expect(applied.applied).toEqual(plan.changes.map((c) => c.statement));
    expect(await columns(table)).toEqual(["member_id:uuid", "name:text", "plan:text", "nickname:character varying"]);
    const item = { memberId: randomUUID(), name: "Grace", nickname: "amazing" };
    await putMember(v2, item);
    await expectPolyxenaError(putMember(v2, { memberId: randomUUID(), name: "Other", nickname: "amazing" }), "E_ALREADY_EXISTS");

    expect((await adapter.planSchema([v2.model])).changes).toEqual([]);
    const again = await adapter.applySchema([v2.model]);
    expect(again.applied).toEqual([]);
    expect(again.unchanged).toHaveLength(2);
  });

  it("a required field on a table with rows is refused with the reason, changing nothing", async () => {
    const table = `member_${randomUUID().slice(0, 8)}`;
    const { v1, required } = versions(table);
    await adapter.applySchema([v1.model]);
    await putMember(v1, { memberId: randomUUID(), name: "Ada" });
    const plan = await adapter.planSchema([required.model]);
    expect(plan.changes).toMatchObject([{ kind: "incompatible", statement: expect.stringContaining('ADD COLUMN "tier" bigint NOT NULL'), reason: expect.stringContaining("already holds rows") }]);
    const error = await expectPolyxenaError(adapter.applySchema([required.model], { allowDestructive: true }), "E_DEFINITION");
    expect(error.message).toContain("already holds rows");
    expect(await columns(table)).toEqual(["member_id:uuid", "name:text", "plan:text"]);
  });

  it("a type change is refused with the reason unless allowDestructive; a removed field likewise", async () => {
    const table = `member_${randomUUID().slice(0, 8)}`;
    const { v1, retyped, removed } = versions(table);
    await adapter.applySchema([v1.model]);
    const plan = await adapter.planSchema([retyped.model]);
    expect(plan.changes).toEqual([
      {
        kind: "destructive",
        statement: `ALTER TABLE "${db.schema}"."${table}" ALTER COLUMN "name" TYPE bigint USING "name"::bigint`,
        reason: expect.stringContaining(`column name of "${db.schema}"."${table}" is text, but Member.name declares bigint`),
      },
    ]);
    const error = await expectPolyxenaError(adapter.applySchema([retyped.model]), "E_DEFINITION");
    expect(error.message).toContain("is text, but Member.name declares bigint");
    expect(error.fix).toContain("--allow-destructive");
    expect(await columns(table)).toEqual(["member_id:uuid", "name:text", "plan:text"]);

    const drop = await adapter.planSchema([removed.model]);
    expect(drop.changes).toMatchObject([{ kind: "destructive", statement: `ALTER TABLE "${db.schema}"."${table}" DROP COLUMN "plan"` }]);
    await expectPolyxenaError(adapter.applySchema([removed.model]), "E_DEFINITION");
    expect(await columns(table)).toEqual(["member_id:uuid", "name:text", "plan:text"]);
    const forced = await adapter.applySchema([removed.model], { allowDestructive: true });
    expect(forced.applied).toEqual([`ALTER TABLE "${db.schema}"."${table}" DROP COLUMN "plan"`]);
    expect(await columns(table)).toEqual(["member_id:uuid", "name:text"]);
  });
});
