import { z } from "zod";
import { defineEntity } from "@polyxena/core";

/** Catalogue metadata of a movie or series. */
export const Title = defineEntity("Title", {
  store: "dynamodb",
  schema: z.object({
    titleId: z.string().regex(/^tt\d{4,10}$/),
    name: z.string().min(1).max(200),
    kind: z.enum(["movie", "series"]),
    primaryGenre: z.string(),
    genres: z.array(z.string()),
    releaseYear: z.number().int().min(1888).max(2100),
    runtimeMin: z.number().int().positive(),
    maturityRating: z.enum(["kids", "teen", "adult"]),
  }),
  key: { partition: "titleId" },
  queries: {
    titlesInGenre: { by: ["primaryGenre"], order: { releaseYear: "desc" } },
  },
  cache: { ttl: "1h", l1: { ttl: "30s", max: 50_000 }, queries: ["titlesInGenre"] },
});
