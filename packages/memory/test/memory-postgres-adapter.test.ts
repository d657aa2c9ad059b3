import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime } from "@polyxena/core";
import { createMemoryPostgresAdapter } from "../src/memory-postgres-adapter.js";
import { storeConformance, postgresConformance } from "@polyxena/testkit";

const setup = async () => ({ adapter: createMemoryPostgresAdapter(), cleanup: async () => undefined });

storeConformance("memory postgres", { kind: "postgres", setup });
postgresConformance("memory postgres", setup);

const Note = defineEntity("Note", {
  store: "postgres",
  schema: z.object({ noteId: z.string(), text: z.string() }),
  key: { primary: ["noteId"] },
});

describe("memory postgres adapter", () => {
  it("runs transactions one after another, each seeing the previous one's commit", async () => {
    const adapter = createMemoryPostgresAdapter();
    const runtime = new PolyxenaRuntime({ stores: { postgres: adapter } }, [Note]);
    const noteId = randomUUID();
    await runtime.entity(Note).put({ noteId, text: "" });
    const order: string[] = [];
    const append = (label: string) =>
      runtime.transaction(async (tx) => {
        const repo = tx.entity(Note);
        order.push(`${label}:start`);
        const current = (await repo.get({ noteId })).item as { text: string };
        await repo.put({ noteId, text: current.text + label });
        order.push(`${label}:end`);
      }, { isolation: "serializable" });
    await Promise.all([append("a"), append("b"), append("c")]);
    expect(order).toEqual(["a:start", "a:end", "b:start", "b:end", "c:start", "c:end"]);
    expect(((await runtime.entity(Note).get({ noteId })).item as { text: string }).text).toBe("abc");
  });

  it("makes a write outside transactions wait for the transaction that wrote the same row", async () => {
    const adapter = createMemoryPostgresAdapter();
    const runtime = new PolyxenaRuntime({ stores: { postgres: adapter } }, [Note]);
    const noteId = randomUUID();
    let outside: Promise<unknown> | undefined;
    await runtime.transaction(async (tx) => {
      await tx.entity(Note).put({ noteId, text: "inside" });
      outside = runtime.entity(Note).put({ noteId, text: "outside" });
      expect((await runtime.entity(Note).get({ noteId })).item).toBeUndefined();
    });
    await outside;
    expect(((await runtime.entity(Note).get({ noteId })).item as { text: string }).text).toBe("outside");
  });

  it("clear() empties every table, and applySchema reports the DDL once", async () => {
    const adapter = createMemoryPostgresAdapter();
    const runtime = new PolyxenaRuntime({ stores: { postgres: adapter } }, [Note]);
    const first = await adapter.applySchema([Note.model]);
    expect(first.applied).toEqual([expect.stringContaining('CREATE TABLE IF NOT EXISTS "public"."note"')]);
    expect((await adapter.applySchema([Note.model])).applied).toEqual([]);
    await runtime.entity(Note).put({ noteId: "n1", text: "x" });
    adapter.clear();
    expect((await runtime.entity(Note).get({ noteId: "n1" })).item).toBeUndefined();
  });
});
