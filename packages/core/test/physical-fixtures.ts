import { z } from "zod";
import { defineEntity } from "../src/define-entity.js";

/** Cassandra entity with a denormalized query table and a row TTL. */
export const ViewingHistory = defineEntity("ViewingHistory", {
  store: "cassandra",
  schema: z.object({
    profileId: z.uuid(),
    watchedAt: z.date(),
    titleId: z.string(),
    positionSec: z.int32().nonnegative(),
    tags: z.array(z.string()).optional(),
    extra: z.object({ device: z.string() }).optional(),
  }),
  key: { partition: ["profileId"], clustering: [{ field: "watchedAt", order: "desc" }] },
  queries: {
    historyForProfile: { by: ["profileId"], order: { watchedAt: "desc" } },
    viewersOfTitle: { by: ["titleId"], order: { watchedAt: "desc" } },
  },
  ttl: "730d",
});

/** Postgres entity with an enum, a bounded string, a bigint and an index query. */
export const Invoice = defineEntity("Invoice", {
  store: "postgres",
  schema: z.object({
    invoiceId: z.uuid(),
    accountId: z.uuid(),
    status: z.enum(["open", "paid"]),
    amountCents: z.bigint(),
    memo: z.string().max(200).nullable(),
    issuedAt: z.date(),
    lines: z.array(z.object({ sku: z.string() })),
    version: z.int32().nonnegative(),
  }),
  key: { primary: ["invoiceId"] },
  queries: { invoicesOfAccount: { by: ["accountId"], order: { issuedAt: "desc" } } },
  version: "version",
});

/** DynamoDB entity with a sort key, a GSI and a TTL. */
export const Session = defineEntity("Session", {
  store: "dynamodb",
  schema: z.object({
    profileId: z.uuid(),
    startedAt: z.date(),
    deviceId: z.string(),
    bytes: z.number().int(),
    active: z.boolean(),
  }),
  key: { partition: "profileId", sort: "startedAt" },
  queries: { sessionsOfDevice: { by: ["deviceId"], order: { startedAt: "desc" } } },
  ttl: "1d",
});

/** Elasticsearch entity with text fields, a list, an object and a map. */
export const Title = defineEntity("Title", {
  store: "elasticsearch",
  schema: z.object({
    titleId: z.string(),
    name: z.string(),
    genres: z.array(z.string()),
    year: z.number().int(),
    rating: z.number(),
    credits: z.object({ director: z.string() }),
    labels: z.record(z.string(), z.string()),
  }),
  key: { id: "titleId" },
  queries: { titlesByYear: { by: ["year"], order: { rating: "desc" } } },
  search: { text: ["name"] },
});

export const allModels = [ViewingHistory.model, Invoice.model, Session.model, Title.model];
