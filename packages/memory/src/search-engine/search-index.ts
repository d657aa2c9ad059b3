import { randomBytes } from "node:crypto";
import type { FieldValues } from "./document-parser.js";
import { IndexMapping } from "./index-mapping.js";

/** A stored document version, as the index holds it. */
export interface StoredDocument {
  id: string;
  source: Record<string, unknown>;
  version: number;
  seqNo: number;
  primaryTerm: number;
  fields: Map<string, FieldValues>;
}

/** Per-field term statistics of the searchable view, used by BM25. */
export interface FieldStats {
  /** Documents that have at least one term in the field. */
  docCount: number;
  /** Sum of field lengths (text) or of distinct terms per document (keyword). */
  sumTotalTermFreq: number;
  /** Documents per term. */
  docFreq: Map<string, number>;
}

const NO_IDS: ReadonlySet<string> = new Set();

/** The primary term of every document: the engine has a single, never-failing primary. */
export const PRIMARY_TERM = 1;

/**
 * One index with near-real-time semantics: writes go to the live view at once (what
 * GET sees); searches see the searchable view, which a refresh brings up to date.
 */
export class SearchIndex {
  readonly uuid = randomBytes(16).toString("base64url").slice(0, 22);
  /** -1 disables periodic refresh. */
  refreshIntervalMs: number;
  lastRefreshAt: number;
  private readonly live = new Map<string, StoredDocument>();
  private readonly deletedVersions = new Map<string, number>();
  private readonly searchable = new Map<string, StoredDocument>();
  private readonly pending = new Map<string, StoredDocument | null>();
  private readonly stats = new Map<string, FieldStats>();
  /** Searchable document ids per field and term (text terms, keyword values). */
  private readonly postings = new Map<string, Map<string, Set<string>>>();
  private nextSeqNo = 0;
  /** The searchable documents in index order, rebuilt lazily after a refresh changed them. */
  private ordered: StoredDocument[] | undefined;

  constructor(
    readonly name: string,
    readonly mapping: IndexMapping,
    readonly settings: Record<string, string>,
    readonly createdAt: number,
  ) {
    this.refreshIntervalMs = parseTimeValue(settings["index.refresh_interval"] ?? "1s");
    this.lastRefreshAt = createdAt;
  }

  /** The current (realtime) version of a document. */
  get(id: string): StoredDocument | undefined {
    return this.live.get(id);
  }

  /** The version of the live document or of its delete (undefined when `id` was never written). */
  currentVersion(id: string): number | undefined {
    return this.live.get(id)?.version ?? this.deletedVersions.get(id);
  }

  /** The version a new write of `id` gets (deleted documents keep counting). */
  nextVersion(id: string): number {
    return (this.live.get(id)?.version ?? this.deletedVersions.get(id) ?? 0) + 1;
  }

  /** The highest sequence number handed out so far (-1 when none). */
  get maxSeqNo(): number {
    return this.nextSeqNo - 1;
  }

  /** Stores a new version of a document, assigning its sequence number. */
  put(id: string, source: Record<string, unknown>, fields: Map<string, FieldValues>, version = this.nextVersion(id)): StoredDocument {
    const doc: StoredDocument = { id, source, version, seqNo: this.nextSeqNo++, primaryTerm: PRIMARY_TERM, fields };
    this.live.set(id, doc);
    this.deletedVersions.delete(id);
    this.pending.set(id, doc);
    return doc;
  }

  /** Deletes a document; returns the delete's version and sequence number. */
  remove(id: string, version = this.nextVersion(id)): { version: number; seqNo: number } {
    const seqNo = this.nextSeqNo++;
    this.live.delete(id);
    this.deletedVersions.set(id, version);
    this.pending.set(id, null);
    return { version, seqNo };
  }

  /** Consumes a sequence number for a write that found nothing (delete of a missing id). */
  noteMissingDelete(id: string, version = this.nextVersion(id)): { version: number; seqNo: number } {
    const seqNo = this.nextSeqNo++;
    this.deletedVersions.set(id, version);
    return { version, seqNo };
  }

  /** Number of live documents. */
  get liveCount(): number {
    return this.live.size;
  }

  /** Makes every write so far visible to search. Returns false when there was nothing to do. */
  refresh(now: number): boolean {
    this.lastRefreshAt = now;
    if (this.pending.size === 0) return false;
    for (const [id, doc] of this.pending) {
      const old = this.searchable.get(id);
      if (old) this.account(old, -1);
      if (doc) {
        this.searchable.set(id, doc);
        this.account(doc, 1);
      } else {
        this.searchable.delete(id);
      }
    }
    this.pending.clear();
    this.ordered = undefined;
    return true;
  }

  /** Runs the periodic refresh if its interval has elapsed. */
  maybeRefresh(now: number): void {
    if (this.refreshIntervalMs >= 0 && now - this.lastRefreshAt >= this.refreshIntervalMs) this.refresh(now);
  }

  /** True when writes are waiting for a refresh. */
  get hasPendingWrites(): boolean {
    return this.pending.size > 0;
  }

  /** The documents search sees, in index order (oldest write first). */
  searchableDocuments(): readonly StoredDocument[] {
    this.ordered ??= [...this.searchable.values()].sort((a, b) => a.seqNo - b.seqNo);
    return this.ordered;
  }

  /** Number of searchable documents (BM25's N counts per field, see {@link fieldStats}). */
  get searchableCount(): number {
    return this.searchable.size;
  }

  /** A searchable document by id. */
  searchableDocument(id: string): StoredDocument | undefined {
    return this.searchable.get(id);
  }

  /** Ids of the searchable documents holding a term in a field (do not modify). */
  postingsOf(path: string, term: string): ReadonlySet<string> {
    return this.postings.get(path)?.get(term) ?? NO_IDS;
  }

  /** Term statistics of a field in the searchable view. */
  fieldStats(path: string): FieldStats {
    return this.stats.get(path) ?? { docCount: 0, sumTotalTermFreq: 0, docFreq: new Map() };
  }

  private account(doc: StoredDocument, sign: 1 | -1): void {
    for (const [path, values] of doc.fields) {
      if (values.kind === "number") continue;
      const terms = values.kind === "text" ? [...values.terms.keys()] : [...new Set(values.values)];
      if (terms.length === 0) continue;
      let stats = this.stats.get(path);
      if (!stats) {
        stats = { docCount: 0, sumTotalTermFreq: 0, docFreq: new Map() };
        this.stats.set(path, stats);
      }
      stats.docCount += sign;
      stats.sumTotalTermFreq += sign * (values.kind === "text" ? values.length : terms.length);
      let fieldPostings = this.postings.get(path);
      if (!fieldPostings) {
        fieldPostings = new Map();
        this.postings.set(path, fieldPostings);
      }
      for (const term of terms) {
        const n = (stats.docFreq.get(term) ?? 0) + sign;
        if (n === 0) stats.docFreq.delete(term);
        else stats.docFreq.set(term, n);
        let ids = fieldPostings.get(term);
        if (sign === 1) {
          if (!ids) {
            ids = new Set();
            fieldPostings.set(term, ids);
          }
          ids.add(doc.id);
        } else if (ids) {
          ids.delete(doc.id);
          if (ids.size === 0) fieldPostings.delete(term);
        }
      }
    }
  }
}

/** Parses an Elasticsearch time value (`1s`, `500ms`, `2m`, `-1`) to milliseconds. */
export function parseTimeValue(value: string): number {
  if (value === "-1") return -1;
  const m = /^(\d+)(nanos|micros|ms|s|m|h|d)$/.exec(value.trim());
  if (!m) throw new Error(`failed to parse setting [index.refresh_interval] with value [${value}] as a time value: unit is missing or unrecognized`);
  const n = Number(m[1]);
  const unit = m[2]!;
  const factor: Record<string, number> = { nanos: 1e-6, micros: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return n * factor[unit]!;
}
