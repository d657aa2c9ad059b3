import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, isPolyxenaError, PolyxenaRuntime } from "@polyxena/core";
import { createCassandraAdapter } from "../src/cassandra/index.js";
import { createCassandraTestCluster, type CassandraTestCluster } from "@polyxena/testkit";

const Note = defineEntity("Note", {
  store: "cassandra",
  schema: z.object({ noteId: z.uuid(), text: z.string() }),
  key: { partition: ["noteId"] },
});

let cluster: CassandraTestCluster;
beforeAll(async () => {
  cluster = await createCassandraTestCluster("cassandra-connection");
});
afterAll(async () => {
  await cluster?.close();
});

describe("createCassandraAdapter connection options", () => {
  it("takes the keyspace from the driver's own keyspace option, before that keyspace exists", async () => {
    const keyspace = `${cluster.keyspace}_driver_option`;
    const adapter = createCassandraAdapter({ contactPoints: [cluster.contactPoint], localDataCenter: cluster.localDataCenter, keyspace });
    try {
      expect(adapter.keyspace).toBe(keyspace);
      await adapter.applySchema([Note.model]);
      const repo = new PolyxenaRuntime({ stores: { cassandra: adapter } }, [Note]).entity(Note);
      const note = { noteId: randomUUID(), text: "hello" };
      await repo.put(note);
      expect((await repo.get({ noteId: note.noteId })).item).toEqual(note);
    } finally {
      await adapter.close();
    }
  });

  it("prefers the adapter's keyspace option over the driver's", () => {
    const adapter = createCassandraAdapter({ contactPoints: [cluster.contactPoint], localDataCenter: cluster.localDataCenter, keyspace: "from_driver" }, { keyspace: "from_adapter" });
    expect(adapter.keyspace).toBe("from_adapter");
    return adapter.close();
  });

  it("refuses a connection without any keyspace with E_DEFINITION and the fix", () => {
    let caught: unknown;
    try {
      createCassandraAdapter({ contactPoints: [cluster.contactPoint], localDataCenter: cluster.localDataCenter });
    } catch (error) {
      caught = error;
    }
    expect(isPolyxenaError(caught, "E_DEFINITION")).toBe(true);
    expect((caught as Error).message).toContain("keyspace");
  });
});
