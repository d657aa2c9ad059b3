/**
 * A DynamoDB transaction handle: writes made inside `transaction()` are
 * collected here and committed at the end as one TransactWriteItems call.
 * DynamoDB limits a transaction to 100 items (each item once) and 4 MB; the
 * handle refuses more with `E_VALIDATION` before anything is sent.
 */
import { PolyxenaError, type EntityModel, type StoreTransaction, type UniqueConstraintModel } from "@polyxena/core";
import { DYNAMODB_LIMITS } from "./dynamodb-limits.js";

/** The most items one TransactWriteItems call may hold. */
export const MAX_TRANSACTION_ITEMS = DYNAMODB_LIMITS.transactionItems.max;
/** The largest total size of one transaction. */
export const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;

/** One collected write. */
export interface TransactionEntry<W> {
  write: W;
  model: EntityModel;
  /** Table name + key identity, to refuse two writes to one item. */
  identity: string;
  bytes: number;
  /** Set on a unique-claim write: its condition failing means the value is taken (`E_ALREADY_EXISTS`). */
  constraint?: UniqueConstraintModel | undefined;
  /**
   * Its condition failing means another write got in between, so the write
   * can be rebuilt from fresh reads: `guard` checks the item is as read
   * (unique claims), `version` the key's outbox version (change events).
   */
  rebuild?: "guard" | "version" | undefined;
}

/** Collects writes until commit. `W` is the adapter's write representation. */
export class DynamoDbTransaction<W> implements StoreTransaction {
  readonly entries: TransactionEntry<W>[] = [];
  private readonly identities = new Set<string>();
  private bytes = 0;

  constructor(readonly store: string) {}

  /** Adds a write; `E_VALIDATION` beyond DynamoDB's limits or for a second write to one item. */
  add(entry: TransactionEntry<W>): void {
    const fail = (message: string, fix: string) =>
      new PolyxenaError("E_VALIDATION", message, { entity: entry.model.name, store: this.store, statement: "TransactWriteItems", issues: [{ path: ["transaction"], message }], fix });
    if (this.entries.length >= MAX_TRANSACTION_ITEMS) {
      throw fail(`a DynamoDB transaction holds at most ${MAX_TRANSACTION_ITEMS} writes`, "split the work into several transactions");
    }
    if (this.identities.has(entry.identity)) {
      throw fail("a DynamoDB transaction cannot write the same item twice", "merge the writes to this item into one");
    }
    if (this.bytes + entry.bytes > MAX_TRANSACTION_BYTES) {
      throw fail(`a DynamoDB transaction holds at most ${MAX_TRANSACTION_BYTES} bytes`, "split the work into several transactions");
    }
    this.identities.add(entry.identity);
    this.bytes += entry.bytes;
    this.entries.push(entry);
  }
}

/**
 * Runs `work` with a fresh handle and returns its result with the writes it
 * collected (core refuses writes through the handle once `work` has ended).
 */
export async function collectTransaction<W, T>(store: string, work: (tx: StoreTransaction) => Promise<T>): Promise<{ result: T; entries: readonly TransactionEntry<W>[] }> {
  const tx = new DynamoDbTransaction<W>(store);
  return { result: await work(tx), entries: tx.entries };
}

/** The error of a cancelled transaction whose write number `index` (0-based) failed its condition. */
export function transactionConditionFailed(store: string, index: number, model: EntityModel | undefined, statement: string, current: unknown, cause: unknown): PolyxenaError {
  return new PolyxenaError("E_CONDITION_FAILED", `transaction cancelled: the condition of write ${index + 1} failed`, {
    entity: model?.name,
    operation: "transaction",
    store,
    statement,
    current,
    cause,
  });
}

/** The handle of `request.transaction` (core has checked it is this adapter's and still open). */
export function ownTransaction<W>(handle: StoreTransaction): DynamoDbTransaction<W> {
  return handle as DynamoDbTransaction<W>;
}
