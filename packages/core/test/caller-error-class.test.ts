import { describe, expect, it } from "vitest";
import { checkLimit, errorClassOfCode, errorCodeOfClass, isPolyxenaError, limitExceeded, type StoreLimit } from "../src/index.js";
import { createResiliencePolicy, isRetryable, isStoreFailure } from "../src/resilience/index.js";
import { rejection, runtimeWith } from "./resilience-fixtures.js";

/** A driver error the adapter says is the caller's fault. */
class RefusedRequest extends Error {}

const LIMIT: StoreLimit = { name: "test.keyBytes", subject: "a test key", max: 8, unit: "bytes", fix: "use a shorter key" };

describe("the invalid error class (a request the store refused as the caller's mistake)", () => {
  it("maps to E_VALIDATION and back, in core's one mapping", () => {
    expect(errorCodeOfClass("invalid")).toBe("E_VALIDATION");
    expect(errorClassOfCode("E_VALIDATION")).toBe("invalid");
  });

  it("is neither retried nor counted by the breaker, and the caller gets E_VALIDATION with the store's error as cause", async () => {
    const policy = createResiliencePolicy({ retry: { retries: 3, initialDelayMs: 1 } });
    const { store, profiles } = runtimeWith(policy);
    store.adapter.classifyError = (error) => (error instanceof RefusedRequest ? "invalid" : "store");
    const refused = new RefusedRequest("ValidationException: key too long");
    store.always({ throw: refused });
    for (let i = 0; i < 25; i++) {
      const error = await rejection(profiles.get({ profileId: `p${i}` }), "E_VALIDATION");
      expect(error.cause).toBe(refused);
    }
    expect(store.calls).toHaveLength(25); // no retries
    expect(policy.breakerState(store.adapter)).toBe("closed");
    expect(isStoreFailure(refused, store.adapter)).toBe(false);
    expect(isRetryable(refused, store.adapter)).toBe(false);
    store.always("ok");
    await profiles.put({ profileId: "ok", name: "n", version: 1 });
  });
});

describe("store limits", () => {
  it("limitExceeded is E_VALIDATION naming the limit, the amount, the path and the fix", () => {
    const error = limitExceeded(LIMIT, 12, { entity: "Title", path: ["key", "titleId"] });
    expect(isPolyxenaError(error, "E_VALIDATION")).toBe(true);
    expect(error).toMatchObject({ entity: "Title", constraint: "test.keyBytes", fix: "use a shorter key" });
    expect(error.summary).toBe("a test key (key.titleId) is 12 bytes; the limit test.keyBytes allows at most 8 bytes");
    expect(error.issues?.[0]).toMatchObject({ path: ["key", "titleId"], code: "too_big" });
  });

  it("checkLimit passes at the limit and refuses one over it", () => {
    expect(() => checkLimit(LIMIT, 8)).not.toThrow();
    expect(() => checkLimit(LIMIT, 9)).toThrow(/test\.keyBytes/);
  });
});

describe("hostile option values", () => {
  it("a bigint or symbol where a consistency level, a ttl or a query name belongs is E_VALIDATION, not a TypeError from the message", async () => {
    const { profiles } = runtimeWith(createResiliencePolicy());
    await rejection(profiles.get({ profileId: "p" }, { consistency: 10n as never }), "E_VALIDATION");
    await rejection(profiles.put({ profileId: "p", name: "n", version: 1 }, { consistency: Symbol("x") as never }), "E_VALIDATION");
    await rejection(profiles.query(10n as never, {}), "E_VALIDATION");
  });
});
