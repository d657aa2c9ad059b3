/**
 * Observability of repository operations: a metrics recorder with
 * percentiles and cache hit ratio, and OpenTelemetry spans.
 */
export { MetricsRecorder } from "./metrics-recorder.js";
export type { CacheMetrics, EntityMetrics, MetricsSnapshot } from "./metrics-recorder.js";
export { LatencyHistogram } from "./latency-histogram.js";
export type { LatencySummary } from "./latency-histogram.js";
export { createTracingListener, spanAttributes } from "./tracing-listener.js";
export type { TracingOptions } from "./tracing-listener.js";
