import { z } from "zod";
import { defineEntity, type EntityDefinition, type StoreKind } from "@polyxena/core";

/** The schema every store's conformance entity shares. */
export const conformanceItemSchema = z.object({
  groupId: z.uuid(),
  itemId: z.string().min(1).max(200),
  ownerId: z.string().min(1).max(200),
  title: z.string(),
  count: z.number().int(),
  createdAt: z.date(),
  tags: z.array(z.string()),
  note: z.string().optional(),
  version: z.number().int().nonnegative(),
});

/** An item of the conformance entity. */
export type ConformanceItem = z.output<typeof conformanceItemSchema>;

/**
 * The conformance entity declared for one store kind: keyed by group and
 * item, with a query on the primary structure (`itemsOfGroup`) and one
 * served by a secondary structure (`byOwner`: a Cassandra query table, a
 * DynamoDB GSI, a Postgres index, an Elasticsearch filter + sort).
 */
export function conformanceEntity(
  kind: StoreKind,
  table = "conformance_item",
  variant: { name?: string; unknownFields?: "reject" | "strip" } = {},
): EntityDefinition<typeof conformanceItemSchema> {
  const name = variant.name ?? "ConformanceItem";
  const unknownFields = variant.unknownFields ?? "reject";
  const queries = {
    itemsOfGroup: { by: ["groupId" as const], order: { itemId: "asc" as const } },
    byOwner: { by: ["ownerId" as const], order: { createdAt: "desc" as const }, consistency: "eventual" as const },
  };
  switch (kind) {
    case "cassandra":
      return defineEntity(name, {
        unknownFields,
        store: "cassandra",
        schema: conformanceItemSchema,
        table,
        key: { partition: ["groupId"], clustering: [{ field: "itemId", order: "asc" }] },
        queries,
        consistency: { read: "LOCAL_QUORUM", write: "LOCAL_QUORUM" },
        version: "version",
        ttl: "30d",
      });
    case "dynamodb":
      return defineEntity(name, {
        unknownFields,
        store: "dynamodb",
        schema: conformanceItemSchema,
        table,
        key: { partition: "groupId", sort: "itemId" },
        queries,
        version: "version",
        ttl: "30d",
      });
    case "postgres":
      return defineEntity(name, {
        unknownFields,
        store: "postgres",
        schema: conformanceItemSchema,
        table,
        key: { primary: ["groupId", "itemId"] },
        queries,
        version: "version",
      });
    case "elasticsearch":
      return defineEntity(name, {
        unknownFields,
        store: "elasticsearch",
        schema: conformanceItemSchema,
        table,
        key: { id: "itemId" },
        queries,
        search: { text: ["title"] },
        consistency: { read: "eventual", write: "strong" },
        version: "version",
      });
  }
}
