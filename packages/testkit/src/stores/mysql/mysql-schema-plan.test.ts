import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime, type EntityModel } from "@polyxena/core";
import { sql } from "kysely";
import { createMysqlAdapter, MIGRATIONS_TABLE, type MysqlAdapter } from "@polyxena/adapters/mysql";
import { expectPolyxenaError } from "../../conformance/store-conformance.js";
import { createMysqlTestDatabase, type MysqlTestDatabase } from "./mysql-test-database.js";

/** Versions of one entity as a team evolves it; each test uses its own table. */
function versions(table: string) {
  const v1 = z.object({ memberId: z.uuid(), name: z.string().max(100), plan: z.string().optional() });
  const define = <S extends z.ZodObject<z.ZodRawShape>>(schema: S, extra: Record<string, unknown> = {}) =>
    defineEntity("Member", { store: "mysql", schema, table, key: { primary: ["memberId" as never] }, ...extra });
  return {
    v1: define(v1),
    /** A new optional field, a new index-backed query and a unique constraint: all additive. */
    v2: define(v1.extend({ nickname: z.string().max(40).optional() }), { queries: { byName: { by: ["name"] } }, unique: ["nickname"] }),
    /** A new required field: cannot be added to a table that holds rows. */
    required: define(v1.extend({ tier: z.number().int() })),
    /** `name` changes type. */
    retyped: define(z.object({ memberId: z.uuid(), name: z.number().int(), plan: z.string().optional() })),
    /** `plan` is removed. */
    removed: define(z.object({ memberId: z.uuid(), name: z.string().max(100) })),
    /** A query on `plan`, an unbounded text field: indexing it retypes longtext to varchar. */
    planIndexed: define(v1.extend({ plan: z.string() }), { queries: { byPlan: { by: ["plan"] } } }),
  };
}

describe("mysql schema plan and apply compare with the live database", () => {
  let db: MysqlTestDatabase;
  let adapter: MysqlAdapter;
  beforeAll(async () => {
    db = await createMysqlTestDatabase("mysql-schema-plan");
    adapter = createMysqlAdapter({ uri: db.uri });
  });
  afterAll(async () => {
    await adapter?.close();
    await db?.drop();
  });

  const columns = async (table: string) => {
    const [rows] = await db.pool.query("SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION", [table]);
    return (rows as { COLUMN_NAME: string; DATA_TYPE: string }[]).map((r) => `${r.COLUMN_NAME}:${r.DATA_TYPE}`);
  };
  const putMember = async (model: { model: EntityModel; schema: z.ZodObject<z.ZodRawShape> }, item: Record<string, unknown>) =>
    new PolyxenaRuntime({ stores: { mysql: adapter } }, [model as never]).entity(model as never).put(item);

  it("an added field: plan shows the column, index and constraint without changing anything; apply adds them, records them, and writes succeed", async () => {
    const table = `member_${randomUUID().slice(0, 8)}`;
    const { v1, v2 } = versions(table);
    const first = await adapter.applySchema([v1.model]);
    expect(first.applied).toEqual([expect.stringContaining(`CREATE TABLE IF NOT EXISTS \`${table}\``)]);
    await putMember(v1, { memberId: randomUUID(), name: "Ada" });

    const plan = await adapter.planSchema([v2.model]);
    expect(plan.changes).toEqual([
      { kind: "additive", statement: `ALTER TABLE \`${table}\` ADD COLUMN \`nickname\` varchar(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin` },
      { kind: "additive", statement: `ALTER TABLE \`${table}\` ADD CONSTRAINT \`${table}_nickname_key\` UNIQUE (\`nickname\`)` },
      { kind: "additive", statement: expect.stringMatching(/^CREATE INDEX `member_[0-9a-f]+_by_name_idx` ON `member_[0-9a-f]+` \(`name`\)$/) },
    ]);
    expect(await columns(table)).toEqual(["member_id:char", "name:varchar", "plan:longtext"]);

    const applied = await adapter.applySchema([v2.model]);
    expect(applied.applied).toEqual(plan.changes.map((c) => c.statement));
    expect(await columns(table)).toEqual(["member_id:char", "name:varchar", "plan:longtext", "nickname:varchar"]);
    const item = { memberId: randomUUID(), name: "Grace", nickname: "amazing" };
    await putMember(v2, item);
    const taken = await expectPolyxenaError(putMember(v2, { memberId: randomUUID(), name: "Other", nickname: "amazing" }), "E_ALREADY_EXISTS");
    expect(taken.constraint).toBe(`${table}_nickname_key`);

    expect((await adapter.planSchema([v2.model])).changes).toEqual([]);
    const again = await adapter.applySchema([v2.model]);
    expect(again.applied).toEqual([]);
    expect(again.unchanged).toHaveLength(2);
    const [recorded] = await db.pool.query(`SELECT statement FROM \`${MIGRATIONS_TABLE}\``);
    const statements = (recorded as { statement: string }[]).map((r) => r.statement);
    for (const statement of [...first.applied, ...applied.applied]) expect(statements).toContain(statement);
  });

  it("a required field on a table with rows is refused with the reason, changing nothing", async () => {
    const table = `member_${randomUUID().slice(0, 8)}`;
    const { v1, required } = versions(table);
    await adapter.applySchema([v1.model]);
    await putMember(v1, { memberId: randomUUID(), name: "Ada" });
    const plan = await adapter.planSchema([required.model]);
    expect(plan.changes).toMatchObject([{ kind: "incompatible", statement: expect.stringContaining("ADD COLUMN `tier` bigint NOT NULL"), reason: expect.stringContaining("already holds rows") }]);
    const error = await expectPolyxenaError(adapter.applySchema([required.model], { allowDestructive: true }), "E_DEFINITION");
    expect(error.message).toContain("already holds rows");
    expect(await columns(table)).toEqual(["member_id:char", "name:varchar", "plan:longtext"]);
  });

  it("a type change, a removed field and an index that retypes text are refused with the reason unless allowDestructive", async () => {
    const table = `member_${randomUUID().slice(0, 8)}`;
    const { v1, retyped, removed, planIndexed } = versions(table);
    await adapter.applySchema([v1.model]);
    const plan = await adapter.planSchema([retyped.model]);
    expect(plan.changes).toEqual([
      {
        kind: "destructive",
        statement: `ALTER TABLE \`${table}\` MODIFY COLUMN \`name\` bigint NOT NULL`,
        reason: expect.stringContaining(`column name of \`${table}\` is varchar(100) (utf8mb4_nopad_bin), but Member.name declares bigint`),
      },
    ]);
    const error = await expectPolyxenaError(adapter.applySchema([retyped.model]), "E_DEFINITION");
    expect(error.message).toContain("but Member.name declares bigint");
    expect(error.fix).toContain("--allow-destructive");
    expect(await columns(table)).toEqual(["member_id:char", "name:varchar", "plan:longtext"]);

    const retype = await adapter.planSchema([planIndexed.model]);
    expect(retype.changes).toMatchObject([
      { kind: "destructive", statement: `ALTER TABLE \`${table}\` MODIFY COLUMN \`plan\` varchar(768) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL`, reason: expect.stringContaining("is longtext") },
      { kind: "additive", statement: expect.stringContaining("CREATE INDEX") },
    ]);
    await expectPolyxenaError(adapter.applySchema([planIndexed.model]), "E_DEFINITION");
    expect(await columns(table)).toEqual(["member_id:char", "name:varchar", "plan:longtext"]);

    const drop = await adapter.planSchema([removed.model]);
    expect(drop.changes).toMatchObject([{ kind: "destructive", statement: `ALTER TABLE \`${table}\` DROP COLUMN \`plan\`` }]);
    await expectPolyxenaError(adapter.applySchema([removed.model]), "E_DEFINITION");
    expect(await columns(table)).toEqual(["member_id:char", "name:varchar", "plan:longtext"]);
    const forced = await adapter.applySchema([removed.model], { allowDestructive: true });
    expect(forced.applied).toEqual([`ALTER TABLE \`${table}\` DROP COLUMN \`plan\``]);
    expect(await columns(table)).toEqual(["member_id:char", "name:varchar"]);
  });

  it("an index InnoDB cannot hold is E_DEFINITION naming the index and the limit, before any statement", async () => {
    const table = `wide_${randomUUID().slice(0, 8)}`;
    const Wide = defineEntity("Wide", { store: "mysql", schema: z.object({ a: z.string().max(500), b: z.string().max(500) }), table, key: { primary: ["a", "b"] } });
    const error = await expectPolyxenaError(adapter.applySchema([Wide.model]), "E_DEFINITION");
    expect(error.message).toMatch(/index PRIMARY of wide_[0-9a-f]+ needs 4000 key bytes; InnoDB allows at most 3072/);
    expect(await columns(table)).toEqual([]);
  });

  it("gives a Kysely instance on the adapter's pool for queries beyond the declared patterns", async () => {
    const table = `member_${randomUUID().slice(0, 8)}`;
    const { v1 } = versions(table);
    await adapter.applySchema([v1.model]);
    const memberId = randomUUID();
    await putMember(v1, { memberId, name: "Kysely" });
    const db = adapter.kysely<Record<string, { member_id: string; name: string }>>();
    const rows = await db.selectFrom(table).select(["member_id", "name"]).where("member_id", "=", memberId).execute();
    expect(rows).toEqual([{ member_id: memberId, name: "Kysely" }]);
    const count = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM ${sql.table(table)}`.execute(db);
    expect(Number(count.rows[0]!.n)).toBe(1);
  });
});
