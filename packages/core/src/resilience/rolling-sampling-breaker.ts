import { SamplingBreaker, type CircuitState, type IBreaker } from "cockatiel";

/** Shape of `SamplingBreaker.state` (its documented serialization state). */
interface SamplingState {
  windows: { startedAt: number; failures: number; successes: number }[];
  currentWindow: number;
  currentFailures: number;
  currentSuccesses: number;
}

/** Options of {@link RollingSamplingBreaker}. */
export interface RollingSamplingOptions {
  /** Calls in the window below which the breaker never opens. */
  minimumCalls: number;
  /** Failure ratio at or above which it opens, in (0, 1]. */
  failureRatio: number;
  /** Rolling window length in ms. */
  windowMs: number;
}

/**
 * Cockatiel's {@link SamplingBreaker} with two corrections:
 * - it advances one bucket per recorded call, so after an idle gap old
 *   failures stay counted; this wrapper drops buckets older than the window;
 * - "minimum calls" and "at or above the ratio" are expressed exactly.
 */
export class RollingSamplingBreaker implements IBreaker {
  private readonly inner: SamplingBreaker;
  private readonly windowMs: number;
  private readonly bucketMs: number;
  private lastRecord = 0;

  constructor(options: RollingSamplingOptions) {
    // Mirror SamplingBreaker's bucket arithmetic so the thresholds below are exact.
    const buckets = Math.max(5, Math.ceil(options.windowMs / 1000));
    this.bucketMs = Math.round(options.windowMs / buckets);
    this.windowMs = this.bucketMs * buckets;
    this.inner = new SamplingBreaker({
      // SamplingBreaker opens when failures > threshold * total; a hair below the ratio makes it ">=".
      threshold: Math.max(1e-9, Math.min(options.failureRatio - 1e-9, 1 - 1e-9)),
      duration: options.windowMs,
      // It opens only when total >= duration * minimumRps / 1000; half a call of slack avoids float edges.
      minimumRps: ((options.minimumCalls - 0.5) * 1000) / this.windowMs,
    });
  }

  get state(): unknown {
    return this.inner.state;
  }

  set state(value: unknown) {
    this.inner.state = value;
  }

  success(state: CircuitState): void {
    this.expire();
    this.inner.success(state);
  }

  failure(state: CircuitState): boolean {
    this.expire();
    return this.inner.failure(state);
  }

  private expire(): void {
    const now = Date.now();
    const idle = now - this.lastRecord;
    this.lastRecord = now;
    if (idle < this.bucketMs) return;
    const s = this.inner.state as SamplingState;
    let failures = s.currentFailures;
    let successes = s.currentSuccesses;
    for (const w of s.windows) {
      if (w.startedAt !== 0 && now - w.startedAt >= this.windowMs && (w.failures || w.successes)) {
        failures -= w.failures;
        successes -= w.successes;
        w.failures = 0;
        w.successes = 0;
      }
    }
    this.inner.state = { ...s, currentFailures: failures, currentSuccesses: successes };
  }
}
