/**
 * Cassandra options: the `cassandra` section of `polyxena.config.ts` (the
 * keyspace generated DDL creates and its replication) and `db.system`.
 */
import { DEFAULT_CASSANDRA_REPLICATION, type CassandraReplication } from "./cassandra-schema.js";
import type { StoreOptionRules } from "../store-dialect.js";

/** Cassandra options of the config: the keyspace generated DDL creates. */
export interface CassandraOptions {
  keyspace: string;
  replication?: CassandraReplication | undefined;
}

/** Keyspace generated files use when the config names none. */
export const DEFAULT_CASSANDRA_KEYSPACE = "polyxena";

/** OpenTelemetry `db.system` of Cassandra. */
export const CASSANDRA_DB_SYSTEM = "cassandra";

/** Rules of the `cassandra` config section. */
export const cassandraOptions: StoreOptionRules<CassandraOptions> = {
  keys: { keyspace: true, replication: true },
  check: (section) =>
    typeof section !== "object" || section === null || typeof (section as { keyspace?: unknown }).keyspace !== "string" ? '"cassandra" must be { keyspace, replication? }' : undefined,
  withDefaults: (section) => ({ keyspace: section?.keyspace ?? DEFAULT_CASSANDRA_KEYSPACE, replication: section?.replication ?? DEFAULT_CASSANDRA_REPLICATION }),
};
