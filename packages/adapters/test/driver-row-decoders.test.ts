import { randomUUID } from "node:crypto";
import cassandra from "cassandra-driver";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity } from "@polyxena/core";
import { EntityStatements } from "../src/cassandra/cassandra-statements.js";
import { ItemPageDecoder, NeutralRowDecoder, type DriverColumn } from "../src/cassandra/driver-row-decoders.js";

const { types } = cassandra;
const { dataTypes } = types;

const Reading = defineEntity("Reading", {
  store: "cassandra",
  schema: z.object({
    profileId: z.uuid(),
    seq: z.number().int().min(0).max(1000),
    referrer: z.uuid().optional(),
    title: z.string(),
    rating: z.number(),
    total: z.bigint(),
    wide: z.number().int(),
    flag: z.boolean(),
    at: z.date(),
    tags: z.array(z.string()),
    counts: z.record(z.string(), z.number().int()),
    meta: z.object({ device: z.string(), seen: z.date() }).optional(),
    note: z.string().nullable(),
  }),
  key: { partition: ["profileId"], clustering: [{ field: "seq", order: "asc" }] },
  queries: { inOrder: { by: ["profileId"], order: { seq: "asc" } } },
});

const statements = new EntityStatements(Reading.model, "ks");
const columnOf = (field: string) => Reading.model.fields.find((f) => f.name === field)!.column;

/** Result metadata as the driver reports it for a SELECT of every column. */
const columns: DriverColumn[] = [
  ["profileId", { code: dataTypes.uuid }],
  ["seq", { code: dataTypes.int }],
  ["referrer", { code: dataTypes.uuid }],
  ["title", { code: dataTypes.varchar }],
  ["rating", { code: dataTypes.double }],
  ["total", { code: dataTypes.bigint }],
  ["wide", { code: dataTypes.bigint }],
  ["flag", { code: dataTypes.boolean }],
  ["at", { code: dataTypes.timestamp }],
  ["tags", { code: dataTypes.list, info: { code: dataTypes.varchar } }],
  ["counts", { code: dataTypes.map, info: [{ code: dataTypes.varchar }, { code: dataTypes.bigint }] }],
  ["meta", { code: dataTypes.varchar }],
  ["note", { code: dataTypes.varchar }],
].map(([field, type]) => ({ name: columnOf(field as string), type: type as DriverColumn["type"] }));

const profile = randomUUID();
const referrers = [randomUUID(), randomUUID()];

/** Fresh driver rows (new objects each call, as the driver's parser makes them), with empty cells mixed in. */
function driverRows(): Array<Record<string, unknown>> {
  return Array.from({ length: 7 }, (_, i) => {
    const cells: Record<string, unknown> = {
      profileId: types.Uuid.fromString(profile),
      seq: i,
      referrer: i % 3 === 2 ? null : types.Uuid.fromString(referrers[i < 4 ? 0 : 1]!),
      title: `title-${i}`,
      rating: i / 3,
      total: types.Long.fromString(String(-(2n ** 62n) + BigInt(i))),
      wide: types.Long.fromNumber(2 ** 40 + i),
      flag: i % 2 === 0,
      at: new Date(Date.UTC(2026, 0, 1, 0, i)),
      tags: i === 4 ? null : [`a${i}`, `b${i}`],
      counts: i === 5 ? null : { x: types.Long.fromNumber(i), y: types.Long.fromNumber(-i) },
      meta: i % 2 === 0 ? JSON.stringify({ device: `tv-${i}`, seen: new Date(Date.UTC(2026, 1, i + 1)).toISOString() }) : null,
      note: i === 1 ? "hello" : null,
    };
    return Object.fromEntries(Object.entries(cells).map(([field, value]) => [columnOf(field), value]));
  });
}

/** What the reader makes of the same rows once they are neutral (the in-memory engine's path). */
function reference(reader: typeof statements.reader): Array<Record<string, unknown>> {
  return new NeutralRowDecoder(columns).decode(driverRows()).map(reader.decode);
}

describe("driver rows decoded straight into items", () => {
  for (const [name, reader] of [
    ["whole-row reader (get)", statements.reader],
    ["query reader (partition key bound by equality)", statements.query(Reading.model.queries[0]!).reader],
  ] as const) {
    it(`equal the reader over neutral rows: ${name}`, () => {
      const expected = reference(reader);
      expect(expected[0]).toMatchObject({ profileId: profile, total: -(2n ** 62n), wide: 2 ** 40, tags: ["a0", "b0"], counts: { x: 0, y: 0 } });
      expect(expected[4]!.tags).toEqual([]);
      expect(expected[5]!.counts).toEqual({});
      expect("referrer" in expected[2]!).toBe(false);
      expect(expected[0]!.meta).toEqual({ device: "tv-0", seen: new Date(Date.UTC(2026, 1, 1)) });
      expect(expected[1]!.note).toBe("hello");
      expect(expected[0]!.note).toBeNull();
      // The bound partition key as the caller wrote it: lowercase (used as is) or uppercase (the row's value is formatted instead).
      for (const params of [[profile], [profile.toUpperCase()]]) {
        for (const generate of [true, false]) {
          const items = new ItemPageDecoder(reader, columns, generate).decode(driverRows(), params);
          expect(items).toEqual(expected);
          expect(items.map((i) => Object.keys(i))).toEqual(expected.map((i) => Object.keys(i)));
        }
      }
    });
  }

  it("formats a repeated UUID once per run but never shares mutable values between items", () => {
    const items = new ItemPageDecoder(statements.reader, columns).decode(driverRows(), [profile, 0]);
    expect(items.map((i) => i.referrer)).toEqual([referrers[0], referrers[0], undefined, referrers[0], referrers[1], undefined, referrers[1]]);
    const dates = items.map((i) => i.at);
    expect(new Set(dates).size).toBe(dates.length);
    (items[0]!.tags as string[]).push("mutated");
    expect(items[2]!.tags).toEqual(["a2", "b2"]);
  });

  it("fits only results with the same column names and types", () => {
    const decoder = new ItemPageDecoder(statements.reader, columns);
    expect(decoder.fits(columns)).toBe(true);
    expect(decoder.fits(columns.map((c) => ({ ...c, type: { ...c.type } })))).toBe(true);
    expect(decoder.fits(columns.slice(1))).toBe(false);
    expect(decoder.fits(columns.map((c, i) => (i === 1 ? { ...c, type: { code: dataTypes.bigint } } : c)))).toBe(false);
  });

  it("decodes an empty page", () => {
    expect(new ItemPageDecoder(statements.query(Reading.model.queries[0]!).reader, columns).decode([], [profile])).toEqual([]);
  });
});
