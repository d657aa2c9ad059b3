import { z } from "zod";
import { defineEntity } from "@polyxena/core";

/** The search document of a title: full text over name and synopsis, filters on the rest. */
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
  }),
  key: { id: "titleId" },
  search: { text: ["name", "synopsis"] },
  queries: {
    popularInGenre: { by: ["primaryGenre"], order: { popularity: "desc" } },
  },
  consistency: { read: "eventual", write: "eventual" },
});
