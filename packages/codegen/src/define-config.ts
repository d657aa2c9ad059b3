import { findUnknownKey, PolyxenaError, storeDialects, type DeclarationKeys, type StoreMap, type StoreOptionsByKind } from "@polyxena/core";

/**
 * The contents of `polyxena.config.ts`: the entities, the output folder, and
 * one optional section per store kind (`cassandra: { keyspace }`,
 * `postgres: { schema }`, ...), typed by each store's dialect in core.
 *
 * @example
 * export default defineConfig({
 *   entities: ["./src/entities/*.ts"],
 *   out: "./src/generated",
 *   cassandra: { keyspace: "streaming" },
 * });
 */
export interface PolyxenaConfig extends StoreOptionsByKind {
  /**
   * Entity modules: paths relative to the config file (a `*` matches within
   * one path segment, `**` any number of segments) or package specifiers.
   * Every exported entity definition of these modules is generated.
   */
  entities: readonly string[];
  /** Output folder, relative to the config file. Polyxena owns it entirely. */
  out: string;
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

/** The config keys besides the store sections, checked against the option type by the compiler. */
const OWN_KEYS = { entities: true, out: true, stores: true } as const satisfies DeclarationKeys<Omit<PolyxenaConfig, keyof StoreOptionsByKind>>;

/**
 * Refuses every key of a config that its option types do not declare, at
 * every level, with `E_DEFINITION` and a "did you mean" suggestion.
 */
export function checkConfigKeys(config: unknown): void {
  const dialects = storeDialects();
  const known: Record<string, true> = { ...OWN_KEYS, ...Object.fromEntries(dialects.map((d) => [d.kind, true] as const)) };
  const unknown =
    findUnknownKey(config, known, "") ??
    dialects.map((d) => findUnknownKey((config as Record<string, unknown>)?.[d.kind], d.options.keys, d.kind)).find(Boolean);
  if (unknown) throw new PolyxenaError("E_DEFINITION", `${unknown.message} in the polyxena config`, { path: unknown.path, fix: unknown.fix });
}

/** Types a `polyxena.config.ts` default export (returns it unchanged); unknown keys are `E_DEFINITION`. */
export function defineConfig(config: PolyxenaConfig): PolyxenaConfig {
  checkConfigKeys(config);
  return config;
}
