import { compareNames, type KeyspaceSchema, type TableSchema } from "./catalog.js";

/** What `system.local` reports about the (single) node. */
export interface NodeInfo {
  address: string;
  port: number;
  dataCenter: string;
  rack: string;
  releaseVersion: string;
  clusterName: string;
  hostId: string;
  partitioner: string;
  tokens: string[];
}

/** DDL of the system tables the stock drivers read, with Cassandra 4.0's column types. */
export const SYSTEM_TABLE_DDL: Record<"system" | "system_schema", string[]> = {
  system: [
    `CREATE TABLE local (key text PRIMARY KEY, bootstrapped text, broadcast_address inet, broadcast_port int,
      cluster_name text, cql_version text, data_center text, gossip_generation int, host_id uuid, listen_address inet,
      listen_port int, native_protocol_version text, partitioner text, rack text, release_version text, rpc_address inet,
      rpc_port int, schema_version uuid, tokens set<text>, truncated_at map<uuid, blob>)`,
    `CREATE TABLE peers (peer inet PRIMARY KEY, data_center text, host_id uuid, preferred_ip inet, rack text,
      release_version text, rpc_address inet, schema_version uuid, tokens set<text>)`,
  ],
  system_schema: [
    `CREATE TABLE keyspaces (keyspace_name text PRIMARY KEY, durable_writes boolean, replication frozen<map<text, text>>)`,
    `CREATE TABLE tables (keyspace_name text, table_name text, bloom_filter_fp_chance double,
      caching frozen<map<text, text>>, cdc boolean, comment text, compaction frozen<map<text, text>>,
      compression frozen<map<text, text>>, crc_check_chance double, dclocal_read_repair_chance double,
      default_time_to_live int, extensions frozen<map<text, blob>>, flags frozen<set<text>>, gc_grace_seconds int,
      id uuid, max_index_interval int, memtable_flush_period_in_ms int, min_index_interval int,
      read_repair_chance double, speculative_retry text, PRIMARY KEY (keyspace_name, table_name))`,
    `CREATE TABLE columns (keyspace_name text, table_name text, column_name text, clustering_order text,
      column_name_bytes blob, kind text, position int, type text, PRIMARY KEY (keyspace_name, table_name, column_name))`,
    `CREATE TABLE types (keyspace_name text, type_name text, field_names frozen<list<text>>,
      field_types frozen<list<text>>, PRIMARY KEY (keyspace_name, type_name))`,
    `CREATE TABLE functions (keyspace_name text, function_name text, argument_types frozen<list<text>>,
      argument_names frozen<list<text>>, body text, called_on_null_input boolean, language text, return_type text,
      PRIMARY KEY (keyspace_name, function_name, argument_types))`,
    `CREATE TABLE aggregates (keyspace_name text, aggregate_name text, argument_types frozen<list<text>>,
      final_func text, initcond text, return_type text, state_func text, state_type text,
      PRIMARY KEY (keyspace_name, aggregate_name, argument_types))`,
    `CREATE TABLE views (keyspace_name text, view_name text, base_table_id uuid, base_table_name text,
      include_all_columns boolean, where_clause text, id uuid, PRIMARY KEY (keyspace_name, view_name))`,
    `CREATE TABLE indexes (keyspace_name text, table_name text, index_name text, kind text,
      options frozen<map<text, text>>, PRIMARY KEY (keyspace_name, table_name, index_name))`,
    `CREATE TABLE triggers (keyspace_name text, table_name text, trigger_name text, options frozen<map<text, text>>,
      PRIMARY KEY (keyspace_name, table_name, trigger_name))`,
    `CREATE TABLE dropped_columns (keyspace_name text, table_name text, column_name text, dropped_time timestamp,
      kind text, type text, PRIMARY KEY (keyspace_name, table_name, column_name))`,
  ],
};

/** A row to write into a system table, by column name. */
export type SystemRow = Record<string, unknown>;

/** The `system_schema.keyspaces` row of a keyspace. */
export function keyspaceRow(ks: KeyspaceSchema): SystemRow {
  return { keyspace_name: ks.name, durable_writes: ks.durableWrites, replication: new Map(Object.entries(ks.replication)) };
}

/** The `system_schema.tables` row of a table. */
export function tableRow(t: TableSchema): SystemRow {
  const map = (o: Record<string, string>) => new Map(Object.entries(o));
  return {
    keyspace_name: t.keyspace,
    table_name: t.name,
    bloom_filter_fp_chance: 0.01,
    caching: map({ keys: "ALL", rows_per_partition: "NONE" }),
    cdc: false,
    comment: t.comment,
    compaction: map({ class: "org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy", max_threshold: "32", min_threshold: "4" }),
    compression: map({ chunk_length_in_kb: "16", class: "org.apache.cassandra.io.compress.LZ4Compressor" }),
    crc_check_chance: 1,
    dclocal_read_repair_chance: 0,
    default_time_to_live: t.defaultTtl,
    extensions: new Map(),
    flags: ["compound"],
    gc_grace_seconds: 864000,
    id: t.id,
    max_index_interval: 2048,
    memtable_flush_period_in_ms: 0,
    min_index_interval: 128,
    read_repair_chance: 0,
    speculative_retry: "99p",
  };
}

/** The `system_schema.columns` rows of a table. */
export function columnRows(t: TableSchema): SystemRow[] {
  return [...t.allColumns].sort((a, b) => compareNames(a.name, b.name)).map((c) => ({
    keyspace_name: t.keyspace,
    table_name: t.name,
    column_name: c.name,
    clustering_order: c.kind === "clustering" ? (c.descending ? "desc" : "asc") : "none",
    column_name_bytes: Uint8Array.from(Buffer.from(c.name, "utf8")),
    kind: c.kind,
    position: c.kind === "regular" ? -1 : c.position,
    type: typeName(c.type),
  }));
}

function typeName(type: TableSchema["allColumns"][number]["type"]): string {
  switch (type.kind) {
    case "native":
      return type.name;
    case "list":
    case "set": {
      const inner = `${type.kind}<${typeName(type.element)}>`;
      return type.frozen ? `frozen<${inner}>` : inner;
    }
    case "map": {
      const inner = `map<${typeName(type.key)}, ${typeName(type.value)}>`;
      return type.frozen ? `frozen<${inner}>` : inner;
    }
  }
}

/** The `system.local` row. */
export function localRow(node: NodeInfo, schemaVersion: string): SystemRow {
  return {
    key: "local",
    bootstrapped: "COMPLETED",
    broadcast_address: node.address,
    broadcast_port: 7000,
    cluster_name: node.clusterName,
    cql_version: "3.4.5",
    data_center: node.dataCenter,
    gossip_generation: 1,
    host_id: node.hostId,
    listen_address: node.address,
    listen_port: 7000,
    native_protocol_version: "4",
    partitioner: node.partitioner,
    rack: node.rack,
    release_version: node.releaseVersion,
    rpc_address: node.address,
    rpc_port: node.port,
    schema_version: schemaVersion,
    tokens: node.tokens,
    truncated_at: new Map(),
  };
}
