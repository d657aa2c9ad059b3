/**
 * Maps `mysql2` errors to Polyxena errors. Every mapped error carries the
 * statement text (never the values) and the driver error as `cause`.
 * Server errors are told apart by their number (`errno`), which MySQL and
 * MariaDB share; the driver's own errors by their `code`.
 */
import { isPolyxenaError, errorClassOfCode, type EntityModel, type ErrorClass, type PolyxenaError } from "@polyxena/core";
import { sqlError, type SqlErrorDialect } from "../sql/sql-errors.js";

/** ER_DUP_ENTRY: a primary key or unique index already holds the value. */
export const ER_DUP_ENTRY = 1062;
/** ER_LOCK_DEADLOCK: InnoDB rolled the transaction back to break a deadlock. */
export const ER_LOCK_DEADLOCK = 1213;
/** ER_LOCK_WAIT_TIMEOUT: a row lock was not granted within innodb_lock_wait_timeout. */
export const ER_LOCK_WAIT_TIMEOUT = 1205;

/** Server errors that mean the request's data broke a rule: the caller's mistake. */
const INVALID_ERRNOS = new Set([
  1048, // ER_BAD_NULL_ERROR: column cannot be null
  1264, // ER_WARN_DATA_OUT_OF_RANGE
  1265, // WARN_DATA_TRUNCATED
  1292, // ER_TRUNCATED_WRONG_VALUE (a date out of datetime's range)
  1366, // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD (text the character set cannot hold)
  1367, // ER_ILLEGAL_VALUE_FOR_TYPE
  1406, // ER_DATA_TOO_LONG
  1416, // ER_CANT_CREATE_GEOMETRY_OBJECT
  1690, // ER_DATA_OUT_OF_RANGE
  3140, // ER_INVALID_JSON_TEXT (MySQL)
  3819, // ER_CHECK_CONSTRAINT_VIOLATED (MySQL)
  4025, // ER_CONSTRAINT_FAILED (MariaDB CHECK)
  4038, // ER_JSON_SYNTAX (MariaDB)
]);
/** Missing tables, columns or databases: the schema was not applied, not the request's fault. */
const SCHEMA_ERRNOS = new Set([1146, 1054, 1049, 1044, 1142, 1143]);
/** Server errors that mean the connection or the server went away. */
const UNAVAILABLE_ERRNOS = new Set([
  1040, // ER_CON_COUNT_ERROR: too many connections
  1053, // ER_SERVER_SHUTDOWN
  1077, // ER_NORMAL_SHUTDOWN
  1152, // ER_ABORTING_CONNECTION
  1927, // ER_CONNECTION_KILLED (MariaDB)
  2002, 2003, 2006, 2013, // client: cannot connect, server gone, lost connection
  4031, // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8.0.24+: closed an idle session)
]);
/** Server errors that mean the statement ran out of time. */
const TIMEOUT_ERRNOS = new Set([ER_LOCK_WAIT_TIMEOUT, 1317, 3024, 1969]);
/** Socket and driver codes that mean the server cannot be reached or the connection broke. */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ECONNABORTED",
  "PROTOCOL_CONNECTION_LOST", "PROTOCOL_SEQUENCE_TIMEOUT", "PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR", "PROTOCOL_ENQUEUE_AFTER_QUIT",
  "PROTOCOL_ENQUEUE_HANDSHAKE_TWICE", "POOL_CLOSED", "POOL_ENQUEUELIMIT",
]);

interface DriverError {
  errno?: unknown;
  code?: unknown;
  sqlState?: unknown;
  sqlMessage?: unknown;
  message?: unknown;
  fatal?: unknown;
}

/** The server error number of a `mysql2` error, when it has one. */
export function serverErrno(error: unknown): number | undefined {
  const errno = typeof error === "object" && error !== null ? (error as DriverError).errno : undefined;
  return typeof errno === "number" && errno >= 1000 ? errno : undefined;
}

/** The index a duplicate-key error names (MariaDB: `name`, MySQL 8: `table.name`), `PRIMARY` for the primary key. */
export function duplicateKeyName(error: unknown): string | undefined {
  if (serverErrno(error) !== ER_DUP_ENTRY) return undefined;
  const message = String((error as DriverError).sqlMessage ?? (error as DriverError).message ?? "");
  const name = /for key '([^']+)'$/.exec(message)?.[1];
  return name === undefined ? undefined : name.slice(name.lastIndexOf(".") + 1);
}

/** Classifies a `mysql2` error (or an already mapped Polyxena error). */
export function classifyMysqlError(error: unknown): ErrorClass {
  if (isPolyxenaError(error)) return errorClassOfCode(error.code);
  const errno = serverErrno(error);
  if (errno !== undefined) {
    if (errno === ER_DUP_ENTRY) return "already-exists";
    if (errno === ER_LOCK_DEADLOCK) return "condition";
    if (TIMEOUT_ERRNOS.has(errno)) return "timeout";
    if (UNAVAILABLE_ERRNOS.has(errno)) return "unavailable";
    if (INVALID_ERRNOS.has(errno)) return "invalid";
    if (SCHEMA_ERRNOS.has(errno)) return "store";
    const state = (error as DriverError).sqlState;
    if (typeof state === "string") {
      if (state.startsWith("22") || state === "23000") return "invalid";
      if (state.startsWith("08")) return "unavailable";
    }
    return "store";
  }
  const code = typeof error === "object" && error !== null ? (error as DriverError).code : undefined;
  if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) return "unavailable";
  if (typeof error === "object" && error !== null && (error as DriverError).fatal === true) return "unavailable";
  const message = error instanceof Error ? error.message : String(error);
  if (/Pool is closed|connection is in closed state|Can't add new command when connection is in closed state/i.test(message)) return "unavailable";
  return "store";
}

/** How `mysql2` errors are read: server error numbers, the index a duplicate names, driver codes. */
const MYSQL_ERROR_DIALECT: SqlErrorDialect = {
  classify: classifyMysqlError,
  duplicateKeyName,
  notSent: (error) => {
    const errno = serverErrno(error);
    const code = typeof error === "object" && error !== null ? (error as DriverError).code : undefined;
    return code === "ECONNREFUSED" || code === "ENOTFOUND" || errno === 1040 || errno === 2003;
  },
  constraint: (error) => {
    const errno = serverErrno(error);
    return duplicateKeyName(error) ?? (errno === ER_LOCK_DEADLOCK ? "deadlock" : errno === ER_LOCK_WAIT_TIMEOUT ? "lock_wait_timeout" : undefined);
  },
  fix: (error) => {
    const errno = serverErrno(error);
    if (errno === ER_LOCK_DEADLOCK) return "the transaction conflicted with a concurrent one (InnoDB rolled it back to break a deadlock); run it again";
    if (errno === ER_LOCK_WAIT_TIMEOUT) return "another transaction held the row lock longer than innodb_lock_wait_timeout; keep transactions short and run it again";
    if (errno === 1146 || errno === 1049) return "create the tables first (adapter.applySchema(models) or the generated mysql.sql)";
    return undefined;
  },
};

/**
 * Turns a `mysql2` error into a {@link PolyxenaError} carrying `statement`.
 * `idempotent` decides whether a lost connection leaves the outcome unknown.
 * With `model`, a duplicate in one of its declared unique constraints is
 * `E_ALREADY_EXISTS` naming the constraint and its fields.
 */
export function mysqlError(error: unknown, statement: string, idempotent = true, model?: EntityModel): PolyxenaError {
  return sqlError(MYSQL_ERROR_DIALECT, error, statement, idempotent, model);
}
