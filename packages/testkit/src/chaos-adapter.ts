import type {
  DeleteRequest,
  EntityModel,
  ErrorClass,
  GetManyRequest,
  GetRequest,
  OperationKind,
  PutRequest,
  QueryRequest,
  SchemaApplyResult,
  SearchPage,
  SearchRequest,
  StoreAdapter,
  StoreCapabilities,
  StoredItem,
  StorePage,
  StoreTransaction,
  TransactionOptions,
  UpdateRequest,
} from "@polyxena/core";
import type { StoreKind } from "@polyxena/core";
import { seededRandom } from "./seeded-random.js";

/** What happens to a call a rule matches. */
export type ChaosFault =
  /** Throw at once (a {@link ChaosError} of this class, or the given error). */
  | { type: "throw"; errorClass?: ErrorClass; error?: () => unknown }
  /** Never settle until {@link ChaosAdapter.release}; the abort signal is ignored unless `honorSignal`. */
  | { type: "stall"; honorSignal?: boolean }
  /** Wait `ms` (with `setTimeout`, so fake timers drive it), then call the store. */
  | { type: "delay"; ms: number }
  /** Throw for a fraction `rate` of matching calls, chosen by the seeded RNG; others go through. */
  | { type: "fail"; rate: number; errorClass?: ErrorClass };

/** A fault and the calls it applies to. */
export interface ChaosRule {
  fault: ChaosFault;
  /** Operation kinds it applies to (default: all). */
  kinds?: readonly OperationKind[] | undefined;
  /** Matching calls it applies to before it retires itself (default: unlimited). */
  times?: number | undefined;
}

/** Options of {@link ChaosAdapter}. */
export interface ChaosOptions {
  /** Seed of the RNG behind `fail` rules (default 1), so a run is reproducible. */
  seed?: number;
}

const CHAOS = Symbol.for("polyxena.chaos-error");

/** The error chaos rules throw; the adapter classifies it by `errorClass`. */
export class ChaosError extends Error {
  readonly [CHAOS] = true;
  constructor(
    readonly errorClass: ErrorClass,
    readonly kind: OperationKind,
  ) {
    super(`chaos: injected ${errorClass} failure on ${kind}`);
    this.name = "ChaosError";
  }
}

/** True for errors thrown by a chaos rule. */
export function isChaosError(error: unknown): error is ChaosError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[CHAOS] === true;
}

interface ActiveRule extends ChaosRule {
  remaining: number;
}

interface StalledCall {
  resume: () => void;
  fail: (error: unknown) => void;
}

/**
 * Wraps any {@link StoreAdapter} and injects faults per operation kind:
 * throw, stall until released, slow down, or fail a seeded fraction of
 * calls. It counts calls per kind, including those it failed, so tests can
 * assert how many reached "the store".
 *
 * @example
 * const chaos = new ChaosAdapter(memoryAdapter, { seed: 7 });
 * chaos.inject({ fault: { type: "stall" }, kinds: ["get"] });
 * // ... a get now hangs; the policy must time it out
 * chaos.release();
 */
export class ChaosAdapter implements StoreAdapter {
  readonly kind: StoreKind;
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  readonly search?: (request: SearchRequest) => Promise<SearchPage>;
  readonly transaction?: <T>(work: (tx: StoreTransaction) => Promise<T>, options: TransactionOptions) => Promise<T>;
  readonly applySchema?: (entities: readonly EntityModel[]) => Promise<SchemaApplyResult>;

  private rules: ActiveRule[] = [];
  private readonly stalledCalls = new Set<StalledCall>();
  private stallWaiters: Array<{ count: number; resolve: () => void }> = [];
  private readonly counts = new Map<OperationKind, number>();
  /** Picks which calls fail, from the seed, so a chaos schedule replays. */
  private readonly random: () => number;

  constructor(
    readonly inner: StoreAdapter,
    options: ChaosOptions = {},
  ) {
    this.kind = inner.kind;
    this.name = inner.name;
    this.capabilities = inner.capabilities;
    this.random = seededRandom(options.seed ?? 1);
    if (inner.search) this.search = (r) => this.intercept("search", r.signal, () => inner.search!(r));
    if (inner.transaction) this.transaction = (work, options) => inner.transaction!(work, options);
    if (inner.applySchema) this.applySchema = (entities) => inner.applySchema!(entities);
  }

  /** Adds a rule; rules are checked in the order they were added, the first match applies. */
  inject(rule: ChaosRule): this {
    const f = rule.fault;
    if (f.type === "fail" && !(f.rate >= 0 && f.rate <= 1)) throw new RangeError(`chaos: fail rate must be in [0, 1], got ${f.rate}`);
    if (f.type === "delay" && !(f.ms >= 0)) throw new RangeError(`chaos: delay must be >= 0 ms, got ${f.ms}`);
    this.rules.push({ ...rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
    return this;
  }

  /** Removes every rule (stalled calls stay stalled until released). */
  clear(): this {
    this.rules = [];
    return this;
  }

  /** Lets every stalled call proceed to the wrapped store (or fail with `error`). */
  release(error?: unknown): number {
    const calls = [...this.stalledCalls];
    this.stalledCalls.clear();
    for (const c of calls) (error === undefined ? c.resume() : c.fail(error));
    return calls.length;
  }

  /** Calls currently stalled. */
  get stalled(): number {
    return this.stalledCalls.size;
  }

  /** Resolves once at least `count` calls are stalled at the same time. */
  whenStalled(count = 1): Promise<void> {
    if (this.stalledCalls.size >= count) return Promise.resolve();
    return new Promise((resolve) => this.stallWaiters.push({ count, resolve }));
  }

  /** Calls received for a kind (or for all kinds), whether or not a fault applied. */
  calls(kind?: OperationKind): number {
    if (kind) return this.counts.get(kind) ?? 0;
    let total = 0;
    for (const n of this.counts.values()) total += n;
    return total;
  }

  /** Resets the call counters. */
  resetCounts(): void {
    this.counts.clear();
  }

  get(request: GetRequest): Promise<StoredItem | undefined> {
    return this.intercept("get", request.signal, () => this.inner.get(request));
  }

  getMany(request: GetManyRequest): Promise<(StoredItem | undefined)[]> {
    return this.intercept("getMany", request.signal, () => this.inner.getMany(request));
  }

  put(request: PutRequest): Promise<void> {
    return this.intercept("put", request.signal, () => this.inner.put(request));
  }

  update(request: UpdateRequest): Promise<StoredItem | undefined> {
    return this.intercept("update", request.signal, () => this.inner.update(request));
  }

  delete(request: DeleteRequest): Promise<void> {
    return this.intercept("delete", request.signal, () => this.inner.delete(request));
  }

  query(request: QueryRequest): Promise<StorePage> {
    return this.intercept("query", request.signal, () => this.inner.query(request));
  }

  classifyError(error: unknown): ErrorClass {
    if (isChaosError(error)) return error.errorClass;
    return this.inner.classifyError?.(error) ?? "store";
  }

  close(): Promise<void> {
    this.release(new Error("chaos: adapter closed"));
    return this.inner.close();
  }

  private async intercept<T>(kind: OperationKind, signal: AbortSignal | undefined, proceed: () => Promise<T>): Promise<T> {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    const rule = this.match(kind);
    if (!rule) return proceed();
    const fault = rule.fault;
    switch (fault.type) {
      case "throw":
        throw fault.error ? fault.error() : new ChaosError(fault.errorClass ?? "unavailable", kind);
      case "fail":
        if (this.random() < fault.rate) throw new ChaosError(fault.errorClass ?? "unavailable", kind);
        return proceed();
      case "delay":
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        return proceed();
      case "stall":
        await this.stall(fault.honorSignal === true ? signal : undefined);
        return proceed();
    }
  }

  private match(kind: OperationKind): ActiveRule | undefined {
    for (const rule of this.rules) {
      if (rule.kinds && !rule.kinds.includes(kind)) continue;
      if (rule.remaining <= 0) continue;
      rule.remaining--;
      return rule;
    }
    return undefined;
  }

  private stall(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const call: StalledCall = {
        resume: () => resolve(),
        fail: (error) => reject(error),
      };
      this.stalledCalls.add(call);
      if (signal) {
        const onAbort = () => {
          this.stalledCalls.delete(call);
          reject(signal.reason ?? new Error("aborted"));
        };
        if (signal.aborted) onAbort();
        else signal.addEventListener("abort", onAbort, { once: true });
      }
      const size = this.stalledCalls.size;
      this.stallWaiters = this.stallWaiters.filter((w) => (w.count <= size ? (w.resolve(), false) : true));
    });
  }

}
