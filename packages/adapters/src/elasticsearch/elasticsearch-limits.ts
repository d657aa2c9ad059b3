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
  searchClauses: {
    name: "indices.query.bool.max_clause_count",
    subject: "the full-text query of one search (words of the text times the fields searched)",
    // OpenSearch's default and the least Elasticsearch 9 computes from a node's heap; a larger
    // query fails on such a node with too_many_nested_clauses after it has reached the cluster.
    max: 1_024,
    unit: "clauses",
    fix: "search with fewer words, or name fewer fields in `fields`",
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

/** Words as the standard analyzer splits them (Unicode letters and digits). */
const WORD = /[\p{L}\p{N}]+/gu;

/** Refuses full-text search text whose query would have more clauses than a node accepts. */
export function checkSearchClauses(model: EntityModel, text: string, fieldCount: number): void {
  const words = text.match(WORD)?.length ?? 0;
  checkLimit(ELASTICSEARCH_LIMITS.searchClauses, words * fieldCount, { entity: model.name, path: ["text"] });
}
