import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime } from "@polyxena/core";
import { createMemoryElasticsearchAdapter } from "../src/memory-elasticsearch-adapter.js";

const Doc = defineEntity("Doc", {
  store: "elasticsearch",
  schema: z.object({ docId: z.string(), text: z.string() }),
  key: { id: "docId" },
  search: { text: ["text"] },
});

describe("memory Elasticsearch creates an entity's index on first use", () => {
  it("once, when the first requests of the entity arrive together", async () => {
    const adapter = createMemoryElasticsearchAdapter();
    const docs = new PolyxenaRuntime({ stores: { elasticsearch: adapter } }, [Doc]).entity(Doc);
    // A search and writes before any index exists: each used to create the index itself, and all but one failed with resource_already_exists_exception.
    await Promise.all([docs.search({ text: "a" }), docs.put({ docId: "1", text: "a b" }), docs.put({ docId: "2", text: "c" }), docs.search({ text: "c" })]);
    expect((await docs.get({ docId: "1" })).item).toEqual({ docId: "1", text: "a b" });
    expect(await adapter.planSchema([Doc.model])).toMatchObject({ changes: [] });
  });
});
