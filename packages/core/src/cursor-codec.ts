import { createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from "node:crypto";
import { PolyxenaError } from "./errors.js";
import { inspectInput } from "./input-inspection.js";

/** Longest cursor accepted, so a hostile caller cannot make us parse megabytes. */
const MAX_CURSOR_LENGTH = 8192;

/**
 * Opaque, tamper-evident cursors. A cursor carries the adapter's resume
 * position, bound to the operation and the query parameters it was issued
 * for, and signed with HMAC-SHA256. A cursor that was altered, or replayed
 * against another query or other parameters, fails with `E_VALIDATION`.
 *
 * Services with several processes pass the same `secret` to each, so a cursor
 * issued by one process is accepted by another.
 */
export class CursorCodec {
  private readonly secret: KeyObject;

  constructor(secret?: string | Uint8Array) {
    const bytes = secret === undefined ? randomBytes(32) : Buffer.from(secret);
    this.secret = createSecretKey(bytes);
    if (bytes.length < 16) {
      throw new PolyxenaError("E_DEFINITION", "cursor secret is shorter than 16 bytes", {
        path: "cursorSecret",
        fix: "pass at least 16 random bytes (e.g. from an environment secret)",
      });
    }
  }

  /** Encodes a position for `scope` (operation id + canonical parameters). */
  encode(scope: string, position: unknown): string {
    const body = Buffer.from(JSON.stringify({ p: position })).toString("base64url");
    return `${body}.${this.sign(scope, body)}`;
  }

  /** Decodes a cursor issued for the same `scope`; throws `E_VALIDATION` otherwise. */
  decode(scope: string, cursor: unknown): unknown {
    const invalid = (why: string) =>
      new PolyxenaError("E_VALIDATION", `invalid cursor: ${why}`, {
        issues: [{ path: ["cursor"], message: why }],
        fix: "pass the cursor returned by the previous page of the same query, unchanged",
      });
    if (typeof cursor !== "string" || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) throw invalid("not a cursor string");
    const dot = cursor.indexOf(".");
    if (dot <= 0) throw invalid("malformed");
    const body = cursor.slice(0, dot);
    const given = Buffer.from(cursor.slice(dot + 1), "base64url");
    const expected = Buffer.from(this.sign(scope, body), "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw invalid("signature mismatch (altered, or issued for another query or other parameters)");
    }
    let position: unknown;
    try {
      position = (JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as { p: unknown }).p;
    } catch {
      throw invalid("unreadable body");
    }
    // Signed by us, but never trusted to hold keys that could reach a prototype when an adapter copies it.
    const hostile = inspectInput(position, undefined, ["cursor"], "strip");
    if (hostile.length) throw invalid(hostile[0]!.message);
    return position;
  }

  private sign(scope: string, body: string): string {
    return createHmac("sha256", this.secret).update(`${scope}\u0000${body}`).digest().subarray(0, 18).toString("base64url");
  }
}

/** Canonical JSON of parameters (sorted keys, dates and bigints tagged), for cursor scopes and cache keys. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value));
}

function canonicalize(value: unknown): unknown {
  if (value instanceof Date) return { $date: value.toISOString() };
  if (typeof value === "bigint") return { $bigint: value.toString() };
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonicalize((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
