/**
 * The change-event suite, run unchanged on the memory adapters (default
 * test command) and on real engines (real-engine command): atomic outbox
 * records, relay delivery and recovery, the projection applier, dead letters,
 * metrics, tracing, rebuilds and the history test.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  changeKeyString,
  createCacheAside,
  createInProcessSink,
  createOutboxRelay,
  createProjectionApplier,
  isPolyxenaError,
  OutboxMetrics,
  PolyxenaRuntime,
  rebuildProjection,
  type ChangeEvent,
  type EventSink,
  type OperationEvent,
  type OutboxPort,
  type StoreAdapter,
} from "@polyxena/core";
import { MemoryCacheDriver } from "@polyxena/memory";
import {
  chaosSink,
  checkProjections,
  createOrderObserver,
  DYNAMODB_EVENT_ENTITIES,
  DynamoEventTitle,
  EVENT_ENTITIES,
  EventTitle as PostgresEventTitle,
  EventTitleCard,
  EventTitleSearch,
  runRelayChaos,
  seededRandom,
} from "../../src/index.js";

/** The stores one lane provides: a source store with an outbox and the two target stores. */
export interface OutboxLane {
  postgres: StoreAdapter;
  elasticsearch: StoreAdapter;
  dynamodb: StoreAdapter;
  /** Empties the source table and the outbox between tests (fresh stores are fine too). */
  close(): Promise<void>;
}

/** Options of {@link outboxSuite}. */
export interface OutboxSuiteOptions {
  /** The store of the source entity, whose outbox the suite reads (default `postgres`). */
  source?: "postgres" | "dynamodb" | undefined;
  /**
   * Seeds of the history test (default three). A lane over a network protocol
   * runs one: each history is thousands of requests, and the other lanes
   * already run the same store code with the other seeds.
   */
  historySeeds?: readonly number[] | undefined;
  /** Whether to run the cases that prove the history checker fails broken appliers and relays (default true; they test the checker, not the lane). */
  checkerCases?: boolean | undefined;
}

/** Registers the suite for one lane. */
export function outboxSuite(laneName: string, createLane: () => Promise<OutboxLane>, options: OutboxSuiteOptions = {}): void {
  const source = options.source ?? "postgres";
  const EventTitle = source === "dynamodb" ? DynamoEventTitle : PostgresEventTitle;
  const entities = source === "dynamodb" ? DYNAMODB_EVENT_ENTITIES : EVENT_ENTITIES;
  describe(`change events and projections (${laneName}, source in ${source})`, () => {
    let lane: OutboxLane;
    let runtime: PolyxenaRuntime;
    let outbox: OutboxPort;
    let operations: OperationEvent[];
    let counter = 0;
    const fresh = () => `tt${Date.now() % 1_000_000}${++counter}${Math.floor(Math.random() * 1000)}`;

    beforeAll(async () => {
      lane = await createLane();
      operations = [];
      runtime = new PolyxenaRuntime(
        { stores: { postgres: lane.postgres, elasticsearch: lane.elasticsearch, dynamodb: lane.dynamodb }, onOperation: (e) => operations.push(e) },
        [...entities],
      );
      await runtime.applySchema();
      outbox = lane[source].outbox!;
      await drain(outbox, []);
    });
    afterAll(async () => {
      await lane?.close();
    });

    /** Pending events of one key (a relay-free look at the outbox through a private relay that delivers nothing). */
    async function pendingOf(titleId: string): Promise<ChangeEvent[]> {
      const keyString = changeKeyString(EventTitle.model, { titleId });
      const seen: ChangeEvent[] = [];
      const owner = `peek-${Math.random()}`;
      for (let p = 0; p < outbox.partitions; p++) {
        const lease = await outbox.claim(owner, p, 5_000);
        if (!lease) continue;
        for (const entry of await outbox.read(lease, 10_000)) if (entry.event.keyString === keyString) seen.push(entry.event);
        await outbox.release(lease);
      }
      return seen;
    }

    it("records one event per acknowledged write with the next per-key version, in the same store write", async () => {
      const titles = runtime.entity(EventTitle);
      const id = fresh();
      await titles.put({ titleId: id, name: "Dark", year: 2017 });
      await titles.update({ titleId: id }, { name: "Dark (2017)" });
      await titles.delete({ titleId: id });
      await titles.delete({ titleId: id }); // deletes nothing: no event
      const events = await pendingOf(id);
      expect(events.map((e) => [e.kind, e.version])).toEqual([
        ["put", 1],
        ["put", 2],
        ["delete", 3],
      ]);
      expect(events[0]).toMatchObject({ entity: "EventTitle", topic: "polyxena.test.titles", key: { titleId: id }, item: { titleId: id, name: "Dark", year: 2017 }, schemaHash: EventTitle.model.schemaHash });
      expect(events[1]!.item).toEqual({ titleId: id, name: "Dark (2017)", year: 2017 });
      // a tombstone carries the item it deleted, so projections can find their target key
      expect(events[2]!.item).toEqual({ titleId: id, name: "Dark (2017)", year: 2017 });
      expect(await outbox.latestVersion("EventTitle", changeKeyString(EventTitle.model, { titleId: id }))).toBe(3);
    });

    it("records nothing for a write that fails its condition or rolls back, and keeps versions gapless", async () => {
      const titles = runtime.entity(EventTitle);
      const id = fresh();
      await titles.put({ titleId: id, name: "One", year: 2000 }, { ifNotExists: true });
      await expect(titles.put({ titleId: id, name: "Two", year: 2001 }, { ifNotExists: true })).rejects.toSatisfy((e: unknown) => isPolyxenaError(e, "E_CONDITION_FAILED"));
      await expect(titles.update({ titleId: `${id}x` }, { name: "nobody" })).rejects.toSatisfy((e: unknown) => isPolyxenaError(e, "E_CONDITION_FAILED"));
      await expect(titles.delete({ titleId: `${id}x` }, { ifExists: true })).rejects.toSatisfy((e: unknown) => isPolyxenaError(e, "E_CONDITION_FAILED"));
      await expect(
        runtime.transaction(async (scope) => {
          await scope.entity(EventTitle).put({ titleId: id, name: "rolled back", year: 1999 });
          throw new Error("abort");
        }, { store: source }),
      ).rejects.toThrow("abort");
      if (source === "dynamodb") {
        // A DynamoDB transaction writes an item at most once: one transaction per change.
        await runtime.transaction(async (scope) => void (await scope.entity(EventTitle).update({ titleId: id }, { name: "Three" })), { store: source });
        await runtime.transaction(async (scope) => void (await scope.entity(EventTitle).update({ titleId: id }, { year: 2003 })), { store: source });
      } else {
        await runtime.transaction(async (scope) => {
          await scope.entity(EventTitle).update({ titleId: id }, { name: "Three" });
          await scope.entity(EventTitle).update({ titleId: id }, { year: 2003 });
        }, { store: source });
      }
      const events = await pendingOf(id);
      expect(events.map((e) => [e.version, e.item?.["name"], e.item?.["year"]])).toEqual([
        [1, "One", 2000],
        [2, "Three", 2000],
        [3, "Three", 2003],
      ]);
      expect(await pendingOf(`${id}x`)).toEqual([]);
    });

    it("concurrent writers of one key get distinct, gapless versions, and the events carry the items in version order", async () => {
      const titles = runtime.entity(EventTitle);
      const id = fresh();
      await titles.put({ titleId: id, name: "start", year: 1 });
      await Promise.all(Array.from({ length: 12 }, (_, i) => titles.update({ titleId: id }, { year: 100 + i })));
      const events = await pendingOf(id);
      expect(events.map((e) => e.version)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
      // the last event carries the item as stored: no write was lost between a read and its commit
      expect(events.at(-1)!.item).toEqual((await titles.get({ titleId: id }, { consistency: "strong" })).item);
      expect(await outbox.latestVersion("EventTitle", changeKeyString(EventTitle.model, { titleId: id }))).toBe(13);
    });

    it("concurrent puts and updates of a few keys: in the outbox's id order each key's versions run 1, 2, 3, ... and the last event carries the stored item", async () => {
      const titles = runtime.entity(EventTitle);
      const ids = [fresh(), fresh(), fresh()];
      const writes = ids.flatMap((id) =>
        Array.from({ length: 10 }, (_, i) => (i % 3 === 2 ? () => titles.update({ titleId: id }, { year: 3000 + i }) : () => titles.put({ titleId: id, name: `w${i}`, year: 2000 + i }))),
      );
      // Each key's first write is a put, so no update finds its key missing.
      await Promise.all(ids.map((id) => titles.put({ titleId: id, name: "first", year: 1999 })));
      await Promise.all(writes.map((write) => write()));
      for (const id of ids) {
        // pendingOf reads each partition in id order, the relay's order.
        const events = await pendingOf(id);
        expect(events.map((e) => e.version)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
        expect(events.at(-1)!.item).toEqual((await titles.get({ titleId: id }, { consistency: "strong" })).item);
      }
    });

    it("a relay delivers every event per key in order, marks it done, and a killed relay loses nothing", async () => {
      await drain(outbox, []);
      const titles = runtime.entity(EventTitle);
      const ids = [fresh(), fresh(), fresh()];
      for (let round = 0; round < 5; round++) for (const id of ids) await titles.put({ titleId: id, name: `n${round}`, year: 2000 + round });
      const observer = createOrderObserver();
      const received: ChangeEvent[] = [];
      let killAfter = 1;
      const victim = createOutboxRelay({
        outbox,
        leaseMs: 200,
        sinks: [
          createInProcessSink("log", (e) => {
            received.push(e);
            observer.observe(e.keyString, e.version);
            // dies after handing over its first event, before marking anything done
            if (--killAfter === 0) victim.kill();
          }),
        ],
      });
      // A relay of an earlier case may still hold a partition's lease: the victim runs until it has claimed one and died.
      await waitFor(async () => {
        try {
          await victim.runOnce();
          return false;
        } catch (error) {
          if (String(error).includes("relay killed")) return true;
          throw error;
        }
      });
      expect((await outbox.backlog()).pending).toBe(15);
      const survivor = createOutboxRelay({ outbox, leaseMs: 200, sinks: [createInProcessSink("log", (e) => void (received.push(e), observer.observe(e.keyString, e.version)))] });
      // the victim's leases expire, then the survivor takes its partitions over
      await waitFor(async () => (await survivor.runOnce(), (await outbox.backlog()).pending === 0));
      await survivor.stop();
      for (const id of ids) {
        const keyString = changeKeyString(EventTitle.model, { titleId: id });
        const versions = [...new Set(received.filter((e) => e.keyString === keyString).map((e) => e.version))];
        expect(versions).toEqual([1, 2, 3, 4, 5]);
      }
      expect(observer.violations()).toEqual([]);
    });

    it("applies projections into other stores, idempotently and by version, invalidating the target's cache", async () => {
      await drain(outbox, []);
      const cache = createCacheAside({ driver: new MemoryCacheDriver() });
      const cachedRuntime = new PolyxenaRuntime({ stores: { postgres: lane.postgres, elasticsearch: lane.elasticsearch, dynamodb: lane.dynamodb }, cache }, [
        EventTitle,
        EventTitleSearch,
        cachedCard,
      ]);
      const applier = createProjectionApplier({ runtime: cachedRuntime });
      const titles = cachedRuntime.entity(EventTitle);
      const cards = cachedRuntime.entity(cachedCard);
      const id = fresh();
      await titles.put({ titleId: id, name: "Ozark", year: 2017 });
      const first = await drainEvents(outbox);
      await applier.deliver(first);
      expect((await cards.get({ titleId: id })).item).toEqual({ titleId: id, label: "Ozark (2017)", sourceVersion: 1 });
      // cached now; the next applied change must invalidate it
      expect((await cards.get({ titleId: id })).source).not.toBe("store");
      await titles.update({ titleId: id }, { year: 2018 });
      const second = await drainEvents(outbox);
      // duplicates and an old event after the new one change nothing
      const outcomes = await applier.deliver([...second, ...first, ...second]);
      expect(outcomes.every((o) => o.status === "ok")).toBe(true);
      expect((await cards.get({ titleId: id })).item).toEqual({ titleId: id, label: "Ozark (2018)", sourceVersion: 2 });
      expect((await cachedRuntime.entity(EventTitleSearch).get({ titleId: id }, { consistency: "strong" })).item).toEqual({ titleId: id, name: "Ozark", year: 2018, sourceVersion: 2 });
      await titles.delete({ titleId: id });
      const third = await drainEvents(outbox);
      await applier.deliver([...third, ...second, ...first]);
      expect((await cards.get({ titleId: id })).item).toBeUndefined();
      expect((await cachedRuntime.entity(EventTitleSearch).get({ titleId: id }, { consistency: "strong" })).item).toBeUndefined();
    });

    it("dead-letters events the map or the target rejects, with the error in metrics, without blocking other keys", async () => {
      await drain(outbox, []);
      const titles = runtime.entity(EventTitle);
      const bad = fresh();
      const good = fresh();
      // the search target allows names of at most 60 characters: the target refuses this one
      await titles.put({ titleId: bad, name: "x".repeat(80), year: 2001 });
      await titles.put({ titleId: good, name: "fine", year: 2002 });
      const metrics = new OutboxMetrics();
      const relay = createOutboxRelay({ outbox, sinks: [createProjectionApplier({ runtime })], metrics });
      await waitFor(async () => (await relay.runOnce(), (await outbox.backlog()).pending === 0));
      await titles.update({ titleId: bad }, { name: "short again" });
      await waitFor(async () => (await relay.runOnce(), (await outbox.backlog()).pending === 0));
      await relay.stop();
      const letters = (await outbox.deadLetters()).filter((l) => l.event.key["titleId"] === bad);
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({ sink: "projections", code: "E_VALIDATION", event: { version: 1 } });
      expect(letters[0]!.message).toContain("name");
      const sinkMetrics = metrics.snapshot().sinks.find((s) => s.sink === "projections")!;
      expect(sinkMetrics.deadLetters).toBeGreaterThanOrEqual(1);
      expect(metrics.snapshot().outboxes[0]).toMatchObject({ pending: 0, oldestPendingAgeMs: 0 });
      expect((await runtime.entity(EventTitleSearch).get({ titleId: good }, { consistency: "strong" })).item?.["name"]).toBe("fine");
      // the key moved on: its next event was applied
      expect((await runtime.entity(EventTitleSearch).get({ titleId: bad }, { consistency: "strong" })).item).toMatchObject({ name: "short again", sourceVersion: 2 });
    });

    it("retries a failing sink later, counts the failures, and keeps the key's later events waiting", async () => {
      await drain(outbox, []);
      const titles = runtime.entity(EventTitle);
      const id = fresh();
      await titles.put({ titleId: id, name: "a", year: 1 });
      await titles.put({ titleId: id, name: "b", year: 2 });
      let failing = true;
      const seen: number[] = [];
      const flaky: EventSink = createInProcessSink("flaky", (e) => {
        if (e.keyString !== changeKeyString(EventTitle.model, { titleId: id })) return;
        if (failing) throw new Error("broker down");
        seen.push(e.version);
      });
      const metrics = new OutboxMetrics();
      const relay = createOutboxRelay({ outbox, sinks: [flaky], metrics });
      await relay.runOnce();
      expect((await outbox.backlog()).pending).toBe(2);
      expect(metrics.snapshot().sinks[0]).toMatchObject({ sink: "flaky", failures: 2, delivered: 0 });
      expect(metrics.snapshot().outboxes[0]!.pending).toBe(2);
      failing = false;
      await relay.runOnce();
      await relay.stop();
      expect(seen).toEqual([1, 2]);
      expect((await outbox.backlog()).pending).toBe(0);
    });

    it("links the write, the publish and the projection writes by one change id", async () => {
      await drain(outbox, []);
      operations.length = 0;
      const id = fresh();
      await runtime.entity(EventTitle).put({ titleId: id, name: "Traced", year: 2020 });
      const write = operations.find((e) => e.entity === "EventTitle" && e.operation === "put")!;
      expect(write.changeId).toMatch(/^[0-9a-f-]{36}$/);
      const relay = createOutboxRelay({ outbox, sinks: [createProjectionApplier({ runtime })], onOperation: (e) => operations.push(e) });
      await relay.runOnce();
      await relay.stop();
      const linked = operations.filter((e) => e.changeId === write.changeId).map((e) => `${e.entity}.${e.operation}`);
      expect(linked).toEqual(expect.arrayContaining(["EventTitle.put", "EventTitle.publish", "EventTitleSearch.put", "EventTitleCard.put"]));
    });

    it("rebuilds a projection from its source while live events flow, never overwriting a newer event", async () => {
      await drain(outbox, []);
      const titles = runtime.entity(EventTitle);
      const ids = [fresh(), fresh(), fresh()];
      for (const id of ids) await titles.put({ titleId: id, name: `r-${id}`, year: 1990 });
      await drainEvents(outbox); // the events are lost to this projection: only a rebuild can fill it
      const applier = createProjectionApplier({ runtime });
      const scan = outbox.scan.bind(outbox);
      const spy = vi.spyOn(outbox, "scan").mockImplementation(async (model, position, limit) => {
        const page = await scan(model, position, limit);
        // a live change lands after the rebuild read its page and before it writes
        if (model.name === "EventTitle") {
          await titles.update({ titleId: ids[0]! }, { name: "live" });
          await applier.deliver(await drainEvents(outbox));
        }
        return page;
      });
      try {
        const result = await rebuildProjection(runtime, "titleSearch", { pageSize: 1000 });
        expect(result.failed).toBe(0);
        expect(result.scanned).toBeGreaterThanOrEqual(3);
      } finally {
        spy.mockRestore();
      }
      const search = runtime.entity(EventTitleSearch);
      expect((await search.get({ titleId: ids[0] }, { consistency: "strong" })).item).toMatchObject({ name: "live", sourceVersion: 2 });
      for (const id of ids.slice(1)) expect((await search.get({ titleId: id }, { consistency: "strong" })).item).toMatchObject({ name: `r-${id}`, sourceVersion: 1 });
    });

    describe("history: concurrent writers, killed relays, duplicated and reordered events", () => {
      async function history(seed: number, options: { applier?: (runtime: PolyxenaRuntime) => EventSink; orderBreaker?: (sink: EventSink) => EventSink } = {}) {
        await drain(outbox, []);
        const random = seededRandom(seed);
        const titles = runtime.entity(EventTitle);
        const keys = Array.from({ length: 6 }, () => ({ titleId: fresh() }));
        const observer = createOrderObserver();
        const chaos: ReturnType<typeof chaosSink>[] = [];
        const sinks = () => {
          const applier = chaosSink((options.applier ?? ((r) => createProjectionApplier({ runtime: r })))(runtime), { random });
          chaos.push(applier);
          const consumer = createInProcessSink("consumer", (e) => observer.observe(e.keyString, e.version));
          return [applier, options.orderBreaker ? options.orderBreaker(consumer) : consumer];
        };
        let acknowledged = 0;
        const writer = async (w: number) => {
          for (let i = 0; i < 40; i++) {
            const key = keys[Math.floor(random() * keys.length)]!;
            const roll = random();
            try {
              if (roll < 0.5) await titles.put({ ...key, name: `w${w}-${i}`, year: 1950 + i });
              else if (roll < 0.8) await titles.update(key, { name: `u${w}-${i}` });
              else if (roll < 0.9) await titles.put({ ...key, name: `c${w}-${i}`, year: 2000 }, { ifNotExists: true });
              else await titles.delete(key);
              acknowledged++;
            } catch (error) {
              if (!isPolyxenaError(error, "E_CONDITION_FAILED")) throw error;
            }
            if (random() < 0.5) await new Promise((resolve) => setTimeout(resolve, 1));
          }
        };
        const writers = Promise.all([0, 1, 2, 3].map(writer));
        const chaosResult = await runRelayChaos({ outbox, sinks, random, during: writers });
        for (const c of chaos) await c.flushReplays();
        const mismatches = await checkProjections(runtime, EventTitle, keys);
        // every version of every key reached the consumer
        const missing: string[] = [];
        for (const key of keys) {
          const keyString = changeKeyString(EventTitle.model, key);
          const latest = (await outbox.latestVersion("EventTitle", keyString)) ?? 0;
          const seen = observer.versionsOf(keyString);
          if (seen.length !== latest || seen.some((v, i) => v !== i + 1)) missing.push(`${keyString}: saw ${seen.join(",")} of ${latest}`);
        }
        return { mismatches, missing, violations: observer.violations(), observed: observer.count, acknowledged, chaosResult, replayed: chaos.reduce((n, c) => n + c.delivered, 0) };
      }

      it.each([...(options.historySeeds ?? [1337, 7, 2024])])("every projection ends equal to the map of the last acknowledged source version, and no consumer saw versions out of order (seed %i)", async (seed) => {
        const result = await history(seed);
        expect(result.acknowledged).toBeGreaterThan(100);
        expect(result.chaosResult.kills).toBeGreaterThan(0);
        expect(result.replayed).toBeGreaterThan(result.acknowledged);
        expect(result.mismatches).toEqual([]);
        expect(result.violations).toEqual([]);
        expect(result.missing).toEqual([]);
        // Thousands of requests: over a network protocol on a loaded machine that takes longer than a unit case.
      }, 120_000);

      if (options.checkerCases === false) return;

      it("the checker catches an applier without version ordering and idempotence", async () => {
        const naive = (r: PolyxenaRuntime): EventSink =>
          createInProcessSink("projections", async (e) => {
            // writes whatever arrives, last delivery wins: no version check, no skip of stale events
            const search = r.entity(EventTitleSearch);
            if (e.kind === "delete") await search.delete({ titleId: e.key["titleId"] });
            else await search.put({ titleId: e.item!["titleId"], name: e.item!["name"], year: e.item!["year"], sourceVersion: e.version });
          });
        const result = await history(4242, { applier: naive });
        expect(result.mismatches.length).toBeGreaterThan(0);
      });

      it("the checker catches a relay that does not keep per-key order", async () => {
        const shuffled = (inner: EventSink): EventSink => ({
          name: inner.name,
          async deliver(events) {
            // delivers each batch newest first: per-key order is gone
            const reversed = [...events].reverse();
            const outcomes = await inner.deliver(reversed);
            return events.map((_, i) => outcomes[events.length - 1 - i]!);
          },
        });
        const result = await history(99, { orderBreaker: shuffled });
        expect(result.violations.length).toBeGreaterThan(0);
      });
    });
  });
}

const cachedCard = Object.freeze({ ...EventTitleCard, model: { ...EventTitleCard.model, cache: { ttlMs: 60_000, l1: { ttlMs: 60_000, max: 100 }, staleIfErrorMs: 0, queries: false } } }) as typeof EventTitleCard;

/** Takes every pending event out of the outbox (in order per partition) and marks it done. */
async function drainEvents(outbox: OutboxPort): Promise<ChangeEvent[]> {
  const events: ChangeEvent[] = [];
  await drain(outbox, [createInProcessSink("drain", (e) => void events.push(e))]);
  return events;
}

async function drain(outbox: OutboxPort, sinks: EventSink[]): Promise<void> {
  const relay = createOutboxRelay({ outbox, sinks, leaseMs: 5_000, owner: `drain-${Math.random()}` });
  await waitFor(async () => (await relay.runOnce(), (await outbox.backlog()).pending === 0));
  await relay.stop();
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
