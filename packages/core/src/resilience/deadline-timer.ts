import { setMaxListeners } from "node:events";

/** A group of calls that started close together and share one abort signal. */
interface Slice {
  readonly controller: AbortController;
  /** Calls may join until this time (ms since epoch). */
  readonly openUntil: number;
  /** Deadline of the last call that joined. */
  lastDeadline: number;
  /** A member timed out: the shared signal is aborted at `lastDeadline`, never earlier. */
  abortScheduled: boolean;
}

/** One pending call, linked in deadline order; unlinked as soon as it settles, so it dies young. */
interface Entry {
  readonly deadline: number;
  readonly slice: Slice;
  /** Cleared once the call is over. */
  pending: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly onTimeout: (arg: never) => unknown;
  readonly arg: unknown;
  readonly onSettle: ((arg: never, failed: boolean, error: unknown) => void) | undefined;
  prev: Entry | undefined;
  next: Entry | undefined;
}

// `new Promise` runs its executor synchronously: one shared executor hands
// out the settle functions without allocating a closure per call.
let handedResolve: (value: unknown) => void = noop;
let handedReject: (error: unknown) => void = noop;
function handOut(resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
  handedResolve = resolve;
  handedReject = reject;
}
function noop(): void {}

/**
 * Aggressive timeouts of one duration, cheap enough for every store call.
 *
 * Cockatiel's `TimeoutPolicy` creates an `AbortController` per call and
 * aborts it on return; on Node 20 that costs tens of microseconds per call
 * (an `AbortSignal` and a `DOMException` each time). Here deadlines of one
 * duration expire in start order, so pending calls sit in a linked FIFO
 * watched by a single timer, and calls that start within a short slice
 * share one signal. Each call is still rejected exactly at its own deadline, whatever
 * the store does with the signal; the shared signal is aborted once the
 * last call of its slice has reached its deadline (so a signal is never
 * aborted before a call's own timeout, and at most `sliceMs` after it).
 */
export class DeadlineTimer {
  private first: Entry | undefined;
  private last: Entry | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private slice: Slice | undefined;
  private readonly sliceMs: number;

  constructor(readonly ms: number) {
    this.sliceMs = Math.max(1, Math.min(Math.floor(ms / 8), 50));
  }

  /**
   * Runs `call` with an abort signal; the returned promise settles with the
   * call, or rejects with `onTimeout(arg)` when `ms` pass first. With a
   * `parent` signal (the caller's), the call gets its own signal that
   * follows the parent, and the promise rejects with `onAbort(arg)` as soon
   * as the parent aborts. `onSettle(arg, failed, error)` hears the call's
   * own outcome (a synchronous throw included) just before the promise
   * settles with it, and never when the deadline or the parent came first.
   * (`arg` lets callers pass long-lived callbacks instead of allocating
   * closures per call.)
   */
  run<T, A>(
    call: (signal: AbortSignal) => Promise<T>,
    onTimeout: (arg: A) => unknown,
    arg: A,
    parent?: AbortSignal,
    onAbort?: (arg: A) => unknown,
    onSettle?: (arg: A, failed: boolean, error: unknown) => void,
  ): Promise<T> {
    if (parent) {
      const settle = onSettle && ((failed: boolean, error: unknown) => onSettle(arg, failed, error));
      return this.runWithParent(call, () => onTimeout(arg), parent, () => (onAbort ?? onTimeout)(arg), settle);
    }
    const now = Date.now();
    const slice = this.sliceAt(now);
    const result = new Promise<T>(handOut as (resolve: (value: T) => void, reject: (error: unknown) => void) => void);
    const entry = this.enqueue(now, slice, handedResolve, handedReject, onTimeout as (arg: never) => unknown, arg, onSettle as Entry["onSettle"]);
    let pending: Promise<T>;
    try {
      pending = call(slice.controller.signal);
    } catch (error) {
      this.unlink(entry);
      entry.onSettle?.(arg as never, true, error);
      entry.reject(error);
      return result;
    }
    pending.then(
      (value) => {
        if (!entry.pending) return;
        this.unlink(entry);
        entry.onSettle?.(entry.arg as never, false, undefined);
        entry.resolve(value);
      },
      (error: unknown) => {
        if (!entry.pending) return;
        this.unlink(entry);
        entry.onSettle?.(entry.arg as never, true, error);
        entry.reject(error);
      },
    );
    return result;
  }

  private runWithParent<T>(
    call: (signal: AbortSignal) => Promise<T>,
    onTimeout: () => unknown,
    parent: AbortSignal,
    onAbort: () => unknown,
    onSettle: ((failed: boolean, error: unknown) => void) | undefined,
  ): Promise<T> {
    const controller = new AbortController();
    return new Promise<T>((resolve, reject) => {
      let over = false;
      const finish = () => {
        over = true;
        clearTimeout(timer);
        parent.removeEventListener("abort", abort);
      };
      const abort = () => {
        finish();
        controller.abort(parent.reason);
        reject(onAbort());
      };
      const timer = setTimeout(() => {
        finish();
        controller.abort();
        reject(onTimeout());
      }, this.ms);
      if (parent.aborted) return abort();
      parent.addEventListener("abort", abort, { once: true });
      let pending: Promise<T>;
      try {
        pending = call(controller.signal);
      } catch (error) {
        finish();
        onSettle?.(true, error);
        reject(error);
        return;
      }
      pending.then(
        (value) => {
          if (over) return;
          finish();
          onSettle?.(false, undefined);
          resolve(value);
        },
        (error: unknown) => {
          if (over) return;
          finish();
          onSettle?.(true, error);
          reject(error);
        },
      );
    });
  }

  private sliceAt(now: number): Slice {
    const current = this.slice;
    if (current && now < current.openUntil) return current;
    const controller = new AbortController();
    // Many calls (and their drivers' abort listeners) share this signal: no leak warning for that.
    setMaxListeners(0, controller.signal);
    const slice: Slice = { controller, openUntil: now + this.sliceMs, lastDeadline: now + this.ms, abortScheduled: false };
    this.slice = slice;
    return slice;
  }

  private enqueue(
    now: number,
    slice: Slice,
    resolve: (value: unknown) => void,
    reject: (error: unknown) => void,
    onTimeout: (arg: never) => unknown,
    arg: unknown,
    onSettle: Entry["onSettle"],
  ): Entry {
    const deadline = now + this.ms;
    slice.lastDeadline = deadline;
    const entry: Entry = { deadline, slice, pending: true, resolve, reject, onTimeout, arg, onSettle, prev: this.last, next: undefined };
    if (this.last) this.last.next = entry;
    else this.first = entry;
    this.last = entry;
    if (this.timer === undefined) this.arm(deadline, now);
    return entry;
  }

  private unlink(entry: Entry): void {
    entry.pending = false;
    const { prev, next } = entry;
    if (prev) prev.next = next;
    else this.first = next;
    if (next) next.prev = prev;
    else this.last = prev;
    entry.prev = entry.next = undefined;
  }

  private arm(deadline: number, now: number): void {
    // Unreferenced: a pending store call keeps the process alive through its socket, and an
    // idle service should not wait for the deadline of a call that already answered.
    this.timer = setTimeout(() => this.fire(), Math.max(0, deadline - now));
    this.timer.unref?.();
  }

  private fire(): void {
    this.timer = undefined;
    const now = Date.now();
    let entry = this.first;
    while (entry && entry.deadline <= now) {
      this.unlink(entry);
      this.scheduleAbort(entry.slice, now);
      entry.reject((entry.onTimeout as (arg: unknown) => unknown)(entry.arg));
      entry = this.first;
    }
    // Completed calls were unlinked, so the first entry is the oldest call still running.
    if (entry) this.arm(entry.deadline, now);
  }

  /** Aborts the slice's shared signal once its last member has reached its own deadline. */
  private scheduleAbort(slice: Slice, now: number): void {
    if (slice.abortScheduled) return;
    slice.abortScheduled = true;
    if (slice === this.slice) this.slice = undefined; // no more joiners
    const delay = slice.lastDeadline - now;
    if (delay <= 0) slice.controller.abort();
    else setTimeout(() => slice.controller.abort(), delay).unref?.();
  }
}
