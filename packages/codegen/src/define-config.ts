import type { CassandraReplication, StoreMap } from "@polyxena/core";

/**
 * The contents of `polyxena.config.ts`.
 *
 * @example
 * export default defineConfig({
 *   entities: ["./src/entities/*.ts"],
 *   out: "./src/generated",
 *   cassandra: { keyspace: "streaming" },
 * });
 */
export interface PolyxenaConfig {
  /**
   * Entity modules: paths relative to the config file (a `*` matches within
   * one path segment, `**` any number of segments) or package specifiers.
   * Every exported entity definition of these modules is generated.
   */
  entities: readonly string[];
  /** Output folder, relative to the config file. Polyxena owns it entirely. */
  out: string;
  cassandra?: { keyspace: string; replication?: CassandraReplication | undefined } | undefined;
  postgres?: { schema?: string | undefined } | undefined;
  dynamodb?: { tablePrefix?: string | undefined } | undefined;
  elasticsearch?: { shards?: number | undefined; replicas?: number | undefined } | undefined;
  /**
   * Builds the adapters `polyxena schema apply` applies the physical schema
   * through, keyed like `createRepositories({ stores })` (`postgres`,
   * `dynamodb`, `cassandra:viewing`, ...). Called once per run; the adapters
   * are closed when the command ends. Give the adapters the same Postgres
   * schema, DynamoDB table prefix and Cassandra keyspace as the options above,
   * so the applied schema is the one generated. Not used by `generate`.
   *
   * @example
   * stores: () => ({
   *   postgres: createPostgresAdapter({ connectionString: process.env.DATABASE_URL! }, { schema: "billing" }),
   *   dynamodb: createDynamoDbAdapter({ tablePrefix: "prod_" }),
   * }),
   */
  stores?: (() => StoreMap | Promise<StoreMap>) | undefined;
}

/** Types a `polyxena.config.ts` default export (returns it unchanged). */
export function defineConfig(config: PolyxenaConfig): PolyxenaConfig {
  return config;
}
