/**
 * Hostile input through the repository runtime: query syntax in user text, oversized text,
 * bad filters, sorts and limits, forged cursors and odd document ids. Each call returns a
 * clean result or fails with E_VALIDATION; never E_STORE, never a server error. Runs on the
 * in-memory adapter and on the real adapter with the official client (the test server, or
 * the cluster named by POLYXENA_TEST_ELASTICSEARCH).
 */
import { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { CursorCodec, PolyxenaRuntime, canonicalJson, defineEntity, isPolyxenaError, type EntityRuntime, type PolyxenaError } from "@polyxena/core";
import { createElasticsearchAdapter } from "../src/elasticsearch/index.js";
import { createMemoryElasticsearchAdapter } from "@polyxena/memory";
import { createElasticsearchTestCluster, type ElasticsearchTestCluster } from "@polyxena/testkit";

const Place = defineEntity("HostilePlace", {
  store: "elasticsearch",
  schema: z.object({
    placeId: z.string(),
    name: z.string(),
    notes: z.string(),
    kind: z.enum(["light", "port", "fort"]),
    rank: z.number().int(),
    builtAt: z.date(),
    open: z.boolean(),
  }),
  key: { id: "placeId" },
  search: { text: ["name", "notes"] },
  consistency: { read: "eventual", write: "strong" },
});

const places = [
  { placeId: "p1", name: "North Lighthouse", notes: "granite tower, windy cape", kind: "light", rank: 1, builtAt: new Date("1850-05-01T00:00:00Z"), open: true },
  { placeId: "p2", name: "Old Harbor", notes: "fishing boats, lighthouse keeper", kind: "port", rank: 2, builtAt: new Date("1790-01-01T00:00:00Z"), open: true },
  { placeId: "p3", name: "Star Fort", notes: "five bastions", kind: "fort", rank: 3, builtAt: new Date("1700-03-03T00:00:00Z"), open: false },
  { placeId: "p4", name: "South Pier", notes: "ferries, islands", kind: "port", rank: 4, builtAt: new Date("1901-07-07T00:00:00Z"), open: true },
] as const;

const SECRET = "hostile-input-test-cursor-secret";

interface Target {
  name: string;
  repo: EntityRuntime;
}

let cluster: ElasticsearchTestCluster;
let client: Client;
const targets: Target[] = [];

beforeAll(async () => {
  cluster = await createElasticsearchTestCluster("elasticsearch-hostile");
  client = new Client({ node: cluster.url, maxRetries: 0 });
  const real = createElasticsearchAdapter({ client }, { indexPrefix: cluster.indexPrefix });
  await real.applySchema([Place.model]);
  for (const [name, adapter] of [["memory", createMemoryElasticsearchAdapter()], ["official client", real]] as const) {
    const repo = new PolyxenaRuntime({ stores: { elasticsearch: adapter }, cursorSecret: SECRET }, [Place]).entity(Place);
    const result = await repo.putMany(places);
    expect(result.failed).toEqual([]);
    targets.push({ name, repo });
  }
});

afterAll(async () => {
  await client?.close();
  await cluster?.close();
});

async function rejection(promise: Promise<unknown>, what: string): Promise<PolyxenaError> {
  try {
    await promise;
  } catch (error) {
    if (isPolyxenaError(error)) return error;
    throw error;
  }
  throw new Error(`expected the call with ${what} to fail`);
}

async function expectValidation(promise: Promise<unknown>, path: readonly PropertyKey[]): Promise<void> {
  const error = await rejection(promise, JSON.stringify(path));
  expect(error.code, error.message).toBe("E_VALIDATION");
  expect(error.issues?.map((i) => i.path.slice(0, path.length))).toContainEqual(path);
}

const ids = (items: readonly Record<string, unknown>[]) => items.map((i) => i.placeId).sort();

describe.each(["memory", "official client"])("hostile input (%s)", (name) => {
  const repo = () => targets.find((t) => t.name === name)!.repo;

  it("matches query-string syntax as plain words, never as operators", async () => {
    // Only real words match: operators, wildcards, field prefixes and JSON are just text.
    const cases: [string, string[]][] = [
      ['title:(foo OR "bar', []],
      ["*", []],
      ["*:*", []],
      ["\\", []],
      ['{"query":{"match_all":{}}}', []],
      ["AND OR NOT", []],
      // UAX #29 keeps "name:lighthouse" as one word (":" joins letters), as Lucene's tokenizer does.
      ["name:lighthouse^100", []],
      ["name: lighthouse^100", ["p1", "p2"]],
      ["-lighthouse", ["p1", "p2"]],
      ["lighthouse AND NOT harbor", ["p1", "p2"]],
      ['fort OR "', ["p3"]],
      ["/bastion.*/ ~ [1 TO 5] {a TO b}", []],
      ["ferries\u0000 \u202e", ["p4"]],
      ["😀 ¯\\_(ツ)_/¯", []],
    ];
    // A lone surrogate is refused before any store sees it: stores disagree on how to encode it.
    await expectValidation(repo().search({ text: "ferries \ud800", limit: 10 }), ["text"]);
    for (const [text, expected] of cases) {
      const page = await repo().search({ text, limit: 10 });
      expect(ids(page.items), JSON.stringify(text)).toEqual(expected);
      expect(page.total, JSON.stringify(text)).toBe(expected.length);
    }
  });

  it("caps search text at 4,096 characters and 1,024 clauses with E_VALIDATION; text up to the caps runs", async () => {
    await expectValidation(repo().search({ text: "lighthouse ".repeat(10_000).slice(0, 100_000) }), ["text"]);
    await expectValidation(repo().search({ text: "x".repeat(4_097) }), ["text"]);
    await expectValidation(repo().search({ text: 42 as unknown as string }), ["text"]);
    // 513 words over the two text fields are 1,026 clauses: more than a node with the least
    // max_clause_count accepts (OpenSearch answers 500 too_many_nested_clauses).
    const tooManyWords = Array.from({ length: 513 }, (_, i) => `w${i}`).join(" ");
    expect(tooManyWords.length).toBeLessThan(4_096);
    await expectValidation(repo().search({ text: tooManyWords }), ["text"]);
    await expectValidation(repo().search({ text: Array.from({ length: 1_025 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(" "), fields: ["name"] }), ["text"]);
    // 4,096 characters of 409 distinct words (818 clauses), ending with one that matches.
    const words = Array.from({ length: 420 }, (_, i) => `w${String(i).padStart(8, "0")}`).join(" ");
    const text = `${words.slice(0, 4_096 - " harbor".length)} harbor`;
    expect(text.length).toBe(4_096);
    expect(ids((await repo().search({ text })).items)).toEqual(["p2"]);
    expect(ids((await repo().search({ text: `${Array.from({ length: 511 }, (_, i) => `w${i}`).join(" ")} harbor` })).items)).toEqual(["p2"]);
  });

  it("refuses unknown, full-text and mistyped filters with E_VALIDATION from core", async () => {
    await expectValidation(repo().search({ filter: { nope: "x" } as never }), ["filter", "nope"]);
    await expectValidation(repo().search({ filter: JSON.parse('{"__proto__": {"rank": 1}}') as never }), ["filter", "__proto__"]);
    await expectValidation(repo().search({ filter: { constructor: "x" } as never }), ["filter", "constructor"]);
    await expectValidation(repo().search({ filter: { name: "Star Fort" } }), ["filter", "name"]);
    await expectValidation(repo().search({ filter: { rank: "ten" } }), ["filter", "rank"]);
    await expectValidation(repo().search({ filter: { rank: { gte: "x" } } }), ["filter", "rank", "gte"]);
    await expectValidation(repo().search({ filter: { rank: { $ne: 1 } } as never }), ["filter", "rank", "$ne"]);
    await expectValidation(repo().search({ filter: { kind: "castle" } }), ["filter", "kind"]);
    await expectValidation(repo().search({ filter: { kind: ["port", { script: "x" }] } as never }), ["filter", "kind", 1]);
    await expectValidation(repo().search({ filter: { builtAt: "yesterday" } }), ["filter", "builtAt"]);
    await expectValidation(repo().search({ filter: { open: { exists: "yes" } } as never }), ["filter", "open", "exists"]);
    await expectValidation(repo().search({ filter: { kind: Array.from({ length: 1_025 }, () => "port") } }), ["filter", "kind"]);
    await expectValidation(repo().search({ fields: ["kind"] as never }), ["fields", 0]);
    await expectValidation(repo().search({ sort: [{ field: "notes" }] }), ["sort", 0]);
    await expectValidation(repo().search({ sort: [{ field: "rank", order: "sideways" as never }] }), ["sort", 0, "order"]);
    // Hostile values of the right type are plain terms.
    expect((await repo().search({ filter: { placeId: "*" } })).total).toBe(0);
    expect((await repo().search({ filter: { placeId: ['p1" OR "1"="1', "p2"] } })).items.map((i) => i.placeId)).toEqual(["p2"]);
  });

  it("refuses limits outside 1..1000 with E_VALIDATION; the largest limit runs", async () => {
    for (const limit of [1_000_000_000, 1_001, 0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "10" as unknown as number]) {
      await expectValidation(repo().search({ text: "lighthouse", limit }), ["limit"]);
    }
    const page = await repo().search({ limit: 1_000, sort: [{ field: "rank" }] });
    expect(page.items.map((i) => i.placeId)).toEqual(["p1", "p2", "p3", "p4"]);
    expect(page.cursor).toBeUndefined();
  });

  it("refuses forged, altered and replayed cursors with E_VALIDATION", async () => {
    const first = await repo().search({ sort: [{ field: "rank" }], limit: 2 });
    expect(first.cursor).toBeDefined();
    const cursor = first.cursor!;
    const flipped = cursor.slice(0, -1) + (cursor.endsWith("A") ? "B" : "A");
    for (const forged of ["", "x", ".", "a.b", "{\"p\":[1]}", "%%%.%%%", "A".repeat(10_000), flipped, `${Buffer.from('{"p":[0,"p0"]}').toString("base64url")}.${cursor.split(".")[1]}`]) {
      await expectValidation(repo().search({ sort: [{ field: "rank" }], limit: 2, cursor: forged }), ["cursor"]);
    }
    // A real cursor replayed against other parameters.
    await expectValidation(repo().search({ sort: [{ field: "rank" }], limit: 3, cursor }), ["cursor"]);
    await expectValidation(repo().search({ text: "lighthouse", sort: [{ field: "rank" }], limit: 2, cursor }), ["cursor"]);
    const second = await repo().search({ sort: [{ field: "rank" }], limit: 2, cursor });
    expect(second.items.map((i) => i.placeId)).toEqual(["p3", "p4"]);
  });

  it("refuses correctly signed cursors whose position does not fit the sort (leaked secret) with E_VALIDATION", async () => {
    const codec = new CursorCodec(SECRET);
    const scope = `${Place.model.name}.search|${canonicalJson({ t: undefined, f: undefined, filter: {}, sort: [{ field: "rank", order: "asc" }], limit: 2 })}`;
    // The codec is the runtime's: a position that fits the sort is accepted.
    const fitting = await repo().search({ sort: [{ field: "rank" }], limit: 2, cursor: codec.encode(scope, [2, "p2"]) });
    expect(fitting.items.map((i) => i.placeId)).toEqual(["p3", "p4"]);
    for (const position of ["p2", { script: "ctx" }, [2], [2, "p2", 3], ["two", "p2"], [2, { a: 1 }], ["2", "p2"], [2, 7], [true, "p2"], []]) {
      const error = await rejection(repo().search({ sort: [{ field: "rank" }], limit: 2, cursor: codec.encode(scope, position) }), JSON.stringify(position) ?? "");
      expect(error.code, error.message).toBe("E_VALIDATION");
    }
  });

  it("stores and reads back documents whose ids look like paths, queries and API endpoints", async () => {
    const odd = ["a/b", "../../_search", "_bulk", "?q=*", "#frag", "%2F%00", "space id", "ünï©ødé", "p1/_update"];
    const written = await repo().putMany(odd.map((placeId, i) => ({ ...places[0], placeId, rank: 100 + i })));
    expect(written.failed).toEqual([]);
    for (const placeId of odd) expect((await repo().get({ placeId })).item?.placeId, placeId).toBe(placeId);
    expect((await repo().get({ placeId: "../p1" })).item).toBeUndefined();
    const many = await repo().getMany(odd.map((placeId) => ({ placeId })));
    expect(many.map((i) => i?.placeId)).toEqual(odd);
    for (const placeId of odd) await repo().delete({ placeId });
    expect((await repo().search({ text: "granite", consistency: "strong" })).items.map((i) => i.placeId)).toEqual(["p1"]);
  });
});
