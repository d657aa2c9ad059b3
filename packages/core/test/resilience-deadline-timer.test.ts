import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DeadlineTimer } from "../src/resilience/deadline-timer.js";

const never = () => new Promise<never>(() => undefined);
const timedOut = (label: string) => new Error(`timeout ${label}`);

function outcome(promise: Promise<unknown>) {
  const state: { value?: unknown; error?: unknown; settled: boolean } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { value, settled: true }),
    (error: unknown) => Object.assign(state, { error, settled: true }),
  );
  return state;
}

describe("DeadlineTimer", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("rejects every call exactly at its own deadline, in start order", async () => {
    const timer = new DeadlineTimer(800);
    const a = outcome(timer.run(never, timedOut, "a"));
    await vi.advanceTimersByTimeAsync(30);
    const b = outcome(timer.run(never, timedOut, "b"));
    await vi.advanceTimersByTimeAsync(769);
    expect(a.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((a.error as Error).message).toBe("timeout a");
    expect(b.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(29);
    expect(b.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((b.error as Error).message).toBe("timeout b");
  });

  it("settles with the call when it answers first, and ignores it after the deadline", async () => {
    const timer = new DeadlineTimer(100);
    let answer!: (v: string) => void;
    const fast = outcome(timer.run(() => Promise.resolve("ok"), timedOut, "fast"));
    const slow = outcome(timer.run(() => new Promise<string>((r) => (answer = r)), timedOut, "slow"));
    const failing = outcome(timer.run(() => Promise.reject(new Error("driver")), timedOut, "failing"));
    const throwing = outcome(
      timer.run(() => {
        throw new Error("sync");
      }, timedOut, "throwing"),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(fast.value).toBe("ok");
    expect((failing.error as Error).message).toBe("driver");
    expect((throwing.error as Error).message).toBe("sync");
    await vi.advanceTimersByTimeAsync(100);
    answer("late");
    await vi.advanceTimersByTimeAsync(0);
    expect((slow.error as Error).message).toBe("timeout slow");
  });

  it("never aborts a call's signal before the call's own deadline, and aborts it soon after", async () => {
    const timer = new DeadlineTimer(400); // slices of 50 ms
    const signals: AbortSignal[] = [];
    const run = () => outcome(timer.run((s) => (signals.push(s), never()), timedOut, ""));
    run(); // t = 0
    await vi.advanceTimersByTimeAsync(40);
    run(); // t = 40, same slice: deadline 440
    await vi.advanceTimersByTimeAsync(360); // t = 400: the first call times out
    expect(signals[0]).toBe(signals[1]);
    expect(signals[0]!.aborted).toBe(false); // the second call still has 40 ms
    await vi.advanceTimersByTimeAsync(40);
    expect(signals[0]!.aborted).toBe(true);
  });

  it("leaves the shared signal alone when every call of its slice answered", async () => {
    const timer = new DeadlineTimer(100);
    let seen: AbortSignal | undefined;
    await timer.run(async (s) => {
      seen = s;
      return 1;
    }, timedOut, "");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(seen!.aborted).toBe(false);
  });

  it("follows a parent signal: rejects at once with onAbort and aborts the call's own signal", async () => {
    const timer = new DeadlineTimer(1_000);
    const parent = new AbortController();
    let seen: AbortSignal | undefined;
    const call = outcome(
      timer.run((s) => ((seen = s), never()), timedOut, "x", parent.signal, () => new Error("caller aborted")),
    );
    await vi.advanceTimersByTimeAsync(10);
    parent.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect((call.error as Error).message).toBe("caller aborted");
    expect(seen!.aborted).toBe(true);

    const timed = outcome(timer.run(never, timedOut, "with-parent", new AbortController().signal));
    await vi.advanceTimersByTimeAsync(1_000);
    expect((timed.error as Error).message).toBe("timeout with-parent");
  });

  it("keeps up with many calls without a timer per call", async () => {
    const timer = new DeadlineTimer(50);
    const calls = Array.from({ length: 5_000 }, (_, i) => outcome(timer.run(i % 2 ? () => Promise.resolve(i) : never, timedOut, String(i))));
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(50);
    expect(calls.every((c) => c.settled)).toBe(true);
    expect(calls.filter((c) => c.error !== undefined)).toHaveLength(2_500);
  });
});
