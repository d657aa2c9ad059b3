import { describe, expect, it } from "vitest";
import { z } from "zod";
import { NumberValue } from "@aws-sdk/lib-dynamodb";
import { defineEntity } from "@polyxena/core";
import { decodeItem, decodeValue, encodeKey, encodeValue } from "../src/dynamodb/dynamodb-codec.js";

const Every = defineEntity("Every", {
  store: "dynamodb",
  schema: z.object({
    id: z.uuid(),
    at: z.date(),
    name: z.string(),
    kind: z.enum(["a", "b"]),
    flag: z.boolean(),
    count: z.number().int(),
    ratio: z.number(),
    big: z.bigint(),
    tags: z.array(z.string()),
    dates: z.array(z.date()),
    scores: z.record(z.string(), z.number()),
    meta: z.object({ seenAt: z.date(), note: z.string().nullable() }),
    note: z.string().nullable().optional(),
  }),
  key: { partition: "id", sort: "at" },
});
const model = Every.model;

/** Raw attribute values as the document client may hand them over, depending on its unmarshall options. */
const rawVariants: Record<string, unknown>[] = [
  {
    id: "7d4c3f0e-8f7e-4c1e-9a55-0d7f6f1c2b3a",
    at: "2026-06-01T12:00:00.001Z",
    name: "plain",
    kind: "a",
    flag: true,
    count: 42,
    ratio: -12.125,
    big: 12345678901234567890n,
    tags: ["x", "y"],
    dates: ["2025-01-01T00:00:00.000Z"],
    scores: { a: 1, b: 2.5 },
    meta: { seenAt: "2025-01-01T00:00:00.000Z", note: null },
    note: null,
  },
  {
    id: "7d4c3f0e-8f7e-4c1e-9a55-0d7f6f1c2b3a",
    at: "2026-06-01T12:00:00.001Z",
    name: "wrapped numbers",
    kind: "b",
    flag: false,
    count: "42",
    ratio: new NumberValue("0.1"),
    big: "-98765432109876543210",
    tags: [],
    dates: [],
    scores: { a: "1", b: new NumberValue("2.5") },
    meta: { seenAt: "2025-01-01T00:00:00.000Z", note: "n" },
    _ttl: "1700000000",
  },
  // Values that do not fit their field are decoded loosely, never dropped.
  { id: null, at: null, name: { nested: new NumberValue("3") }, kind: ["a"], flag: null, count: null, ratio: null, tags: null, meta: null, stray: 1 },
];

describe("dynamodb codec", () => {
  it.each(rawVariants.map((raw, i) => [i, raw] as const))("decodes item %i exactly as decoding field by field does", (_i, raw) => {
    const expected: Record<string, unknown> = {};
    for (const field of model.fields) if (raw[field.name] !== undefined) expected[field.name] = decodeValue(field, raw[field.name]);
    const decoded = decodeItem(model, raw);
    expect(decoded).toEqual(expected);
    expect(Object.keys(decoded)).not.toContain("_ttl");
    expect(Object.keys(decoded)).not.toContain("stray");
  });

  it("decodes numbers, bigints and dates to their domain types", () => {
    const decoded = decodeItem(model, rawVariants[1]!);
    expect(decoded).toMatchObject({ count: 42, ratio: 0.1, big: -98765432109876543210n, scores: { a: 1, b: 2.5 }, flag: false });
    expect(decoded.at).toEqual(new Date("2026-06-01T12:00:00.001Z"));
    expect(decodeItem(model, rawVariants[2]!)).toEqual({ id: null, at: null, name: { nested: 3 }, kind: ["a"], flag: null, count: null, ratio: null, tags: null, meta: null });
  });

  it("encodes only the table key, in key order, with dates as ISO text", () => {
    const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6));
    const key = encodeKey(model, { at, id: "7d4c3f0e-8f7e-4c1e-9a55-0d7f6f1c2b3a", name: "ignored" });
    expect(key).toEqual({ id: "7d4c3f0e-8f7e-4c1e-9a55-0d7f6f1c2b3a", at: "2026-01-02T03:04:05.006Z" });
    expect(Object.keys(key)).toEqual(["id", "at"]);
    expect(key.at).toBe(encodeValue(model.fields.find((f) => f.name === "at"), at));
  });
});
