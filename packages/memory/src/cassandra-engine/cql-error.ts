/**
 * Error codes of the Cassandra native protocol (v4 spec, section 9). The engine
 * raises the same codes Cassandra raises so that a client sees the same failures.
 */
export const CqlErrorCode = {
  serverError: 0x0000,
  protocolError: 0x000a,
  badCredentials: 0x0100,
  unavailable: 0x1000,
  overloaded: 0x1001,
  isBootstrapping: 0x1002,
  truncateError: 0x1003,
  writeTimeout: 0x1100,
  readTimeout: 0x1200,
  syntaxError: 0x2000,
  unauthorized: 0x2100,
  invalid: 0x2200,
  configError: 0x2300,
  alreadyExists: 0x2400,
  unprepared: 0x2500,
} as const;

/** One of the numeric protocol error codes in {@link CqlErrorCode}. */
export type CqlErrorCodeValue = (typeof CqlErrorCode)[keyof typeof CqlErrorCode];

/** Extra fields some error codes carry on the wire. */
export interface CqlErrorDetails {
  /** Unavailable: the consistency level code, required and alive replica counts. */
  unavailable?: { consistency: number; required: number; alive: number };
  /** Already_exists: keyspace and table ("" for a keyspace). */
  alreadyExists?: { keyspace: string; table: string };
  /** Unprepared: the unknown statement id. */
  unpreparedId?: Uint8Array;
  /** Read_timeout: consistency code, replicas that answered, replicas needed, whether the data replica answered. */
  readTimeout?: { consistency: number; received: number; blockFor: number; dataPresent: boolean };
  /** Write_timeout: consistency code, acknowledgements received and needed, and the write type (SIMPLE, BATCH, CAS, ...). */
  writeTimeout?: { consistency: number; received: number; blockFor: number; writeType: string };
}

/**
 * An error the engine reports to its caller the way Cassandra would: a protocol
 * error code plus a message of the same kind as Cassandra's.
 */
export class CqlError extends Error {
  override readonly name = "CqlError";
  readonly isCqlError = true;

  constructor(
    readonly code: CqlErrorCodeValue,
    message: string,
    readonly details: CqlErrorDetails = {},
  ) {
    super(message);
  }
}

/** Type guard that works across package copies (checks the brand, not the class). */
export function isCqlError(error: unknown): error is CqlError {
  return typeof error === "object" && error !== null && (error as { isCqlError?: unknown }).isCqlError === true;
}

/** Shorthand for an Invalid (0x2200) error. */
export function invalid(message: string): CqlError {
  return new CqlError(CqlErrorCode.invalid, message);
}

/** Shorthand for a Syntax_error (0x2000). */
export function syntaxError(message: string): CqlError {
  return new CqlError(CqlErrorCode.syntaxError, message);
}

/** Shorthand for a Config_error (0x2300). */
export function configError(message: string): CqlError {
  return new CqlError(CqlErrorCode.configError, message);
}
