import { createServer, type AddressInfo } from "node:net";
import memjs from "memjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createCacheAside, defineEntity, isCacheValueTooLargeError, PolyxenaRuntime, type CacheDriver } from "@polyxena/core";
import { createMemcachedDriver, KetamaRing, MemcachedZone } from "../src/memcached/index.js";
import { CacheTestStore, startMemcached, type MemcachedCluster } from "@polyxena/testkit";

let cluster: MemcachedCluster;
let driver: ReturnType<typeof createMemcachedDriver>;
let n = 0;
const unique = (name: string) => `t${process.pid}:${n++}:${name}`;

beforeAll(async () => {
  cluster = await startMemcached({ count: 4 });
  driver = createMemcachedDriver({
    zones: [
      { name: "a", servers: cluster.addresses.slice(0, 2) },
      { name: "b", servers: cluster.addresses.slice(2, 4) },
    ],
    localZone: "a",
    timeoutMs: 1_000,
  });
});

afterAll(async () => {
  await driver?.close();
  await cluster?.stop();
});

const bytes = (s: string) => Buffer.from(s);
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString());

describe("memcached driver", () => {
  it("has memcached add/set/delete/touch semantics in every zone", async () => {
    const key = unique("k");
    expect(await driver.get(key)).toBeUndefined();
    expect(await driver.add(key, bytes("one"), 60)).toBe(true);
    expect(await driver.add(key, bytes("two"), 60)).toBe(false);
    expect(text(await driver.get(key))).toBe("one");
    await driver.set(key, bytes("three"), 60);
    for (const zone of driver.zones) expect(text(await zone.get(key))).toBe("three");
    expect(await driver.touch(key, 120)).toBe(true);
    expect(await driver.delete(key)).toBe(true);
    expect(await driver.get(key)).toBeUndefined();
    expect(await driver.delete(key)).toBe(false);
  });

  it("gets returns a version that cas needs: a later write makes the cas fail, the right version makes it land", async () => {
    const [zone] = driver.zones as MemcachedZone[];
    const key = unique("cas");
    expect(await zone!.gets(key)).toBeUndefined();
    await zone!.set(key, bytes("tombstone"), 60);
    const seen = await zone!.gets(key);
    expect(text(seen!.value)).toBe("tombstone");
    expect(typeof seen!.cas.version).toBe("bigint");
    // Another writer replaces it: the version the reader holds no longer matches.
    await zone!.set(key, bytes("tombstone 2"), 60);
    expect(await zone!.cas(key, bytes("old value"), 60, seen!.cas)).toBe(false);
    expect(text(await zone!.get(key))).toBe("tombstone 2");
    const again = await zone!.gets(key);
    expect(await zone!.cas(key, bytes("new value"), 60, again!.cas)).toBe(true);
    expect(text(await zone!.get(key))).toBe("new value");
    // A version is used once: the value it stored has a new one.
    expect(await zone!.cas(key, bytes("twice"), 60, again!.cas)).toBe(false);
    // Absent keys cannot be swapped.
    await zone!.delete(key);
    expect(await zone!.cas(key, bytes("ghost"), 60, again!.cas)).toBe(false);
    expect(await zone!.get(key)).toBeUndefined();
  });

  it("gets many keys in one request per server and pipelines adds", async () => {
    const zone = (driver.zones as MemcachedZone[])[1]!;
    const keys = Array.from({ length: 60 }, (_, i) => unique(`multi${i}`));
    const added = await zone.addMany(keys.filter((_, i) => i % 2 === 0).map((key) => ({ key, value: bytes(`v:${key}`), ttlSeconds: 60 })));
    expect(added.every(Boolean)).toBe(true);
    // A second add of the same keys is refused per key; a fresh one is taken.
    const again = await zone.addMany([{ key: keys[0]!, value: bytes("x"), ttlSeconds: 60 }, { key: keys[1]!, value: bytes(`v:${keys[1]}`), ttlSeconds: 60 }]);
    expect(again).toEqual([false, true]);
    const got = await zone.getMulti(keys);
    expect([...got.keys()].sort()).toEqual(keys.filter((_, i) => i % 2 === 0 || i === 1).sort());
    for (const [key, value] of got) expect(text(value)).toBe(`v:${key}`);
    expect((await zone.getMulti([])).size).toBe(0);
  });

  it("refuses a cas whose version was read on a connection that has since been reset (server restarted)", async () => {
    const cluster1 = await startMemcached({ count: 1 });
    const single = createMemcachedDriver({ zones: [{ name: "r", servers: cluster1.addresses }], timeoutMs: 500, failureCooldownMs: 1 });
    try {
      const zone = single.zones[0] as MemcachedZone;
      const key = unique("restart");
      await zone.set(key, bytes("tombstone"), 60);
      const seen = await zone.gets(key);
      const connection = zone.connectionOf(key);
      expect(connection).toBeDefined();
      await cluster1.servers[0]!.restart();
      // The restarted server counts versions from the start again: the same key, rewritten until its
      // version may equal the old one, must still refuse the old token.
      await zone.set(key, bytes("x"), 60).catch(() => undefined);
      let now = await zone.gets(key).catch(() => undefined);
      for (let i = 0; i < 1000 && (now === undefined || now.cas.version < seen!.cas.version); i++) {
        await zone.set(key, bytes("tombstone"), 60).catch(() => undefined);
        now = await zone.gets(key).catch(() => undefined);
      }
      expect(now!.cas.version).toBe(seen!.cas.version);
      expect(zone.connectionOf(key)).not.toBe(connection);
      const before = text(now!.value);
      expect(await zone.cas(key, bytes("value read before the restart"), 60, seen!.cas)).toBe(false);
      expect(text(await zone.get(key))).toBe(before);
    } finally {
      await single.close();
      await cluster1.stop();
    }
  });

  it("answers a burst of concurrent gets (one batched write) each with its own value, as memjs stored it", async () => {
    const [local] = driver.zones as MemcachedZone[];
    const raw = memjs.Client.create(cluster.addresses[0], { retries: 0, logger: { log: () => undefined } });
    try {
      const keys = Array.from({ length: 200 }, (_, i) => unique(`burst${i}`));
      const onFirst = keys.filter((k) => local!.serverFor(k) === cluster.addresses[0]);
      expect(onFirst.length).toBeGreaterThan(50);
      // Binary values of different lengths, written by memjs itself; every second key stays absent.
      const value = (i: number) => Buffer.from(Array.from({ length: 1 + ((i * 37) % 900) }, (_, j) => (i + j) % 256));
      await Promise.all(onFirst.map((k, i) => (i % 2 ? undefined : raw.set(k, value(i), { expires: 60 }))));
      const got = await Promise.all(onFirst.map((k) => local!.get(k)));
      got.forEach((bytes, i) => {
        if (i % 2) expect(bytes).toBeUndefined();
        else expect(Buffer.from(bytes!).equals(value(i))).toBe(true);
      });
    } finally {
      raw.close();
    }
  });

  it("reads answers that span socket reads and reads many in one: values up to 700 KB among small ones, each its own", async () => {
    const [local] = driver.zones as MemcachedZone[];
    const keys = Array.from({ length: 40 }, (_, i) => unique(`span${i}`));
    const value = (i: number) => Buffer.alloc(i % 5 === 0 ? 100_000 + i * 15_000 : 1 + i * 7, (i * 13) % 256);
    await Promise.all(keys.map((k, i) => local!.set(k, value(i), 60)));
    const got = await Promise.all(keys.map((k) => local!.get(k)));
    got.forEach((bytes, i) => expect(Buffer.from(bytes!).equals(value(i))).toBe(true));
    const many = await local!.getMulti(keys);
    keys.forEach((k, i) => expect(Buffer.from(many.get(k)!).equals(value(i))).toBe(true));
  });

  it("drops the unread part of an answer when its connection is reset: the next connection's answer is read from its start", async () => {
    // A server that sends half an answer header and resets the first connection, then answers properly.
    let connections = 0;
    const answer = (opaque: number, body: Buffer) => {
      const header = Buffer.alloc(24);
      header[0] = 0x81;
      header[4] = 4;
      header.writeUInt32BE(4 + body.length, 8);
      header.writeUInt32BE(opaque, 12);
      return Buffer.concat([header, Buffer.alloc(4), body]);
    };
    const server = createServer((socket) => {
      const first = connections++ === 0;
      socket.on("error", () => undefined);
      socket.on("data", (request) => {
        const reply = answer(request.readUInt32BE(12), Buffer.from("whole answer"));
        if (first) {
          socket.write(reply.subarray(0, 10), () => setTimeout(() => socket.resetAndDestroy(), 20));
        } else {
          socket.write(reply);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const zone = new MemcachedZone({ name: "fake", servers: [`127.0.0.1:${(server.address() as AddressInfo).port}`], maxValueBytes: 1024, timeoutMs: 1_000, connectTimeoutMs: 1_000, failureCooldownMs: 1 });
    try {
      await expect(zone.get("k")).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 5));
      expect(text(await zone.get("k"))).toBe("whole answer");
      expect(connections).toBe(2);
    } finally {
      await zone.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("expires entries after their TTL", async () => {
    const key = unique("ttl");
    await driver.set(key, bytes("x"), 1);
    expect(text(await driver.get(key))).toBe("x");
    await new Promise((r) => setTimeout(r, 2_100));
    expect(await driver.get(key)).toBeUndefined();
  });

  it("reads the local zone first and falls back to another zone on a miss", async () => {
    const key = unique("fallback");
    const [local, remote] = driver.zones as MemcachedZone[];
    await remote!.set(key, bytes("remote"), 60);
    expect(text(await driver.get(key))).toBe("remote");
    await local!.set(key, bytes("local"), 60);
    expect(text(await driver.get(key))).toBe("local");
  });

  it("falls back to another zone when the local server is down, and fails fast afterwards", async () => {
    const spare = await startMemcached({ count: 2 });
    const zoned = createMemcachedDriver({
      zones: [
        { name: "a", servers: [spare.addresses[0]!] },
        { name: "b", servers: [spare.addresses[1]!] },
      ],
      timeoutMs: 200,
    });
    try {
      await zoned.set("k", bytes("v"), 60);
      await spare.servers[0]!.kill();
      expect(text(await zoned.get("k"))).toBe("v");
      expect(text(await zoned.get("k"))).toBe("v");
      await expect(zoned.zones[0]!.get("k")).rejects.toThrow(/cooling down|ECONNREFUSED|memcached/);
      await expect(zoned.set("k", bytes("w"), 60)).rejects.toThrow(/zones failed/);
      expect(text(await zoned.zones[1]!.get("k"))).toBe("w");
    } finally {
      await zoned.close();
      await spare.stop();
    }
  });

  it("never sends oversized values: zero collateral failures among 100 concurrent good operations", async () => {
    const good = Array.from({ length: 100 }, (_, i) => unique(`good${i}`));
    const big = Buffer.alloc(2 * 1024 * 1024, 120);
    const ops: Promise<unknown>[] = [];
    for (const [i, key] of good.entries()) {
      ops.push(driver.set(key, bytes(`v${i}`), 60).then(() => driver.get(key)));
      if (i % 10 === 0) ops.push(driver.set(`${key}:big`, big, 60).then(() => "sent", (e: unknown) => e));
    }
    const results = await Promise.allSettled(ops);
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    const values = results.map((r) => (r as PromiseFulfilledResult<unknown>).value);
    expect(values.filter((v) => isCacheValueTooLargeError(v))).toHaveLength(10);
    expect(values.filter((v) => v === "sent")).toHaveLength(0);
    for (const [i, key] of good.entries()) expect(text(await driver.get(key))).toBe(`v${i}`);
  });

  it("gets only safe keys from core: hostile entity keys are cached without one collateral failure among 100 concurrent good reads", async () => {
    const Note = defineEntity("Note", {
      store: "dynamodb",
      schema: z.object({ id: z.string(), body: z.string() }),
      key: { partition: "id" },
      cache: { ttl: "60s" },
    });
    const store = new CacheTestStore();
    const hostile = [`${"x".repeat(300)}`, "with spaces", "nl\nset injected 0 0 1\r\nx", "ctl\u0000\u0007", "utf:ключ", "suffix:~l"];
    const good = Array.from({ length: 100 }, (_, i) => `good${i}`);
    for (const id of [...hostile, ...good]) store.seed({ id, body: `body of ${id}` }, ["id"]);
    const cache = createCacheAside({ driver, prefix: unique("keys").replace(/:/g, "-"), closeDriver: false });
    const notes = new PolyxenaRuntime({ stores: { dynamodb: store }, cache }, [Note]).entity(Note);
    // Each hostile key also next to a near twin that the store does not hold: distinct keys stay distinct.
    const seeded = new Set([...hostile, ...good]);
    const ids = [...good, ...hostile, ...hostile.map((id) => `${id} `)];
    const expected = ids.map((id) => (seeded.has(id) ? `body of ${id}` : undefined));
    const first = await Promise.all(ids.map((id) => notes.get({ id })));
    expect(first.map((r) => r.item?.body)).toEqual(expected);
    const again = await Promise.all(ids.map((id) => notes.get({ id })));
    expect(again.map((r) => r.source)).toEqual(ids.map(() => "l2"));
    expect(again.map((r) => r.item?.body)).toEqual(expected);
    expect(cache.stats()).toMatchObject({ l2Errors: 0, decodeFailures: 0 });
  });

  it("keeps oversized entity values out of the cache through cache-aside", async () => {
    const Doc = defineEntity("Doc", {
      store: "dynamodb",
      schema: z.object({ id: z.string(), body: z.string() }),
      key: { partition: "id" },
      cache: { ttl: "60s" },
    });
    const store = new CacheTestStore();
    store.seed({ id: "huge", body: "y".repeat(2 * 1024 * 1024) }, ["id"]);
    store.seed({ id: "small", body: "ok" }, ["id"]);
    const cache = createCacheAside({ driver, prefix: unique("doc").replace(/:/g, "-"), closeDriver: false });
    const docs = new PolyxenaRuntime({ stores: { dynamodb: store }, cache }, [Doc]).entity(Doc);
    const reads = await Promise.all([...Array.from({ length: 20 }, () => docs.get({ id: "small" })), docs.get({ id: "huge" }), docs.get({ id: "huge id with spaces" })]);
    expect(reads.slice(0, 20).every((r) => r.item?.body === "ok")).toBe(true);
    expect(reads[20]!.item!.body).toHaveLength(2 * 1024 * 1024);
    expect(cache.stats().oversize).toBeGreaterThan(0);
    expect((await docs.get({ id: "small" })).source).toBe("l2");
    expect((await docs.get({ id: "huge" })).source).toBe("store");
  });
});

describe("ketama ring", () => {
  const servers = Array.from({ length: 10 }, (_, i) => `10.0.0.${i + 1}:11211`);
  const keys = Array.from({ length: 20_000 }, (_, i) => `px:Profile:abc:${i}`);

  it("spreads keys over every server", () => {
    const ring = new KetamaRing(servers.map((id) => ({ id, node: id })));
    const counts = new Map<string, number>();
    for (const k of keys) counts.set(ring.nodeFor(k), (counts.get(ring.nodeFor(k)) ?? 0) + 1);
    expect(counts.size).toBe(10);
    for (const c of counts.values()) expect(c).toBeGreaterThan(keys.length / 10 / 2);
  });

  it("remaps about a tenth of the keys when one of ten servers is removed, and only those", () => {
    const ring10 = new KetamaRing(servers.map((id) => ({ id, node: id })));
    const ring9 = new KetamaRing(servers.slice(0, 9).map((id) => ({ id, node: id })));
    let moved = 0;
    for (const k of keys) {
      const before = ring10.nodeFor(k);
      const after = ring9.nodeFor(k);
      if (before !== after) {
        moved++;
        expect(before).toBe(servers[9]);
      }
    }
    const fraction = moved / keys.length;
    expect(fraction).toBeGreaterThan(0.05);
    expect(fraction).toBeLessThan(0.16);
  });

  it("routes a zone's keys by the ring, not by memjs's modulo", async () => {
    const zone = (driver.zones as MemcachedZone[])[0]!;
    const ring = new KetamaRing(cluster.addresses.slice(0, 2).map((id) => ({ id, node: id })));
    for (let i = 0; i < 50; i++) expect(zone.serverFor(`key${i}`)).toBe(ring.nodeFor(`key${i}`));
  });
});

// Keep the type import used for the zone list.
export type { CacheDriver };
