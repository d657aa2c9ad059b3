/**
 * An in-memory Cassandra storage engine with a CQL parser: the data model the
 * CQL test server and the in-memory Cassandra adapter share.
 */
export { CassandraEngine } from "./cassandra-engine.js";
export type { BatchOptions, BoundValue, CassandraEngineOptions, ExecuteOptions, PreparedCql } from "./cassandra-engine.js";
export type { ColumnKind, ColumnSchema, KeyspaceSchema, TableSchema } from "./catalog.js";
export { ManualClock, systemClock } from "./clock.js";
export type { EngineClock } from "./clock.js";
export { CONSISTENCY_CODES, consistencyName } from "./consistency.js";
export type { ConsistencyLevel } from "./consistency.js";
export type {
  AlterTableStatement,
  Assignment,
  BatchStatement,
  ColumnDefinition,
  Condition,
  CreateKeyspaceStatement,
  CreateTableStatement,
  DeleteStatement,
  DropStatement,
  InsertStatement,
  LiteralKind,
  ModificationStatement,
  Operator,
  OptionValue,
  ParsedStatement,
  QualifiedName,
  Relation,
  SelectStatement,
  Selector,
  SelectorArgument,
  Statement,
  Term,
  TruncateStatement,
  UpdateStatement,
  UseStatement,
  UsingClause,
} from "./cql-ast.js";
export { CqlError, CqlErrorCode, isCqlError } from "./cql-error.js";
export type { CqlErrorCodeValue, CqlErrorDetails } from "./cql-error.js";
export { parseCql } from "./cql-parser.js";
export { TYPE_OPTION_IDS, nativeType, typeToString } from "./cql-types.js";
export type { CqlType, NativeTypeName } from "./cql-types.js";
export { UNSET, compareValues, deserializeValue, normalizeValue, serializeValue } from "./cql-values.js";
export type { CqlDecimal, CqlValue, Unset } from "./cql-values.js";
export type { EngineResult, ResultColumn } from "./engine-result.js";
export type { NodeInfo } from "./system-tables.js";
export { randomUuid, timeUuid } from "./uuid-gen.js";
