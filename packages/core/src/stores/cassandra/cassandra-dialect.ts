/**
 * The Cassandra dialect: partition + clustering keys, a denormalized table
 * per query the key cannot serve, tunable consistency levels, row TTL, CQL DDL.
 */
import type { StoreDialect } from "../store-dialect.js";
import { cassandraConsistency, type CassandraConsistency } from "./cassandra-consistency.js";
import { cassandraKeys } from "./cassandra-keys.js";
import { CASSANDRA_DB_SYSTEM, cassandraOptions, type CassandraOptions } from "./cassandra-options.js";
import { cassandraChangeEventRecording } from "./cassandra-outbox-statements.js";
import { planCassandraQuery } from "./cassandra-query-plan.js";
import { buildCassandraSchema, DEFAULT_CASSANDRA_REPLICATION, type CassandraReplication } from "./cassandra-schema.js";
import { cassandraStatements } from "./cassandra-statements.js";

/** Cassandra's rules behind the {@link StoreDialect} interface. */
export const cassandraDialect: StoreDialect<CassandraOptions, CassandraConsistency> = {
  kind: "cassandra",
  dbSystem: CASSANDRA_DB_SYSTEM,
  keys: cassandraKeys,
  planQuery: planCassandraQuery,
  consistency: cassandraConsistency,
  features: {
    rowTtl: { maxSeconds: 630_720_000, maxDescription: "Cassandra's maximum of 20 years" },
    fullTextSearch: false,
    uniqueConstraints: true,
    changeEvents: true,
  },
  options: cassandraOptions,
  physicalSchema: { file: "schema.cql", format: "statements", build: buildCassandraSchema },
  listStatements: (model, options) => cassandraStatements(model, options?.keyspace),
  statementLanguage: "sql",
  changeEventRecording: (options) => cassandraChangeEventRecording(options.keyspace),
  adapterWarnings(adapter, options) {
    if (!options) return [];
    const live = adapter as unknown as { keyspace?: unknown; replication?: unknown };
    const warnings: string[] = [];
    const expected = replicationText(options.replication ?? DEFAULT_CASSANDRA_REPLICATION);
    if (typeof live.replication === "object" && live.replication !== null && replicationText(live.replication as CassandraReplication) !== expected) {
      warnings.push(`${adapter.name}: the adapter creates keyspaces with replication ${replicationText(live.replication as CassandraReplication)}, but the config's schema.cql uses ${expected}`);
    }
    if (typeof live.keyspace === "string" && live.keyspace !== options.keyspace) {
      warnings.push(`${adapter.name}: the adapter uses keyspace "${live.keyspace}", but the config generates for keyspace "${options.keyspace}"`);
    }
    return warnings;
  },
};

/** A replication map as CQL would compare it: keys sorted, values as text. */
function replicationText(replication: CassandraReplication): string {
  const entries = Object.entries(replication).map(([k, v]): [string, string] => [k, String(v)]);
  return JSON.stringify(Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b))));
}
