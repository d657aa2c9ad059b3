import {
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type TimeInput,
  type Tracer,
} from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { PolyxenaError, type OperationEvent } from "../src/index.js";
import { createTracingListener } from "../src/observability/index.js";
import { createResiliencePolicy } from "../src/resilience/index.js";
import { rejection, runtimeWith } from "./resilience-fixtures.js";

interface FinishedSpan {
  name: string;
  kind: SpanKind | undefined;
  attributes: Attributes;
  status: SpanStatus;
  start: TimeInput | undefined;
  end: TimeInput | undefined;
}

/** A tracer that keeps finished spans in memory (what an exporter would receive). */
class MemoryTracer implements Tracer {
  readonly finished: FinishedSpan[] = [];

  startSpan(name: string, options: SpanOptions = {}, _context?: Context): Span {
    const record: FinishedSpan = { name, kind: options.kind, attributes: { ...options.attributes }, status: { code: SpanStatusCode.UNSET }, start: options.startTime, end: undefined };
    const spanContext: SpanContext = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 };
    const finished = this.finished;
    const span: Span = {
      spanContext: () => spanContext,
      setAttribute: (key, value) => {
        if (value !== undefined) record.attributes[key] = value;
        return span;
      },
      setAttributes: (attributes) => {
        Object.assign(record.attributes, attributes);
        return span;
      },
      addEvent: () => span,
      addLink: () => span,
      addLinks: () => span,
      setStatus: (status) => {
        record.status = status;
        return span;
      },
      updateName: (n) => {
        record.name = n;
        return span;
      },
      end: (endTime) => {
        record.end = endTime;
        finished.push(record);
      },
      isRecording: () => true,
      recordException: () => undefined,
    };
    return span;
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: unknown[]): ReturnType<F> {
    const fn = rest.at(-1) as F;
    return fn(this.startSpan(name)) as ReturnType<F>;
  }
}

describe("OpenTelemetry spans", () => {
  it("emits one client span per operation with db.system, db.operation, entity and outcome, and no values", async () => {
    const tracer = new MemoryTracer();
    const { store, profiles, events } = runtimeWith(createResiliencePolicy({ retry: false }));
    const listener = createTracingListener(tracer);
    await profiles.put({ profileId: "secret-profile", name: "Secret Name", version: 1 });
    store.next({ throw: new PolyxenaError("E_CONDITION_FAILED", "stale version", { statement: "UPDATE profile SET name = $1 WHERE profile_id = $2" }) });
    await rejection(profiles.update({ profileId: "secret-profile" }, { name: "Other Secret" }, { expectedVersion: 4 }), "E_CONDITION_FAILED");
    for (const e of events) listener(e);

    expect(tracer.finished.map((s) => s.name)).toEqual(["put Profile", "update Profile"]);
    const [put, update] = tracer.finished as [FinishedSpan, FinishedSpan];
    expect(put.kind).toBe(SpanKind.CLIENT);
    expect(put.attributes).toMatchObject({
      "db.system": "postgresql",
      "db.operation": "put",
      "polyxena.entity": "Profile",
      "polyxena.operation_id": "Profile.put",
      "polyxena.outcome": "ok",
      "polyxena.attempts": 1,
    });
    expect(put.status.code).toBe(SpanStatusCode.UNSET);
    expect(update.status).toEqual({ code: SpanStatusCode.ERROR, message: "E_CONDITION_FAILED" });
    expect(update.attributes).toMatchObject({ "polyxena.outcome": "error", "error.type": "E_CONDITION_FAILED", "db.statement": "UPDATE profile SET name = $1 WHERE profile_id = $2" });
    const everything = JSON.stringify(tracer.finished);
    for (const secret of ["secret-profile", "Secret Name", "Other Secret"]) expect(everything).not.toContain(secret);
    for (const span of tracer.finished) expect(Number(span.end) - Number(span.start)).toBeGreaterThanOrEqual(0);
  });

  it("adds the key only when told to include keys", () => {
    const event: OperationEvent = {
      store: "cassandra:viewing",
      entity: "ViewingHistory",
      operation: "get",
      operationId: "ViewingHistory.get",
      consistency: "eventual",
      cache: "l2",
      stale: false,
      durationMs: 2,
      outcome: "ok",
      key: { profileId: "p-42", watchedAt: new Date("2026-01-01T00:00:00Z") },
    };
    const without = new MemoryTracer();
    createTracingListener(without)(event);
    expect(without.finished[0]!.attributes["polyxena.key"]).toBeUndefined();
    expect(without.finished[0]!.attributes["db.system"]).toBe("cassandra");
    const withKeys = new MemoryTracer();
    createTracingListener(withKeys, { includeKeys: true })(event);
    expect(withKeys.finished[0]!.attributes["polyxena.key"]).toBe('{"profileId":"p-42","watchedAt":{"$date":"2026-01-01T00:00:00.000Z"}}');
  });

  it("works with the global no-op tracer when no SDK is installed", () => {
    const listener = createTracingListener(trace.getTracer("polyxena-test"));
    expect(() =>
      listener({ store: "postgres", entity: "X", operation: "get", operationId: "X.get", consistency: "strong", cache: "bypass", stale: false, durationMs: 1, outcome: "ok" }),
    ).not.toThrow();
  });
});
