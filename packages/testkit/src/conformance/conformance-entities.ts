import { z } from "zod";
import { defineEntity, storeDialect, type EntityDefinition, type KeySpec, type StoreKind } from "@polyxena/core";

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
 * The conformance entity declared for one store kind, from the store's
 * dialect: keyed by group and item in the store's own terms, with a query on
 * the primary structure (`itemsOfGroup`) and one served by a secondary
 * structure (`byOwner`: a Cassandra query table, a DynamoDB GSI, a Postgres
 * index, an Elasticsearch filter + sort). Writes are strong and reads at the
 * store's default level; a row TTL where the store has one, full-text search
 * on `title` where it searches.
 */
export function conformanceEntity(
  kind: StoreKind,
  table = "conformance_item",
  variant: { name?: string; unknownFields?: "reject" | "strip" } = {},
): EntityDefinition<typeof conformanceItemSchema> {
  const dialect = storeDialect(kind);
  const queries = {
    itemsOfGroup: { by: ["groupId" as const], order: { itemId: "asc" as const } },
    byOwner: { by: ["ownerId" as const], order: { createdAt: "desc" as const }, consistency: "eventual" as const },
  };
  return defineEntity(variant.name ?? "ConformanceItem", {
    unknownFields: variant.unknownFields ?? "reject",
    store: kind,
    schema: conformanceItemSchema,
    table,
    key: dialect.keys.declare({ partition: ["groupId"], clustering: [{ field: "itemId", order: "asc" }] }) as KeySpec<keyof ConformanceItem>,
    queries,
    consistency: { write: "strong" },
    version: "version",
    ...(dialect.features.rowTtl ? { ttl: "30d" as const } : {}),
    ...(dialect.features.fullTextSearch ? { search: { text: ["title" as const] } } : {}),
  });
}
