import { DEFAULT_CASSANDRA_REPLICATION, isPolyxenaError, PolyxenaRuntime, type CassandraReplication, type SchemaApplyResult, type StoreAdapter, type StoreMap } from "@polyxena/core";
import { CodegenError } from "./codegen-error.js";
import type { LoadedProject } from "./load-project.js";
import { unreachableStoreError } from "./unreachable-store.js";

/** What `polyxena schema apply` did. */
export interface ProjectSchemaReport {
  /** Entities whose physical schema was applied. */
  entityCount: number;
  /** Per store instance (`postgres`, `cassandra:viewing`): statements applied and statements already in place. */
  stores: Record<string, SchemaApplyResult>;
  /** Store instances whose adapter has no schema to apply (no `applySchema`). */
  skipped: string[];
  /** Adapters that apply to another Postgres schema, Cassandra keyspace or keyspace replication than the config generates for. */
  warnings: string[];
}

const STORE_KINDS = new Set(["cassandra", "dynamodb", "postgres", "elasticsearch"]);

function isStoreAdapter(value: unknown): value is StoreAdapter {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<StoreAdapter>;
  return typeof v.kind === "string" && STORE_KINDS.has(v.kind) && typeof v.name === "string" && typeof v.close === "function";
}

/** Calls the config's `stores` factory and checks that it returned a map of adapters. */
async function buildStores(project: LoadedProject): Promise<StoreMap> {
  const factory = project.config.stores;
  const where = project.configPath;
  if (factory === undefined) {
    throw new CodegenError(
      `${where}: "stores" is missing; polyxena schema apply needs the adapters to apply the schema through. ` +
        "Add stores: () => ({ postgres: createPostgresAdapter(...), ... }) to defineConfig",
    );
  }
  let stores: unknown;
  try {
    stores = await factory();
  } catch (error) {
    if (isPolyxenaError(error)) throw error;
    throw new CodegenError(`${where}: the stores factory failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (typeof stores !== "object" || stores === null || Array.isArray(stores)) {
    throw new CodegenError(`${where}: the stores factory must return an object of adapters such as { postgres, dynamodb }`);
  }
  for (const [key, adapter] of Object.entries(stores)) {
    if (!isStoreAdapter(adapter)) {
      await closeAdapters(Object.values(stores).filter(isStoreAdapter));
      throw new CodegenError(`${where}: stores.${key} is not a store adapter (create it with createPostgresAdapter, createDynamoDbAdapter, ...)`);
    }
  }
  return stores as StoreMap;
}

/** A replication map as CQL would compare it: keys sorted, values as text. */
function replicationText(replication: CassandraReplication): string {
  const entries = Object.entries(replication).map(([k, v]): [string, string] => [k, String(v)]);
  return JSON.stringify(Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b))));
}

/**
 * Adapters whose Postgres schema, Cassandra keyspace or keyspace replication
 * differs from what the config generates `postgres.sql` / `schema.cql` for
 * (when the config names one). The adapters decide what is applied: a
 * development cluster of one node cannot hold a production replication.
 */
function nameMismatches(project: LoadedProject, adapters: ReadonlySet<StoreAdapter>): string[] {
  const warnings: string[] = [];
  const cassandraConfig = project.config.cassandra;
  if (cassandraConfig) {
    const expected = replicationText(cassandraConfig.replication ?? DEFAULT_CASSANDRA_REPLICATION);
    for (const adapter of adapters) {
      const actual = adapter.kind === "cassandra" ? (adapter as unknown as { replication?: unknown }).replication : undefined;
      if (typeof actual === "object" && actual !== null && replicationText(actual as CassandraReplication) !== expected) {
        warnings.push(`${adapter.name}: the adapter creates keyspaces with replication ${replicationText(actual as CassandraReplication)}, but the config's schema.cql uses ${expected}`);
      }
    }
  }
  const wanted = { postgres: ["schema", project.config.postgres?.schema], cassandra: ["keyspace", project.config.cassandra?.keyspace] } as const;
  for (const adapter of adapters) {
    if (adapter.kind !== "postgres" && adapter.kind !== "cassandra") continue;
    const [property, expected] = wanted[adapter.kind];
    const actual = (adapter as unknown as Record<string, unknown>)[property];
    if (expected !== undefined && typeof actual === "string" && actual !== expected) {
      warnings.push(`${adapter.name}: the adapter uses ${property} "${actual}", but the config generates for ${property} "${expected}"`);
    }
  }
  return warnings;
}

/** Closes each adapter once; returns the first failure. */
async function closeAdapters(adapters: readonly StoreAdapter[]): Promise<unknown> {
  const settled = await Promise.allSettled([...new Set(adapters)].map((adapter) => adapter.close()));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  return failed?.reason;
}

/**
 * Builds the config's adapters, applies every entity's physical schema through
 * them (tables, indexes, GSIs, keyspaces, index aliases; idempotently) and
 * closes them, whether the apply succeeded or not.
 *
 * @example
 * const report = await applyProjectSchema(await loadProject("polyxena.config.ts"));
 * console.log(report.stores.postgres?.applied);
 */
export async function applyProjectSchema(project: LoadedProject): Promise<ProjectSchemaReport> {
  const stores = await buildStores(project);
  const adapters = Object.values(stores);
  let report: ProjectSchemaReport;
  try {
    const definitions = [...new Map(project.sources.map((s) => [s.definition.name, s.definition])).values()];
    for (const definition of definitions) {
      const { kind, name } = definition.model.store;
      const id = name === "default" ? kind : `${kind}:${name}`;
      if (stores[id] === undefined && !(name === "default" && stores[kind] !== undefined)) {
        throw new CodegenError(`${project.configPath}: stores() returned no adapter for store ${id}, used by entity ${definition.name}; add "${id}": <a ${kind} adapter> to it`);
      }
    }
    const runtime = new PolyxenaRuntime({ stores }, definitions);
    const used = new Set(definitions.map((d) => runtime.adapterFor(d.model)));
    report = {
      entityCount: definitions.length,
      stores: await runtime.applySchema(),
      skipped: [...used].filter((a) => typeof a.applySchema !== "function").map((a) => a.name),
      warnings: nameMismatches(project, used),
    };
  } catch (error) {
    await closeAdapters(adapters);
    throw unreachableStoreError(error, stores, project.configPath) ?? error;
  }
  const closeFailure = await closeAdapters(adapters);
  if (closeFailure !== undefined) {
    throw new CodegenError(`the schema was applied, but closing an adapter failed: ${closeFailure instanceof Error ? closeFailure.message : String(closeFailure)}`, { cause: closeFailure });
  }
  return report;
}

/** One line per statement, whitespace collapsed, so multi-line DDL stays readable in a terminal. */
function oneLine(statement: string): string {
  return statement.replace(/\s+/g, " ").trim();
}

/**
 * The lines `polyxena schema apply` prints: a summary, then per store what
 * was applied and what was already in place.
 */
export function formatSchemaReport(report: ProjectSchemaReport): string[] {
  const results = Object.entries(report.stores);
  const applied = results.reduce((n, [, r]) => n + r.applied.length, 0);
  const unchanged = results.reduce((n, [, r]) => n + r.unchanged.length, 0);
  const lines = [`polyxena: schema of ${report.entityCount} entities on ${results.length} store(s): ${applied} applied, ${unchanged} already in place`];
  for (const [store, result] of results) {
    lines.push(`${store}: ${result.applied.length} applied, ${result.unchanged.length} already in place`);
    for (const statement of result.applied) lines.push(`  applied   ${oneLine(statement)}`);
    for (const statement of result.unchanged) lines.push(`  in place  ${oneLine(statement)}`);
  }
  for (const store of report.skipped) lines.push(`${store}: its adapter has no schema to apply`);
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  return lines;
}
