import { z } from "zod";
import { defineEntity } from "@polyxena/core";

/** A billing invoice: written in the same transaction as the subscription it renews. */
export const Invoice = defineEntity("Invoice", {
  store: "postgres",
  schema: z.object({
    invoiceId: z.uuid(),
    accountId: z.uuid(),
    amountCents: z.number().int().nonnegative(),
    currency: z.string().length(3),
    issuedAt: z.date(),
    status: z.enum(["open", "paid", "void"]),
  }),
  key: { primary: ["invoiceId"] },
  queries: {
    invoicesOfAccount: { by: ["accountId"], order: { issuedAt: "desc" } },
  },
  consistency: { read: "strong", write: "serializable" },
});
