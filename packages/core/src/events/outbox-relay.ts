/**
 * The outbox relay: reads one store's outbox through its {@link OutboxPort}
 * and delivers every event to every sink, per key in version order, at
 * least once, then marks it done.
 *
 * Claiming: partition leases. Keys are hashed into a fixed number of
 * partitions; a relay delivers a partition's events only while it holds the
 * partition's lease, so two relays never deliver one key's events at the same
 * time, and a relay that dies simply stops renewing (its partitions move to
 * others when the lease expires). Leases over partitions rather than per-row
 * claims because per-key order needs one owner per key for a stretch of
 * time, and a lease per partition is one small row per partition instead of
 * a lock per event. A relay stops delivering when its lease has less than a
 * third of its time left, and marking done is fenced by the lease's epoch, so
 * a paused relay that lost its lease marks nothing done.
 *
 * Nothing is lost when a relay dies at any point: an event is marked done
 * only after every sink took it (or dead-lettered it), so a relay killed
 * before marking leaves it pending for the next owner, who delivers it
 * again. Sinks make that repeat harmless (the projection applier by source
 * version, Kafka consumers by the version header).
 */
import { randomUUID } from "node:crypto";
import { isPolyxenaError } from "../errors.js";
import { emitOperationEvent, type OperationListener } from "../operation-events.js";
import type { ChangeEvent } from "./change-event.js";
import type { DeliveryOutcome, EventSink } from "./event-sink.js";
import { OutboxMetrics } from "./outbox-metrics.js";
import type { OutboxEntry, OutboxLease, OutboxPort } from "./outbox-port.js";

/** Options of {@link createOutboxRelay}. */
export interface OutboxRelayOptions {
  outbox: OutboxPort;
  sinks: readonly EventSink[];
  /** Name of this relay in leases (default: random). */
  owner?: string | undefined;
  /** Lease length in milliseconds (default 10 000). */
  leaseMs?: number | undefined;
  /** Most events read from a partition per round (default 500). */
  batchSize?: number | undefined;
  /** Pause when a round found nothing to deliver (default 20 ms). */
  idleMs?: number | undefined;
  /** Most partitions this relay holds at once (default: all); lower it so several relays share the work. */
  maxPartitions?: number | undefined;
  /** Receives one `publish` operation event per delivered event and sink (with `changeId`). */
  onOperation?: OperationListener | readonly OperationListener[] | undefined;
  metrics?: OutboxMetrics | undefined;
}

/** A running (or stoppable) relay. */
export interface OutboxRelay {
  readonly owner: string;
  /** Runs rounds until stopped. */
  start(): void;
  /** Finishes the current round, gives up its leases and stops. */
  stop(): Promise<void>;
  /** Stops at the next await without finishing or releasing anything, as a crashed process would. */
  kill(): void;
  /** One round over the partitions; resolves with the number of events marked done. */
  runOnce(): Promise<number>;
  readonly metrics: OutboxMetrics;
}

class RelayKilled extends Error {}

/**
 * Creates a relay for one outbox.
 *
 * @example
 * const relay = createOutboxRelay({ outbox: stores.postgres.outbox!, sinks: [createProjectionApplier({ runtime: repos.runtime })] });
 * relay.start();
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  return new Relay(options);
}

class Relay implements OutboxRelay {
  readonly owner: string;
  readonly metrics: OutboxMetrics;
  private readonly outbox: OutboxPort;
  private readonly sinks: readonly EventSink[];
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly idleMs: number;
  private readonly maxPartitions: number;
  private readonly listeners: readonly OperationListener[];
  private readonly leases = new Map<number, OutboxLease>();
  private running = false;
  private killed = false;
  private loop: Promise<void> | undefined;
  private offset: number;
  private sampledAt = 0;
  /** Backlog samples are taken at most this often while events flow (always when a round found nothing). */
  private readonly sampleEveryMs = 1_000;

  constructor(options: OutboxRelayOptions) {
    this.outbox = options.outbox;
    this.sinks = options.sinks;
    this.owner = options.owner ?? `relay-${randomUUID()}`;
    this.leaseMs = options.leaseMs ?? 10_000;
    this.batchSize = options.batchSize ?? 500;
    this.idleMs = options.idleMs ?? 20;
    this.maxPartitions = options.maxPartitions ?? this.outbox.partitions;
    this.listeners = options.onOperation === undefined ? [] : Array.isArray(options.onOperation) ? [...options.onOperation] : [options.onOperation as OperationListener];
    this.metrics = options.metrics ?? new OutboxMetrics();
    this.offset = Math.floor(Math.random() * this.outbox.partitions);
  }

  start(): void {
    if (this.running || this.killed) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running && !this.killed) {
        let done = 0;
        try {
          done = await this.runOnce();
        } catch (error) {
          if (error instanceof RelayKilled) return;
          // A store outage: back off and try again; nothing was marked done.
        }
        if (done === 0) await sleep(this.idleMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    if (this.killed) return;
    await Promise.all([...this.leases.values()].map((lease) => this.outbox.release(lease).catch(() => undefined)));
    this.leases.clear();
  }

  kill(): void {
    this.killed = true;
    this.running = false;
  }

  async runOnce(): Promise<number> {
    this.alive();
    const partitions = this.outbox.partitions;
    let completed = 0;
    this.offset = (this.offset + 1) % partitions;
    const held: OutboxLease[] = [];
    for (let i = 0; i < partitions; i++) {
      const lease = await this.lease((this.offset + i) % partitions);
      this.alive();
      if (lease) held.push(lease);
    }
    // Partitions are independent (a key lives in one), so they are delivered side by side.
    const counts = await Promise.all(held.map((lease) => this.deliverPartition(lease)));
    for (const n of counts) completed += n;
    if (Date.now() - this.sampledAt >= this.sampleEveryMs || completed === 0) {
      this.sampledAt = Date.now();
      const backlog = await this.outbox.backlog();
      this.metrics.sampleBacklog(this.outbox.store, backlog.pending, backlog.oldestRecordedAt);
    }
    return completed;
  }

  /** The lease of a partition, claimed or renewed when less than half of it is left. */
  private async lease(partition: number): Promise<OutboxLease | undefined> {
    const held = this.leases.get(partition);
    if (held && held.expiresAt - Date.now() > this.leaseMs / 2) return held;
    if (!held && this.leases.size >= this.maxPartitions) return undefined;
    const lease = await this.outbox.claim(this.owner, partition, this.leaseMs);
    if (lease) this.leases.set(partition, lease);
    else this.leases.delete(partition);
    return lease;
  }

  private async deliverPartition(lease: OutboxLease): Promise<number> {
    const entries = await this.outbox.read(lease, this.batchSize);
    this.alive();
    if (entries.length === 0) return 0;
    // Too little lease left to finish safely: let it lapse or renew next round.
    if (lease.expiresAt - Date.now() < this.leaseMs / 3) return 0;
    const events = entries.map((e) => e.event);
    const blocked = new Set<number>();
    for (const sink of this.sinks) {
      const started = performance.now();
      let outcomes: DeliveryOutcome[];
      try {
        outcomes = await sink.deliver(events);
      } catch (error) {
        outcomes = events.map(() => ({ status: "retry", error }) as const);
      }
      this.alive();
      let delivered = 0;
      let failures = 0;
      let deadLetters = 0;
      for (let i = 0; i < events.length; i++) {
        const outcome = outcomes[i] ?? { status: "retry", error: new Error(`sink ${sink.name} gave no outcome`) };
        if (outcome.status === "ok") delivered++;
        else if (outcome.status === "retry") {
          failures++;
          blocked.add(i);
        } else {
          deadLetters++;
          const { code, message } = errorOf(outcome.error);
          await this.outbox.recordDeadLetter({ event: events[i]!, sink: sink.name, code, message, at: Date.now() });
          this.alive();
        }
      }
      this.metrics.countDeliveries(this.outbox.store, sink.name, delivered, failures, deadLetters);
      this.emit(sink, events, outcomes, performance.now() - started);
    }
    const done = completedIds(entries, blocked);
    if (done.length === 0) return 0;
    const marked = await this.outbox.complete(lease, done);
    this.alive();
    if (!marked) {
      this.leases.delete(lease.partition);
      return 0;
    }
    return done.length;
  }

  private emit(sink: EventSink, events: readonly ChangeEvent[], outcomes: readonly DeliveryOutcome[], durationMs: number): void {
    if (this.listeners.length === 0) return;
    const each = durationMs / Math.max(1, events.length);
    events.forEach((event, i) => {
      const outcome = outcomes[i];
      const failed = outcome === undefined || outcome.status !== "ok";
      emitOperationEvent(this.listeners, {
        store: this.outbox.store,
        entity: event.entity,
        operation: "publish",
        operationId: `${event.entity}.publish.${sink.name}`,
        consistency: "strong",
        cache: "bypass",
        stale: false,
        durationMs: each,
        outcome: failed ? "error" : "ok",
        errorCode: failed ? (outcome?.status === "dead-letter" ? "E_VALIDATION" : "E_UNAVAILABLE") : undefined,
        changeId: event.id,
      });
    });
  }

  private alive(): void {
    if (this.killed) throw new RelayKilled("relay killed");
  }
}

/** Ids to mark done: per key, the events before the first one some sink must retry. */
function completedIds(entries: readonly OutboxEntry[], blocked: ReadonlySet<number>): string[] {
  const stopped = new Set<string>();
  const done: string[] = [];
  entries.forEach((entry, i) => {
    const key = `${entry.event.entity}\u0000${entry.event.keyString}`;
    if (stopped.has(key)) return;
    if (blocked.has(i)) {
      stopped.add(key);
      return;
    }
    done.push(entry.id);
  });
  return done;
}

function errorOf(error: unknown): { code: string; message: string } {
  if (isPolyxenaError(error)) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: error.name, message: error.message };
  return { code: "Error", message: String(error) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
