/**
 * History testing of change events and projections: concurrent writers edit
 * the same keys of a source entity while relays are killed and restarted and
 * a chaos sink duplicates and reorders events on purpose; the checkers then
 * verify that every projection equals the map of its source's last version,
 * and that no consumer saw a key's versions out of order.
 */
import {
  changeKeyString,
  createOutboxRelay,
  decodeChangeItem,
  type ChangeEvent,
  type DeliveryOutcome,
  type EntityDefinition,
  type EventSink,
  type OutboxPort,
  type OutboxRelay,
  type PolyxenaRuntime,
  type StoredItem,
} from "@polyxena/core";

/** Options of {@link chaosSink}. */
export interface ChaosSinkOptions {
  random: () => number;
  /** Chance that an event is also kept to be delivered again later, after newer ones (default 0.3). */
  replayRate?: number;
  /** Chance that a batch is shuffled across and within keys before delivery (default 0.5). */
  shuffleRate?: number;
  /** Chance that a whole batch is delivered twice (default 0.2). */
  duplicateRate?: number;
}

/** A sink wrapper that duplicates, delays and reorders events on purpose. */
export interface ChaosSink extends EventSink {
  /** Delivers every kept old event once more (late duplicates after everything else). */
  flushReplays(): Promise<void>;
  /** Events delivered to the inner sink so far (duplicates included). */
  readonly delivered: number;
}

/**
 * Wraps `inner` so that it sees events twice, late and out of order:
 * random old events are kept and injected into later batches, batches are
 * shuffled (also within a key) and sometimes delivered twice. The relay sees
 * the outcomes of the original events, so redelivery still happens when the
 * inner sink fails.
 */
export function chaosSink(inner: EventSink, options: ChaosSinkOptions): ChaosSink {
  const random = options.random;
  const replayRate = options.replayRate ?? 0.3;
  const shuffleRate = options.shuffleRate ?? 0.5;
  const duplicateRate = options.duplicateRate ?? 0.2;
  const kept: ChangeEvent[] = [];
  let delivered = 0;
  const sink: ChaosSink = {
    name: inner.name,
    get delivered() {
      return delivered;
    },
    async deliver(events) {
      const injected = kept.splice(0, Math.floor(random() * Math.min(kept.length, 8)));
      for (const e of events) if (random() < replayRate) kept.push(e);
      const order = events.map((_, i) => i);
      if (random() < shuffleRate) shuffle(order, random);
      const batch = [...order.map((i) => events[i]!), ...injected];
      if (random() < shuffleRate) shuffle(batch, random);
      delivered += batch.length;
      const outcomes = await inner.deliver(batch);
      const aligned: DeliveryOutcome[] = new Array<DeliveryOutcome>(events.length);
      order.forEach((original, position) => {
        const outcome = outcomes[batch.indexOf(events[original]!)] ?? outcomes[position];
        aligned[original] = outcome ?? { status: "retry", error: new Error("no outcome") };
      });
      if (random() < duplicateRate) {
        delivered += batch.length;
        await inner.deliver(batch);
      }
      return aligned;
    },
    async flushReplays() {
      const rest = kept.splice(0);
      shuffle(rest, random);
      delivered += rest.length;
      if (rest.length) await inner.deliver(rest);
    },
  };
  return sink;
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

/** A consumer-side check that a key's versions never arrive out of order (repeats of seen versions are allowed). */
export interface OrderObserver {
  /** Records one observed event. */
  observe(key: string, version: number): void;
  /** Keys whose versions arrived out of order, with the offending pair. */
  violations(): { key: string; seen: number; after: number }[];
  /** Observations so far. */
  readonly count: number;
  /** Distinct versions seen for a key, ascending. */
  versionsOf(key: string): number[];
}

/**
 * Creates an {@link OrderObserver}: a violation is a version seen for the
 * first time after a higher version of the same key was already seen.
 * At-least-once delivery may repeat versions already seen; that is allowed.
 */
export function createOrderObserver(): OrderObserver {
  const highest = new Map<string, number>();
  const seen = new Map<string, Set<number>>();
  const violations: { key: string; seen: number; after: number }[] = [];
  let count = 0;
  return {
    observe(key, version) {
      count++;
      let versions = seen.get(key);
      if (!versions) seen.set(key, (versions = new Set()));
      const top = highest.get(key) ?? 0;
      if (!versions.has(version) && version < top) violations.push({ key, seen: version, after: top });
      versions.add(version);
      if (version > top) highest.set(key, version);
    },
    violations: () => [...violations],
    versionsOf: (key) => [...(seen.get(key) ?? [])].sort((a, b) => a - b),
    get count() {
      return count;
    },
  };
}

/** One mismatch between a projection and its source. */
export interface ProjectionMismatch {
  projection: string;
  key: string;
  expected: unknown;
  actual: unknown;
}

/**
 * Compares every projection of `source` with the map of the source's current
 * items (which are the last acknowledged writes), for the given source keys:
 * the target must hold exactly the mapped item with the key's latest version,
 * or nothing when the source item is gone.
 */
export async function checkProjections(
  runtime: PolyxenaRuntime,
  source: EntityDefinition,
  keys: readonly Record<string, unknown>[],
): Promise<ProjectionMismatch[]> {
  const mismatches: ProjectionMismatch[] = [];
  const sourceRuntime = runtime.entity(source);
  const outbox = runtime.adapterFor(source.model).outbox!;
  for (const key of keys) {
    const { item } = await sourceRuntime.get(key, { consistency: "strong" });
    const keyString = changeKeyString(source.model, key);
    const version = (await outbox.latestVersion(source.name, keyString)) ?? 0;
    for (const projection of source.projections ?? []) {
      const target = runtime.entity(projection.target);
      let expected: StoredItem | undefined;
      let targetKey: Record<string, unknown>;
      if (item) {
        const mapped = target.schema.parse({ ...(projection.map(item) as object), [projection.model.targetVersionField]: version }) as StoredItem;
        expected = mapped;
        targetKey = Object.fromEntries(projection.target.model.key.fields.map((f) => [f, mapped[f]]));
      } else {
        targetKey = Object.fromEntries(projection.target.model.key.fields.map((f) => [f, key[f]]));
      }
      const actual = (await target.get(targetKey, { consistency: "strong" })).item;
      if (!sameJson(expected, actual)) mismatches.push({ projection: projection.model.name, key: keyString, expected, actual });
    }
  }
  return mismatches;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") return Object.fromEntries(Object.keys(value).sort().filter((k) => (value as Record<string, unknown>)[k] !== undefined).map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  return value;
}

/** Options of {@link runRelayChaos}. */
export interface RelayChaosOptions {
  outbox: OutboxPort;
  /** Builds the sinks of each relay incarnation. */
  sinks: () => readonly EventSink[];
  random: () => number;
  /** Relays running at once (default 3). */
  relays?: number;
  /** Most partitions one relay holds (default: an even share). */
  maxPartitions?: number;
  /** Lease length (default 150 ms, short so killed relays' partitions move quickly). */
  leaseMs?: number;
  /** Runs while the relays are being killed and restarted; the chaos stops when it settles. */
  during: Promise<unknown>;
  /** Milliseconds between chaos steps (default 15). */
  stepMs?: number;
}

/** What {@link runRelayChaos} did. */
export interface RelayChaosResult {
  kills: number;
  starts: number;
}

/**
 * Runs relays over an outbox while `during` runs, killing a random relay
 * and starting a fresh one every few steps; then drains the outbox with one
 * well-behaved relay and resolves once nothing is pending.
 */
export async function runRelayChaos(options: RelayChaosOptions): Promise<RelayChaosResult> {
  const count = options.relays ?? 3;
  const leaseMs = options.leaseMs ?? 150;
  const maxPartitions = options.maxPartitions ?? Math.ceil(options.outbox.partitions / count);
  const result: RelayChaosResult = { kills: 0, starts: 0 };
  const spawn = (): OutboxRelay => {
    const relay = createOutboxRelay({ outbox: options.outbox, sinks: options.sinks(), leaseMs, maxPartitions, idleMs: 5, batchSize: 16 });
    relay.start();
    result.starts++;
    return relay;
  };
  const relays = Array.from({ length: count }, spawn);
  let settled = false;
  void options.during.finally(() => (settled = true));
  let step = 0;
  while (!settled) {
    await new Promise((resolve) => setTimeout(resolve, options.stepMs ?? 5));
    // the first step always kills one, so every history has at least one crash mid-flight
    if (step++ === 0 || options.random() < 0.35) {
      const index = Math.floor(options.random() * relays.length);
      relays[index]!.kill();
      result.kills++;
      relays[index] = spawn();
    }
  }
  await options.during;
  for (const relay of relays) relay.kill();
  const drain = createOutboxRelay({ outbox: options.outbox, sinks: options.sinks(), leaseMs, idleMs: 5 });
  result.starts++;
  for (let rounds = 0; rounds < 10_000; rounds++) {
    await drain.runOnce();
    if ((await options.outbox.backlog()).pending === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await drain.stop();
  return result;
}

/** Decodes the item of a change event of `source` (domain values), for consumers that check contents. */
export function itemOfEvent(source: EntityDefinition, event: ChangeEvent): StoredItem | undefined {
  return event.item ? decodeChangeItem(source.model, event.item) : undefined;
}
