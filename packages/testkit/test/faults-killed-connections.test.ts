import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createCacheAside,
  defineEntity,
  InProcessInvalidationBus,
  isPolyxenaError,
  PolyxenaRuntime,
  type EntityDefinition,
  type StoreAdapter,
  createResiliencePolicy,
} from "@polyxena/core";
import { createCassandraAdapter } from "@polyxena/adapters/cassandra";
import { createDynamoDbAdapter } from "@polyxena/adapters/dynamodb";
import { createElasticsearchAdapter } from "@polyxena/adapters/elasticsearch";
import { createMemcachedDriver } from "@polyxena/adapters/memcached";
import { CacheTestStore } from "../src/cache-test-store.js";
import { createCassandraTestCluster, type CassandraTestCluster } from "../src/cassandra-test-cluster.js";
import { startConnectionKiller, type ConnectionKiller } from "../src/connection-killer.js";
import { startDynamoDbTestServer, type DynamoDbTestServer } from "../src/dynalite-server.js";
import { createElasticsearchTestCluster, type ElasticsearchTestCluster } from "../src/elasticsearch-test-cluster.js";
import { startMemcached, type MemcachedCluster } from "../src/memcached-server.js";

/**
 * Connections killed in the middle of each kind of operation (read, write,
 * query page, bulk, transaction) in every store: the process survives, the
 * call settles with a PolyxenaError of a stable code, and once the
 * connection can be made again the next call works. Postgres has its own
 * file (pg_terminate_backend); here a proxy destroys the connection the
 * request travels on (CQL and search test servers, dynalite), and the cache
 * tier's memcached process is killed while requests wait on it.
 */

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Kind = "cassandra" | "dynamodb" | "elasticsearch";

function entityFor(store: Kind) {
  const key =
    store === "cassandra"
      ? { partition: ["account"], clustering: ["entry"] }
      : store === "dynamodb"
        ? { partition: "account", sort: "entry" }
        : { id: "ref" };
  return defineEntity(`Killed${store}`, {
    store,
    schema: z.object({ ref: z.string(), account: z.string().min(1), entry: z.number().int(), amount: z.number().int() }),
    key,
    queries: { entriesOf: { by: ["account"], order: { entry: "asc" } } },
  } as never) as EntityDefinition;
}

/** An item; `ref` is the document id of the search entity and a plain field elsewhere. */
const item = (account: string, entry: number, amount: number) => ({ ref: `${account}-${entry}`, account, entry, amount });
/** The key of an item in `kind`. */
const keyOf = (kind: Kind, account: string, entry: number) => (kind === "elasticsearch" ? { ref: `${account}-${entry}` } : { account, entry });

interface Case {
  name: string;
  run: (repo: ReturnType<PolyxenaRuntime["entity"]>, kind: Kind) => Promise<unknown>;
}

const CASES: Case[] = [
  { name: "read", run: (r, k) => r.get(keyOf(k, "a", 1), { consistency: "strong" }) },
  { name: "write", run: (r) => r.put(item("a", 2, 2)) },
  { name: "query page", run: (r) => r.query("entriesOf", { account: "a" }, { limit: 1 }) },
  { name: "bulk read", run: (r, k) => r.getMany([keyOf(k, "a", 1), keyOf(k, "a", 3)], { consistency: "strong" }) },
  { name: "bulk write", run: (r) => r.putMany([item("b", 1, 1), item("b", 2, 2)]) },
];

/** The call's failure: its rejection, or the failures of a bulk write that resolved with every item refused. */
async function failureOf(call: Promise<unknown>): Promise<unknown[]> {
  try {
    const value = (await call) as { failed?: { error: unknown }[] } | undefined;
    if (value && Array.isArray(value.failed) && value.failed.length > 0) return value.failed.map((f) => f.error);
    return [];
  } catch (error) {
    return [error];
  }
}

async function eventually<T>(call: () => Promise<T>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

interface StoreUnderTest {
  kind: Kind;
  killer: ConnectionKiller;
  adapter: StoreAdapter;
  close(): Promise<void>;
}

let cassandra: CassandraTestCluster;
let dynamo: DynamoDbTestServer;
let search: ElasticsearchTestCluster;
const opened: StoreUnderTest[] = [];

beforeAll(async () => {
  cassandra = await createCassandraTestCluster("killed-connections");
  dynamo = await startDynamoDbTestServer();
  search = await createElasticsearchTestCluster("killed-connections");
});

afterAll(async () => {
  for (const s of opened) await s.close().catch(() => undefined);
  await cassandra?.close();
  await dynamo?.close();
  await search?.close();
});

async function openStore(kind: Kind): Promise<StoreUnderTest> {
  let killer: ConnectionKiller;
  let adapter: StoreAdapter;
  if (kind === "cassandra") {
    killer = await startConnectionKiller(cassandra.contactPoint);
    adapter = createCassandraAdapter(
      { contactPoints: [killer.address], localDataCenter: cassandra.localDataCenter, socketOptions: { readTimeout: 3_000 }, pooling: { heartBeatInterval: 0 } },
      { keyspace: `${cassandra.keyspace}_k` },
    );
  } else if (kind === "dynamodb") {
    const url = new URL(dynamo.endpoint);
    killer = await startConnectionKiller(`${url.hostname}:${url.port}`);
    adapter = createDynamoDbAdapter({ client: { endpoint: `http://${killer.address}`, region: "local", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 }, tablePrefix: `killed_${Date.now().toString(36)}_` });
  } else {
    const url = new URL(search.url);
    killer = await startConnectionKiller(`${url.hostname}:${url.port}`);
    adapter = createElasticsearchAdapter({ node: `http://${killer.address}`, maxRetries: 0, requestTimeout: 3_000 }, { indexPrefix: search.indexPrefix });
  }
  const s = { kind, killer, adapter, close: async () => (await adapter.close(), await killer.close()) };
  opened.push(s);
  return s;
}

for (const kind of ["cassandra", "dynamodb", "elasticsearch"] as const) {
  describe(`${kind}: a connection killed mid-operation`, () => {
    it("read, write, query page, bulk read and bulk write each settle with E_UNAVAILABLE or E_TIMEOUT; the next call works", async () => {
      const def = entityFor(kind);
      const s = await openStore(kind);
      await s.adapter.applySchema!([def.model]);
      const policy = createResiliencePolicy({ retry: false, timeouts: { read: 4_000, write: 4_000, query: 4_000 } });
      const runtime = new PolyxenaRuntime({ stores: { [kind]: s.adapter }, policy }, [def]);
      const repo = runtime.entity(def);
      await repo.put(item("a", 1, 1));
      for (const c of CASES) {
        s.killer.arm();
        const killedBefore = s.killer.killed;
        const errors = await failureOf(c.run(repo, kind));
        s.killer.disarm();
        expect(s.killer.killed, c.name).toBeGreaterThan(killedBefore);
        expect(errors.length, `${c.name} did not fail`).toBeGreaterThan(0);
        for (const error of errors) {
          expect(isPolyxenaError(error) && ["E_UNAVAILABLE", "E_TIMEOUT"].includes(error.code), `${c.name}: ${String(error)}`).toBe(true);
          expect((error as { store?: string }).store, c.name).toBe(kind);
        }
        // The connection can be made again: the next call works.
        const read = await eventually(() => repo.get(keyOf(kind, "a", 1), { consistency: "strong" }));
        expect(read.item, c.name).toMatchObject({ account: "a", entry: 1 });
      }
      if (kind === "dynamodb") {
        s.killer.arm();
        const errors = await failureOf(runtime.transaction(async (scope) => void (await scope.entity(def).put(item("t", 1, 1)))));
        s.killer.disarm();
        expect(errors.length).toBe(1);
        expect(isPolyxenaError(errors[0], "E_UNAVAILABLE") || isPolyxenaError(errors[0], "E_TIMEOUT"), String(errors[0])).toBe(true);
      }
      await runtime.close();
    });
  });
}

describe("memcached: the cache process killed while requests wait on it", () => {
  let cluster: MemcachedCluster;
  beforeAll(async () => {
    cluster = await startMemcached({ count: 1 });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("reads and writes still succeed from the store, and the process survives", async () => {
    const Item = defineEntity("CachedItem", {
      store: "dynamodb",
      schema: z.object({ id: z.string(), rev: z.number().int() }),
      key: { partition: "id" },
      cache: { ttl: "60s" },
    });
    const store = new CacheTestStore();
    store.seed({ id: "x", rev: 1 }, ["id"]);
    const driver = createMemcachedDriver({ zones: [{ name: "a", servers: cluster.addresses }], localZone: "a", timeoutMs: 2_000, failureCooldownMs: 100 });
    const cache = createCacheAside({ driver, bus: new InProcessInvalidationBus(), prefix: `killed${Date.now().toString(36)}` });
    const repo = new PolyxenaRuntime({ stores: { dynamodb: store }, cache }, [Item]).entity(Item);
    expect((await repo.get({ id: "x" })).item).toEqual({ id: "x", rev: 1 });
    const server = cluster.servers[0]!;
    server.pause();
    const read = repo.get({ id: "y" });
    const write = repo.put({ id: "x", rev: 2 });
    await sleep(50);
    await server.kill();
    await expect(read).resolves.toMatchObject({ item: undefined });
    await expect(write).resolves.toBeDefined();
    expect((await repo.get({ id: "x" }, { consistency: "strong" })).item).toEqual({ id: "x", rev: 2 });
    await cache.close?.();
  });
});

describe("child processes the testkit starts", () => {
  it("a memcached binary that cannot be executed rejects startMemcached with the reason instead of crashing", async () => {
    // A file that exists but is not executable: spawn fails with EACCES as an `error` event.
    const dir = await mkdtemp(join(tmpdir(), "px-memcached-"));
    const binary = join(dir, "memcached");
    await writeFile(binary, "not a program", { mode: 0o644 });
    const error = await startMemcached({ binary }).catch((e: unknown) => e);
    await rm(dir, { recursive: true, force: true });
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toMatch(/memcached could not be started from .*EACCES/);
  });
});
