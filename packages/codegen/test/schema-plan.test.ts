import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresTestDatabase, type PostgresTestDatabase } from "@polyxena/testkit";
import { makeProject, removeTempDir, runCliAsync } from "./helpers/temp-project.js";

let db: PostgresTestDatabase;
const dirs: string[] = [];

beforeAll(async () => {
  db = await createPostgresTestDatabase("schema_plan");
});
afterAll(async () => {
  for (const dir of dirs.splice(0)) removeTempDir(dir);
  await db?.drop();
});

/** Writes the Member entity with these extra schema fields. */
function writeMember(dir: string, extraFields: string): void {
  mkdirSync(join(dir, "plan-entities"), { recursive: true });
  writeFileSync(
    join(dir, "plan-entities", "member.ts"),
    [
      `import { z } from "zod";`,
      `import { defineEntity } from "@polyxena/core";`,
      `export const Member = defineEntity("Member", {`,
      `  store: "postgres",`,
      `  schema: z.object({ memberId: z.uuid(), name: z.string()${extraFields} }),`,
      `  key: { primary: ["memberId"] },`,
      `});`,
      ``,
    ].join("\n"),
  );
}

function project(): string {
  const dir = makeProject("schema-plan", []);
  dirs.push(dir);
  const adapter = JSON.stringify("@polyxena/adapters/postgres");
  writeFileSync(
    join(dir, "polyxena.config.ts"),
    [
      `import { defineConfig } from "@polyxena/codegen";`,
      `import { createPostgresAdapter } from ${adapter};`,
      `export default defineConfig({`,
      `  entities: ["./plan-entities/*.ts"],`,
      `  out: "./generated",`,
      `  postgres: { schema: ${JSON.stringify(db.schema)} },`,
      `  stores: () => ({ postgres: createPostgresAdapter({ connectionString: ${JSON.stringify(db.connectionString)} }, { schema: ${JSON.stringify(db.schema)} }) }),`,
      `});`,
      ``,
    ].join("\n"),
  );
  return dir;
}

const columns = async () =>
  (await db.pool.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'member' ORDER BY ordinal_position", [db.schema])).rows.map((r) => r.column_name);

describe("polyxena schema plan / apply against a live Postgres (child process)", () => {
  it("a field added to an entity: plan prints the ALTER and changes nothing, apply adds the column, a type change is refused with the reason", async () => {
    const dir = project();
    writeMember(dir, "");
    const created = await runCliAsync(dir, ["schema", "apply"]);
    expect(created.status, created.stderr).toBe(0);
    await db.pool.query(`INSERT INTO "${db.schema}"."member" (member_id, name) VALUES (gen_random_uuid(), 'Ada')`);

    writeMember(dir, ", nickname: z.string().optional()");
    const plan = await runCliAsync(dir, ["schema", "plan"]);
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toContain("1 additive, 0 destructive, 0 incompatible change(s); nothing was changed");
    expect(plan.stdout).toContain(`  additive     ALTER TABLE "${db.schema}"."member" ADD COLUMN "nickname" text`);
    expect(await columns()).toEqual(["member_id", "name"]);

    const applied = await runCliAsync(dir, ["schema", "apply"]);
    expect(applied.status, applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`  applied   ALTER TABLE "${db.schema}"."member" ADD COLUMN "nickname" text`);
    expect(await columns()).toEqual(["member_id", "name", "nickname"]);
    await db.pool.query(`INSERT INTO "${db.schema}"."member" (member_id, name, nickname) VALUES (gen_random_uuid(), 'Grace', 'amazing')`);

    const again = await runCliAsync(dir, ["schema", "plan"]);
    expect(again.stdout).toContain("postgres: up to date");

    writeMember(dir, ", nickname: z.number().int().optional()");
    const refused = await runCliAsync(dir, ["schema", "apply"]);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain(`column nickname of "${db.schema}"."member" is text, but Member.nickname declares bigint`);
    expect(refused.stderr).toContain("--allow-destructive");
    expect((await db.pool.query(`SELECT data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'member' AND column_name = 'nickname'`, [db.schema])).rows[0]).toEqual({ data_type: "text" });
    const misplaced = await runCliAsync(dir, ["schema", "plan", "--allow-destructive"]);
    expect(misplaced.status).toBe(1);
    expect(misplaced.stderr).toContain("--allow-destructive belongs to polyxena schema apply");
  }, 120_000);
});
