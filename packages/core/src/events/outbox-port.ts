/**
 * The outbox port: the small interface through which the store-agnostic
 * relay reads one store's outbox. Each adapter that can record change events
 * atomically implements it (`adapter.outbox`).
 *
 * Claiming is by partition lease: a key always lands in one of
 * `partitions` partitions, a relay owns a partition only while it holds its
 * lease, and every lease acquisition bumps the partition's epoch. `complete`
 * is fenced by the epoch, so a relay that lost its lease (paused, killed,
 * partitioned away) cannot mark anything done.
 */
import type { EntityModel } from "../entity-model.js";
import type { StoredItem } from "../store-adapter.js";
import type { ChangeEvent } from "./change-event.js";

/** A relay's hold on one outbox partition. */
export interface OutboxLease {
  readonly partition: number;
  readonly owner: string;
  /** Bumped on every acquisition of the partition by any owner. */
  readonly epoch: number;
  /** Epoch milliseconds after which another relay may take the partition. */
  readonly expiresAt: number;
}

/** A recorded, not yet completed event. */
export interface OutboxEntry {
  /** Store-local id; entries of one partition are read in id order, which is version order per key. */
  readonly id: string;
  readonly event: ChangeEvent;
  /** Epoch milliseconds when the write was recorded. */
  readonly recordedAt: number;
}

/** An event a sink refused for good (its map or the target rejected it), kept with the error. */
export interface DeadLetter {
  readonly event: ChangeEvent;
  readonly sink: string;
  readonly code: string;
  readonly message: string;
  /** Epoch milliseconds. */
  readonly at: number;
}

/** Backlog of one outbox. */
export interface OutboxBacklog {
  pending: number;
  /** Epoch milliseconds of the oldest pending entry, when there is one. */
  oldestRecordedAt?: number | undefined;
}

/** A page of a source entity with the version of each item, for projection rebuilds. */
export interface VersionedPage {
  items: { item: StoredItem; version: number }[];
  position?: unknown;
}

/** One store's outbox, as the relay, the applier and rebuilds use it. */
export interface OutboxPort {
  /** Store instance name, e.g. `postgres`. */
  readonly store: string;
  /** Number of partitions (fixed per outbox). */
  readonly partitions: number;
  /** Takes the partition's lease for `owner`, or renews it when `owner` holds it; undefined when another relay holds it. */
  claim(owner: string, partition: number, leaseMs: number): Promise<OutboxLease | undefined>;
  /** Gives a lease up so another relay may take it at once. */
  release(lease: OutboxLease): Promise<void>;
  /** Pending entries of the lease's partition in id order (at most `limit`). */
  read(lease: OutboxLease, limit: number): Promise<OutboxEntry[]>;
  /** Marks entries done; false (and nothing marked) when the lease is no longer held. */
  complete(lease: OutboxLease, ids: readonly string[]): Promise<boolean>;
  recordDeadLetter(letter: DeadLetter): Promise<void>;
  deadLetters(): Promise<DeadLetter[]>;
  backlog(): Promise<OutboxBacklog>;
  /** The latest version recorded for a key (undefined when the key never changed). */
  latestVersion(entity: string, keyString: string): Promise<number | undefined>;
  /**
   * Every item of a source entity with its version, in pages. The version of
   * each item is read no later than the item, so it is never newer than it.
   */
  scan(model: EntityModel, position: unknown, limit: number): Promise<VersionedPage>;
}
