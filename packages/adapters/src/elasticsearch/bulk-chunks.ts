/**
 * Splits a bulk write into `_bulk` requests of bounded size. Lines are serialized here,
 * once: the official client sends string lines as they are, and the byte count of a chunk
 * needs the serialized form anyway.
 */
import type { EntityModel, StoredItem } from "@polyxena/core";
import { documentId, encodeSource } from "./elasticsearch-codec.js";

/** Limits of one `_bulk` request. */
export interface BulkChunkLimits {
  /** Items per request (default 1,000). */
  maxItems: number;
  /** Approximate body size per request in bytes (default 5 MiB); a larger single item goes alone. */
  maxBytes: number;
}

/** Default limits: well under Elasticsearch's 100 MB `http.max_content_length`, sized like its own guidance. */
export const DEFAULT_BULK_LIMITS: BulkChunkLimits = { maxItems: 1_000, maxBytes: 5 * 1024 * 1024 };

/** One `_bulk` request: its NDJSON lines and where its items start in the caller's list. */
export interface BulkChunk {
  lines: string[];
  /** Index of the chunk's first item in the request's items. */
  first: number;
  count: number;
}

/** The `index` actions writing `items` into `index`, in chunks within `limits`. */
export function bulkChunks(model: EntityModel, index: string, items: readonly StoredItem[], limits: BulkChunkLimits = DEFAULT_BULK_LIMITS): BulkChunk[] {
  const chunks: BulkChunk[] = [];
  let current: BulkChunk = { lines: [], first: 0, count: 0 };
  let bytes = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const action = JSON.stringify({ index: { _index: index, _id: documentId(model, item) } });
    const source = JSON.stringify(encodeSource(model, item));
    const size = Buffer.byteLength(action) + Buffer.byteLength(source) + 2;
    if (current.count > 0 && (current.count >= limits.maxItems || bytes + size > limits.maxBytes)) {
      chunks.push(current);
      current = { lines: [], first: i, count: 0 };
      bytes = 0;
    }
    current.lines.push(action, source);
    current.count++;
    bytes += size;
  }
  if (current.count > 0) chunks.push(current);
  return chunks;
}
