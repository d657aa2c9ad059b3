import { randomUUID } from "node:crypto";
import cassandra from "cassandra-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime, readPages } from "@polyxena/core";
import { createCassandraAdapter, type CassandraAdapter } from "../src/cassandra/index.js";
import {
  expectPolyxenaError,
  createCassandraTestCluster,
  type CassandraTestCluster,
  CqlError,
  CqlErrorCode,
} from "@polyxena/testkit";

// The in-process CQL test server, or a real Cassandra when POLYXENA_TEST_CASSANDRA=host:port is set.
// Tests named "(server-only: ...)" inspect the in-process server and fail loudly on a real cluster.
// What the adapter sends is read on the client side (SentRequestLog), so those assertions hold on both.
let cluster: CassandraTestCluster;
/** A plain driver client on the same cluster, for assertions through system_schema. */
let client: cassandra.Client;

/** One QUERY, EXECUTE or BATCH as the driver sent it, from the execution options the driver used. */
interface SentRequest {
  batch: boolean;
  /** The statement's CQL, or each batched statement's CQL in order. */
  statements: string[];
  consistency: string;
  serialConsistency: string | undefined;
  idempotent: boolean;
  prepared: boolean;
  /** Whether a batch was a logged one (false for single statements). */
  logged: boolean;
}

const CONSISTENCY_NAMES = new Map<number, string>(
  Object.entries(cassandra.types.consistencies)
    .filter((entry): entry is [string, number] => typeof entry[1] === "number")
    .map(([name, code]) => [code, name.replace(/[A-Z]/g, "_$&").toUpperCase()]),
);

// The typings declare RequestTracker as an interface, but the client checks `instanceof` the runtime class.
const RequestTrackerClass = (cassandra.tracker as unknown as { RequestTracker: new () => cassandra.tracker.RequestTracker }).RequestTracker;

/**
 * A driver RequestTracker recording what the client sent for every request
 * (each attempt, failed ones included), so assertions about levels and
 * idempotence hold against the in-process server and a real Cassandra alike.
 */
class SentRequestLog extends RequestTrackerClass {
  readonly requests: SentRequest[] = [];

  clear(): void {
    this.requests.length = 0;
  }

  /** The single statements sent whose CQL matches `pattern`. */
  statements(pattern: RegExp): SentRequest[] {
    return this.requests.filter((r) => !r.batch && pattern.test(r.statements[0]!));
  }

  override onSuccess(_host: cassandra.Host, query: TrackedQuery, _parameters: unknown, options: cassandra.ExecutionOptions): void {
    this.record(query, options);
  }

  override onError(_host: cassandra.Host, query: TrackedQuery, _parameters: unknown, options: cassandra.ExecutionOptions): void {
    this.record(query, options);
  }

  private record(query: TrackedQuery, options: cassandra.ExecutionOptions): void {
    const batch = Array.isArray(query);
    const serial = options.getSerialConsistency() as number | undefined;
    this.requests.push({
      batch,
      statements: batch ? query.map((q) => q.query) : [query],
      consistency: CONSISTENCY_NAMES.get(options.getConsistency()) ?? String(options.getConsistency()),
      serialConsistency: serial === undefined || serial === null ? undefined : (CONSISTENCY_NAMES.get(serial) ?? String(serial)),
      idempotent: options.isIdempotent(),
      prepared: options.isPrepared(),
      logged: batch && options.isBatchLogged(),
    });
  }
}

type TrackedQuery = string | Array<{ query: string; params?: unknown }>;

/** What the tracked client sent. */
const sent = new SentRequestLog();
/** A client recording what it sends in {@link sent}; the adapter under test runs on it. */
let trackedClient: cassandra.Client;

beforeAll(async () => {
  cluster = await createCassandraTestCluster("cassandra-adapter");
  client = new cassandra.Client({ contactPoints: [cluster.contactPoint], localDataCenter: cluster.localDataCenter });
  await client.connect();
  trackedClient = new cassandra.Client({ contactPoints: [cluster.contactPoint], localDataCenter: cluster.localDataCenter, requestTracker: sent });
  await trackedClient.connect();
});

afterAll(async () => {
  await trackedClient?.shutdown();
  await client?.shutdown();
  await cluster?.close();
});

let keyspaceSerial = 0;

/** `text` as a literal in a regular expression. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const View = defineEntity("View", {
  store: "cassandra",
  schema: z.object({
    profileId: z.uuid(),
    watchedAt: z.date(),
    titleId: z.string(),
    positionSec: z.number().int().min(0).max(1_000_000),
    total: z.bigint(),
    ratings: z.record(z.string(), z.number()),
    meta: z.object({ device: z.string(), at: z.date() }).optional(),
  }),
  key: { partition: ["profileId"], clustering: [{ field: "watchedAt", order: "desc" }] },
  queries: {
    historyForProfile: { by: ["profileId"], order: { watchedAt: "desc" } },
    viewersOfTitle: { by: ["titleId"], order: { watchedAt: "desc" } },
  },
  consistency: { read: "LOCAL_ONE", write: "LOCAL_QUORUM" },
  ttl: "730d",
});

describe("cassandra adapter on the stock driver", () => {
  let adapter: CassandraAdapter;
  let repos: PolyxenaRuntime;

  beforeAll(async () => {
    // The adapter runs on the tracked client, as services hand it theirs: `sent` shows what it sent.
    adapter = createCassandraAdapter({ client: trackedClient }, { keyspace: `${cluster.keyspace}_${++keyspaceSerial}` });
    await adapter.applySchema([View.model]);
    repos = new PolyxenaRuntime({ stores: { cassandra: adapter } }, [View]);
  });

  afterAll(async () => {
    await adapter?.close();
  });

  const view = (over: Record<string, unknown> = {}) => ({
    profileId: randomUUID(),
    watchedAt: new Date(Date.UTC(2026, 2, 1)),
    titleId: `title-${randomUUID()}`,
    positionSec: 42,
    total: 12345678901234567890n,
    ratings: { story: 4.5 },
    meta: { device: "tv", at: new Date(Date.UTC(2026, 2, 1, 1)) },
    ...over,
  });

  it("creates the keyspace and tables once, then reports them unchanged", async () => {
    const again = await adapter.applySchema([View.model]);
    expect(again.applied).toEqual([]);
    expect(again.unchanged).toHaveLength(3);
    const tables = await client.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?", [adapter.keyspace], { prepare: true });
    expect(tables.rows.map((r) => r["table_name"] as string).sort()).toEqual(["view", "view_by_title_id"]);
  });

  it("sends the entity's read level on reads and its write level on writes, every statement prepared", async () => {
    const repo = repos.entity(View);
    const item = view();
    const base = `"${adapter.keyspace}"."view"`;
    sent.clear();
    await repo.put(item);
    // The put reads the current row (to find stale query-table rows) at the write's level, then writes one logged batch.
    expect(sent.requests).toEqual([
      expect.objectContaining({ batch: false, statements: [expect.stringMatching(new RegExp(`^SELECT .* FROM ${escape(base)} WHERE`))], consistency: "LOCAL_QUORUM" }),
      expect.objectContaining({
        batch: true,
        statements: [expect.stringMatching(new RegExp(`^INSERT INTO ${escape(base)} `)), expect.stringMatching(/^INSERT INTO .*"view_by_title_id" /)],
        consistency: "LOCAL_QUORUM",
        logged: true,
      }),
    ]);

    sent.clear();
    await repo.get({ profileId: item.profileId, watchedAt: item.watchedAt });
    await repo.query("viewersOfTitle", { titleId: item.titleId }, { limit: 5 });
    await repo.delete({ profileId: item.profileId, watchedAt: item.watchedAt });
    expect(sent.requests.map((r) => [r.statements[0]!.split(" ")[0], r.batch, r.consistency])).toEqual([
      ["SELECT", false, "LOCAL_ONE"],
      ["SELECT", false, "LOCAL_ONE"],
      // The delete reads the row at the write's level to find its query-table rows, then deletes them all in one batch.
      ["SELECT", false, "LOCAL_QUORUM"],
      ["DELETE", true, "LOCAL_QUORUM"],
    ]);
    // Plain reads and writes send no serial level of their own (the driver's default, if any, is not the adapter's).
    expect(sent.requests.every((r) => r.serialConsistency === undefined)).toBe(true);
    expect(sent.requests.every((r) => r.prepared)).toBe(true);
  });

  it("sends the per-call consistency level on reads and writes", async () => {
    const repo = repos.entity(View);
    for (const level of ["ONE", "LOCAL_ONE", "QUORUM", "LOCAL_QUORUM", "EACH_QUORUM", "ALL"] as const) {
      const item = view();
      sent.clear();
      await repo.put(item, { consistency: level });
      expect(sent.requests.find((r) => r.batch)?.consistency, `put at ${level}`).toBe(level);
      sent.clear();
      await repo.get({ profileId: item.profileId, watchedAt: item.watchedAt }, { consistency: level });
      expect(sent.requests.map((r) => r.consistency), `get at ${level}`).toEqual([level]);
    }
  });

  it("sends lightweight transactions with the serial level matching the commit level, and reads around them at that serial level", async () => {
    const repo = repos.entity(View);
    for (const [level, serial] of [
      ["QUORUM", "SERIAL"],
      ["LOCAL_QUORUM", "LOCAL_SERIAL"],
    ] as const) {
      sent.clear();
      await repo.put(view(), { ifNotExists: true, consistency: level });
      const [read, lwt, ...rest] = sent.requests;
      expect(read).toMatchObject({ batch: false, statements: [expect.stringMatching(/^SELECT /)], consistency: serial });
      expect(lwt).toMatchObject({ batch: false, statements: [expect.stringMatching(/ IF NOT EXISTS USING TTL \?$/)], consistency: level, serialConsistency: serial });
      expect(rest).toEqual([expect.objectContaining({ batch: true, consistency: level })]);
    }
  });

  it("marks exactly the lightweight transactions as non-idempotent: reads, plain writes and batches may be retried", async () => {
    const Versioned = defineEntity("VersionedView", {
      store: "cassandra",
      schema: z.object({ profileId: z.uuid(), titleId: z.string(), positionSec: z.number().int().min(0).max(1_000_000), version: z.number().int() }),
      key: { partition: ["profileId"] },
      queries: { byTitle: { by: ["titleId"] } },
      version: "version",
    });
    /** No query tables: its writes are single statements, not batches. */
    const Bookmark = defineEntity("Bookmark", {
      store: "cassandra",
      schema: z.object({ profileId: z.uuid(), positionSec: z.number().int() }),
      key: { partition: ["profileId"] },
    });
    await adapter.applySchema([Versioned.model, Bookmark.model]);
    const runtime = new PolyxenaRuntime({ stores: { cassandra: adapter } }, [Versioned, Bookmark]);
    const repo = runtime.entity(Versioned);
    const item = { profileId: randomUUID(), titleId: `title-${randomUUID()}`, positionSec: 1, version: 0 };
    const key = { profileId: item.profileId };
    sent.clear();
    await runtime.entity(Bookmark).put({ profileId: item.profileId, positionSec: 5 });
    await runtime.entity(Bookmark).delete({ profileId: item.profileId });
    await repo.put(item);
    await repo.get(key);
    await repo.query("byTitle", { titleId: item.titleId });
    await repo.delete(key);
    await repo.put(item, { ifNotExists: true });
    await repo.put({ ...item, positionSec: 2 }, { expectedVersion: 1 });
    await repo.update(key, { positionSec: 3 }, { expectedVersion: 2 });
    await repo.delete(key, { expectedVersion: 3 });
    await repo.put(item, { ifNotExists: true });
    await repo.delete(key, { ifExists: true });
    // A versioned put with a TTL is a conditional batch (the update and the row marker under one condition).
    await repo.put(item, { ifNotExists: true });
    await repo.put({ ...item, positionSec: 4 }, { expectedVersion: 1, ttl: "1h" });

    const lightweightTransaction = / IF (NOT EXISTS|EXISTS|"\w+" = \?)( USING TTL \?)?$/;
    const conditionOf = (r: SentRequest) => r.statements.map((cql) => cql.match(lightweightTransaction)?.[1]).find((c) => c !== undefined);
    // Exactly the requests carrying a condition are non-idempotent, each with a serial level.
    for (const r of sent.requests) expect(r.idempotent, r.statements.join("; ")).toBe(conditionOf(r) === undefined);
    const lwts = sent.requests.filter((r) => !r.idempotent);
    expect(lwts.map((r) => [r.batch, conditionOf(r)])).toEqual([
      [false, "NOT EXISTS"],
      [false, '"version" = ?'],
      [false, '"version" = ?'],
      [false, '"version" = ?'],
      [false, "NOT EXISTS"],
      [false, "EXISTS"],
      [false, "NOT EXISTS"],
      [true, '"version" = ?'],
    ]);
    expect(lwts.every((r) => r.serialConsistency !== undefined)).toBe(true);
    const retriable = sent.requests.filter((r) => r.idempotent);
    expect(retriable.filter((r) => r.batch).length).toBeGreaterThanOrEqual(4);
    expect(retriable.some((r) => !r.batch && r.statements[0]!.startsWith("SELECT"))).toBe(true);
    expect(retriable.some((r) => r.batch && r.statements[0]!.startsWith("DELETE"))).toBe(true);
    expect(retriable.slice(0, 2).map((r) => [r.batch, r.statements[0]!.split(" ")[0]])).toEqual([
      [false, "INSERT"],
      [false, "DELETE"],
    ]);
  });

  it("sends what the client tracker records, as the server received it (server-only: recorded requests)", async () => {
    const server = cluster.requireServer("recorded requests");
    const repo = repos.entity(View);
    const item = view();
    server.clearRequests();
    sent.clear();
    await repo.put(item, { consistency: "QUORUM" });
    await repo.get({ profileId: item.profileId, watchedAt: item.watchedAt });
    await repo.query("historyForProfile", { profileId: item.profileId }, { limit: 3 });
    await repo.put(view(), { ifNotExists: true, consistency: "LOCAL_QUORUM" });
    // Plain QUERY frames are only the driver's own system-table reads: everything the adapter sent was prepared.
    expect(server.requests.some((r) => r.opcode === "QUERY" && !/\bsystem(_schema)?\./.test(r.query ?? ""))).toBe(false);
    const received = server.requests
      .filter((r) => r.opcode === "EXECUTE" || r.opcode === "BATCH")
      .map((r) => ({
        batch: r.opcode === "BATCH",
        statements: r.batchQueries ?? [r.query],
        consistency: r.consistency,
        serialConsistency: r.serialConsistency,
        logged: r.batchType === "logged",
      }));
    expect(received).toHaveLength(7);
    expect(received).toEqual(sent.requests.map(({ batch, statements, consistency, serialConsistency, logged }) => ({ batch, statements, consistency, serialConsistency, logged })));
  });

  it("round-trips bigint, maps, objects as JSON and dates", async () => {
    const repo = repos.entity(View);
    const item = view();
    await repo.put(item);
    expect((await repo.get({ profileId: item.profileId, watchedAt: item.watchedAt })).item).toEqual(item);
  });

  it("round-trips 64-bit integers at their limits, negative ones included, in columns and lists", async () => {
    const Counter = defineEntity("Counter", {
      store: "cassandra",
      schema: z.object({ id: z.uuid(), n: z.number().int(), history: z.array(z.number().int()), big: z.bigint() }),
      key: { partition: ["id"] },
    });
    await adapter.applySchema([Counter.model]);
    const repo = new PolyxenaRuntime({ stores: { cassandra: adapter } }, [Counter]).entity(Counter);
    const edges = [0, -1, 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, -(2 ** 32) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    for (const n of edges) {
      const item = { id: randomUUID(), n, history: edges, big: -(2n ** 70n) + BigInt(n) };
      await repo.put(item);
      expect((await repo.get({ id: item.id })).item).toEqual(item);
    }
  });

  it("decodes UUID columns row by row in a page where values repeat, alternate and are missing", async () => {
    const Seen = defineEntity("Seen", {
      store: "cassandra",
      schema: z.object({ titleId: z.string(), seq: z.number().int().min(0).max(100), profileId: z.uuid(), referrer: z.uuid().optional() }),
      key: { partition: ["titleId"], clustering: [{ field: "seq", order: "asc" }] },
      queries: { inOrder: { by: ["titleId"], order: { seq: "asc" } } },
    });
    await adapter.applySchema([Seen.model]);
    const repo = new PolyxenaRuntime({ stores: { cassandra: adapter } }, [Seen]).entity(Seen);
    const [a, b] = [randomUUID(), randomUUID()];
    const titleId = `title-${randomUUID()}`;
    const profiles = [a, a, b, a, b, b];
    const referrers = [a, undefined, a, a, b, undefined];
    const items = profiles.map((profileId, seq) => ({ titleId, seq, profileId, ...(referrers[seq] ? { referrer: referrers[seq] } : {}) }));
    for (const item of items) await repo.put(item);
    expect((await repo.query("inOrder", { titleId })).items).toEqual(items);
  });

  it("keeps the denormalized query table in step, pages it, and serves clustering ranges both ways", async () => {
    const repo = repos.entity(View);
    const profileId = randomUUID();
    const titleId = `title-${randomUUID()}`;
    const items = Array.from({ length: 5 }, (_, i) => view({ profileId, titleId, watchedAt: new Date(Date.UTC(2026, 2, 1, i)) }));
    for (const item of items) await repo.put(item);
    const newest = await repo.query("viewersOfTitle", { titleId }, { limit: 2 });
    expect(newest.items.map((i) => (i.watchedAt as Date).getUTCHours())).toEqual([4, 3]);
    const next = await repo.query("viewersOfTitle", { titleId }, { limit: 2, cursor: newest.cursor! });
    expect(next.items.map((i) => (i.watchedAt as Date).getUTCHours())).toEqual([2, 1]);
    const oldestFirst = await repo.query("historyForProfile", { profileId }, { reverse: true, range: { gte: items[1]!.watchedAt, lt: items[4]!.watchedAt } });
    expect(oldestFirst.items.map((i) => (i.watchedAt as Date).getUTCHours())).toEqual([1, 2, 3]);

    await repo.put({ ...items[0]!, titleId: "other" });
    expect((await repo.query("viewersOfTitle", { titleId }, { limit: 10 })).items).toHaveLength(4);
    await repo.delete({ profileId, watchedAt: items[1]!.watchedAt });
    expect((await repo.query("viewersOfTitle", { titleId }, { limit: 10 })).items).toHaveLength(3);
  });

  it("gives an exactly full last page no cursor: the server pages it with a paging state, so the adapter reads one row past it", async () => {
    const repo = repos.entity(View);
    const profileId = randomUUID();
    const titleId = `title-${randomUUID()}`;
    for (let i = 0; i < 4; i++) await repo.put(view({ profileId, titleId, watchedAt: new Date(Date.UTC(2026, 2, 1, i)) }));
    const hours = (page: { items: Record<string, unknown>[] }) => page.items.map((i) => (i.watchedAt as Date).getUTCHours());
    const selects = () => sent.statements(/^SELECT .* FROM "[^"]+"\."view" WHERE/);

    sent.clear();
    const first = await repo.query("historyForProfile", { profileId }, { limit: 2 });
    const last = await repo.query("historyForProfile", { profileId }, { limit: 2, cursor: first.cursor! });
    expect([hours(first), hours(last), last.cursor]).toEqual([[3, 2], [1, 0], undefined]);
    // Each full page cost its own SELECT and one more for the row past it.
    expect(selects()).toHaveLength(4);

    // Every page through the SDK's page iteration: two pages, the second the last.
    const pages = [];
    for await (const page of readPages((cursor) => repo.query("historyForProfile", { profileId }, { limit: 2, cursor }), undefined)) pages.push(page);
    expect(pages.map((p) => [hours(p), p.cursor === undefined])).toEqual([[[3, 2], false], [[1, 0], true]]);

    const reversed = await repo.query("historyForProfile", { profileId }, { limit: 4, reverse: true });
    expect([hours(reversed), reversed.cursor]).toEqual([[0, 1, 2, 3], undefined]);
    const viewers = await repo.query("viewersOfTitle", { titleId }, { limit: 4 });
    expect([hours(viewers), viewers.cursor]).toEqual([[3, 2, 1, 0], undefined]);
    const ranged = await repo.query("historyForProfile", { profileId }, { limit: 2, range: { gte: new Date(Date.UTC(2026, 2, 1, 2)) } });
    expect([hours(ranged), ranged.cursor]).toEqual([[3, 2], undefined]);

    // A page short of full is the last without a second look.
    sent.clear();
    const short = await repo.query("historyForProfile", { profileId }, { limit: 5 });
    expect([hours(short), short.cursor]).toEqual([[3, 2, 1, 0], undefined]);
    expect(selects()).toHaveLength(1);
  });

  it("reports a failed LWT as E_CONDITION_FAILED carrying the current row", async () => {
    const repo = repos.entity(View);
    const item = view();
    await repo.put(item, { ifNotExists: true });
    const error = await expectPolyxenaError(repo.put({ ...item, positionSec: 1 }, { ifNotExists: true }), "E_CONDITION_FAILED");
    expect(error.current).toEqual(item);
    expect(error.statement).toContain("IF NOT EXISTS");
  });

  it("writes USING TTL and the row expires from the base and the query table", async () => {
    const repo = repos.entity(View);
    const item = view();
    await repo.put(item, { ttl: "1s" });
    const key = { profileId: item.profileId, watchedAt: item.watchedAt };
    expect((await repo.get(key)).item).toEqual(item);
    expect((await repo.query("viewersOfTitle", { titleId: item.titleId })).items).toEqual([item]);
    await cluster.advanceClock(2_100);
    expect((await repo.get(key)).item).toBeUndefined();
    expect((await repo.query("viewersOfTitle", { titleId: item.titleId })).items).toEqual([]);
  });

  it("maps Unavailable to E_UNAVAILABLE without retrying elsewhere", async () => {
    // Replication factor 9 on a test cluster of fewer than 9 nodes: QUORUM (5 replicas) cannot be met, ONE can.
    const keyspace = `${cluster.keyspace}_rf9`;
    await client.execute(`CREATE KEYSPACE "${keyspace}" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 9}`);
    const rf9 = createCassandraAdapter({ client }, { keyspace });
    await rf9.applySchema([View.model]);
    const repo = new PolyxenaRuntime({ stores: { cassandra: rf9 } }, [View]).entity(View);
    const error = await expectPolyxenaError(repo.put(view(), { consistency: "QUORUM" }), "E_UNAVAILABLE");
    // The put first reads the current row (to find stale query-table rows) at the same level.
    expect(error.statement).toContain(`"${keyspace}"."view"`);
    expect(error.outcome).toBe("not-applied");
    const item = view();
    await repo.put(item, { consistency: "ONE" });
    expect((await repo.get({ profileId: item.profileId, watchedAt: item.watchedAt }, { consistency: "ONE" })).item).toEqual(item);
    await rf9.close();
  });

  it("maps read and write timeouts to E_TIMEOUT, with an unknown outcome for a timed-out LWT (server-only: injected errors)", async () => {
    const server = cluster.requireServer("request hook injecting timeouts");
    const repo = repos.entity(View);
    const item = view();
    server.setRequestHook((r) => {
      if (r.opcode !== "EXECUTE") return;
      if (r.query?.includes("IF NOT EXISTS")) {
        throw new CqlError(CqlErrorCode.writeTimeout, "Operation timed out - received only 0 responses.", {
          writeTimeout: { consistency: 0x0006, received: 0, blockFor: 1, writeType: "CAS" },
        });
      }
      if (r.query?.startsWith("SELECT") && r.consistency === "LOCAL_ONE") {
        throw new CqlError(CqlErrorCode.readTimeout, "Operation timed out - received only 0 responses.", {
          readTimeout: { consistency: 0x000a, received: 0, blockFor: 1, dataPresent: false },
        });
      }
    });
    try {
      const write = await expectPolyxenaError(repo.put(item, { ifNotExists: true }), "E_TIMEOUT");
      expect(write.outcome).toBe("unknown");
      await expectPolyxenaError(repo.get({ profileId: item.profileId, watchedAt: item.watchedAt }), "E_TIMEOUT");
    } finally {
      server.setRequestHook(null);
    }
  });

  it("adds columns for new fields to existing tables, and refuses a changed column type", async () => {
    const V1 = defineEntity("Evolving", {
      store: "cassandra",
      schema: z.object({ id: z.uuid(), name: z.string() }),
      key: { partition: ["id"] },
    });
    const V2 = defineEntity("Evolving", {
      store: "cassandra",
      schema: z.object({ id: z.uuid(), name: z.string(), plays: z.number().int().min(0).max(1000), tags: z.array(z.string()) }),
      key: { partition: ["id"] },
    });
    const V3 = defineEntity("Evolving", {
      store: "cassandra",
      schema: z.object({ id: z.uuid(), name: z.number(), plays: z.number().int().min(0).max(1000), tags: z.array(z.string()) }),
      key: { partition: ["id"] },
    });
    const first = await adapter.applySchema([V1.model]);
    expect(first.applied).toHaveLength(1);
    const id = randomUUID();
    await new PolyxenaRuntime({ stores: { cassandra: adapter } }, [V1]).entity(V1).put({ id, name: "old row" });
    const plan = await adapter.planSchema([V2.model]);
    expect(plan.changes).toEqual([
      { kind: "additive", statement: `ALTER TABLE "${adapter.keyspace}"."evolving" ADD "plays" int` },
      { kind: "additive", statement: `ALTER TABLE "${adapter.keyspace}"."evolving" ADD "tags" list<text>` },
    ]);
    expect((await adapter.planSchema([V2.model])).changes).toHaveLength(2);
    const second = await adapter.applySchema([V2.model]);
    expect((await adapter.planSchema([V2.model])).changes).toEqual([]);
    const retyped = await adapter.planSchema([V3.model]);
    expect(retyped.changes).toEqual([
      {
        kind: "incompatible",
        statement: `ALTER TABLE "${adapter.keyspace}"."evolving" ALTER "name" TYPE double`,
        reason: expect.stringContaining(`column name of ${adapter.keyspace}.evolving is text, but Evolving.name needs double: Cassandra cannot change a column's type`),
      },
    ]);
    expect((await adapter.planSchema([V1.model])).changes).toMatchObject([
      { kind: "destructive", statement: `ALTER TABLE "${adapter.keyspace}"."evolving" DROP "plays"` },
      { kind: "destructive", statement: `ALTER TABLE "${adapter.keyspace}"."evolving" DROP "tags"` },
    ]);
    expect(second.applied).toEqual([
      `ALTER TABLE "${adapter.keyspace}"."evolving" ADD "plays" int`,
      `ALTER TABLE "${adapter.keyspace}"."evolving" ADD "tags" list<text>`,
    ]);
    const repo = new PolyxenaRuntime({ stores: { cassandra: adapter } }, [V2]).entity(V2);
    expect((await repo.get({ id })).item).toEqual({ id, name: "old row", tags: [] });
    await repo.put({ id, name: "new row", plays: 3, tags: ["a"] });
    expect((await repo.get({ id })).item).toEqual({ id, name: "new row", plays: 3, tags: ["a"] });
    const error = await expectPolyxenaError(adapter.applySchema([V3.model]), "E_DEFINITION");
    expect(error.message).toContain(`column name of ${adapter.keyspace}.evolving is text, but Evolving.name needs double`);
    expect(error.path).toBe("fields.name");
  });
});
