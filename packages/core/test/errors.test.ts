import { describe, expect, it } from "vitest";
import { ERROR_CODES, PolyxenaError, isPolyxenaError } from "../src/index.js";

describe("PolyxenaError", () => {
  it("carries a stable code, context and cause, and formats entity, path and fix into the message", () => {
    const cause = new Error("driver said no");
    const error = new PolyxenaError("E_STORE", "write failed", { entity: "Invoice", operation: "Invoice.put", store: "postgres", statement: 'INSERT INTO "invoice" ...', cause });
    expect(error.code).toBe("E_STORE");
    expect(error.cause).toBe(cause);
    expect(error.statement).toContain("INSERT");
    expect(error.message).toBe("write failed [entity Invoice, operation Invoice.put, store postgres]");
  });

  it("is recognised by its brand, not by instanceof, so two package copies agree", () => {
    const foreign = Object.assign(new Error("from another copy"), { [Symbol.for("polyxena.error")]: true, code: "E_TIMEOUT" });
    expect(foreign instanceof PolyxenaError).toBe(false);
    expect(isPolyxenaError(foreign)).toBe(true);
    expect(isPolyxenaError(foreign, "E_TIMEOUT")).toBe(true);
    expect(isPolyxenaError(foreign, "E_STORE")).toBe(false);
    expect(isPolyxenaError(new Error("plain"))).toBe(false);
    expect(isPolyxenaError(null)).toBe(false);
  });

  it("keeps its own context when more is added", () => {
    const error = new PolyxenaError("E_CONDITION_FAILED", "version mismatch", { constraint: "version", current: { v: 2 } });
    const enriched = error.withContext({ entity: "Account", operation: "Account.put", store: "postgres" });
    expect(enriched).toMatchObject({ code: "E_CONDITION_FAILED", entity: "Account", constraint: "version", current: { v: 2 } });
    expect(enriched.message).toBe("version mismatch [entity Account, operation Account.put, store postgres]");
  });

  it("says its code once when logged as code and message, as a string, and in its stack", () => {
    const error = new PolyxenaError("E_VALIDATION", "invalid input: count: expected number", { entity: "Invoice", fix: "correct the listed fields" });
    const logged = `${error.code}: ${error.message}`;
    expect(logged).toBe("E_VALIDATION: invalid input: count: expected number [entity Invoice] Fix: correct the listed fields");
    expect(logged.split("E_VALIDATION")).toHaveLength(2);
    expect(String(error)).toBe("PolyxenaError [E_VALIDATION]: invalid input: count: expected number [entity Invoice] Fix: correct the listed fields");
    expect(error.message.startsWith("E_")).toBe(false);
    expect(error.stack?.split("\n")[0]).toBe("PolyxenaError: invalid input: count: expected number [entity Invoice] Fix: correct the listed fields");
    for (const code of ERROR_CODES) expect(new PolyxenaError(code, "x").message).not.toContain(code);
  });

  it("lists every code once", () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });
});

describe("PolyxenaError.withContext", () => {
  it("does not repeat the fix when the original error had no context", () => {
    const error = new PolyxenaError("E_VALIDATION", "bad cursor", { fix: "pass the cursor unchanged" });
    const enriched = error.withContext({ entity: "Title" });
    expect(enriched.message).toBe("bad cursor [entity Title] Fix: pass the cursor unchanged");
    expect(enriched.summary).toBe("bad cursor");
  });
});
