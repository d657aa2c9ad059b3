import { z } from "zod";
import { defineEntity } from "@polyxena/core";

/** What a profile watched and where it stopped: high-write, eventually consistent. */
export const ViewingHistory = defineEntity("ViewingHistory", {
  store: "cassandra",
  schema: z.object({
    profileId: z.uuid(),
    watchedAt: z.date(),
    titleId: z.string(),
    positionSec: z.number().int().nonnegative(),
    device: z.enum(["tv", "mobile", "web", "console"]),
  }),
  key: { partition: ["profileId"], clustering: [{ field: "watchedAt", order: "desc" }] },
  queries: {
    historyForProfile: { by: ["profileId"], order: { watchedAt: "desc" } },
    viewersOfTitle: { by: ["titleId"], order: { watchedAt: "desc" } },
  },
  consistency: { read: "LOCAL_ONE", write: "LOCAL_QUORUM" },
  ttl: "730d",
  cache: false,
});
