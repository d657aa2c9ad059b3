import type { CacheStats } from "./cache-stats.js";
import type { TierZone } from "./cache-tier.js";

/** Writes one invalidation to one zone (through the cache policy). */
export type ZoneWrite = (zone: TierZone, key: string, value: Uint8Array, ttlSeconds: number) => Promise<void>;

/** How failed invalidation writes are retried. */
export interface RetryPolicy {
  /** Attempts after the first failure (default 8). */
  attempts?: number;
  /** First retry delay in ms, doubled each time (default 100). */
  baseDelayMs?: number;
  /** Largest delay between attempts in ms (default 5000). */
  maxDelayMs?: number;
  /** Most writes kept queued; more are abandoned and counted (default 10000). */
  maxPending?: number;
}

interface Pending {
  zone: TierZone;
  key: string;
  value: Uint8Array;
  ttlSeconds: number;
  attempt: number;
  timer?: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Retries invalidation writes (tombstones, generation bumps) that failed,
 * in the background, with bounded exponential backoff. A newer write for the
 * same zone and key replaces the queued one. Never throws.
 */
export class InvalidationRetrier {
  private readonly pending = new Map<string, Pending>();
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxPending: number;
  private closed = false;

  constructor(
    private readonly zones: readonly TierZone[],
    private readonly stats: CacheStats,
    private readonly write: ZoneWrite,
    policy: RetryPolicy = {},
  ) {
    this.attempts = policy.attempts ?? 8;
    this.baseDelayMs = policy.baseDelayMs ?? 100;
    this.maxDelayMs = policy.maxDelayMs ?? 5000;
    this.maxPending = policy.maxPending ?? 10_000;
  }

  /** Number of writes waiting for a retry. */
  get size(): number {
    return this.pending.size;
  }

  /** Queues a `set` that failed. */
  enqueue(zone: TierZone, key: string, value: Uint8Array, ttlSeconds: number): void {
    if (this.closed) return;
    const id = `${this.zones.indexOf(zone)}\u0000${key}`;
    const existing = this.pending.get(id);
    if (existing) {
      existing.value = value;
      existing.ttlSeconds = ttlSeconds;
      return;
    }
    if (this.pending.size >= this.maxPending) {
      this.stats.invalidationsAbandoned++;
      return;
    }
    const entry: Pending = { zone, key, value, ttlSeconds, attempt: 0 };
    this.pending.set(id, entry);
    this.stats.pendingInvalidations = this.pending.size;
    this.schedule(id, entry);
  }

  /** Retries every queued write now; resolves with how many are still queued. */
  async flush(): Promise<number> {
    await Promise.all([...this.pending.entries()].map(([id, entry]) => this.attempt(id, entry)));
    return this.pending.size;
  }

  /** Stops retrying; queued writes are abandoned. */
  close(): void {
    this.closed = true;
    for (const entry of this.pending.values()) clearTimeout(entry.timer);
    this.stats.invalidationsAbandoned += this.pending.size;
    this.pending.clear();
    this.stats.pendingInvalidations = 0;
  }

  private schedule(id: string, entry: Pending): void {
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** entry.attempt);
    entry.timer = setTimeout(() => void this.attempt(id, entry), delay);
    entry.timer.unref?.();
  }

  private async attempt(id: string, entry: Pending): Promise<void> {
    if (this.pending.get(id) !== entry) return;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.attempt++;
    this.stats.invalidationRetries++;
    const value = entry.value;
    try {
      await this.write(entry.zone, entry.key, value, entry.ttlSeconds);
      // A newer tombstone queued meanwhile must still be written.
      if (entry.value !== value) {
        entry.attempt = 0;
        this.schedule(id, entry);
        return;
      }
      this.stats.invalidationRetrySuccesses++;
      this.pending.delete(id);
    } catch {
      // Counted here only: a retry skipped by an open breaker is still a failed attempt.
      this.stats.l2Errors++;
      if (entry.attempt >= this.attempts) {
        this.stats.invalidationsAbandoned++;
        this.pending.delete(id);
      } else if (!this.closed) {
        this.schedule(id, entry);
      }
    }
    this.stats.pendingInvalidations = this.pending.size;
  }
}
