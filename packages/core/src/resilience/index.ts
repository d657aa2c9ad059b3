/**
 * Resilience for store calls: timeouts, retries of idempotent operations,
 * circuit breakers and bulkheads per store instance. The cache's own policy
 * (built from the same breaker and deadline timer) lives in `cache/`.
 */
export { createResiliencePolicy } from "./resilience-policy.js";
export type { BreakerState, ResiliencePolicy } from "./resilience-policy.js";
export { RESILIENCE_DEFAULTS, timeoutClassOf } from "./resilience-config.js";
export type {
  BreakerConfig,
  BulkheadConfig,
  CallPolicyConfig,
  ResilienceConfig,
  RetryConfig,
  StorePolicyConfig,
  TimeoutClass,
  TimeoutConfig,
} from "./resilience-config.js";
export { classifyFailure, isRetryable, isStoreFailure } from "./call-failures.js";
export type { FailureClass } from "./call-failures.js";
