import { describe, expect, it } from "vitest";
import { z } from "zod";
import { describeField, fromJsonValue, toJsonValue } from "../src/index.js";

describe("field JSON codec", () => {
  const field = describeField(
    "meta",
    z.object({ at: z.date(), big: z.bigint(), tags: z.array(z.date()), scores: z.record(z.string(), z.bigint()), note: z.string().optional() }),
  );

  it("round-trips nested dates and bigints through JSON text by the field model", () => {
    const value = { at: new Date("2026-01-02T03:04:05.678Z"), big: 12345678901234567890n, tags: [new Date(0)], scores: { a: -5n } };
    const json = JSON.stringify(toJsonValue(field, value));
    expect(JSON.parse(json)).toEqual({ at: "2026-01-02T03:04:05.678Z", big: "12345678901234567890", tags: ["1970-01-01T00:00:00.000Z"], scores: { a: "-5" } });
    expect(fromJsonValue(field, JSON.parse(json))).toEqual(value);
  });

  it("omits absent optional members and keeps unknown members as plain JSON", () => {
    expect(toJsonValue(field, { at: new Date(0), big: 1n, tags: [], scores: {}, note: undefined })).not.toHaveProperty("note");
    expect(fromJsonValue(undefined, { any: [1, "x"] })).toEqual({ any: [1, "x"] });
  });
});
