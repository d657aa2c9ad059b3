import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { isPolyxenaError } from "../src/index.js";
import { createCachePolicy } from "../src/cache/index.js";
import { track } from "./resilience-fixtures.js";

describe("cache policy", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("ends a hung cache call with E_TIMEOUT naming target and command, and aborts its signal", async () => {
    const policy = createCachePolicy({ timeoutMs: 50 });
    let signal: AbortSignal | undefined;
    const call = track(
      policy
        .run({ operation: "get", target: "memcached:zone-a", entity: "Profile" }, (s) => {
          signal = s;
          return new Promise(() => undefined);
        })
        .catch((e: unknown) => e),
    );
    await vi.advanceTimersByTimeAsync(49);
    expect(call.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await call.promise;
    expect(isPolyxenaError(error, "E_TIMEOUT")).toBe(true);
    expect(error).toMatchObject({ store: "memcached:zone-a", operation: "cache.get", entity: "Profile" });
    expect(signal?.aborted).toBe(true);
  });

  it("never retries and reports synchronous throws through the promise", async () => {
    const policy = createCachePolicy({ timeoutMs: 50 });
    let calls = 0;
    const result = policy.run({ operation: "set" }, () => {
      calls++;
      throw new Error("socket closed");
    });
    await expect(result).rejects.toThrow("socket closed");
    expect(calls).toBe(1);
  });

  it("returns the value of a call that answers in time", async () => {
    const policy = createCachePolicy();
    await expect(policy.run({ operation: "get" }, async () => "v")).resolves.toBe("v");
  });

  it("rejects a bad timeout with E_DEFINITION", () => {
    expect(() => createCachePolicy({ timeoutMs: -1 })).toThrow(expect.objectContaining({ code: "E_DEFINITION" }));
  });
});
