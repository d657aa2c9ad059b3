/**
 * How the testkit reaches each store in tests, declared by the store itself:
 * every registered store kind has a folder `stores/<kind>/` here whose
 * `index.ts` exports `testKit`. The shared suites (conformance, breaker,
 * fuzz, killed connections) load the kits of every kind in the core
 * registry, so a new store brings its test wiring with it and no shared
 * test file names it.
 */
import { STORE_KINDS, type StoreAdapter, type StoreKind } from "@polyxena/core";
import type { ConformanceTarget } from "../conformance/store-conformance.js";

/** One of a store's two adapters in the suites: its memory twin, or its real adapter on a test endpoint. */
export type TestVariant = "memory" | "real";

/** An endpoint a test file uses: fresh adapters on a namespace of its own (database, schema, keyspace, prefix). */
export interface StoreTestEndpoint {
  /** A fresh adapter on the endpoint's namespace; the caller closes it. */
  adapter(): StoreAdapter;
  /** Lets `ms` of store time pass, for TTL cases; absent when the store's time is the wall clock. */
  advanceClock?(ms: number): Promise<void>;
  /** Stops or drops what the endpoint started (the adapters handed out are the caller's to close). */
  close(): Promise<void>;
}

/** Everything the shared suites need to know about testing one store. */
export interface StoreTestKit {
  readonly kind: StoreKind;
  /** Where the real endpoint comes from: the variable naming an external one, and the command that starts the local one (said when it is down). */
  readonly endpoint: { readonly env: string; readonly start: string };
  /** Starts or reaches the real endpoint; `label` names its namespace so files running at once do not share it. */
  real(label: string): Promise<StoreTestEndpoint>;
  /** The memory twin as an endpoint; absent when the store has none (its cases then run on the real endpoint only). */
  readonly memory?: ((label: string) => Promise<StoreTestEndpoint>) | undefined;
  /** What the suites must know of a variant's endpoint before it starts: they choose their cases when registered. */
  traits?(variant: TestVariant): Pick<ConformanceTarget, "transactWriteItems">;
  /** Registers the store's own conformance cases beside the shared suite, on one of its adapters. */
  extras?(name: string, target: ConformanceTarget, variant: TestVariant): void;
  /** Registers faults only the store's real server shows (connections killed mid-operation, by the server's own means). */
  faults?(name: string): void;
}

/** The variants a kit runs its cases on: the memory twin (when there is one), then the real adapter. */
export function testVariants(kit: StoreTestKit): TestVariant[] {
  return kit.memory ? ["memory", "real"] : ["real"];
}

/** The endpoint of one variant of a store. */
export function startVariant(kit: StoreTestKit, variant: TestVariant, label: string): Promise<StoreTestEndpoint> {
  if (variant === "real") return kit.real(label);
  if (!kit.memory) throw new Error(`${kit.kind} has no memory twin; run its cases on the real endpoint (${kit.endpoint.env}, or: ${kit.endpoint.start})`);
  return kit.memory(label);
}

/**
 * The conformance target of one variant: every `setup` starts an endpoint of
 * its own (a fresh namespace) with the definitions' schema applied.
 */
export function conformanceTarget(kit: StoreTestKit, variant: TestVariant, label: string): ConformanceTarget {
  let serial = 0;
  const open = new Set<StoreTestEndpoint>();
  const target: ConformanceTarget = {
    kind: kit.kind,
    ...kit.traits?.(variant),
    async setup(definitions) {
      const endpoint = await startVariant(kit, variant, `${label}_${++serial}`);
      open.add(endpoint);
      const adapter = endpoint.adapter();
      await adapter.applySchema?.(definitions.map((d) => d.model));
      return {
        adapter,
        async cleanup() {
          open.delete(endpoint);
          await adapter.close();
          await endpoint.close();
        },
      };
    },
    // Suites nest their setups, so time passes on every endpoint still open; without a clock, in real time.
    async advanceClock(ms) {
      const clocks = [...open].filter((e) => e.advanceClock);
      if (clocks.length === 0) await new Promise<void>((resolve) => setTimeout(resolve, ms));
      for (const endpoint of clocks) await endpoint.advanceClock!(ms);
    },
  };
  return target;
}

/**
 * The kit of every store kind in the core registry, in registry order. A
 * registered kind without a kit folder fails here, naming the folder to add.
 *
 * @example
 * for (const kit of await storeTestKits()) describe(kit.kind, () => { ... });
 */
export async function storeTestKits(): Promise<StoreTestKit[]> {
  return Promise.all(STORE_KINDS.map(storeTestKit));
}

/** The kit of one store kind. */
export async function storeTestKit(kind: StoreKind): Promise<StoreTestKit> {
  let module: { testKit?: StoreTestKit };
  try {
    // A computed specifier: the folder is found at run time, by the registered kind (not a bundler's list).
    const folder = `./${kind}/index.js`;
    module = (await import(/* @vite-ignore */ folder)) as { testKit?: StoreTestKit };
  } catch (error) {
    throw new Error(`store ${kind} has no test kit: add packages/testkit/src/stores/${kind}/index.ts exporting testKit (docs/adding-a-store.md)`, { cause: error });
  }
  if (module.testKit?.kind !== kind) throw new Error(`packages/testkit/src/stores/${kind}/index.ts must export testKit with kind "${kind}"`);
  return module.testKit;
}
