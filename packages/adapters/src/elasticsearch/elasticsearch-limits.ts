/**
 * Elasticsearch's request limits, checked before anything is sent so that a
 * caller's oversized key is refused with `E_VALIDATION` naming the limit, the
 * same way by the real and the in-memory adapter, and never reaches the
 * cluster as a 400 (which says nothing about its health).
 */
import { checkLimit, utf8Bytes, type EntityModel, type KeyValues, type StoreLimit } from "@polyxena/core";
import { documentId } from "./elasticsearch-codec.js";

/** Elasticsearch's limits a single request can break. */
export const ELASTICSEARCH_LIMITS = {
  idBytes: {
    name: "elasticsearch.idBytes",
    subject: "an Elasticsearch document id",
    max: 512,
    unit: "bytes",
    fix: "use shorter key values (the document id is the key's value, or a JSON array of the values for a key of several fields); hash long natural keys",
  },
  bulkItems: {
    name: "elasticsearch.bulkItems",
    subject: "one _bulk request",
    max: 1_000,
    unit: "items",
    fix: "the adapter splits putMany into _bulk requests within bulkLimits",
  },
} as const satisfies Record<string, StoreLimit>;

/** The document id of a key, refused with `E_VALIDATION` when it is over 512 bytes. */
export function checkedDocumentId(model: EntityModel, key: KeyValues, where: "key" | "item" = "key"): string {
  const id = documentId(model, key);
  checkLimit(ELASTICSEARCH_LIMITS.idBytes, utf8Bytes(id), { entity: model.name, path: [where, ...model.key.partition] });
  return id;
}
