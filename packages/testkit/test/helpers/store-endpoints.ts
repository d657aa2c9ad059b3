/**
 * Every store's two adapters for suites that run one case per store, on its
 * memory twin and on its real (or test-server) adapter, from the store test
 * kits (`src/stores/<kind>/`): the endpoints are started once per file, and
 * every adapter handed out is closed with them.
 */
import type { StoreAdapter, StoreKind } from "@polyxena/core";
import { startVariant, storeTestKits, testVariants, type StoreTestEndpoint, type StoreTestKit, type TestVariant } from "../../src/stores/store-test-kit.js";

/** The kit of every registered store, for `for (const kit of KITS)` at the top of a test file. */
export const KITS: readonly StoreTestKit[] = await storeTestKits();

/** Each registered store with the variants it runs on (the real adapter only when it has no memory twin). */
export const STORE_VARIANTS: readonly { kind: StoreKind; variant: TestVariant }[] = KITS.flatMap((kit) => testVariants(kit).map((variant) => ({ kind: kit.kind, variant })));

/** The test endpoints of every store, and the adapters on them. */
export interface StoreEndpoints {
  /** A fresh adapter of `kind` on its `variant` endpoint, closed by {@link StoreEndpoints.close}. */
  adapter(kind: StoreKind, variant: TestVariant): StoreAdapter;
  /** Closes every adapter handed out, then stops the endpoints. */
  close(): Promise<void>;
}

/**
 * Starts (or reaches) every store's endpoints; `label` names the database
 * schema, tables, keyspace and indices so files running at once do not share them.
 *
 * @example
 * let stores: StoreEndpoints;
 * beforeAll(async () => (stores = await startStoreEndpoints("fuzz")));
 * afterAll(() => stores?.close());
 */
export async function startStoreEndpoints(label: string): Promise<StoreEndpoints> {
  const started = await Promise.all(
    STORE_VARIANTS.map(async ({ kind, variant }) => [`${kind}/${variant}`, await startVariant(KITS.find((k) => k.kind === kind)!, variant, label)] as const),
  );
  const endpoints = new Map<string, StoreTestEndpoint>(started);
  const adapters: StoreAdapter[] = [];
  return {
    adapter(kind, variant) {
      const endpoint = endpoints.get(`${kind}/${variant}`);
      if (!endpoint) throw new Error(`${kind} has no ${variant} endpoint; use one of ${[...endpoints.keys()].join(", ")}`);
      const adapter = endpoint.adapter();
      adapters.push(adapter);
      return adapter;
    },
    async close() {
      for (const adapter of adapters) await adapter.close().catch(() => undefined);
      await Promise.all([...endpoints.values()].map((e) => e.close()));
    },
  };
}
