import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { PolyxenaRuntime, defineEntity, isPolyxenaError, type PolyxenaErrorCode, createResiliencePolicy } from "@polyxena/core";
import { createMemoryPostgresAdapter } from "@polyxena/memory";
import { ChaosAdapter, isChaosError } from "../src/chaos-adapter.js";

const Note = defineEntity("Note", {
  store: "postgres",
  schema: z.object({ noteId: z.string().min(1), text: z.string() }),
  key: { primary: ["noteId"] },
});

function setup(seed = 1, withPolicy = false) {
  const chaos = new ChaosAdapter(createMemoryPostgresAdapter(), { seed });
  const policy = withPolicy ? createResiliencePolicy({ retry: false, timeouts: { read: 250, write: 250 } }) : undefined;
  const runtime = new PolyxenaRuntime({ stores: { postgres: chaos }, policy }, [Note]);
  return { chaos, notes: runtime.entity(Note) };
}

async function codeOf(promise: Promise<unknown>): Promise<PolyxenaErrorCode | "ok"> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (isPolyxenaError(error)) return error.code;
    throw error;
  }
}

describe("ChaosAdapter", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("passes calls through untouched without rules, counting them per kind", async () => {
    const { chaos, notes } = setup();
    await notes.put({ noteId: "n1", text: "hello" });
    expect((await notes.get({ noteId: "n1" })).item).toEqual({ noteId: "n1", text: "hello" });
    expect(chaos.calls("put")).toBe(1);
    expect(chaos.calls("get")).toBe(1);
    expect(chaos.calls()).toBe(2);
    expect(chaos.kind).toBe("postgres");
    expect(chaos.name).toBe("postgres");
  });

  it("throws per operation kind, with an error class the runtime maps to a code", async () => {
    const { chaos, notes } = setup();
    chaos.inject({ fault: { type: "throw", errorClass: "timeout" }, kinds: ["put"] });
    expect(await codeOf(notes.put({ noteId: "n1", text: "x" }))).toBe("E_TIMEOUT");
    expect(await codeOf(notes.get({ noteId: "n1" }))).toBe("ok");
    chaos.clear().inject({ fault: { type: "throw", error: () => new RangeError("boom") } });
    const error = await notes.get({ noteId: "n1" }).catch((e: unknown) => e);
    expect(isPolyxenaError(error, "E_STORE")).toBe(true);
    expect((error as Error).cause).toBeInstanceOf(RangeError);
  });

  it("retires a rule after `times` matching calls", async () => {
    const { chaos, notes } = setup();
    chaos.inject({ fault: { type: "throw" }, kinds: ["get"], times: 2 });
    expect(await codeOf(notes.get({ noteId: "a" }))).toBe("E_UNAVAILABLE");
    expect(await codeOf(notes.put({ noteId: "a", text: "" }))).toBe("ok");
    expect(await codeOf(notes.get({ noteId: "a" }))).toBe("E_UNAVAILABLE");
    expect(await codeOf(notes.get({ noteId: "a" }))).toBe("ok");
  });

  it("stalls calls until released, ignoring their abort signal, then lets them reach the store", async () => {
    const { chaos, notes } = setup();
    chaos.inject({ fault: { type: "stall" }, kinds: ["put"] });
    const controller = new AbortController();
    const writes = [notes.put({ noteId: "a", text: "1" }, { signal: controller.signal }), notes.put({ noteId: "b", text: "2" })];
    await chaos.whenStalled(2);
    controller.abort();
    expect(chaos.stalled).toBe(2);
    chaos.clear();
    expect(chaos.release()).toBe(2);
    const [aborted, written] = await Promise.allSettled(writes);
    // The store itself sees the aborted call's signal and sends nothing.
    const refusal = aborted?.status === "rejected" ? aborted.reason : undefined;
    expect(isPolyxenaError(refusal, "E_TIMEOUT") && refusal.outcome).toBe("not-applied");
    expect(written?.status).toBe("fulfilled");
    expect((await notes.get({ noteId: "a" })).item).toBeUndefined();
    expect((await notes.get({ noteId: "b" })).item).toEqual({ noteId: "b", text: "2" });
  });

  it("can stall honouring the signal, or release stalled calls with an error", async () => {
    const { chaos, notes } = setup();
    chaos.inject({ fault: { type: "stall", honorSignal: true }, kinds: ["get"] });
    const controller = new AbortController();
    const read = notes.get({ noteId: "a" }, { signal: controller.signal }).catch((e: unknown) => e);
    await chaos.whenStalled(1);
    controller.abort(new Error("client gave up"));
    expect(String(await read)).toContain("client gave up");
    expect(chaos.stalled).toBe(0);

    const other = notes.get({ noteId: "b" }).catch((e: unknown) => e);
    await chaos.whenStalled(1);
    chaos.release(new Error("connection terminated"));
    expect(String(await other)).toContain("connection terminated");
  });

  it("slows calls down by a fixed delay", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const { chaos, notes } = setup();
    chaos.inject({ fault: { type: "delay", ms: 1_000 }, kinds: ["get"] });
    let done = false;
    const read = notes.get({ noteId: "a" }).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    expect(chaos.calls("get")).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await read;
    expect(done).toBe(true);
  });

  it("fails a seeded fraction of calls, the same calls for the same seed", async () => {
    const pattern = async (seed: number) => {
      const { chaos, notes } = setup(seed);
      chaos.inject({ fault: { type: "fail", rate: 0.3 }, kinds: ["get"] });
      const out: string[] = [];
      for (let i = 0; i < 400; i++) out.push(await codeOf(notes.get({ noteId: `n${i}` })));
      return out;
    };
    const a = await pattern(42);
    const b = await pattern(42);
    const c = await pattern(7);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const failures = a.filter((x) => x === "E_UNAVAILABLE").length;
    expect(failures).toBeGreaterThan(80);
    expect(failures).toBeLessThan(160);
  });

  it("lets the policy's retries absorb a seeded 30 % failure rate on reads", async () => {
    const chaos = new ChaosAdapter(createMemoryPostgresAdapter(), { seed: 11 });
    const policy = createResiliencePolicy({ retry: { retries: 3, initialDelayMs: 0, maxDelayMs: 0 }, breaker: false });
    const notes = new PolyxenaRuntime({ stores: { postgres: chaos }, policy }, [Note]).entity(Note);
    await notes.put({ noteId: "n", text: "kept" });
    chaos.inject({ fault: { type: "fail", rate: 0.3 }, kinds: ["get"] });
    const results = [];
    for (let i = 0; i < 200; i++) results.push(await codeOf(notes.get({ noteId: "n" })));
    const failed = results.filter((r) => r !== "ok").length;
    // Without retries about 60 reads would fail; with three retries about 0.8 % do.
    expect(failed).toBeLessThan(10);
    expect(chaos.calls("get")).toBeGreaterThan(240);
  });

  it("rejects nonsense rules", () => {
    const { chaos } = setup();
    expect(() => chaos.inject({ fault: { type: "fail", rate: 2 } })).toThrow(RangeError);
    expect(() => chaos.inject({ fault: { type: "delay", ms: -5 } })).toThrow(RangeError);
  });

  it("classifies only its own errors itself and defers the rest to the wrapped adapter", () => {
    const { chaos } = setup();
    const pgUniqueViolation = Object.assign(new Error("duplicate key value violates unique constraint"), { code: "23505" });
    expect(chaos.classifyError(pgUniqueViolation)).toBe(chaos.inner.classifyError!(pgUniqueViolation));
    expect(isChaosError(new Error("x"))).toBe(false);
  });

  it("makes a hung store observable: the resilience policy ends the stalled call with E_TIMEOUT", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const { chaos, notes } = setup(1, true);
    chaos.inject({ fault: { type: "stall" }, kinds: ["get"] });
    let code: string | undefined;
    const read = codeOf(notes.get({ noteId: "a" })).then((c) => (code = c));
    await vi.advanceTimersByTimeAsync(249);
    expect(code).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await read;
    expect(code).toBe("E_TIMEOUT");
    expect(chaos.stalled).toBe(1);
    chaos.release();
  });
});
