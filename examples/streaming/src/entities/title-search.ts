import { z } from "zod";
import { defineEntity } from "@polyxena/core";

/**
 * The search document of a title: full text over name and synopsis, filters
 * on the rest. Written only by Title's `titleSearch` projection, which keeps
 * the title's source version in `sourceVersion` (Elasticsearch external
 * versioning), so a repeated or older change never overwrites a newer one.
 */
export const TitleSearch = defineEntity("TitleSearch", {
  store: "elasticsearch",
  schema: z.object({
    titleId: z.string(),
    name: z.string(),
    synopsis: z.string(),
    primaryGenre: z.string(),
    genres: z.array(z.string()),
    releaseYear: z.number().int(),
    maturityRating: z.enum(["kids", "teen", "adult"]),
    popularity: z.number(),
    sourceVersion: z.number().int().nonnegative(),
  }),
  key: { id: "titleId" },
  search: { text: ["name", "synopsis"] },
  queries: {
    popularInGenre: { by: ["primaryGenre"], order: { popularity: "desc" } },
  },
  consistency: { read: "eventual", write: "eventual" },
  version: "sourceVersion",
});
