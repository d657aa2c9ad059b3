/**
 * @polyxena/testkit: conformance suites, wire-compatible test servers and
 * launchers for local services.
 */
export * from "./conformance/index.js";
