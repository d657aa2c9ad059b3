import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/index.js";
import { createPostgresTestDatabase, type PostgresTestDatabase } from "@polyxena/testkit";
import { createPostgresAdapter } from "@polyxena/adapters/postgres";
import { makeTempDir, removeTempDir } from "./helpers/temp-project.js";

async function run(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { status, stdout: out.join("\n"), stderr: err.join("\n") };
}

const ENTITIES = `import { z } from "zod";
import { defineEntity } from "@polyxena/core";

export const ShowRow = defineEntity("ShowRow", {
  store: "postgres",
  schema: z.object({ showId: z.string(), label: z.string(), sourceVersion: z.number().int() }),
  key: { primary: ["showId"] },
  version: "sourceVersion",
});

export const Show = defineEntity("Show", {
  store: "postgres",
  schema: z.object({ showId: z.string(), name: z.string(), year: z.number().int() }),
  key: { primary: ["showId"] },
  projections: { showRow: { to: ShowRow, map: (s) => ({ showId: s.showId, label: s.name + " (" + s.year + ")" }) } },
});
`;

describe("polyxena projection rebuild", () => {
  let db: PostgresTestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createPostgresTestDatabase("cli_rebuild");
    dir = makeTempDir("rebuild");
    mkdirSync(join(dir, "entities"));
    writeFileSync(join(dir, "entities", "show.ts"), ENTITIES);
    writeFileSync(
      join(dir, "polyxena.config.ts"),
      `import { defineConfig } from "@polyxena/codegen";
import { createPostgresAdapter } from "@polyxena/adapters/postgres";
export default defineConfig({
  entities: ["./entities/*.ts"],
  out: "./generated",
  postgres: { schema: ${JSON.stringify(db.schema)} },
  stores: () => ({ postgres: createPostgresAdapter({ connectionString: ${JSON.stringify(db.connectionString)} }, { schema: ${JSON.stringify(db.schema)} }) }),
});
`,
    );
  });
  afterAll(async () => {
    await db?.drop();
    if (dir) removeTempDir(dir);
  });

  it("fills a projection from its source through the config's stores", async () => {
    const config = join(dir, "polyxena.config.ts");
    expect((await run(["schema", "apply", "--config", config])).status).toBe(0);
    const pool = createPostgresAdapter({ connectionString: db.connectionString, max: 1 }).port;
    try {
      // rows written before the projection existed: only a rebuild can fill the target
      await pool.query(`INSERT INTO "${db.schema}"."show" (show_id, name, year) VALUES ('s1', 'Dark', 2017), ('s2', 'Ozark', 2017)`);
      const result = await run(["projection", "rebuild", "showRow", "--config", config]);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("rebuilt Show.showRow: 2 scanned, 2 written, 0 already current, 0 failed");
      const rows = await pool.query(`SELECT show_id, label, source_version FROM "${db.schema}"."show_row" ORDER BY show_id`);
      expect(rows.rows).toEqual([
        { show_id: "s1", label: "Dark (2017)", source_version: 0 },
        { show_id: "s2", label: "Ozark (2017)", source_version: 0 },
      ]);
      const unknown = await run(["projection", "rebuild", "nope", "--config", config]);
      expect(unknown.status).toBe(1);
      expect(unknown.stderr).toContain("no projection named nope");
      const missing = await run(["projection", "rebuild"]);
      expect(missing.status).toBe(1);
      expect(missing.stderr).toContain("needs the projection's name");
    } finally {
      await pool.end();
    }
  });
});
