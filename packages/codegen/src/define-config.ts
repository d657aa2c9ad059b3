import { findUnknownKey, PolyxenaError, type CassandraReplication, type DeclarationKeys, type StoreMap } from "@polyxena/core";

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
  cassandra?: CassandraConfig | undefined;
  postgres?: PostgresConfig | undefined;
  dynamodb?: DynamoDbConfig | undefined;
  elasticsearch?: ElasticsearchConfig | undefined;
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

/** Cassandra options of the config: the keyspace generated DDL creates. */
export interface CassandraConfig {
  keyspace: string;
  replication?: CassandraReplication | undefined;
}

/** Postgres options of the config. */
export interface PostgresConfig {
  schema?: string | undefined;
}

/** DynamoDB options of the config. */
export interface DynamoDbConfig {
  tablePrefix?: string | undefined;
}

/** Elasticsearch options of the config. */
export interface ElasticsearchConfig {
  shards?: number | undefined;
  replicas?: number | undefined;
}

// Checked against the option types by the compiler: the types stay the one description of the config.
const CONFIG_KEYS = { entities: true, out: true, cassandra: true, postgres: true, dynamodb: true, elasticsearch: true, stores: true } as const satisfies DeclarationKeys<PolyxenaConfig>;
const SECTION_KEYS = {
  cassandra: { keyspace: true, replication: true } as const satisfies DeclarationKeys<CassandraConfig>,
  postgres: { schema: true } as const satisfies DeclarationKeys<PostgresConfig>,
  dynamodb: { tablePrefix: true } as const satisfies DeclarationKeys<DynamoDbConfig>,
  elasticsearch: { shards: true, replicas: true } as const satisfies DeclarationKeys<ElasticsearchConfig>,
};

/**
 * Refuses every key of a config that its option types do not declare, at
 * every level, with `E_DEFINITION` and a "did you mean" suggestion.
 */
export function checkConfigKeys(config: unknown): void {
  const unknown =
    findUnknownKey(config, CONFIG_KEYS, "") ??
    (Object.keys(SECTION_KEYS) as (keyof typeof SECTION_KEYS)[]).map((section) => findUnknownKey((config as Record<string, unknown>)?.[section], SECTION_KEYS[section], section)).find(Boolean);
  if (unknown) throw new PolyxenaError("E_DEFINITION", `${unknown.message} in the polyxena config`, { path: unknown.path, fix: unknown.fix });
}

/** Types a `polyxena.config.ts` default export (returns it unchanged); unknown keys are `E_DEFINITION`. */
export function defineConfig(config: PolyxenaConfig): PolyxenaConfig {
  checkConfigKeys(config);
  return config;
}
