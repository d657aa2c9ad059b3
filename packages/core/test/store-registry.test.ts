import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, listStatements, spanAttributes, STORE_DIALECTS, STORE_KINDS, storeDialect, type OperationEvent, type StoreKind } from "../src/index.js";

const fail = (path: string, message: string) => new Error(`${path}: ${message}`);
const schema = z.object({ groupId: z.uuid(), itemId: z.string(), title: z.string() });

describe("the store registry", () => {
  it("keys every dialect by its own kind, in the order STORE_KINDS lists", () => {
    expect(Object.keys(STORE_DIALECTS)).toEqual(STORE_KINDS);
    for (const kind of STORE_KINDS) expect(storeDialect(kind).kind).toBe(kind);
  });

  it("names one physical schema file per store", () => {
    const files = STORE_KINDS.map((kind) => storeDialect(kind).physicalSchema.file);
    expect(new Set(files).size).toBe(files.length);
  });

  it("declares a key each store reads back as the same key, and an entity built from it is valid", () => {
    const wanted = { partition: ["groupId"], clustering: [{ field: "itemId", order: "asc" as const }] };
    // Every store keeps both fields, except one whose documents have a single id field (Elasticsearch): it keeps the most specific.
    const expectedOf = (kind: StoreKind) => (kind === "elasticsearch" ? ["itemId"] : ["groupId", "itemId"]);
    for (const kind of STORE_KINDS) {
      const keys = storeDialect(kind).keys;
      const declared = keys.declare(wanted);
      const normalized = keys.normalize(declared, fail);
      expect([...normalized.partition, ...normalized.clustering.map((c) => c.field)], kind).toEqual(expectedOf(kind));
      const model = defineEntity("Item", { store: kind, schema, key: declared as never }).model;
      expect(model.key.fields).toEqual(expectedOf(kind));
    }
  });

  it("gives tracing the db.system of the store kind, and leaves unknown kinds as they are", () => {
    const event = (storeKind: string): OperationEvent =>
      ({ operation: "get", entity: "Item", store: storeKind, storeKind, operationId: "x", outcome: "ok", consistency: "eventual", cache: "bypass", stale: false, durationMs: 1 }) as OperationEvent;
    expect(spanAttributes(event("postgres"))["db.system"]).toBe("postgresql");
    expect(spanAttributes(event("cassandra"))["db.system"]).toBe("cassandra");
    expect(spanAttributes(event("redis"))["db.system"]).toBe("redis");
  });

  it("lists statements with the options section of the entity's own store only", () => {
    const model = defineEntity("Item", { store: "postgres", schema, key: { primary: ["groupId", "itemId"] } }).model;
    const get = (options: Parameters<typeof listStatements>[1]) => listStatements(model, options).find((e) => e.operation === "get")?.statement;
    expect(get({ postgres: { schema: "billing" }, cassandra: { keyspace: "other" } })).toContain('FROM "billing"."item"');
    expect(get({ cassandra: { keyspace: "other" } })).toContain('FROM "public"."item"');
  });
});
