/**
 * Registers the shared conformance suite, then the store's own extras, on
 * one variant of every registered store that has it: the registration comes
 * from the store test kits, so a new store needs no line here.
 */
import { storeConformance } from "../../src/conformance/store-conformance.js";
import { conformanceTarget, testVariants, type TestVariant } from "../../src/stores/store-test-kit.js";
import { KITS } from "./store-endpoints.js";

/** Registers every store's suites on its `variant` adapter (stores without that variant are left to the other file). */
export function registerConformance(variant: TestVariant): void {
  for (const kit of KITS.filter((k) => testVariants(k).includes(variant))) {
    const name = `${kit.kind} (${variant})`;
    const target = conformanceTarget(kit, variant, `conformance_${kit.kind}_${variant}`);
    storeConformance(name, target);
    kit.extras?.(name, conformanceTarget(kit, variant, `extras_${kit.kind}_${variant}`), variant);
  }
}
