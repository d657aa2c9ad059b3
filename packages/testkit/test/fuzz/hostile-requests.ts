/**
 * Generated requests for the fuzz suite: good requests on a small pool of keys
 * (their expected results are tracked in a model) and hostile requests (odd and
 * oversized keys and values, wrong types, prototype keys, query syntax, tampered
 * cursors) as plain data, so a failing case prints readably and replays from its seed.
 */
import fc from "fast-check";

/** Keys of good requests: a few slots per run, so requests meet the same items. */
export const SLOTS = 4;
/** Owners of good requests (the query parameter). */
export const OWNERS = 2;

/** A request the service is entitled to make: it must never fail. */
export type GoodRequest =
  | { t: "put"; slot: number; owner: number; n: number; note: string | undefined }
  | { t: "get"; slot: number }
  | { t: "getMany"; slots: number[] }
  | { t: "update"; slot: number; n: number }
  | { t: "delete"; slot: number }
  | { t: "query"; owner: number; limit: number }
  | { t: "search"; word: string };

/** How a real cursor is tampered with. */
export type CursorTamper =
  | { how: "flip"; at: number }
  | { how: "truncate"; at: number }
  | { how: "append"; text: string }
  | { how: "replace"; text: string }
  | { how: "json"; value: unknown };

/** A hostile or careless request: it may succeed, or fail with a caller's error code, and must hurt no one else. */
export type BadRequest =
  /** A key value that is odd but may be valid (put then get it back). */
  | { t: "oddKey"; key: string }
  /** The key of a good slot in upper case: a different key or the same one, as the store decides; the cache must agree. */
  | { t: "caseKey"; slot: number; action: "get" | "put" }
  /** A key that is not a valid key at all (wrong type, missing field, hostile object). */
  | { t: "badKey"; action: "get" | "getMany" | "update" | "delete" | "put"; key: unknown }
  /** A put of an item with a wrong or hostile field, at a good slot. */
  | { t: "badItem"; slot: number; field: string; value: unknown; json: string | undefined }
  /** An update with wrong or hostile changes, at a good slot. */
  | { t: "badChanges"; slot: number; changes: unknown; json: string | undefined }
  /** A query with hostile parameters or options. */
  | { t: "badQuery"; params: unknown; options: unknown; json: string | undefined }
  /** A page request with a tampered cursor. */
  | { t: "badCursor"; owner: number; tamper: CursorTamper }
  /** A bulk write mixing valid items at odd keys with hostile ones. */
  | { t: "badBulk"; items: { key: string | undefined; value: unknown; json: string | undefined }[] }
  /** A search with hostile text, filters or options (Elasticsearch only). */
  | { t: "badSearch"; options: unknown; json: string | undefined };

export type FuzzRequest = { good: GoodRequest } | { bad: BadRequest };

/** Strings that have broken parsers, encoders and query builders. */
const NASTY = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "x\udfffy",
  "__proto__",
  "constructor",
  "prototype",
  "hasOwnProperty",
  "toString",
  "*",
  "?",
  "' OR '1'='1",
  "\"; DROP TABLE t; --",
  "'); DELETE FROM t; --",
  "owner:* OR id:*",
  '{"match_all":{}}',
  "$where",
  ".*",
  "\\",
  "%",
  "_",
  "%00",
  "../../etc/passwd",
  "\n\r\t",
  "\u202e\u202d",
  "\ufeff",
  "🙂👍🏽",
  "Ⅻ",
  "İ",
  "ß",
  "a".repeat(200),
];

/** Sizes around and over the key limits of every store (Elasticsearch id 512 B, DynamoDB 1024/2048 B, Postgres btree 2704 B, Cassandra 64 KB). */
const LIMIT_SIZES = [511, 512, 513, 1024, 1025, 2048, 2049, 2700, 2705, 65_535, 65_536, 70_000];

/** Odd strings: nasty constants, arbitrary code units (lone surrogates included), sizes around the limits in one- and two-byte characters. */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ unit: "binary", maxLength: 24 }),
  fc.string({ unit: "grapheme", maxLength: 24 }),
  fc.constantFrom(...LIMIT_SIZES).map((n) => "k".repeat(n)),
  fc.constantFrom(...LIMIT_SIZES).map((n) => "é".repeat(Math.ceil(n / 2))),
);

/** Values of the wrong type for any field. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, undefined, Number.NaN, Number.POSITIVE_INFINITY, -0, 2 ** 60, 1.5, true, [], {}, new Date(Number.NaN), Symbol.for("px")),
  fc.bigInt(),
  fc.double(),
  fc.date({ noInvalidDate: true }),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 3 }),
  oddString,
);

/** JSON objects whose own keys are prototype keys, parsed so `__proto__` is an own property. */
export const HOSTILE_JSON = [
  '{"__proto__": {"polluted": "yes"}}',
  '{"constructor": {"prototype": {"polluted": "yes"}}}',
  '{"prototype": {"polluted": "yes"}}',
  '{"__proto__": null}',
  '{"toString": "x", "valueOf": 1}',
  '{"hasOwnProperty": "x"}',
];

const slot = fc.integer({ min: 0, max: SLOTS - 1 });
const owner = fc.integer({ min: 0, max: OWNERS - 1 });
const goodNote = fc.option(fc.string({ unit: "grapheme-ascii", maxLength: 30 }), { nil: undefined });
const word = fc.constantFrom("alpha", "beta", "gamma", "delta");

export const goodRequest: fc.Arbitrary<GoodRequest> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant("put" as const), slot, owner, n: fc.integer({ min: -1_000_000, max: 1_000_000 }), note: goodNote }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("get" as const), slot }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("getMany" as const), slots: fc.array(slot, { minLength: 1, maxLength: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("update" as const), slot, n: fc.integer({ min: 0, max: 1000 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("delete" as const), slot }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("query" as const), owner, limit: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("search" as const), word }) },
);

const fieldName = fc.constantFrom("id", "owner", "n", "note", "unknownField", "__proto__", "constructor");

const cursorTamper: fc.Arbitrary<CursorTamper> = fc.oneof(
  fc.record({ how: fc.constant("flip" as const), at: fc.nat(200) }),
  fc.record({ how: fc.constant("truncate" as const), at: fc.nat(200) }),
  fc.record({ how: fc.constant("append" as const), text: oddString }),
  fc.record({ how: fc.constant("replace" as const), text: oddString }),
  fc.record({ how: fc.constant("json" as const), value: fc.oneof(wrongValue, fc.constantFrom(...HOSTILE_JSON).map((j) => JSON.parse(j) as unknown)) }),
);

export const badRequest: fc.Arbitrary<BadRequest> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant("oddKey" as const), key: oddString }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("caseKey" as const), slot, action: fc.constantFrom("get" as const, "put" as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("badKey" as const),
      action: fc.constantFrom("get" as const, "getMany" as const, "update" as const, "delete" as const, "put" as const),
      key: fc.oneof(
        wrongValue,
        wrongValue.map((id) => ({ id })),
        oddString.map((id) => ({ id, extra: 1 })),
        fc.constantFrom(...HOSTILE_JSON).map((j) => JSON.parse(j) as unknown),
        fc.constantFrom(...HOSTILE_JSON).map((j) => ({ id: "x", ...(JSON.parse(j) as object) })),
      ),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("badItem" as const),
      slot,
      field: fieldName,
      value: wrongValue,
      json: fc.option(fc.constantFrom(...HOSTILE_JSON), { nil: undefined }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("badChanges" as const),
      slot,
      changes: fc.oneof(wrongValue, fc.dictionary(fieldName, wrongValue, { maxKeys: 3 })),
      json: fc.option(fc.constantFrom(...HOSTILE_JSON), { nil: undefined }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("badQuery" as const),
      params: fc.oneof(wrongValue, oddString.map((o) => ({ owner: o })), fc.dictionary(fieldName, wrongValue, { maxKeys: 2 })),
      options: fc.oneof(
        fc.constant(undefined),
        fc.record({ limit: fc.oneof(fc.integer({ min: -5, max: 5_000 }), wrongValue) }, { requiredKeys: [] }),
        fc.record({ cursor: fc.oneof(oddString, wrongValue) }, { requiredKeys: [] }),
        fc.record({ reverse: wrongValue, range: wrongValue, consistency: wrongValue }, { requiredKeys: [] }),
      ),
      json: fc.option(fc.constantFrom(...HOSTILE_JSON), { nil: undefined }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("badCursor" as const), owner, tamper: cursorTamper }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("badBulk" as const),
      items: fc.array(
        fc.record({
          key: fc.option(oddString, { nil: undefined }),
          value: fc.oneof(fc.integer(), wrongValue),
          json: fc.option(fc.constantFrom(...HOSTILE_JSON), { nil: undefined }),
        }),
        { minLength: 1, maxLength: 6 },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("badSearch" as const),
      options: fc.oneof(
        fc.record({ text: oddString }),
        fc.record({ text: fc.constantFrom("note:* AND id:*", "((((", "\"unterminated", "a~100", "/.*/", "note:[* TO *]") }),
        fc.record({ filter: fc.oneof(wrongValue, fc.dictionary(fieldName, wrongValue, { maxKeys: 2 })) }),
        fc.record({ sort: fc.oneof(wrongValue, fc.array(fc.record({ field: fieldName, order: wrongValue }), { maxLength: 2 })) }),
        fc.record({ fields: wrongValue, limit: wrongValue, cursor: oddString }, { requiredKeys: [] }),
      ),
      json: fc.option(fc.constantFrom(...HOSTILE_JSON), { nil: undefined }),
    }),
  },
);

/** Good requests interleaved with hostile ones. */
export const requestSequence: fc.Arbitrary<FuzzRequest[]> = fc.array(
  fc.oneof(
    { weight: 1, arbitrary: goodRequest.map((good) => ({ good })) },
    { weight: 1, arbitrary: badRequest.map((bad) => ({ bad })) },
  ),
  { minLength: 4, maxLength: 24 },
);

/** Applies a tamper to a real cursor. */
export function tamperCursor(cursor: string, tamper: CursorTamper): unknown {
  switch (tamper.how) {
    case "flip": {
      const at = tamper.at % Math.max(1, cursor.length);
      const c = cursor.charCodeAt(at);
      return cursor.slice(0, at) + String.fromCharCode(c === 65 ? 66 : 65) + cursor.slice(at + 1);
    }
    case "truncate":
      return cursor.slice(0, tamper.at % Math.max(1, cursor.length));
    case "append":
      return cursor + tamper.text;
    case "replace":
      return tamper.text;
    case "json":
      return Buffer.from(JSON.stringify(tamper.value, (_k, v: unknown) => (typeof v === "bigint" ? `${v}` : v)) ?? "null").toString("base64url");
  }
}
