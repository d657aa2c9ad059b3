/**
 * One in-memory DynamoDB table: items in document-client form keyed by
 * their table key, condition checks with DynamoDB's meaning (an item whose
 * `_ttl` has passed counts as absent), and key-ordered queries on the table
 * or a GSI (sparse: items without the index key attributes are not in it).
 */
import { PolyxenaError, type EntityModel, type StoredItem, type WriteCondition } from "@polyxena/core";
import { decodeItem, isExpired, keyIdentity, tableKeyAttributes, type NativeItem } from "../dynamodb/dynamodb-codec.js";
import type { QueryAccess } from "../dynamodb/dynamodb-access.js";
import { compareKeyValues, inRange, type RangePlan } from "../dynamodb/dynamodb-key-range.js";

/** What a query asks of a table. */
export interface MemoryQuery {
  access: QueryAccess;
  partitionValue: NativeItem[string];
  plan: RangePlan;
  forward: boolean;
  /** Key attributes of the last item of the previous page, in stored form. */
  after?: NativeItem | undefined;
  /** How many items to return at most. */
  take: number;
  nowSeconds: number;
}

/** The items of one table. */
export class MemoryDynamoDbTable {
  private readonly items = new Map<string, NativeItem>();
  private readonly keyAttributes: readonly string[];

  constructor(
    readonly name: string,
    readonly model: EntityModel,
  ) {
    this.keyAttributes = tableKeyAttributes(model);
  }

  /** Identity of a stored (or key-only) item; equal to `keyIdentity` of its domain key. */
  identity(item: NativeItem): string {
    return keyIdentity(this.model, item);
  }

  /** The live item with this identity (expired items count as absent). */
  live(identity: string, nowSeconds: number): NativeItem | undefined {
    const item = this.items.get(identity);
    return item && !isExpired(item, nowSeconds) ? item : undefined;
  }

  set(identity: string, item: NativeItem): void {
    this.items.set(identity, item);
  }

  remove(identity: string): void {
    this.items.delete(identity);
  }

  /** Throws `E_CONDITION_FAILED` (with the current item) unless `condition` holds for `current`. */
  check(current: NativeItem | undefined, condition: WriteCondition | undefined, statement: string): void {
    if (!condition) return;
    const holds =
      condition.kind === "notExists"
        ? current === undefined
        : condition.kind === "exists"
          ? current !== undefined
          : current !== undefined && compareKeyValues(current[condition.field], condition.expected) === 0 && typeof current[condition.field] !== "string";
    if (!holds) {
      throw new PolyxenaError("E_CONDITION_FAILED", "the write condition was not met", {
        entity: this.model.name,
        statement,
        current: current ? decodeItem(this.model, current) : undefined,
      });
    }
  }

  /** Runs a key-ordered query; returns live items in stored form, at most `take`. */
  query(q: MemoryQuery): NativeItem[] {
    const { access } = q;
    const matches: NativeItem[] = [];
    for (const item of this.items.values()) {
      const hash = item[access.partition];
      if (hash === undefined || compareKeyValues(hash, q.partitionValue) !== 0) continue;
      if (access.sort !== undefined && item[access.sort] === undefined) continue;
      if (isExpired(item, q.nowSeconds)) continue;
      if (access.sort !== undefined && !inRange(item[access.sort], q.plan)) continue;
      matches.push(item);
    }
    const order = (a: NativeItem, b: NativeItem): number => {
      const bySort = access.sort === undefined ? 0 : compareKeyValues(a[access.sort], b[access.sort]);
      if (bySort !== 0) return bySort;
      // Ties inside a GSI (or a GSI without sort key): table key order, so pages are stable.
      for (const attr of this.keyAttributes) {
        const c = compareKeyValues(a[attr], b[attr]);
        if (c !== 0) return c;
      }
      return 0;
    };
    const direction = q.forward ? 1 : -1;
    matches.sort((a, b) => direction * order(a, b));
    const after = q.after;
    const start = after === undefined ? 0 : matches.findIndex((item) => direction * order(item, after) > 0);
    if (start < 0) return [];
    return matches.slice(start, start + q.take);
  }

  /** Decoded copy of a stored item. */
  decode(item: NativeItem): StoredItem {
    return decodeItem(this.model, item);
  }
}
