/**
 * The storage of the in-memory Postgres adapter: committed rows per table,
 * and transactions that behave like Postgres' for one writer at a time.
 *
 * - Transactions run one after another (a queue), each with a private write
 *   set applied on commit and dropped on rollback.
 * - Statements outside transactions see committed rows only, and never wait,
 *   except a write to a row the running transaction wrote: like a row lock,
 *   it waits for that transaction to end.
 * - `repeatable read` and `serializable` transactions read a snapshot taken
 *   at their first statement; writing a row changed since then fails with
 *   `E_CONDITION_FAILED` (Postgres' serialization failure). `read committed`
 *   reads the latest committed rows.
 */
import { PolyxenaError, type StoredItem, type StoreTransaction } from "@polyxena/core";
import type { PostgresIsolationLevel } from "@polyxena/adapters/postgres/in-process";

/** A committed row: the item and a stamp that changes on every write. */
export interface MemoryRow {
  readonly item: StoredItem;
  readonly stamp: number;
}

type Rows = Map<string, MemoryRow>;

/** The state of one transaction, which is also its handle. */
export class MemoryPostgresTransaction implements StoreTransaction {
  snapshot: Map<string, Rows> | undefined;
  /** table -> key -> written item (`null` = deleted). */
  readonly writes = new Map<string, Map<string, StoredItem | null>>();
  /** Run right after the writes are applied at commit (the outbox appends its events here). */
  private readonly commitHooks: Array<() => void> = [];
  private resolveDone!: () => void;
  /** Settles when the transaction commits or rolls back. */
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));

  constructor(
    readonly store: string,
    readonly level: PostgresIsolationLevel,
  ) {}

  /** Registers work to run in the same step as the commit. */
  onCommit(run: () => void): void {
    this.commitHooks.push(run);
  }

  /** Runs the commit hooks (called by the store once the writes are applied). */
  runCommitHooks(): void {
    for (const run of this.commitHooks) run();
  }

  /** Marks the end of the transaction and wakes statements waiting for its rows. */
  finish(): void {
    this.resolveDone();
  }
}

/** Committed tables plus the running transaction. */
export class MemoryPostgresStore {
  private readonly tables = new Map<string, Rows>();
  private stamp = 0;
  private running: MemoryPostgresTransaction | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly storeName: string) {}

  /** Runs `work` as the only transaction (others queue), committing on success. */
  async transaction<T>(level: PostgresIsolationLevel, work: (tx: MemoryPostgresTransaction) => Promise<T>): Promise<T> {
    const previous = this.queue;
    let release!: () => void;
    this.queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    const tx = new MemoryPostgresTransaction(this.storeName, level);
    this.running = tx;
    try {
      const result = await work(tx);
      this.commit(tx);
      return result;
    } finally {
      this.running = undefined;
      tx.finish();
      release();
    }
  }

  /** The row visible to `tx` (or committed, outside transactions). */
  read(table: string, key: string, tx: MemoryPostgresTransaction | undefined): StoredItem | undefined {
    if (tx) {
      this.check(tx);
      const written = tx.writes.get(table)?.get(key);
      if (written !== undefined) return written ?? undefined;
      return this.base(tx).get(table)?.get(key)?.item;
    }
    return this.tables.get(table)?.get(key)?.item;
  }

  /** Every row of `table` visible to `tx`. */
  scan(table: string, tx: MemoryPostgresTransaction | undefined): StoredItem[] {
    const rows = (tx ? this.base(tx) : this.tables).get(table);
    const writes = tx?.writes.get(table);
    const out: StoredItem[] = [];
    for (const [key, row] of rows ?? []) if (!writes?.has(key)) out.push(row.item);
    for (const item of writes?.values() ?? []) if (item) out.push(item);
    return out;
  }

  /**
   * Waits until a statement outside transactions may write this row (the
   * running transaction has not written it). Call before {@link write}.
   */
  async lock(table: string, key: string, tx: MemoryPostgresTransaction | undefined): Promise<void> {
    if (tx) {
      this.check(tx);
      return;
    }
    for (;;) {
      const running = this.running;
      if (!running || !running.writes.get(table)?.has(key)) return;
      await running.done;
    }
  }

  /** Writes (or deletes, with `null`) a row; inside a transaction it is visible to others only after commit. */
  write(table: string, key: string, item: StoredItem | null, tx: MemoryPostgresTransaction | undefined, statement: string): void {
    if (!tx) {
      this.apply(table, key, item);
      return;
    }
    this.check(tx);
    let writes = tx.writes.get(table);
    if (!writes) tx.writes.set(table, (writes = new Map()));
    if (!writes.has(key) && tx.snapshot) {
      const committed = this.tables.get(table)?.get(key);
      const seen = tx.snapshot.get(table)?.get(key);
      if (committed?.stamp !== seen?.stamp) {
        throw new PolyxenaError("E_CONDITION_FAILED", "could not serialize access due to concurrent update", {
          statement,
          constraint: "serialization_failure",
          fix: "the transaction conflicted with a concurrent one; run it again",
        });
      }
    }
    writes.set(key, item);
  }

  /** Rows of `table` the running transaction wrote but has not committed, and when it ends. */
  pendingRows(table: string): { rows: [string, StoredItem | null][]; done: Promise<void> } | undefined {
    const running = this.running;
    const writes = running?.writes.get(table);
    return running && writes ? { rows: [...writes], done: running.done } : undefined;
  }

  /** Drops every table (for tests that reuse an adapter). */
  clear(): void {
    this.tables.clear();
  }

  private commit(tx: MemoryPostgresTransaction): void {
    for (const [table, writes] of tx.writes) for (const [key, item] of writes) this.apply(table, key, item);
    tx.runCommitHooks();
  }

  private apply(table: string, key: string, item: StoredItem | null): void {
    let rows = this.tables.get(table);
    if (!rows) this.tables.set(table, (rows = new Map()));
    if (item === null) rows.delete(key);
    else rows.set(key, { item, stamp: ++this.stamp });
  }

  /** The rows `tx` reads from: its snapshot (taken now if first statement) or the latest committed. */
  private base(tx: MemoryPostgresTransaction): Map<string, Rows> {
    if (tx.level === "read committed") return this.tables;
    if (!tx.snapshot) tx.snapshot = new Map([...this.tables].map(([name, rows]) => [name, new Map(rows)]));
    return tx.snapshot;
  }

  /** Called by every statement of `tx` (core has checked the handle is this store's and open). */
  private check(tx: MemoryPostgresTransaction): void {
    // The snapshot is taken at the first statement, as Postgres does.
    this.base(tx);
  }
}
