import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime } from "@polyxena/core";
import { createMemoryCassandraAdapter } from "../src/index.js";
import { expectPolyxenaError } from "@polyxena/testkit";

const V1 = defineEntity("Evolving", { store: "cassandra", schema: z.object({ id: z.uuid(), name: z.string() }), key: { partition: ["id"] } });
const V2 = defineEntity("Evolving", { store: "cassandra", schema: z.object({ id: z.uuid(), name: z.string(), plays: z.number().int().min(0).max(1000) }), key: { partition: ["id"] } });
const V3 = defineEntity("Evolving", { store: "cassandra", schema: z.object({ id: z.uuid(), name: z.number() }), key: { partition: ["id"] } });

describe("memory Cassandra plans against its engine's system_schema, as the real adapter does", () => {
  it("plans a missing table, an added column, a refused type change and a dropped column", async () => {
    const adapter = createMemoryCassandraAdapter({ keyspace: "plan_ks" });
    const table = `"plan_ks"."evolving"`;
    expect((await adapter.planSchema([V1.model])).changes.map((c) => c.kind)).toContain("additive");
    await adapter.applySchema([V1.model]);
    expect((await adapter.planSchema([V1.model])).changes).toEqual([]);
    const id = randomUUID();
    await new PolyxenaRuntime({ stores: { cassandra: adapter } }, [V1]).entity(V1).put({ id, name: "old row" });

    expect((await adapter.planSchema([V2.model])).changes).toEqual([{ kind: "additive", statement: `ALTER TABLE ${table} ADD "plays" int` }]);
    expect((await adapter.applySchema([V2.model])).applied).toEqual([`ALTER TABLE ${table} ADD "plays" int`]);
    expect((await adapter.planSchema([V2.model])).changes).toEqual([]);
    const repo = new PolyxenaRuntime({ stores: { cassandra: adapter } }, [V2]).entity(V2);
    await repo.put({ id, name: "new row", plays: 3 });
    expect((await repo.get({ id })).item).toEqual({ id, name: "new row", plays: 3 });

    const retyped = await adapter.planSchema([V3.model]);
    expect(retyped.changes.map((c) => [c.kind, c.statement])).toEqual([
      ["incompatible", `ALTER TABLE ${table} ALTER "name" TYPE double`],
      ["destructive", `ALTER TABLE ${table} DROP "plays"`],
    ]);
    await expectPolyxenaError(adapter.applySchema([V3.model]), "E_DEFINITION");
    expect((await adapter.planSchema([V2.model])).changes).toEqual([]);
  });
});
