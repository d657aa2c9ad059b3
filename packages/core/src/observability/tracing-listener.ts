import { SpanKind, SpanStatusCode, context, type Attributes, type Tracer } from "@opentelemetry/api";
import { canonicalJson } from "../cursor-codec.js";
import type { OperationEvent, OperationListener } from "../operation-events.js";
import { isStoreKind, storeDialect } from "../stores/store-registry.js";

/** Options of {@link createTracingListener}. */
export interface TracingOptions {
  /**
   * Put the item's primary key on the span (`polyxena.key`). Off by default:
   * keys may be personal data. Parameter values are never recorded.
   */
  includeKeys?: boolean;
}

/**
 * Turns operation events into OpenTelemetry client spans, one per
 * repository operation, started at the operation's start and ended when it
 * settled, under whatever context is active. Attributes: `db.system`,
 * `db.operation`, the entity, the outcome, cache source, attempts, the
 * statement when known (never parameter values) and, only with
 * `includeKeys`, the key.
 *
 * @example
 * const repos = createRepositories({ stores, onOperation: createTracingListener(trace.getTracer("billing")) });
 */
export function createTracingListener(tracer: Tracer, options: TracingOptions = {}): OperationListener {
  const includeKeys = options.includeKeys === true;
  return (event) => {
    const end = Date.now();
    const span = tracer.startSpan(
      `${event.operation} ${event.entity}`,
      { kind: SpanKind.CLIENT, startTime: end - event.durationMs, attributes: spanAttributes(event, includeKeys) },
      context.active(),
    );
    if (event.outcome === "error") span.setStatus({ code: SpanStatusCode.ERROR, message: event.errorCode ?? "E_STORE" });
    span.end(end);
  };
}

/** The span attributes of an event (exported for custom tracers and tests). */
export function spanAttributes(event: OperationEvent, includeKeys = false): Attributes {
  const kind = event.storeKind ?? event.store.split(":")[0] ?? event.store;
  const system = isStoreKind(kind) ? storeDialect(kind).dbSystem : kind;
  const attributes: Attributes = {
    "db.system": system,
    "db.system.name": system,
    "db.operation": event.operation,
    "db.operation.name": event.operation,
    "polyxena.store": event.store,
    "polyxena.entity": event.entity,
    "polyxena.operation_id": event.operationId,
    "polyxena.outcome": event.outcome,
    "polyxena.consistency": event.consistency,
    "polyxena.cache": event.cache,
    "polyxena.stale": event.stale,
  };
  if (event.nativeConsistency !== undefined) attributes["polyxena.native_consistency"] = event.nativeConsistency;
  if (event.attempts !== undefined) attributes["polyxena.attempts"] = event.attempts;
  if (event.retries !== undefined) attributes["polyxena.retries"] = event.retries;
  if (event.errorCode !== undefined) attributes["error.type"] = event.errorCode;
  if (event.errorOutcome !== undefined) attributes["polyxena.error_outcome"] = event.errorOutcome;
  if (event.statement !== undefined) {
    attributes["db.statement"] = event.statement;
    attributes["db.query.text"] = event.statement;
  }
  if (includeKeys && event.key !== undefined) attributes["polyxena.key"] = safeJson(event.key);
  return attributes;
}

function safeJson(value: unknown): string {
  try {
    return canonicalJson(value);
  } catch {
    return "[unserializable key]";
  }
}
