import { describe, expect, it } from "vitest";
import { STORE_KINDS, type StoreKind } from "@polyxena/core";
import { storeTestKit, storeTestKits, testVariants } from "../src/stores/store-test-kit.js";

describe("store test kits", () => {
  it("finds one kit per registered store kind, in registry order, each declaring its endpoint", async () => {
    const kits = await storeTestKits();
    expect(kits.map((k) => k.kind)).toEqual(STORE_KINDS);
    for (const kit of kits) {
      expect(kit.endpoint.env, kit.kind).toMatch(/^POLYXENA_TEST_[A-Z_]+$/);
      expect(kit.endpoint.start, kit.kind).not.toBe("");
      expect(testVariants(kit).at(-1), kit.kind).toBe("real");
    }
  });

  it("refuses a kind without a kit folder, naming the folder to add", async () => {
    await expect(storeTestKit("nosuchstore" as StoreKind)).rejects.toThrow("add packages/testkit/src/stores/nosuchstore/index.ts exporting testKit");
  });
});
