import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PolyxenaRuntime,
  isPolyxenaError,
  type EntityDefinition,
  type EntityRuntime,
  type PolyxenaErrorCode,
  type StoreAdapter,
  type StoreKind,
} from "@polyxena/core";
import { conformanceEntity, type ConformanceItem } from "./conformance-entities.js";
import { checkKeyIdentity, keyIdentityEntities } from "./key-identity.js";
import { uniqueConformance } from "./unique-conformance.js";

/**
 * The TTL of the expiry cases: long enough that a write and the reads that check it finish
 * before it on a loaded machine against a real server, short enough to wait out.
 */
const SHORT_TTL = "3s";
/** Past {@link SHORT_TTL}: stores expire in whole seconds. */
const PAST_SHORT_TTL_MS = 4_100;

/** How the conformance suite reaches one adapter. */
export interface ConformanceTarget {
  kind: StoreKind;
  /**
   * Creates an adapter with the physical schema for `definitions` in place
   * (apply it, or nothing for in-memory adapters), isolated from other test
   * files (own schema, table prefix or keyspace).
   */
  setup(definitions: readonly EntityDefinition[]): Promise<{ adapter: StoreAdapter; cleanup(): Promise<void> }>;
  /**
   * Moves the store's clock forward, for TTL expiry. When absent the suite
   * waits in real time (TTL cases then take about two seconds).
   */
  advanceClock?(ms: number): Promise<void>;
  /**
   * DynamoDB only: whether the endpoint implements TransactWriteItems, read
   * after `setup`. Unique constraints need it; without it (dynalite) their
   * writes must fail whole, writing nothing.
   */
  transactWriteItems?: boolean;
}

/** Expects `promise` to reject with a Polyxena error of `code`; returns the error. */
export async function expectPolyxenaError(promise: Promise<unknown>, code: PolyxenaErrorCode) {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${code}`).toBeDefined();
  if (!isPolyxenaError(caught, code)) throw new Error(`expected ${code}, got: ${String((caught as Error)?.stack ?? caught)}`);
  return caught;
}

/**
 * Registers the store-independent conformance suite. The same cases run
 * unchanged against the in-memory adapter and the real adapter of a kind;
 * where they disagree, one of them is wrong.
 */
export function storeConformance(name: string, target: ConformanceTarget): void {
  describe(`${name}: store conformance`, () => {
    const definition = conformanceEntity(target.kind);
    const lenientDefinition = conformanceEntity(target.kind, "conformance_lenient_item", { name: "ConformanceLenientItem", unknownFields: "strip" });
    const keyIdentity = keyIdentityEntities(target.kind);
    let adapter: StoreAdapter;
    let cleanup: () => Promise<void>;
    let runtime: PolyxenaRuntime;
    let repo: EntityRuntime;

    beforeAll(async () => {
      ({ adapter, cleanup } = await target.setup([definition, lenientDefinition, ...keyIdentity.map((e) => e.definition)]));
      runtime = new PolyxenaRuntime({ stores: { [target.kind]: adapter } }, [definition, lenientDefinition]);
      repo = runtime.entity(definition);
    });
    afterAll(async () => {
      await cleanup?.();
    });

    const keyOf = (item: ConformanceItem) => Object.fromEntries(definition.model.key.fields.map((f) => [f, item[f as keyof ConformanceItem]]));
    let serial = 0;
    const newItem = (over: Partial<ConformanceItem> = {}): ConformanceItem => ({
      groupId: randomUUID(),
      itemId: `item-${++serial}-${randomUUID().slice(0, 8)}`,
      ownerId: `owner-${randomUUID()}`,
      title: "The Crown",
      count: 7,
      createdAt: new Date(Date.UTC(2026, 0, 1, 12, 0, 0, 123)),
      tags: ["drama", "history"],
      version: 0,
      ...over,
    });

    it("round-trips every field type, and an absent optional field stays absent", async () => {
      const item = newItem({ note: "séance 🎬 'quoted' \"double\"" });
      const stored = await repo.put(item);
      expect(stored.version).toBe(0);
      const read = (await repo.get(keyOf(item))).item as ConformanceItem;
      expect(read).toEqual(item);
      expect(read.createdAt).toBeInstanceOf(Date);
      const bare = newItem({ tags: [] });
      await repo.put(bare);
      const bareRead = (await repo.get(keyOf(bare))).item as ConformanceItem;
      expect(bareRead.note).toBeUndefined();
      expect(bareRead.tags).toEqual([]);
    });

    it("returns undefined for a missing key, and E_NOT_FOUND only from getOrThrow semantics", async () => {
      const missing = newItem();
      expect((await repo.get(keyOf(missing))).item).toBeUndefined();
    });

    it("getMany is aligned with the keys, with undefined for missing ones", async () => {
      const a = newItem();
      const b = newItem();
      await repo.put(a);
      await repo.put(b);
      const missing = newItem();
      const got = (await repo.getMany([keyOf(b), keyOf(missing), keyOf(a), keyOf(b)])) as (ConformanceItem | undefined)[];
      expect(got.map((x) => x?.itemId)).toEqual([b.itemId, undefined, a.itemId, b.itemId]);
    });

    it("put replaces the whole item", async () => {
      const item = newItem({ note: "first" });
      await repo.put(item);
      const { note: _dropped, ...withoutNote } = item;
      await repo.put({ ...withoutNote, title: "second" });
      const read = (await repo.get(keyOf(item))).item as ConformanceItem;
      expect(read.title).toBe("second");
      expect(read.note).toBeUndefined();
    });

    it("putMany writes every valid item and reports each invalid one by index, losing none", async () => {
      const good = [newItem(), newItem(), newItem()];
      const result = await repo.putMany([good[0], { ...newItem(), count: "many" }, good[1], { nope: true }, good[2]]);
      expect(result.written.map((i) => i.itemId)).toEqual(good.map((i) => i.itemId));
      expect(result.failed.map((f) => [f.index, f.error.code])).toEqual([
        [1, "E_VALIDATION"],
        [3, "E_VALIDATION"],
      ]);
      const read = (await repo.getMany(good.map(keyOf))) as ConformanceItem[];
      expect(read).toEqual(good);
    });

    it("ifNotExists refuses to overwrite with E_CONDITION_FAILED and keeps the stored item", async () => {
      const item = newItem();
      const created = await repo.put(item, { ifNotExists: true });
      expect(created.version).toBe(1);
      const error = await expectPolyxenaError(repo.put({ ...item, title: "overwrite" }, { ifNotExists: true }), "E_CONDITION_FAILED");
      // Every store words it alike: what exists (the key) and how to proceed.
      const key = definition.model.key.fields.map((f) => `${f}=${JSON.stringify(item[f as keyof ConformanceItem])}`).join(", ");
      expect(error.summary).toBe(`ConformanceItem with key ${key} already exists, so put with ifNotExists wrote nothing`);
      expect(error.fix).toContain("update(key, changes)");
      expect(error.entity).toBe("ConformanceItem");
      expect(((await repo.get(keyOf(item))).item as ConformanceItem).title).toBe(item.title);
    });

    it("expectedVersion writes bump the version and stale versions fail without writing", async () => {
      const item = newItem();
      await repo.put(item, { ifNotExists: true });
      const v2 = await repo.put({ ...item, title: "v2" }, { expectedVersion: 1 });
      expect(v2.version).toBe(2);
      const error = await expectPolyxenaError(repo.put({ ...item, title: "stale" }, { expectedVersion: 1 }), "E_CONDITION_FAILED");
      expect(error.entity).toBe("ConformanceItem");
      const read = (await repo.get(keyOf(item))).item as ConformanceItem;
      expect(read.title).toBe("v2");
      expect(read.version).toBe(2);
      await expectPolyxenaError(repo.put(newItem(), { expectedVersion: 3 }), "E_CONDITION_FAILED");
    });

    it("update changes only the given fields and returns the stored item", async () => {
      const item = newItem({ note: "keep" });
      await repo.put(item, { ifNotExists: true });
      const updated = (await repo.update(keyOf(item), { title: "renamed", count: 8 }, { expectedVersion: 1 })) as ConformanceItem;
      expect(updated).toMatchObject({ title: "renamed", count: 8, note: "keep", version: 2, ownerId: item.ownerId });
      const read = (await repo.get(keyOf(item))).item as ConformanceItem;
      expect(read).toEqual({ ...item, title: "renamed", count: 8, version: 2 });
      await expectPolyxenaError(repo.update(keyOf(item), { title: "stale" }, { expectedVersion: 1 }), "E_CONDITION_FAILED");
    });

    it("update can remove an optional field", async () => {
      const item = newItem({ note: "remove me" });
      await repo.put(item, { ifNotExists: true });
      await repo.update(keyOf(item), { note: undefined }, { expectedVersion: 1 });
      const read = (await repo.get(keyOf(item))).item as ConformanceItem;
      expect(read.note).toBeUndefined();
      expect(read.title).toBe(item.title);
    });

    it("update of a missing item fails with E_CONDITION_FAILED and creates nothing", async () => {
      const item = newItem();
      await expectPolyxenaError(repo.update(keyOf(item), { title: "ghost" }, { expectedVersion: 0 }), "E_CONDITION_FAILED");
      expect((await repo.get(keyOf(item))).item).toBeUndefined();
    });

    it("update without expectedVersion increments the version atomically, or says it cannot", async () => {
      const item = newItem();
      await repo.put(item, { ifNotExists: true });
      if (adapter.capabilities.atomicVersionIncrement) {
        const updated = (await repo.update(keyOf(item), { count: 100 })) as ConformanceItem;
        expect(updated.version).toBe(2);
        expect(((await repo.get(keyOf(item))).item as ConformanceItem).count).toBe(100);
      } else {
        await expectPolyxenaError(repo.update(keyOf(item), { count: 100 }), "E_UNSUPPORTED");
      }
    });

    it("refuses bad writes with E_VALIDATION and writes nothing", async () => {
      const item = newItem();
      await repo.put(item);
      const bad = { ...item, count: "seven", createdAt: "not a date" };
      const error = await expectPolyxenaError(repo.put(bad), "E_VALIDATION");
      expect(error.issues?.map((i) => i.path.join("."))).toEqual(expect.arrayContaining(["count", "createdAt"]));
      await expectPolyxenaError(repo.update(keyOf(item), { count: 1.5 }, { expectedVersion: 0 }), "E_VALIDATION");
      await expectPolyxenaError(repo.update(keyOf(item), { [definition.model.key.partition[0]!]: "other-key" }), "E_VALIDATION");
      await expectPolyxenaError(repo.update(keyOf(item), { nope: 1 }), "E_VALIDATION");
      await expectPolyxenaError(repo.get({ ...keyOf(item), itemId: 42 }), "E_VALIDATION");
      await expectPolyxenaError(repo.get({ ...keyOf(item), itemId: "x".repeat(201) }), "E_VALIDATION");
      expect((await repo.get(keyOf(item))).item).toEqual(item);
    });

    it("refuses fields the schema does not know on every write, naming the field, and writes nothing", async () => {
      const item = newItem();
      const withExtra = { ...item, nickname: "x" };
      const named = (error: { issues?: readonly { path: readonly PropertyKey[]; message: string }[] | undefined; message: string }) => {
        expect(error.issues?.map((i) => i.path.join("."))).toEqual(["nickname"]);
        expect(error.message).toContain("unknown field nickname");
      };
      named(await expectPolyxenaError(repo.put(withExtra), "E_VALIDATION"));
      named(await expectPolyxenaError(repo.put(withExtra, { ifNotExists: true }), "E_VALIDATION"));
      await expectPolyxenaError(repo.put(withExtra, { expectedVersion: 0 }), "E_VALIDATION");
      expect((await repo.get(keyOf(item))).item).toBeUndefined();
      const good = newItem();
      const bulk = await repo.putMany([good, withExtra]);
      expect(bulk.written.map((i) => i.itemId)).toEqual([good.itemId]);
      expect(bulk.failed.map((f) => [f.index, f.error.code, f.error.issues?.map((i) => i.path.join("."))])).toEqual([[1, "E_VALIDATION", ["1.nickname"]]]);
      expect((await repo.get(keyOf(item))).item).toBeUndefined();
      await repo.put(item, { ifNotExists: true });
      const refused = await expectPolyxenaError(repo.update(keyOf(item), { title: "renamed", nickname: "x" }, { expectedVersion: 1 }), "E_VALIDATION");
      expect(refused.issues?.map((i) => i.path.join("."))).toEqual(["changes.nickname"]);
      expect((await repo.get(keyOf(item))).item).toEqual({ ...item, version: 1 });
      if (adapter.capabilities.transactions && adapter.transaction) {
        const other = newItem();
        await expectPolyxenaError(runtime.transaction((scope) => scope.entity(definition).put({ ...other, nickname: "x" })), "E_VALIDATION");
        expect((await repo.get(keyOf(other))).item).toBeUndefined();
      }
    });

    it("drops unknown fields on every write of an entity declared unknownFields: \"strip\"", async () => {
      const lenient = runtime.entity(lenientDefinition);
      const item = newItem();
      const stored = await lenient.put({ ...item, nickname: "x" }, { ifNotExists: true });
      expect(stored).toEqual({ ...item, version: 1 });
      expect((await lenient.get(keyOf(item))).item).toEqual({ ...item, version: 1 });
      const updated = await lenient.update(keyOf(item), { title: "renamed", nickname: "x" }, { expectedVersion: 1 });
      expect(updated).toEqual({ ...item, title: "renamed", version: 2 });
      await expectPolyxenaError(lenient.update(keyOf(item), { nickname: "x" }, { expectedVersion: 2 }), "E_VALIDATION");
      const bulk = await lenient.putMany([{ ...newItem(), nickname: "y" }]);
      expect(bulk.failed).toEqual([]);
      expect(Object.keys(bulk.written[0]!)).not.toContain("nickname");
    });

    it("refuses hostile object keys (__proto__, constructor, prototype) anywhere with E_VALIDATION, touching no prototype", async () => {
      const item = newItem();
      await repo.put(item, { ifNotExists: true });
      const key = keyOf(item);
      const keyJson = JSON.stringify(key).slice(1, -1);
      const itemJson = JSON.stringify(item).slice(1, -1);
      const hostile = ['"__proto__": { "polluted": true, "title": "evil" }', '"constructor": { "prototype": { "polluted": true } }', '"prototype": { "polluted": true }'];
      for (const member of hostile) {
        const path = member.slice(1, member.indexOf('"', 1));
        const withMember = (json: string) => JSON.parse(`{ ${json}, ${member} }`) as Record<string, unknown>;
        const refusal = await expectPolyxenaError(repo.update(key, withMember('"title": "renamed"'), { expectedVersion: 1 }), "E_VALIDATION");
        expect(refusal.issues?.map((i) => i.path.join("."))).toEqual([`changes.${path}`]);
        await expectPolyxenaError(repo.put({ ...withMember(itemJson), createdAt: item.createdAt }), "E_VALIDATION");
        await expectPolyxenaError(repo.put({ ...withMember(itemJson), createdAt: item.createdAt, itemId: `${item.itemId}-x` }, { ifNotExists: true }), "E_VALIDATION");
        const bulk = await repo.putMany([{ ...withMember(itemJson), createdAt: item.createdAt }]);
        expect(bulk.failed.map((f) => f.error.code)).toEqual(["E_VALIDATION"]);
        await expectPolyxenaError(repo.get(withMember(keyJson)), "E_VALIDATION");
        await expectPolyxenaError(repo.getMany([key, withMember(keyJson)]), "E_VALIDATION");
        await expectPolyxenaError(repo.delete(withMember(keyJson)), "E_VALIDATION");
        await expectPolyxenaError(repo.update(withMember(keyJson), { title: "renamed" }), "E_VALIDATION");
        await expectPolyxenaError(repo.query("itemsOfGroup", withMember(`"groupId": "${item.groupId}"`)), "E_VALIDATION");
        await expectPolyxenaError(repo.query("itemsOfGroup", { groupId: item.groupId }, { range: withMember('"gte": "a"') }), "E_VALIDATION");
      }
      expect((await repo.get(key)).item).toEqual({ ...item, version: 1 });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((Object.prototype as Record<string, unknown>).title).toBeUndefined();
    });

    it("refuses text with invalid Unicode (a lone surrogate) with E_VALIDATION in items, keys, changes and parameters", async () => {
      const item = newItem();
      for (const bad of ["a\ud800b", "\udfff", "tail\ud83d"]) {
        const error = await expectPolyxenaError(repo.put({ ...item, title: bad }), "E_VALIDATION");
        expect(error.issues?.map((i) => i.path.join("."))).toEqual(["title"]);
        await expectPolyxenaError(repo.put({ ...item, tags: ["ok", bad] }), "E_VALIDATION");
        await expectPolyxenaError(repo.put({ ...item, itemId: `${item.itemId}${bad}` }), "E_VALIDATION");
        await expectPolyxenaError(repo.get({ ...keyOf(item), itemId: `${item.itemId}${bad}` }), "E_VALIDATION");
        await expectPolyxenaError(repo.query("byOwner", { ownerId: bad }), "E_VALIDATION");
      }
      expect((await repo.get(keyOf(item))).item).toBeUndefined();
      await repo.put(item, { ifNotExists: true });
      await expectPolyxenaError(repo.update(keyOf(item), { note: "x\udc00" }, { expectedVersion: 1 }), "E_VALIDATION");
      expect((await repo.get(keyOf(item))).item).toEqual({ ...item, version: 1 });
      const paired = newItem({ title: "\ud83c\udfac surrogate pair" });
      await repo.put(paired);
      expect((await repo.get(keyOf(paired))).item).toEqual(paired);
    });

    describe("key identity: same cache key if and only if same stored item (property over generated key pairs)", () => {
      for (const { type, definition: entity } of keyIdentity) {
        it(`${type} keys`, () => checkKeyIdentity(adapter, entity, type), 120_000);
      }
    });

    it("stores hostile text verbatim (quotes, injection attempts, control characters, unicode)", async () => {
      const hostile = ["'; DROP TABLE conformance_item; --", "\" OR 1=1 --", "line\nbreak\ttab", "$where: {}", "😀👩‍👩‍👧", "\\' \\\" \\\\", "{\"$gt\": \"\"}"];
      for (const text of hostile) {
        const item = newItem({ itemId: `hostile-${++serial}-${text}`.slice(0, 200), title: text, tags: [text] });
        await repo.put(item);
        expect((await repo.get(keyOf(item))).item).toEqual(item);
      }
    });

    it("stores a NUL character verbatim, or refuses it with E_VALIDATION where the store cannot hold it", async () => {
      const item = newItem({ title: "a\u0000b" });
      try {
        await repo.put(item);
      } catch (error) {
        if (!isPolyxenaError(error, "E_VALIDATION")) throw error;
        expect((await repo.get(keyOf(item))).item).toBeUndefined();
        return;
      }
      expect((await repo.get(keyOf(item))).item).toEqual(item);
    });

    it("delete removes the item; ifExists and expectedVersion are enforced", async () => {
      const item = newItem();
      await repo.put(item, { ifNotExists: true });
      await expectPolyxenaError(repo.delete(keyOf(item), { expectedVersion: 5 }), "E_CONDITION_FAILED");
      expect((await repo.get(keyOf(item))).item).toBeDefined();
      await repo.delete(keyOf(item), { expectedVersion: 1 });
      expect((await repo.get(keyOf(item))).item).toBeUndefined();
      await repo.delete(keyOf(item));
      await expectPolyxenaError(repo.delete(keyOf(item), { ifExists: true }), "E_CONDITION_FAILED");
    });

    it("per-call consistency overrides are accepted, and unknown levels are refused", async () => {
      const item = newItem();
      await repo.put(item, { consistency: "strong" });
      expect((await repo.get(keyOf(item), { consistency: "strong" })).item).toEqual(item);
      expect((await repo.get(keyOf(item), { consistency: "eventual" })).item).toEqual(item);
      await expectPolyxenaError(repo.get(keyOf(item), { consistency: "MOSTLY" as never }), "E_VALIDATION");
    });

    describe("declared queries", () => {
      const groupId = randomUUID();
      const ownerId = `owner-q-${randomUUID()}`;
      const items = Array.from({ length: 7 }, (_, i) =>
        newItem({ groupId, ownerId, itemId: `q-${String(i).padStart(2, "0")}-${groupId.slice(0, 6)}`, createdAt: new Date(Date.UTC(2026, 1, 1, 0, i)) }),
      );
      beforeAll(async () => {
        for (const item of items) await repo.put(item, { consistency: "strong" });
      });

      it("returns items in the declared order", async () => {
        const page = await repo.query("itemsOfGroup", { groupId }, { limit: 100 });
        expect(page.items.map((i) => i.itemId)).toEqual(items.map((i) => i.itemId));
        expect(page.items[0]).toEqual(items[0]);
        expect(page.cursor).toBeUndefined();
      });

      it("pages with cursors, each item exactly once, in order", async () => {
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await repo.query("itemsOfGroup", { groupId }, { limit: 3, cursor });
          expect(page.items.length).toBeLessThanOrEqual(3);
          seen.push(...page.items.map((i) => i.itemId as string));
          cursor = page.cursor;
          pages++;
        } while (cursor && pages < 10);
        expect(seen).toEqual(items.map((i) => i.itemId));
        expect(pages).toBeLessThanOrEqual(4);
      });

      it("gives an exactly full last page no cursor, in either direction", async () => {
        for (const reverse of [false, true]) {
          const page = await repo.query("itemsOfGroup", { groupId }, { limit: items.length, reverse });
          expect(page.items.map((i) => i.itemId)).toEqual((reverse ? [...items].reverse() : items).map((i) => i.itemId));
          expect(page.cursor).toBeUndefined();
        }
      });

      it("reverses and restricts by range on the order field", async () => {
        const reversed = await repo.query("itemsOfGroup", { groupId }, { reverse: true, limit: 2 });
        expect(reversed.items.map((i) => i.itemId)).toEqual([items[6]!.itemId, items[5]!.itemId]);
        const ranged = await repo.query("itemsOfGroup", { groupId }, { range: { gte: items[2]!.itemId, lt: items[5]!.itemId } });
        expect(ranged.items.map((i) => i.itemId)).toEqual([items[2]!.itemId, items[3]!.itemId, items[4]!.itemId]);
      });

      it("serves a query on another field from its secondary structure, newest first", async () => {
        const page = await repo.query("byOwner", { ownerId }, { limit: 4 });
        expect(page.items.map((i) => i.itemId)).toEqual([...items].reverse().slice(0, 4).map((i) => i.itemId));
        const rest = await repo.query("byOwner", { ownerId }, { limit: 4, cursor: page.cursor! });
        expect(rest.items.map((i) => i.itemId)).toEqual([...items].reverse().slice(4).map((i) => i.itemId));
        const since = await repo.query("byOwner", { ownerId }, { range: { gt: items[4]!.createdAt } });
        expect(since.items.map((i) => i.itemId)).toEqual([items[6]!.itemId, items[5]!.itemId]);
      });

      it("keeps the secondary structure in step with updates and deletes", async () => {
        const owner = `owner-move-${randomUUID()}`;
        const moved = newItem({ ownerId: owner });
        await repo.put(moved, { ifNotExists: true, consistency: "strong" });
        expect((await repo.query("byOwner", { ownerId: owner })).items.map((i) => i.itemId)).toEqual([moved.itemId]);
        const newOwner = `${owner}-new`;
        await repo.update(keyOf(moved), { ownerId: newOwner }, { expectedVersion: 1, consistency: "strong" });
        expect((await repo.query("byOwner", { ownerId: owner })).items).toEqual([]);
        expect((await repo.query("byOwner", { ownerId: newOwner })).items.map((i) => i.ownerId)).toEqual([newOwner]);
        await repo.delete(keyOf(moved), { consistency: "strong" });
        expect((await repo.query("byOwner", { ownerId: newOwner })).items).toEqual([]);
      });

      it("refuses tampered cursors, cursors of other parameters, and bad parameters", async () => {
        const page = await repo.query("itemsOfGroup", { groupId }, { limit: 2 });
        const cursor = page.cursor!;
        const tampered = `${cursor.slice(0, 5)}${cursor[5] === "A" ? "B" : "A"}${cursor.slice(6)}`;
        await expectPolyxenaError(repo.query("itemsOfGroup", { groupId }, { limit: 2, cursor: tampered }), "E_VALIDATION");
        await expectPolyxenaError(repo.query("itemsOfGroup", { groupId: randomUUID() }, { limit: 2, cursor }), "E_VALIDATION");
        await expectPolyxenaError(repo.query("itemsOfGroup", { groupId }, { limit: 2, cursor: "garbage" }), "E_VALIDATION");
        await expectPolyxenaError(repo.query("itemsOfGroup", { groupId, extra: 1 }), "E_VALIDATION");
        await expectPolyxenaError(repo.query("itemsOfGroup", {}), "E_VALIDATION");
        await expectPolyxenaError(repo.query("itemsOfGroup", { groupId }, { limit: 0 }), "E_VALIDATION");
        await expectPolyxenaError(repo.query("itemsOfGroup", { groupId }, { limit: 5000 }), "E_VALIDATION");
        await expectPolyxenaError(repo.query("noSuchQuery", { groupId }), "E_VALIDATION");
      });
    });

    it("expires rows after their TTL where the store has row TTL", async () => {
      if (!adapter.capabilities.rowTtl) {
        await expectPolyxenaError(repo.put(newItem(), { ttl: SHORT_TTL }), "E_UNSUPPORTED");
        return;
      }
      const item = newItem();
      await repo.put(item, { ttl: SHORT_TTL });
      expect((await repo.get(keyOf(item))).item).toEqual(item);
      if (target.advanceClock) await target.advanceClock(PAST_SHORT_TTL_MS);
      else await new Promise((resolve) => setTimeout(resolve, PAST_SHORT_TTL_MS));
      expect((await repo.get(keyOf(item))).item).toBeUndefined();
    });

    /** Waits past the short TTL (on the store's clock when it has one). */
    const outliveTtl = async () => {
      if (target.advanceClock) await target.advanceClock(PAST_SHORT_TTL_MS);
      else await new Promise((resolve) => setTimeout(resolve, PAST_SHORT_TTL_MS));
    };
    const ownedBy = async (ownerId: string) => (await repo.query("byOwner", { ownerId })).items;

    it("a versioned put with a TTL expires the whole item and its query rows", async () => {
      const item = newItem({ note: "written without a TTL" });
      await repo.put(item, { ifNotExists: true });
      if (!adapter.capabilities.rowTtl) {
        await expectPolyxenaError(repo.put({ ...item, title: "short-lived" }, { expectedVersion: 1, ttl: SHORT_TTL }), "E_UNSUPPORTED");
        return;
      }
      const { note: _dropped, ...withoutNote } = item;
      await repo.put({ ...withoutNote, title: "short-lived" }, { expectedVersion: 1, ttl: SHORT_TTL });
      expect((await repo.get(keyOf(item))).item).toEqual({ ...withoutNote, title: "short-lived", version: 2 });
      await outliveTtl();
      expect((await repo.get(keyOf(item))).item).toBeUndefined();
      expect(await ownedBy(item.ownerId)).toEqual([]);
    });

    it("an update with a TTL expires the whole item, fields it did not change included", async () => {
      const item = newItem({ note: "unchanged" });
      await repo.put(item, { ifNotExists: true });
      if (!adapter.capabilities.rowTtl) {
        await expectPolyxenaError(repo.update(keyOf(item), { title: "short-lived" }, { expectedVersion: 1, ttl: SHORT_TTL }), "E_UNSUPPORTED");
        return;
      }
      const updated = await repo.update(keyOf(item), { title: "short-lived" }, { expectedVersion: 1, ttl: SHORT_TTL });
      expect(updated).toEqual({ ...item, title: "short-lived", version: 2 });
      expect((await repo.get(keyOf(item))).item).toEqual({ ...item, title: "short-lived", version: 2 });
      expect(await ownedBy(item.ownerId)).toEqual([{ ...item, title: "short-lived", version: 2 }]);
      await expectPolyxenaError(repo.update(keyOf(item), { title: "stale" }, { expectedVersion: 1, ttl: SHORT_TTL }), "E_CONDITION_FAILED");
      await outliveTtl();
      expect((await repo.get(keyOf(item))).item).toBeUndefined();
      expect(await ownedBy(item.ownerId)).toEqual([]);
    });
  });
  uniqueConformance(name, target);
}
