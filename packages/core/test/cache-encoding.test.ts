import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryCacheDriver } from "@polyxena/memory";
import { defineEntity } from "../src/define-entity.js";
import { PolyxenaRuntime } from "../src/polyxena-runtime.js";
import { CacheTestStore } from "@polyxena/testkit";
import {
  CacheKeyBuilder,
  CacheValueCodec,
  createCacheAside,
  type CacheDriver,
  decodeEnvelope,
  encodeEnvelope,
  encodeKeyValue,
  isCacheValueTooLargeError,
  LEASE_SUFFIX,
  MAX_CACHE_KEY_BYTES,
  toSafeCacheKey,
  ZonedCacheDriver,
} from "../src/cache/index.js";
import { lookupKeyValue } from "../src/cache/cache-key-builder.js";

const Event = defineEntity("Event", {
  store: "cassandra",
  schema: z.object({
    userId: z.uuid(),
    at: z.date(),
    kind: z.string(),
    amount: z.bigint(),
    tags: z.array(z.string()),
    dates: z.array(z.date()),
    meta: z.object({ seenAt: z.date().optional(), note: z.string() }),
    counts: z.record(z.string(), z.number()),
  }),
  key: { partition: ["userId"], clustering: [{ field: "at", order: "desc" }] },
  cache: { ttl: "1m" },
});

describe("cache keys", () => {
  const keys = new CacheKeyBuilder("svc", "Event", Event.model.schemaHash, Event.model.key.fields, Event.model.fields);
  const at = new Date("2024-05-06T07:08:09.010Z");

  it("are prefix:entity:schemaHash:encodedKey and canonical", () => {
    const key = keys.itemKey({ userId: "0f8fad5b-d9cb-469f-a165-70867728950e", at });
    expect(key).toBe(`svc:Event:${Event.model.schemaHash}:0f8fad5b-d9cb-469f-a165-70867728950e:d${at.getTime()}`);
    expect(keys.itemKey({ at, userId: "0f8fad5b-d9cb-469f-a165-70867728950e" })).toBe(key);
    // No folding here: validation canonicalizes UUIDs before a key is built, so distinct strings are distinct keys.
    expect(keys.itemKey({ at, userId: "0F8FAD5B-D9CB-469F-A165-70867728950E" })).not.toBe(key);
  });

  it("encode separators, whitespace and control characters so keys cannot collide or forge suffixes", () => {
    expect(encodeKeyValue("a b")).toBe("a%20b");
    expect(encodeKeyValue("a:b")).not.toContain(":");
    expect(encodeKeyValue("x~l")).not.toContain("~");
    expect(encodeKeyValue("line\nbreak\u0000")).toMatch(/^[\x21-\x7e]+$/);
    expect(encodeKeyValue(-0)).toBe("0");
    expect(encodeKeyValue(12n)).toBe("12n");
    expect(encodeKeyValue("\ud800")).toMatch(/^[\x21-\x7e]+$/);
    const a = keys.itemKey({ userId: "x", at: "y:~l" as unknown as Date });
    expect(a.endsWith(LEASE_SUFFIX)).toBe(false);
  });

  it("hash the encoded part of keys that would pass the memcached limit", () => {
    const long = new CacheKeyBuilder("svc", "Doc", "h", ["id"]).itemKey({ id: "é".repeat(400) });
    expect(long.length).toBeLessThanOrEqual(MAX_CACHE_KEY_BYTES - 4);
    expect(long.startsWith("svc:Doc:h:~h:")).toBe(true);
    expect(new CacheKeyBuilder("svc", "Doc", "h", ["id"]).itemKey({ id: "é".repeat(401) })).not.toBe(long);
  });

  it("lookupKeyValue agrees with encodeKeyValue wherever encoding keeps a string, and never equals another value's encoding", () => {
    const values = ["plain", "0f8fad5b-d9cb-469f-a165-70867728950e", "", "a b", "a%20b", "%7Eh%3Ax", "~h:x", "a:b", "a%3Ab", "ключ", "%D0%BA", "x.y_z-1", "!", "%21", "line\nbreak", "line%0Abreak"];
    const encoded = new Map(values.map((v) => [encodeKeyValue(v), v]));
    for (const v of values) {
      const lookup = lookupKeyValue(v);
      if (/^[A-Za-z0-9_.-]*$/.test(v)) expect(lookup).toBe(encodeKeyValue(v));
      // A lookup key that is some value's encoding is that value's own.
      const owner = encoded.get(lookup);
      if (owner !== undefined) expect(owner).toBe(v);
    }
    expect(lookupKeyValue(-0)).toBe("0");
    expect(lookupKeyValue(7)).toBe(encodeKeyValue(7));
  });

  it("toSafeCacheKey leaves good keys alone and hashes bad ones to distinct safe keys", () => {
    expect(toSafeCacheKey("px:Title:abc:1")).toBe("px:Title:abc:1");
    const bad = ["has space", "new\nline", "x".repeat(251), "ключ", ""];
    const safe = bad.map((k) => toSafeCacheKey(k));
    for (const s of safe) {
      expect(s).toMatch(/^[\x21-\x7e]+$/);
      expect(Buffer.byteLength(s)).toBeLessThanOrEqual(250);
    }
    expect(new Set(safe).size).toBe(bad.length);
  });
});

describe("key safety, in one layer", () => {
  it("every key core hands a driver is printable ASCII of at most 250 bytes, whatever the key values and protocol suffixes", async () => {
    const Note = defineEntity("Note", {
      store: "dynamodb",
      schema: z.object({ id: z.string(), part: z.string(), body: z.string() }),
      key: { partition: "id", sort: "part" },
      queries: { byBody: { by: ["body"], order: { part: "asc" } } },
      cache: { ttl: "60s", staleIfError: "60s", queries: true },
    });
    const sent: string[] = [];
    const inner = new MemoryCacheDriver();
    const recording: CacheDriver = {
      name: "recording",
      maxValueBytes: inner.maxValueBytes,
      get: (key) => (sent.push(key), inner.get(key)),
      gets: (key) => (sent.push(key), inner.gets(key)),
      cas: (key, value, ttl, token) => (sent.push(key), inner.cas(key, value, ttl, token)),
      add: (key, value, ttl) => (sent.push(key), inner.add(key, value, ttl)),
      set: (key, value, ttl) => (sent.push(key), inner.set(key, value, ttl)),
      delete: (key) => (sent.push(key), inner.delete(key)),
    };
    const store = new CacheTestStore();
    const cache = createCacheAside({ driver: recording });
    const notes = new PolyxenaRuntime({ stores: { dynamodb: store }, cache }, [Note]).entity(Note);
    const hostile = ["x".repeat(300), "with spaces", "nl\nset injected 0 0 1\r\nx", "ctl\u0000\u0007", "utf:ключ", "", "suffix:~l"];
    for (const id of hostile) {
      await notes.put({ id, part: id, body: id });
      await notes.get({ id, part: id });
      await notes.get({ id, part: id });
      await notes.query("byBody", { body: id });
      await notes.delete({ id, part: id });
      await cache.getOrLoad(id, async () => id, { ttlMs: 60_000 });
      await cache.invalidateDerived([id]);
    }
    expect(sent.length).toBeGreaterThan(hostile.length * 6);
    for (const key of sent) expect(key).toMatch(/^[\x21-\x7e]{1,250}$/);
  });
});

describe("cache envelope and value codec", () => {
  it("round-trips dates, bigints, nested dates and records through the zod schema", () => {
    const codec = new CacheValueCodec(Event.schema, Event.model.fields);
    const item = {
      userId: "0f8fad5b-d9cb-469f-a165-70867728950e",
      at: new Date("2024-01-01T00:00:00Z"),
      kind: "play",
      amount: 12345678901234567890n,
      tags: ["a", "b"],
      dates: [new Date(1), new Date(2)],
      meta: { seenAt: new Date(3), note: "n" },
      counts: { x: 1 },
    };
    const decoded = codec.decode(codec.encode(item));
    expect(decoded?.value).toEqual(item);
    expect(decoded?.value.dates[1]).toBeInstanceOf(Date);
  });

  it("treats a value that fails the schema as a miss", () => {
    const codec = new CacheValueCodec(Event.schema, Event.model.fields);
    expect(codec.decode(JSON.stringify({ userId: "not a uuid" }))).toBeUndefined();
    expect(codec.decode("{not json")).toBeUndefined();
  });

  it("untyped values round-trip Map, Set, Date and bigint", () => {
    const codec = new CacheValueCodec<unknown>();
    const value = { m: new Map([["k", new Date(5)]]), s: new Set([1n]), list: [{ d: new Date(7) }] };
    expect(codec.decode(codec.encode(value))?.value).toEqual(value);
  });

  it("reads another schema hash or format version as not an envelope", () => {
    const bytes = encodeEnvelope("hash1", "v", 1000, '{"a":1}');
    expect(decodeEnvelope(bytes, "hash1")).toEqual({ kind: "v", writtenAt: 1000, body: '{"a":1}' });
    expect(decodeEnvelope(bytes, "hash2")).toBeUndefined();
    expect(decodeEnvelope(Buffer.from(`px9|hash1|1000|v|{}`), "hash1")).toBeUndefined();
    expect(decodeEnvelope(Buffer.from("garbage"), "hash1")).toBeUndefined();
    expect(decodeEnvelope(encodeEnvelope("hash1", "t", 5), "hash1")?.kind).toBe("t");
  });

  it("reads a damaged header as not an envelope, and a body in any script as it was written", () => {
    for (const damaged of ["px1|hash1||v|{}", "px1|hash1|12a|v|{}", "px1|hash1|12|x|{}", "px1|hash1|12|v{}", "px1|hash1|", "px1|hash12|1|v|{}", "px1|hash|1|v|{}"]) {
      expect(decodeEnvelope(Buffer.from(damaged), "hash1"), damaged).toBeUndefined();
    }
    const body = JSON.stringify({ name: "Zoë 東京 🎬" });
    expect(decodeEnvelope(encodeEnvelope("hash1", "v", 1_733_000_000_123, body), "hash1")).toEqual({ kind: "v", writtenAt: 1_733_000_000_123, body });
    const view = encodeEnvelope("hash1", "n", 7);
    expect(decodeEnvelope(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), "hash1")).toEqual({ kind: "n", writtenAt: 7, body: "" });
  });
});

describe("in-memory cache driver", () => {
  it("has memcached add/set/touch/TTL semantics with an injected clock", async () => {
    let now = 1_000_000;
    const driver = new MemoryCacheDriver({ now: () => now });
    const v = (s: string) => Buffer.from(s);
    expect(await driver.add("k", v("1"), 10)).toBe(true);
    expect(await driver.add("k", v("2"), 10)).toBe(false);
    now += 9_999;
    expect(Buffer.from((await driver.get("k"))!).toString()).toBe("1");
    expect(await driver.touch("k", 10)).toBe(true);
    now += 9_999;
    expect(await driver.get("k")).toBeDefined();
    now += 2;
    expect(await driver.get("k")).toBeUndefined();
    expect(await driver.add("k", v("3"), 0)).toBe(true);
    now += 365 * 86_400_000;
    expect(await driver.get("k")).toBeDefined();
    // Over 30 days: an absolute Unix time.
    await driver.set("abs", v("x"), Math.floor(now / 1000) + 5);
    now += 4_000;
    expect(await driver.get("abs")).toBeDefined();
    now += 2_000;
    expect(await driver.get("abs")).toBeUndefined();
    expect(await driver.delete("k")).toBe(true);
    expect(await driver.delete("k")).toBe(false);
  });

  it("refuses values over the item limit like the memcached driver", async () => {
    const driver = new MemoryCacheDriver({ maxValueBytes: 10 });
    const error = await driver.set("k", Buffer.alloc(11), 10).catch((e: unknown) => e);
    expect(isCacheValueTooLargeError(error)).toBe(true);
    await driver.set("k", Buffer.alloc(10), 10);
    expect((await driver.get("k"))?.byteLength).toBe(10);
  });

  it("zoned driver writes every zone and reads the local zone first", async () => {
    const a = new MemoryCacheDriver({ name: "a" });
    const b = new MemoryCacheDriver({ name: "b" });
    const zoned = new ZonedCacheDriver([a, b]);
    await zoned.set("k", Buffer.from("v"), 10);
    expect(await a.get("k")).toBeDefined();
    expect(await b.get("k")).toBeDefined();
    await a.delete("k");
    expect(Buffer.from((await zoned.get("k"))!).toString()).toBe("v");
    await a.set("k", Buffer.from("local"), 10);
    expect(Buffer.from((await zoned.get("k"))!).toString()).toBe("local");
  });
});
