import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime, type StoreAdapter } from "@polyxena/core";
import type { PostgresSession } from "@polyxena/adapters/postgres";
import { createMemoryPostgresAdapter } from "../src/memory-postgres-adapter.js";

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

  it("runs each transaction at the isolation level the entity's write consistency asks for", async () => {
    const Serial = defineEntity("SerialNote", {
      store: "postgres",
      schema: z.object({ noteId: z.string(), text: z.string() }),
      key: { primary: ["noteId"] },
      consistency: { write: "serializable" },
    });
    const adapter = createMemoryPostgresAdapter();
    const sessions: PostgresSession[] = [];
    const connect = adapter.port.connect.bind(adapter.port);
    adapter.port.connect = async () => {
      const session = await connect();
      sessions.push(session);
      return session;
    };
    const level = async (runtime: PolyxenaRuntime, definition: typeof Note | typeof Serial) =>
      runtime.transaction(async (tx) => {
        await tx.entity(definition).put({ noteId: randomUUID(), text: "x" });
        return (await sessions.at(-1)!.query<{ transaction_isolation: string }>("SHOW transaction_isolation")).rows[0]!.transaction_isolation;
      });
    expect(await level(new PolyxenaRuntime({ stores: { postgres: adapter } }, [Serial]), Serial)).toBe("serializable");
    expect(await level(new PolyxenaRuntime({ stores: { postgres: adapter } }, [Note]), Note)).toBe("read committed");
  });

  it("prepares its named statements again when a column's type changed under them, as on a server", async () => {
    const Wide = defineEntity("WideNote", {
      store: "postgres",
      schema: z.object({ noteId: z.string(), stars: z.number().int() }),
      key: { primary: ["noteId"] },
    });
    const adapter = createMemoryPostgresAdapter();
    const notes = new PolyxenaRuntime({ stores: { postgres: adapter } }, [Wide]).entity(Wide);
    const noteId = randomUUID();
    await notes.put({ noteId, stars: 1 });
    expect((await notes.get({ noteId })).item).toEqual({ noteId, stars: 1 });
    await adapter.port.query(`ALTER TABLE "${adapter.schema}"."wide_note" ALTER COLUMN "stars" TYPE bigint`);
    expect((await notes.get({ noteId })).item).toEqual({ noteId, stars: 1 });
  });

  it("creates a table on first use inside a transaction, and again after that transaction rolled back", async () => {
    const adapter = createMemoryPostgresAdapter();
    const runtime = new PolyxenaRuntime({ stores: { postgres: adapter } }, [Note]);
    await expect(
      runtime.transaction(async (tx) => {
        await tx.entity(Note).put({ noteId: "n1", text: "x" });
        throw new Error("give up");
      }),
    ).rejects.toThrow("give up");
    await runtime.entity(Note).put({ noteId: "n2", text: "y" });
    expect((await runtime.entity(Note).get({ noteId: "n1" })).item).toBeUndefined();
    expect((await runtime.entity(Note).get({ noteId: "n2" })).item).toEqual({ noteId: "n2", text: "y" });
  });

  it("gives every adapter its own schema on the shared PGlite, unless two are given the same one", async () => {
    const [a, b] = [createMemoryPostgresAdapter(), createMemoryPostgresAdapter()];
    const schema = `notes_${randomUUID().slice(0, 8)}`;
    const [c, d] = [createMemoryPostgresAdapter({ schema }), createMemoryPostgresAdapter({ schema })];
    const notes = (adapter: StoreAdapter) => new PolyxenaRuntime({ stores: { postgres: adapter } }, [Note]).entity(Note);
    await notes(a).put({ noteId: "n1", text: "a" });
    expect((await notes(b).get({ noteId: "n1" })).item).toBeUndefined();
    await notes(c).put({ noteId: "n1", text: "c" });
    expect((await notes(d).get({ noteId: "n1" })).item).toEqual({ noteId: "n1", text: "c" });
  });

  it("clear() empties every table, and applySchema reports the DDL once", async () => {
    const adapter = createMemoryPostgresAdapter();
    const runtime = new PolyxenaRuntime({ stores: { postgres: adapter } }, [Note]);
    const first = await adapter.applySchema([Note.model]);
    expect(first.applied).toEqual([expect.stringContaining(`CREATE TABLE IF NOT EXISTS "${adapter.schema}"."note"`)]);
    expect((await adapter.applySchema([Note.model])).applied).toEqual([]);
    await runtime.entity(Note).put({ noteId: "n1", text: "x" });
    await adapter.clear();
    expect((await runtime.entity(Note).get({ noteId: "n1" })).item).toBeUndefined();
  });
});
