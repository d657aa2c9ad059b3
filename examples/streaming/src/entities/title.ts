import { z } from "zod";
import { defineEntity } from "@polyxena/core";
import { TitleSearch } from "./title-search.js";

/**
 * Catalogue metadata of a movie or series. Every change is a change event
 * (recorded in the write's TransactWriteItems) and reaches search through
 * the declared `titleSearch` projection: the service writes titles only.
 */
export const Title = defineEntity("Title", {
  store: "dynamodb",
  schema: z.object({
    titleId: z.string().regex(/^tt\d{4,10}$/),
    name: z.string().min(1).max(200),
    synopsis: z.string().max(2000),
    kind: z.enum(["movie", "series"]),
    primaryGenre: z.string(),
    genres: z.array(z.string()),
    releaseYear: z.number().int().min(1888).max(2100),
    runtimeMin: z.number().int().positive(),
    maturityRating: z.enum(["kids", "teen", "adult"]),
    popularity: z.number().nonnegative(),
  }),
  key: { partition: "titleId" },
  queries: {
    titlesInGenre: { by: ["primaryGenre"], order: { releaseYear: "desc" } },
  },
  cache: { ttl: "1h", l1: { ttl: "30s", max: 50_000 }, queries: ["titlesInGenre"] },
  events: { topic: "streaming.titles" },
  projections: {
    titleSearch: {
      to: TitleSearch,
      map: (title) => ({
        titleId: title.titleId,
        name: title.name,
        synopsis: title.synopsis,
        primaryGenre: title.primaryGenre,
        genres: title.genres,
        releaseYear: title.releaseYear,
        maturityRating: title.maturityRating,
        popularity: title.popularity,
      }),
    },
  },
});
