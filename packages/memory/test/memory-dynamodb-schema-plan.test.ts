import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime } from "@polyxena/core";
import { createMemoryDynamoDbAdapter } from "../src/memory-dynamodb-adapter.js";
import { expectPolyxenaError } from "@polyxena/testkit";

const schema = z.object({ id: z.string(), at: z.date(), owner: z.string(), title: z.string() });
const Item = defineEntity("Item", { store: "dynamodb", schema, key: { partition: "id", sort: "at" } });
const WithIndex = defineEntity("Item", { store: "dynamodb", schema, key: { partition: "id", sort: "at" }, queries: { byOwner: { by: ["owner"], order: { at: "desc" } } } });
const Rekeyed = defineEntity("Item", { store: "dynamodb", schema, key: { partition: "owner" } });

describe("memory DynamoDB plans against its own catalog, as the real adapter plans with DescribeTable", () => {
  it("a missing table and a new GSI are additive and applied; a changed key is refused; an undeclared GSI is left in place", async () => {
    const adapter = createMemoryDynamoDbAdapter({ tablePrefix: "plan_" });
    expect(await adapter.planSchema([Item.model])).toEqual({ changes: [{ kind: "additive", statement: "CreateTable plan_item" }], unchanged: [] });
    // A table created on first use is in the catalog too.
    await new PolyxenaRuntime({ stores: { dynamodb: adapter } }, [Item]).entity(Item).put({ id: "a", at: new Date(1000), owner: "ada", title: "first" });
    expect(await adapter.planSchema([Item.model])).toEqual({ changes: [], unchanged: ["CreateTable plan_item"] });

    expect((await adapter.planSchema([WithIndex.model])).changes).toEqual([{ kind: "additive", statement: "UpdateTable plan_item CREATE INDEX byOwnerIndex" }]);
    // Before the GSI is applied, a query on it is refused as DynamoDB refuses it (the table does not have the index).
    const early = new PolyxenaRuntime({ stores: { dynamodb: adapter } }, [WithIndex]).entity(WithIndex);
    const refused = await expectPolyxenaError(early.query("byOwner", { owner: "ada" }), "E_VALIDATION");
    expect(refused.message).toContain("does not have the specified index: byOwnerIndex");
    expect(refused.fix).toContain("apply the schema");
    expect(await adapter.applySchema([WithIndex.model])).toEqual({ applied: ["UpdateTable plan_item CREATE INDEX byOwnerIndex"], unchanged: ["CreateTable plan_item"] });
    expect(await adapter.planSchema([WithIndex.model])).toEqual({ changes: [], unchanged: ["CreateTable plan_item"] });
    const repo = new PolyxenaRuntime({ stores: { dynamodb: adapter } }, [WithIndex]).entity(WithIndex);
    await repo.put({ id: "b", at: new Date(2000), owner: "ada", title: "second" });
    expect((await repo.query("byOwner", { owner: "ada" })).items.map((i) => i.id)).toEqual(["b", "a"]);

    const rekeyed = await adapter.planSchema([Rekeyed.model]);
    expect(rekeyed.changes).toEqual([
      { kind: "incompatible", statement: "CreateTable plan_item", reason: expect.stringContaining("DynamoDB cannot re-key a table") },
      { kind: "destructive", statement: "UpdateTable plan_item DELETE INDEX byOwnerIndex", reason: expect.stringContaining("serves no declared query") },
    ]);
    await expectPolyxenaError(adapter.applySchema([Rekeyed.model]), "E_DEFINITION");
    expect((await adapter.planSchema([Item.model])).changes.map((c) => c.kind)).toEqual(["destructive"]);
    expect((await adapter.applySchema([Item.model])).applied).toEqual([]);
    expect((await adapter.planSchema([WithIndex.model])).changes).toEqual([]);
  });
});
