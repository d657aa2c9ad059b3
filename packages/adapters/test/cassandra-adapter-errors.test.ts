import { randomUUID } from "node:crypto";
import cassandra from "cassandra-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime, type EntityDefinition } from "@polyxena/core";
import { createCassandraAdapter } from "../src/cassandra/index.js";
import { expectPolyxenaError, createCassandraTestCluster, type CassandraTestCluster, CqlErrorCode, type RecordedRequest } from "@polyxena/testkit";

// Error paths through the adapter as services use it (a typed repository over createCassandraAdapter on the
// stock driver), against the in-process CQL test server or a real Cassandra (POLYXENA_TEST_CASSANDRA=host:port).
// Tests named "(server-only: ...)" stop the in-process server or clear its state, and fail loudly on a real cluster.
let cluster: CassandraTestCluster;
/** A plain driver client on the same cluster, for changing the schema behind the adapter's back. */
let client: cassandra.Client;

beforeAll(async () => {
  cluster = await createCassandraTestCluster("cassandra-adapter-errors");
  client = new cassandra.Client({ contactPoints: [cluster.contactPoint], localDataCenter: cluster.localDataCenter });
  await client.connect();
});

afterAll(async () => {
  await client?.shutdown();
  await cluster?.close();
});

const Profile = defineEntity("Profile", {
  store: "cassandra",
  schema: z.object({ id: z.uuid(), name: z.string(), country: z.string(), version: z.number().int() }),
  key: { partition: ["id"] },
  queries: { byCountry: { by: ["country"] } },
  consistency: { read: "LOCAL_ONE", write: "LOCAL_QUORUM" },
  version: "version",
});

/** No query tables: a put is a single INSERT. */
const Note = defineEntity("Note", {
  store: "cassandra",
  schema: z.object({ id: z.uuid(), text: z.string() }),
  key: { partition: ["id"] },
});

const profile = () => ({ id: randomUUID(), name: "Ada", country: `country-${randomUUID()}`, version: 0 });

let keyspaceSerial = 0;

/** `text` as a literal in a regular expression. */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** An adapter in a fresh keyspace of `target` with the definitions' schema applied, and its typed repositories. */
async function open(target: CassandraTestCluster, definitions: readonly EntityDefinition[]) {
  const adapter = createCassandraAdapter(
    { contactPoints: [target.contactPoint], localDataCenter: target.localDataCenter },
    { keyspace: `${target.keyspace}_${++keyspaceSerial}` },
  );
  await adapter.applySchema(definitions.map((d) => d.model));
  return { adapter, runtime: new PolyxenaRuntime({ stores: { cassandra: adapter } }, definitions) };
}

/**
 * Runs `call` against a server of its own, holds the first EXECUTE whose request
 * matches `held` in flight, stops the server, and hands back the call (wrapped,
 * so that awaiting this helper does not await the call itself).
 */
async function stopServerDuring<T>(server: CassandraTestCluster, held: (request: RecordedRequest) => boolean, call: () => Promise<T>): Promise<{ outcome: Promise<T> }> {
  const inFlight = server.requireServer("holding a request in flight");
  let arrived!: () => void;
  const arrival = new Promise<void>((resolve) => (arrived = resolve));
  let release!: () => void;
  const hold = new Promise<void>((resolve) => (release = resolve));
  inFlight.setRequestHook((request) => {
    if (request.opcode !== "EXECUTE" || !held(request)) return;
    arrived();
    return hold;
  });
  const outcome = call();
  // Settled below by the caller; this keeps an early rejection from counting as unhandled meanwhile.
  outcome.catch(() => undefined);
  await arrival;
  await server.close();
  release();
  return { outcome };
}

describe("cassandra adapter error paths on the stock driver", () => {
  it("fails a read in flight when the server goes away with E_UNAVAILABLE and no unknown outcome (server-only: stops the server mid-request)", async () => {
    cluster.requireServer("stopping the server while a request is in flight");
    const doomed = await createCassandraTestCluster("cassandra-adapter-errors-stop");
    const { adapter, runtime } = await open(doomed, [Profile]);
    try {
      const repo = runtime.entity(Profile);
      const item = profile();
      await repo.put(item);
      const read = await stopServerDuring(doomed, (r) => r.query?.startsWith("SELECT") === true, () => repo.get({ id: item.id }));
      const error = await expectPolyxenaError(read.outcome, "E_UNAVAILABLE");
      // An idempotent read leaves nothing unknown: the adapter sets no outcome (a retry is safe).
      expect(error.outcome).toBeUndefined();
      expect(error.statement).toBe(`SELECT "id", "name", "country", "version" FROM "${adapter.keyspace}"."profile" WHERE "id" = ?`);
      // The driver retried the idempotent read on the next host, found none, and gave up.
      expect((error.cause as Error).name).toBe("NoHostAvailableError");
    } finally {
      await adapter.close();
      await doomed.close();
    }
  });

  it("fails a lightweight transaction in flight when the server goes away with E_UNAVAILABLE and an unknown outcome (server-only: stops the server mid-request)", async () => {
    cluster.requireServer("stopping the server while a request is in flight");
    const doomed = await createCassandraTestCluster("cassandra-adapter-errors-stop");
    const { adapter, runtime } = await open(doomed, [Profile]);
    try {
      const repo = runtime.entity(Profile);
      const write = await stopServerDuring(doomed, (r) => r.query?.endsWith(" IF NOT EXISTS") === true, () => repo.put(profile(), { ifNotExists: true }));
      const error = await expectPolyxenaError(write.outcome, "E_UNAVAILABLE");
      // The server may have applied the insert before the connection dropped: a non-idempotent write cannot say.
      expect(error.outcome).toBe("unknown");
      expect(error.statement).toBe(`INSERT INTO "${adapter.keyspace}"."profile" ("id", "name", "country", "version") VALUES (?, ?, ?, ?) IF NOT EXISTS`);
      // Not retried (the driver never retries a non-idempotent request after it was written): the socket error itself.
      expect((error.cause as Error).message).toBe("Socket was closed");
    } finally {
      await adapter.close();
      await doomed.close();
    }
  });

  it("re-prepares when the server has forgotten its prepared statements: get, query, put and a conditional put succeed (server-only: clears prepared statements)", async () => {
    const server = cluster.requireServer("clearing the server's prepared statements");
    const { adapter, runtime } = await open(cluster, [Profile]);
    try {
      const repo = runtime.entity(Profile);
      const item = await repo.put(profile(), { ifNotExists: true });
      const key = { id: item.id };
      // Every statement below has been prepared once.
      expect((await repo.get(key)).item).toEqual(item);
      expect((await repo.query("byCountry", { country: item.country })).items).toEqual([item]);

      const afterForgetting = async <T>(call: () => Promise<T>): Promise<T> => {
        server.clearPreparedStatements();
        server.clearRequests();
        const result = await call();
        // The server answered Unprepared, and the driver prepared again and re-sent the request.
        expect(server.requests.some((r) => r.error?.code === CqlErrorCode.unprepared)).toBe(true);
        expect(server.requests.some((r) => r.opcode === "PREPARE" && r.error === undefined)).toBe(true);
        return result;
      };
      expect((await afterForgetting(() => repo.get(key))).item).toEqual(item);
      expect((await afterForgetting(() => repo.query("byCountry", { country: item.country }))).items).toEqual([item]);
      const moved = { ...item, name: "Grace", country: `country-${randomUUID()}` };
      await afterForgetting(() => repo.put(moved));
      expect((await repo.get(key)).item).toEqual(moved);
      expect((await repo.query("byCountry", { country: item.country })).items).toEqual([]);
      expect((await repo.query("byCountry", { country: moved.country })).items).toEqual([moved]);
      const other = await afterForgetting(() => repo.put(profile(), { ifNotExists: true }));
      expect((await repo.get({ id: other.id })).item).toEqual(other);
    } finally {
      await adapter.close();
    }
  });

  it("fails statements on a table dropped behind the adapter's back with E_STORE, naming the statement and how to create the table", async () => {
    const { adapter, runtime } = await open(cluster, [Note, Profile]);
    try {
      await client.execute(`DROP TABLE "${adapter.keyspace}"."note"`);
      await client.execute(`DROP TABLE "${adapter.keyspace}"."profile_by_country"`);
      const applySchemaFix = "create the keyspace and tables first (adapter.applySchema(models) or the generated schema.cql)";
      // Statements this adapter has not run yet: the driver prepares each now, and the server refuses it.
      const read = await expectPolyxenaError(runtime.entity(Note).get({ id: randomUUID() }), "E_STORE");
      expect(read.statement).toBe(`SELECT "id", "text" FROM "${adapter.keyspace}"."note" WHERE "id" = ?`);
      expect(read.message).toMatch(/table note does not exist/);
      expect(read.fix).toBe(applySchemaFix);

      const write = await expectPolyxenaError(runtime.entity(Note).put({ id: randomUUID(), text: "lost" }), "E_STORE");
      expect(write.statement).toBe(`INSERT INTO "${adapter.keyspace}"."note" ("id", "text") VALUES (?, ?)`);
      expect(write.fix).toBe(applySchemaFix);

      const query = await expectPolyxenaError(runtime.entity(Profile).query("byCountry", { country: "nowhere" }), "E_STORE");
      expect(query.statement).toMatch(new RegExp(`^SELECT .* FROM ${escapeRegExp(`"${adapter.keyspace}"."profile_by_country"`)} WHERE "country" = \\?`));
      expect(query.message).toMatch(/table profile_by_country does not exist/);
      expect(query.fix).toBe(applySchemaFix);
    } finally {
      await adapter.close();
    }
  });

  it("fails statements it had prepared on a table dropped behind its back with E_STORE, not applied, and how to apply the schema", async () => {
    const { adapter, runtime } = await open(cluster, [Note]);
    try {
      const repo = runtime.entity(Note);
      const item = { id: randomUUID(), text: "kept" };
      await repo.put(item, { ifNotExists: true });
      await repo.get({ id: item.id });
      await client.execute(`DROP TABLE "${adapter.keyspace}"."note"`);
      const read = await expectPolyxenaError(repo.get({ id: item.id }), "E_STORE");
      expect(read.statement).toBe(`SELECT "id", "text" FROM "${adapter.keyspace}"."note" WHERE "id" = ?`);
      expect(read.fix).toContain("applySchema");
      const write = await expectPolyxenaError(repo.put({ id: randomUUID(), text: "lost" }, { ifNotExists: true }), "E_STORE");
      expect(write.outcome).toBe("not-applied");
      expect(write.fix).toContain("applySchema");
    } finally {
      await adapter.close();
    }
  });

  it("reports a failed version condition as E_CONDITION_FAILED carrying the row as stored, and writes nothing", async () => {
    const { adapter, runtime } = await open(cluster, [Profile]);
    try {
      const repo = runtime.entity(Profile);
      const created = await repo.put(profile(), { ifNotExists: true });
      expect(created.version).toBe(1);
      const stored = await repo.put({ ...created, name: "Grace" }, { expectedVersion: 1 });
      expect(stored.version).toBe(2);
      const key = { id: created.id };
      const table = `"${adapter.keyspace}"."profile"`;
      const versionedUpdate = new RegExp(`^UPDATE ${escapeRegExp(table)} SET .* WHERE "id" = \\? IF "version" = \\?$`);

      const stalePut = await expectPolyxenaError(repo.put({ ...created, name: "stale" }, { expectedVersion: 1 }), "E_CONDITION_FAILED");
      expect(stalePut.current).toEqual(stored);
      expect(stalePut.statement).toMatch(versionedUpdate);
      expect(stalePut.message).toContain("stored version 2 is not the expected 1");
      expect(stalePut.constraint).toBe("IF version = ?");

      const staleUpdate = await expectPolyxenaError(repo.update(key, { name: "stale" }, { expectedVersion: 1 }), "E_CONDITION_FAILED");
      expect(staleUpdate.current).toEqual(stored);
      expect(staleUpdate.statement).toMatch(versionedUpdate);

      const staleDelete = await expectPolyxenaError(repo.delete(key, { expectedVersion: 1 }), "E_CONDITION_FAILED");
      expect(staleDelete.current).toEqual(stored);
      expect(staleDelete.statement).toBe(`DELETE FROM ${table} WHERE "id" = ? IF "version" = ?`);

      const missing = profile();
      const absent = await expectPolyxenaError(repo.put(missing, { expectedVersion: 3 }), "E_CONDITION_FAILED");
      expect(absent.current).toBeUndefined();
      expect(absent.message).toContain("no Profile with this key (expected version 3)");

      expect((await repo.get(key)).item).toEqual(stored);
      expect((await repo.get({ id: missing.id })).item).toBeUndefined();
    } finally {
      await adapter.close();
    }
  });
});
