import type { AlterTableStatement, CreateKeyspaceStatement, CreateTableStatement, OptionValue } from "./cql-ast.js";
import { CqlError, CqlErrorCode, configError, invalid, syntaxError } from "./cql-error.js";
import { isCollection, validateColumnType, type CqlType } from "./cql-types.js";

/** Where a column sits in its table. */
export type ColumnKind = "partition_key" | "clustering" | "regular";

/** A column of a table. */
export interface ColumnSchema {
  name: string;
  type: CqlType;
  kind: ColumnKind;
  /** Position within the partition key or the clustering columns (0 for regular columns). */
  position: number;
  /** Clustering columns only: stored in descending order. */
  descending: boolean;
}

/** A table's definition. */
export interface TableSchema {
  keyspace: string;
  name: string;
  id: string;
  columns: Map<string, ColumnSchema>;
  partitionKey: ColumnSchema[];
  clustering: ColumnSchema[];
  /** Regular columns sorted by name, as Cassandra orders them in `SELECT *`. */
  regular: ColumnSchema[];
  /** `SELECT *` order: partition key, clustering, then regular columns by name. */
  allColumns: ColumnSchema[];
  defaultTtl: number;
  comment: string;
  /** Catalog-managed tables (system keyspaces) reject writes from statements. */
  readOnly: boolean;
}

/** A keyspace's definition. */
export interface KeyspaceSchema {
  name: string;
  /** Replication map with the full strategy class name, e.g. `{ class: "org.apache.cassandra.locator.SimpleStrategy", replication_factor: "1" }`. */
  replication: Record<string, string>;
  durableWrites: boolean;
  tables: Map<string, TableSchema>;
  system: boolean;
}

const STRATEGY_PREFIX = "org.apache.cassandra.locator.";
const TABLE_OPTIONS = new Set([
  "additional_write_policy", "bloom_filter_fp_chance", "caching", "cdc", "comment", "compaction", "compression",
  "crc_check_chance", "dclocal_read_repair_chance", "default_time_to_live", "extensions", "gc_grace_seconds",
  "max_index_interval", "memtable_flush_period_in_ms", "min_index_interval", "read_repair", "read_repair_chance",
  "speculative_retry",
]);

/** Validates a keyspace or table name the way Cassandra does. */
export function validateName(name: string, what: "Keyspace" | "Table"): void {
  if (!/^\w{1,48}$/.test(name)) {
    throw invalid(`${what} name must not be empty, more than 48 characters long, or contain non-alphanumeric-underscore characters (got "${name}")`);
  }
}

/** Builds and validates the replication map of `CREATE KEYSPACE`. */
export function keyspaceFromStatement(statement: CreateKeyspaceStatement): KeyspaceSchema {
  validateName(statement.keyspace, "Keyspace");
  let durableWrites = true;
  let replication: Record<string, string> | undefined;
  for (const [key, value] of Object.entries(statement.options)) {
    if (key === "replication") {
      if (typeof value !== "object") throw syntaxError(`Invalid value for property 'replication'. It should be a map.`);
      replication = value;
    } else if (key === "durable_writes") {
      durableWrites = value === true || value === "true";
    } else {
      throw syntaxError(`Unknown property '${key}'`);
    }
  }
  if (!replication) throw configError("Missing mandatory option 'replication'");
  return { name: statement.keyspace, replication: normalizeReplication(replication, statement.keyspace), durableWrites, tables: new Map(), system: false };
}

function normalizeReplication(input: Record<string, string>, keyspace: string): Record<string, string> {
  const cls = input["class"];
  if (!cls) throw configError("Missing replication strategy class");
  const short = cls.startsWith(STRATEGY_PREFIX) ? cls.slice(STRATEGY_PREFIX.length) : cls;
  const out: Record<string, string> = { class: STRATEGY_PREFIX + short };
  const checkFactor = (value: string): void => {
    if (!/^-?\d+$/.test(value)) throw configError(`Replication factor must be numeric; found ${value}`);
    if (Number(value) < 0) throw configError(`Replication factor must be non-negative; found ${value}`);
  };
  if (short === "SimpleStrategy") {
    for (const [k, v] of Object.entries(input)) {
      if (k === "class") continue;
      if (k !== "replication_factor") throw configError(`Unrecognized strategy option {${k}} passed to SimpleStrategy for keyspace ${keyspace}`);
      checkFactor(v);
      out[k] = v;
    }
    // Cassandra 5.0 fills in default_keyspace_rf (1 by default).
    if (out["replication_factor"] === undefined) out["replication_factor"] = "1";
    return out;
  }
  if (short === "NetworkTopologyStrategy") {
    for (const [k, v] of Object.entries(input)) {
      if (k === "class") continue;
      checkFactor(v);
      out[k] = v;
    }
    return out;
  }
  throw configError(`Unable to find replication strategy class '${cls.includes(".") ? cls : STRATEGY_PREFIX + cls}'`);
}

/** Builds and validates a table definition from `CREATE TABLE`. */
export function tableFromStatement(statement: CreateTableStatement, keyspace: string, id: string): TableSchema {
  validateName(statement.table.name, "Table");
  const defs = new Map<string, { type: CqlType; isStatic: boolean }>();
  for (const c of statement.columns) {
    if (defs.has(c.name)) throw invalid(`Multiple definition of identifier ${c.name}`);
    if (c.isStatic) throw invalid(`Static columns are not supported by this server (column ${c.name})`);
    validateColumnType(c.type, c.name);
    defs.set(c.name, c);
  }
  const seen = new Set<string>();
  for (const name of [...statement.partitionKey, ...statement.clustering]) {
    const def = defs.get(name);
    if (!def) throw invalid(`Unknown definition ${name} referenced in PRIMARY KEY`);
    if (seen.has(name)) throw invalid(`Multiple definition of identifier ${name}`);
    seen.add(name);
    if (isCollection(def.type) && !def.type.frozen) throw invalid(`Invalid non-frozen collection type for PRIMARY KEY component ${name}`);
    if (def.type.kind === "native" && def.type.name === "counter") throw invalid(`counter type is not supported for PRIMARY KEY column '${name}'`);
  }
  for (const c of statement.columns) {
    if (c.type.kind === "native" && c.type.name === "counter") throw invalid("Counter columns are not supported by this server");
  }
  const order = new Map<string, boolean>();
  statement.clusteringOrder.forEach((o, i) => {
    const index = statement.clustering.indexOf(o.column);
    if (index < 0) throw invalid(`Only clustering key columns can be defined in CLUSTERING ORDER directive`);
    if (order.has(o.column)) throw invalid(`Duplicate column '${o.column}' in CLUSTERING ORDER directive`);
    if (index !== i) {
      const expected = statement.clustering[i];
      throw invalid(
        expected !== undefined && statement.clusteringOrder.some((x) => x.column === expected)
          ? `The order of columns in the CLUSTERING ORDER directive must be the one of the clustering key (${o.column} must appear before ${expected})`
          : `Missing CLUSTERING ORDER for column ${expected ?? o.column}`,
      );
    }
    order.set(o.column, o.descending);
  });

  let defaultTtl = 0;
  let comment = "";
  for (const [key, value] of Object.entries(statement.options)) {
    if (!TABLE_OPTIONS.has(key)) throw syntaxError(`Unknown property '${key}'`);
    if (key === "default_time_to_live") defaultTtl = ttlOption(value);
    if (key === "comment") comment = String(value);
  }

  const columns = new Map<string, ColumnSchema>();
  const partitionKey = statement.partitionKey.map((name, position): ColumnSchema => ({
    name, type: defs.get(name)!.type, kind: "partition_key", position, descending: false,
  }));
  const clustering = statement.clustering.map((name, position): ColumnSchema => ({
    name, type: defs.get(name)!.type, kind: "clustering", position, descending: order.get(name) ?? false,
  }));
  const regular = statement.columns
    .filter((c) => !seen.has(c.name))
    .map((c): ColumnSchema => ({ name: c.name, type: c.type, kind: "regular", position: 0, descending: false }))
    .sort((a, b) => compareNames(a.name, b.name));
  for (const c of [...partitionKey, ...clustering, ...regular]) columns.set(c.name, c);
  if (clustering.length === 0 && regular.length === 0 && partitionKey.length === 0) throw invalid("No PRIMARY KEY specifed");
  return {
    keyspace, name: statement.table.name, id, columns, partitionKey, clustering, regular,
    allColumns: [...partitionKey, ...clustering, ...regular], defaultTtl, comment, readOnly: false,
  };
}

/**
 * Applies `ALTER TABLE` to a table definition and returns the new definition
 * (same id, as in Cassandra). Validation follows Cassandra 4.0's messages.
 */
export function alterTable(table: TableSchema, action: AlterTableStatement["action"]): TableSchema {
  let regular = [...table.regular];
  let defaultTtl = table.defaultTtl;
  let comment = table.comment;
  switch (action.kind) {
    case "add":
      for (const c of action.columns) {
        if (table.columns.has(c.name) || regular.some((r) => r.name === c.name)) throw invalid(`Column with name '${c.name}' already exists`);
        if (c.isStatic) throw invalid(`Static columns are not supported by this server (column ${c.name})`);
        if (c.type.kind === "native" && c.type.name === "counter") throw invalid("Counter columns are not supported by this server");
        validateColumnType(c.type, c.name);
        regular.push({ name: c.name, type: c.type, kind: "regular", position: 0, descending: false });
      }
      break;
    case "drop":
      for (const name of action.columns) {
        const c = table.columns.get(name);
        if (!c) throw invalid(`Column ${name} was not found in table ${table.name}`);
        if (c.kind !== "regular") throw invalid(`Cannot drop PRIMARY KEY column ${name}`);
        regular = regular.filter((r) => r.name !== name);
      }
      break;
    case "with":
      for (const [key, value] of Object.entries(action.options)) {
        if (!TABLE_OPTIONS.has(key)) throw syntaxError(`Unknown property '${key}'`);
        if (key === "default_time_to_live") defaultTtl = ttlOption(value);
        if (key === "comment") comment = String(value);
      }
      break;
  }
  regular.sort((a, b) => compareNames(a.name, b.name));
  const columns = new Map<string, ColumnSchema>();
  for (const c of [...table.partitionKey, ...table.clustering, ...regular]) columns.set(c.name, c);
  return { ...table, columns, regular, allColumns: [...table.partitionKey, ...table.clustering, ...regular], defaultTtl, comment };
}

function ttlOption(value: OptionValue): number {
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(n)) throw syntaxError(`Invalid integer value ${String(value)} for 'default_time_to_live'`);
  if (n < 0) throw configError(`default_time_to_live must be greater than or equal to 0 (got ${n})`);
  if (n > MAX_TTL) throw configError(`default_time_to_live must be less than or equal to ${MAX_TTL} (got ${n})`);
  return n;
}

/** Cassandra's maximum TTL: 20 years in seconds. */
export const MAX_TTL = 630_720_000;

/** Orders column names the way Cassandra orders regular columns (by UTF-8 bytes). */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** An AlreadyExists error with its wire details. */
export function alreadyExists(keyspace: string, table?: string): CqlError {
  const message = table === undefined
    ? `Cannot add existing keyspace "${keyspace}"`
    : `Cannot add already existing table "${table}" to keyspace "${keyspace}"`;
  return new CqlError(CqlErrorCode.alreadyExists, message, { alreadyExists: { keyspace, table: table ?? "" } });
}
