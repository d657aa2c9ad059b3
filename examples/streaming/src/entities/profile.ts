import { z } from "zod";
import { defineEntity } from "@polyxena/core";

/** A viewer profile inside an account: low-latency metadata, read on every page. */
export const Profile = defineEntity("Profile", {
  store: "dynamodb",
  schema: z.object({
    profileId: z.uuid(),
    accountId: z.uuid(),
    name: z.string().min(1).max(50),
    maturityRating: z.enum(["kids", "teen", "adult"]),
    language: z.string().min(2).max(10),
    avatarUrl: z.url().optional(),
    createdAt: z.date(),
  }),
  key: { partition: "profileId" },
  queries: {
    profilesOfAccount: { by: ["accountId"], order: { createdAt: "asc" } },
  },
  consistency: { read: "eventual", write: "strong" },
  cache: { ttl: "10m", l1: { ttl: "5s", max: 10_000 }, staleIfError: "1h" },
});
