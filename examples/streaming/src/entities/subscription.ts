import { z } from "zod";
import { defineEntity } from "@polyxena/core";

/** An account's plan: ACID data, read strongly, written with optimistic concurrency. */
export const Subscription = defineEntity("Subscription", {
  store: "postgres",
  schema: z.object({
    accountId: z.uuid(),
    plan: z.enum(["basic", "standard", "premium"]),
    status: z.enum(["active", "past_due", "canceled"]),
    priceCents: z.number().int().nonnegative(),
    currency: z.string().length(3),
    renewsAt: z.date(),
    maxStreams: z.number().int().min(1).max(8),
    version: z.number().int().nonnegative(),
  }),
  key: { primary: ["accountId"] },
  queries: {
    subscriptionsByStatus: { by: ["status"], order: { renewsAt: "asc" } },
  },
  consistency: { read: "strong", write: "serializable" },
  version: "version",
});
