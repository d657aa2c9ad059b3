/**
 * The outbox of the in-memory adapters: change events staged inside a store
 * transaction and appended when it commits (dropped when it rolls back), a
 * per-key version counter, partition leases with epochs, and dead letters.
 * Adapters stage through {@link MemoryOutbox.stage} from inside their own
 * transaction, so an event exists exactly when its write committed.
 */
import {
  changeKeyString,
  OUTBOX_PARTITIONS,
  recordChangeEvent,
  type ChangeRecordRequest,
  type DeadLetter,
  type EntityModel,
  type OutboxBacklog,
  type OutboxEntry,
  type OutboxLease,
  type OutboxPort,
  type StoredItem,
  type VersionedPage,
} from "@polyxena/core";

/** Registers work to run when the surrounding store transaction commits. */
export interface CommitHooks {
  onCommit(run: () => void): void;
}

interface LeaseState {
  owner: string;
  epoch: number;
  expiresAt: number;
}

/** An in-memory {@link OutboxPort}, atomic with the adapter's transactions. */
export class MemoryOutbox implements OutboxPort {
  readonly partitions = OUTBOX_PARTITIONS;
  private nextId = 1;
  private readonly pending: Map<number, OutboxEntry>[] = Array.from({ length: OUTBOX_PARTITIONS }, () => new Map());
  private readonly versions = new Map<string, number>();
  /** Versions handed out by transactions that have not committed yet, per transaction. */
  private readonly staged = new WeakMap<object, Map<string, number>>();
  private readonly leases = new Map<number, LeaseState>();
  private readonly letters: DeadLetter[] = [];

  constructor(
    readonly store: string,
    private readonly items: (model: EntityModel) => StoredItem[],
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records the change of a write done inside `tx`: assigns the key's next
   * version now (the adapter's transactions run one at a time) and appends
   * the event when `tx` commits.
   */
  stage(tx: object, hooks: CommitHooks, change: ChangeRecordRequest, kind: "put" | "delete", item: StoredItem): void {
    const id = versionId(change.model.name, change.keyString);
    let mine = this.staged.get(tx);
    if (!mine) this.staged.set(tx, (mine = new Map()));
    const version = (mine.get(id) ?? this.versions.get(id) ?? 0) + 1;
    mine.set(id, version);
    const event = recordChangeEvent(change, version, kind, structuredClone(item));
    hooks.onCommit(() => {
      if ((this.versions.get(id) ?? 0) < version) this.versions.set(id, version);
      const entryId = this.nextId++;
      this.pending[change.partition % this.partitions]!.set(entryId, { id: String(entryId), event, recordedAt: this.now() });
    });
  }

  async claim(owner: string, partition: number, leaseMs: number): Promise<OutboxLease | undefined> {
    await Promise.resolve();
    const now = this.now();
    const current = this.leases.get(partition);
    if (current && current.owner !== owner && current.expiresAt > now) return undefined;
    const epoch = current && current.owner === owner && current.expiresAt > now ? current.epoch : (current?.epoch ?? 0) + 1;
    const state = { owner, epoch, expiresAt: now + leaseMs };
    this.leases.set(partition, state);
    return { partition, ...state };
  }

  async release(lease: OutboxLease): Promise<void> {
    await Promise.resolve();
    if (this.holds(lease)) this.leases.get(lease.partition)!.expiresAt = 0;
  }

  async read(lease: OutboxLease, limit: number): Promise<OutboxEntry[]> {
    await Promise.resolve();
    const out: OutboxEntry[] = [];
    for (const entry of this.pending[lease.partition]!.values()) {
      if (out.length >= limit) break;
      out.push(entry);
    }
    return out;
  }

  async complete(lease: OutboxLease, ids: readonly string[]): Promise<boolean> {
    await Promise.resolve();
    if (!this.holds(lease)) return false;
    const partition = this.pending[lease.partition]!;
    for (const id of ids) partition.delete(Number(id));
    return true;
  }

  async recordDeadLetter(letter: DeadLetter): Promise<void> {
    await Promise.resolve();
    this.letters.push(structuredClone(letter));
  }

  async deadLetters(): Promise<DeadLetter[]> {
    await Promise.resolve();
    return structuredClone(this.letters);
  }

  async backlog(): Promise<OutboxBacklog> {
    await Promise.resolve();
    let pending = 0;
    let oldest: number | undefined;
    for (const partition of this.pending) {
      pending += partition.size;
      const first = partition.values().next();
      if (!first.done && (oldest === undefined || first.value.recordedAt < oldest)) oldest = first.value.recordedAt;
    }
    return { pending, oldestRecordedAt: oldest };
  }

  async latestVersion(entity: string, keyString: string): Promise<number | undefined> {
    await Promise.resolve();
    return this.versions.get(versionId(entity, keyString));
  }

  async scan(model: EntityModel, position: unknown, limit: number): Promise<VersionedPage> {
    await Promise.resolve();
    const rows = this.items(model)
      .map((item) => ({ keyString: changeKeyString(model, item), item }))
      .sort((a, b) => (a.keyString < b.keyString ? -1 : a.keyString > b.keyString ? 1 : 0));
    const start = typeof position === "number" ? position : 0;
    const page = rows.slice(start, start + limit).map(({ keyString, item }) => ({ item: structuredClone(item), version: this.versions.get(versionId(model.name, keyString)) ?? 0 }));
    return start + limit < rows.length ? { items: page, position: start + limit } : { items: page };
  }

  private holds(lease: OutboxLease): boolean {
    const current = this.leases.get(lease.partition);
    return current !== undefined && current.owner === lease.owner && current.epoch === lease.epoch && current.expiresAt > this.now();
  }
}

function versionId(entity: string, keyString: string): string {
  return `${entity}\u0000${keyString}`;
}
