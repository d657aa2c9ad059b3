/**
 * Cassandra DDL: one keyspace, a base table per entity and one denormalized
 * table per `table`-kind query (same columns, other primary key).
 */
import type { EntityModel, FieldModel, OrderedField } from "../../entity-model.js";
import { definitionError, PolyxenaError } from "../../errors.js";
import { fitsInt32, isScalarField } from "../../physical/field-shapes.js";
import { qualifiedName, quoteIdent, quoteLiteral } from "../../physical/identifiers.js";
import { uniqueClaimTable } from "../../physical/unique-claims.js";

/** The CQL type of a scalar field. */
function cassandraScalarType(field: FieldModel): string {
  switch (field.type) {
    case "string":
    case "enum":
      return "text";
    case "uuid":
      return "uuid";
    case "int":
      return fitsInt32(field) ? "int" : "bigint";
    case "number":
      return "double";
    case "bigint":
      return "varint";
    case "boolean":
      return "boolean";
    case "date":
      return "timestamp";
    default:
      return "text";
  }
}

/** True when Cassandra stores the field as JSON text (nested or non-scalar collections, objects). */
export function cassandraStoresAsJson(field: FieldModel): boolean {
  if (isScalarField(field)) return false;
  if ((field.type === "list" || field.type === "map") && field.element && isScalarField(field.element)) return false;
  return true;
}

/**
 * The CQL type of a field: scalars map to their native type, lists and maps
 * of scalars to `list<t>` / `map<text, t>`, anything else to `text` holding JSON.
 */
export function cassandraColumnType(field: FieldModel): string {
  if (isScalarField(field)) return cassandraScalarType(field);
  if (cassandraStoresAsJson(field)) return "text";
  const element = cassandraScalarType(field.element!);
  return field.type === "list" ? `list<${element}>` : `map<text, ${element}>`;
}


/** Keyspace replication, e.g. `{ class: "SimpleStrategy", replication_factor: 1 }`. */
export type CassandraReplication = Readonly<Record<string, string | number>>;

/** Options of {@link buildCassandraSchema}. */
export interface CassandraSchemaOptions {
  keyspace: string;
  /** Default: `{ class: "SimpleStrategy", replication_factor: 1 }`. */
  replication?: CassandraReplication | undefined;
}

/** The default replication of generated keyspaces (single-node development clusters). */
export const DEFAULT_CASSANDRA_REPLICATION: CassandraReplication = { class: "SimpleStrategy", replication_factor: 1 };

/** One physical Cassandra table of an entity. */
export interface CassandraTable {
  /** Table name (without keyspace). */
  name: string;
  /** `base` for the entity's own table; `query` for a denormalized query table. */
  role: "base" | "query";
  /** The query served by a `query` table. */
  query?: string | undefined;
  /** Partition key fields (field names). */
  partition: readonly string[];
  /** Clustering fields with their order. */
  clustering: readonly OrderedField[];
  /** Every column, in field declaration order. */
  columns: readonly FieldModel[];
}

/** The tables of one entity: the base table first, then one per `table`-kind query in declaration order. */
export function cassandraTables(model: EntityModel): CassandraTable[] {
  const tables: CassandraTable[] = [
    { name: model.table, role: "base", partition: model.key.partition, clustering: model.key.clustering, columns: model.fields },
  ];
  for (const q of model.queries) {
    if (q.index.kind !== "table") continue;
    tables.push({ name: q.index.name, role: "query", query: q.name, partition: q.index.partition, clustering: q.index.clustering, columns: model.fields });
  }
  return tables;
}

const KEYSPACE_NAME = /^[A-Za-z0-9_]{1,48}$/;

/** `CREATE KEYSPACE IF NOT EXISTS "ks" WITH replication = {...}`; `E_DEFINITION` for a name Cassandra rejects. */
export function cassandraKeyspaceStatement(keyspace: string, replication: CassandraReplication = DEFAULT_CASSANDRA_REPLICATION): string {
  if (typeof keyspace !== "string" || !KEYSPACE_NAME.test(keyspace)) {
    throw new PolyxenaError("E_DEFINITION", `keyspace name ${JSON.stringify(keyspace)} is not valid in Cassandra`, {
      path: "cassandra.keyspace",
      fix: "use 1 to 48 letters, digits or underscores",
    });
  }
  if (typeof replication !== "object" || replication === null || typeof replication["class"] !== "string") {
    throw new PolyxenaError("E_DEFINITION", "keyspace replication has no class", {
      path: "cassandra.replication",
      fix: 'pass { class: "SimpleStrategy", replication_factor: 1 } or { class: "NetworkTopologyStrategy", <dc>: <n> }',
    });
  }
  const entries = Object.entries(replication).map(([k, v]) => `${quoteLiteral(k)}: ${typeof v === "number" ? String(v) : quoteLiteral(v)}`);
  return `CREATE KEYSPACE IF NOT EXISTS ${quoteIdent(keyspace)} WITH replication = {${entries.join(", ")}}`;
}

/** `CREATE TABLE IF NOT EXISTS` for one table of an entity. */
export function cassandraTableStatement(model: EntityModel, table: CassandraTable, keyspace?: string): string {
  const column = (name: string) => {
    const field = model.fields.find((f) => f.name === name);
    if (!field) throw definitionError(model.name, "key", `key field ${name} is not in the schema`, "declare the field");
    return quoteIdent(field.column);
  };
  const lines = table.columns.map((f) => `  ${quoteIdent(f.column)} ${cassandraColumnType(f)},`);
  const partition = `(${table.partition.map(column).join(", ")})`;
  const primary = [partition, ...table.clustering.map((c) => column(c.field))].join(", ");
  lines.push(`  PRIMARY KEY (${primary})`);
  let statement = `CREATE TABLE IF NOT EXISTS ${qualifiedName(keyspace, table.name)} (\n${lines.join("\n")}\n)`;
  if (table.clustering.length > 0) {
    statement += ` WITH CLUSTERING ORDER BY (${table.clustering.map((c) => `${column(c.field)} ${c.order.toUpperCase()}`).join(", ")})`;
  }
  return statement;
}

/**
 * `CREATE TABLE IF NOT EXISTS` for the unique-claim lookup table of an entity
 * with unique constraints (undefined without): one row per taken value
 * (`claim` = constraint name + values), the owner's key as JSON, and when it
 * was claimed (for telling a crash leftover from a write in flight).
 */
export function cassandraClaimTableStatement(model: EntityModel, keyspace?: string): string | undefined {
  if (model.unique.length === 0) return undefined;
  return `CREATE TABLE IF NOT EXISTS ${qualifiedName(keyspace, uniqueClaimTable(model))} (
  "claim" text,
  "owner" text,
  "claimed_at" timestamp,
  PRIMARY KEY ("claim")
)`;
}

/** Names of the outbox tables of a Cassandra keyspace whose entities publish change events. */
export const CASSANDRA_OUTBOX_TABLES = {
  outbox: "polyxena_outbox",
  version: "polyxena_outbox_version",
  lease: "polyxena_outbox_lease",
  deadLetter: "polyxena_outbox_dead_letter",
} as const;

/**
 * The outbox tables of a Cassandra keyspace whose entities publish change
 * events: pending events clustered by version within their outbox partition
 * (a short gc_grace_seconds: a deleted event that comes back only repeats a
 * delivery, which sinks make harmless, and the relay reads past the
 * tombstones of delivered events), the latest version per key (the highest
 * write timestamp wins, as for any Cassandra cell), one lease row per
 * partition, and dead letters.
 */
export function cassandraOutboxStatements(keyspace?: string): string[] {
  const t = (name: string) => qualifiedName(keyspace, name);
  return [
    `CREATE TABLE IF NOT EXISTS ${t(CASSANDRA_OUTBOX_TABLES.outbox)} (
  "partition" int,
  "version" bigint,
  "change_id" text,
  "entity" text,
  "entity_key" text,
  "event" text,
  PRIMARY KEY (("partition"), "version", "change_id")
) WITH gc_grace_seconds = 3600`,
    `CREATE TABLE IF NOT EXISTS ${t(CASSANDRA_OUTBOX_TABLES.version)} (
  "entity" text,
  "entity_key" text,
  "version" bigint,
  PRIMARY KEY (("entity", "entity_key"))
)`,
    `CREATE TABLE IF NOT EXISTS ${t(CASSANDRA_OUTBOX_TABLES.lease)} (
  "partition" int,
  "owner" text,
  "epoch" bigint,
  "expires_at" bigint,
  PRIMARY KEY ("partition")
)`,
    `CREATE TABLE IF NOT EXISTS ${t(CASSANDRA_OUTBOX_TABLES.deadLetter)} (
  "bucket" int,
  "at" bigint,
  "change_id" text,
  "sink" text,
  "code" text,
  "message" text,
  "event" text,
  PRIMARY KEY (("bucket"), "at", "change_id", "sink")
)`,
  ];
}

/**
 * The statements that create the keyspace and every table of these Cassandra
 * entities (entities of other stores are ignored). Statements carry no
 * trailing semicolon, ready for `client.execute`.
 *
 * @example
 * for (const cql of buildCassandraSchema(models, { keyspace: "streaming" })) await client.execute(cql);
 */
export function buildCassandraSchema(models: readonly EntityModel[], options: CassandraSchemaOptions): string[] {
  const statements = [cassandraKeyspaceStatement(options.keyspace, options.replication)];
  for (const model of models) {
    if (model.store.kind !== "cassandra") continue;
    for (const table of cassandraTables(model)) statements.push(cassandraTableStatement(model, table, options.keyspace));
    const claims = cassandraClaimTableStatement(model, options.keyspace);
    if (claims) statements.push(claims);
  }
  if (models.some((m) => m.store.kind === "cassandra" && m.events)) statements.push(...cassandraOutboxStatements(options.keyspace));
  return statements;
}
