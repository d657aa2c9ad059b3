/**
 * Maps Cassandra errors (the driver's `ResponseError`, `NoHostAvailableError`,
 * `OperationTimedOutError`, or the in-memory engine's `CqlError`, which carry
 * the same protocol codes) to Polyxena errors. The statement text travels,
 * never the values.
 */
import { CASSANDRA_LIMITS, isSizeLimitRefusal } from "./cassandra-write-limits.js";
import { isPolyxenaError, PolyxenaError, errorClassOfCode, errorCodeOfClass, type ErrorClass } from "@polyxena/core";

/** Native protocol error codes the adapter distinguishes. */
const CODES = {
  unavailable: 0x1000,
  overloaded: 0x1001,
  isBootstrapping: 0x1002,
  writeTimeout: 0x1100,
  readTimeout: 0x1200,
  readFailure: 0x1300,
  writeFailure: 0x1500,
  syntaxError: 0x2000,
  invalid: 0x2200,
  alreadyExists: 0x2400,
  unprepared: 0x2500,
} as const;


function codeOf(error: unknown): number | undefined {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === "number" ? code : undefined;
}

function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : "";
}

/** Classifies a Cassandra error (or an already mapped Polyxena error). */
export function classifyCassandraError(error: unknown): ErrorClass {
  if (isPolyxenaError(error)) return errorClassOfCode(error.code);
  const code = codeOf(error);
  if (code === CODES.readTimeout || code === CODES.writeTimeout) return "timeout";
  if (code === CODES.unavailable || code === CODES.overloaded || code === CODES.isBootstrapping) return "unavailable";
  if (code === CODES.alreadyExists) return "already-exists";
  // Invalid is Cassandra refusing the request's values (a key over 64 KB, a batch too large, a bad value),
  // unless the table or keyspace is missing, which is the schema's problem, not the request's.
  if (code === CODES.invalid && !/unconfigured table|does not exist/.test(error instanceof Error ? error.message : String(error))) return "invalid";
  // Every host refused to re-prepare the statement: it no longer fits the schema (a dropped or altered table).
  if (refusedEverywhereAsUnprepared(error)) return "store";
  const name = nameOf(error);
  if (name === "OperationTimedOutError") return "timeout";
  if (name === "NoHostAvailableError" || name === "BusyConnectionError") return "unavailable";
  const message = error instanceof Error ? error.message : String(error);
  if (/ECONNREFUSED|ECONNRESET|socket (was )?closed|Connection.*closed|has been shut ?down/i.test(message)) return "unavailable";
  return "store";
}

function innerErrors(error: unknown): unknown[] {
  const inner = typeof error === "object" && error !== null ? (error as { innerErrors?: unknown }).innerErrors : undefined;
  return typeof inner === "object" && inner !== null ? Object.values(inner) : [];
}

/** Whether every host answered Unprepared, even after the driver prepared the statement again. */
function refusedEverywhereAsUnprepared(error: unknown): boolean {
  const inner = innerErrors(error);
  return inner.length > 0 && inner.every((e) => codeOf(e) === CODES.unprepared);
}


/**
 * Turns an error into a {@link PolyxenaError} carrying `statement`. For a
 * non-idempotent write, a timeout or lost connection leaves the outcome unknown.
 */
export function cassandraError(error: unknown, statement: string, idempotent: boolean): PolyxenaError {
  if (isPolyxenaError(error)) return error.statement ? error : error.withContext({ statement });
  const kind = classifyCassandraError(error);
  // NoHostAvailableError wraps what each host answered; one answer explains it better than the wrapper.
  const inner = innerErrors(error);
  const code = codeOf(error) ?? (inner.length > 0 && inner.every((e) => codeOf(e) === codeOf(inner[0])) ? codeOf(inner[0]) : undefined);
  const message = error instanceof Error ? error.message : String(error);
  let outcome: "not-applied" | "unknown" | undefined;
  if (code === CODES.unprepared) outcome = "not-applied";
  if (kind === "timeout" || kind === "unavailable") {
    outcome = code === CODES.unavailable || code === CODES.overloaded ? "not-applied" : idempotent ? undefined : "unknown";
  }
  if (code === CODES.invalid && isSizeLimitRefusal(message)) {
    // Cassandra refused the whole statement or batch while validating it: nothing was written.
    return new PolyxenaError("E_VALIDATION", message, {
      statement,
      outcome: "not-applied",
      constraint: /^Batch/.test(message)
        ? CASSANDRA_LIMITS.batchSizeFailThreshold.name
        : /^Key may not be empty/.test(message)
          ? "cassandra.nonEmptyPartitionKey"
          : CASSANDRA_LIMITS.partitionKeyBytes.name,
      fix: /^Batch/.test(message) ? CASSANDRA_LIMITS.batchSizeFailThreshold.fix : "use a non-empty key of at most 65,535 bytes",
      cause: error,
    });
  }
  const fix =
    code === CODES.invalid && /unconfigured table|does not exist/.test(message)
      ? "create the keyspace and tables first (adapter.applySchema(models) or the generated schema.cql)"
      : code === CODES.unprepared
        ? "the cluster no longer accepts this prepared statement, usually because its table was dropped or altered: apply the schema (adapter.applySchema(models) or the generated schema.cql) and retry"
        : code === CODES.unavailable
        ? "lower the consistency level or bring replicas back"
        : undefined;
  return new PolyxenaError(errorCodeOfClass(kind), message, { statement, outcome, fix, cause: error });
}
