import {
  isPolyxenaError,
  isStoreKind,
  PolyxenaRuntime,
  storeDialect,
  storeSection,
  type SchemaApplyOptions,
  type SchemaApplyResult,
  type SchemaPlan,
  type StoreAdapter,
  type StoreMap,
} from "@polyxena/core";
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

function isStoreAdapter(value: unknown): value is StoreAdapter {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<StoreAdapter>;
  return isStoreKind(v.kind) && typeof v.name === "string" && typeof v.close === "function";
}

/** Calls the config's `stores` factory and checks that it returned a map of adapters. */
export async function buildStores(project: LoadedProject): Promise<StoreMap> {
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

/**
 * Adapters that apply to other names than the config generates for (a
 * Postgres schema, a Cassandra keyspace or its replication), as each store's
 * dialect compares them. The adapters decide what is applied: a development
 * cluster of one node cannot hold a production replication.
 */
function nameMismatches(project: LoadedProject, adapters: ReadonlySet<StoreAdapter>): string[] {
  return [...adapters].flatMap((adapter) => storeDialect(adapter.kind).adapterWarnings?.(adapter, storeSection(project.config, adapter.kind)) ?? []);
}

/** Closes each adapter once; returns the first failure. */
export async function closeAdapters(adapters: readonly StoreAdapter[]): Promise<unknown> {
  const settled = await Promise.allSettled([...new Set(adapters)].map((adapter) => adapter.close()));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  return failed?.reason;
}

/** What `polyxena schema plan` found. */
export interface ProjectSchemaPlan {
  entityCount: number;
  /** Per store instance: the changes apply would make or refuse, and what is in place. */
  stores: Record<string, SchemaPlan>;
  /** Store instances whose adapter cannot read its live schema (no `planSchema`). */
  skipped: string[];
  warnings: string[];
}

/**
 * Builds the config's adapters, runs `work` on a runtime over every entity,
 * and closes the adapters whether it succeeded or not.
 */
async function withProjectRuntime<T>(project: LoadedProject, work: (runtime: PolyxenaRuntime, used: ReadonlySet<StoreAdapter>, entityCount: number) => Promise<T>): Promise<T> {
  const stores = await buildStores(project);
  const adapters = Object.values(stores);
  let result: T;
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
    result = await work(runtime, used, definitions.length);
  } catch (error) {
    await closeAdapters(adapters);
    throw unreachableStoreError(error, stores, project.configPath) ?? error;
  }
  const closeFailure = await closeAdapters(adapters);
  if (closeFailure !== undefined) {
    throw new CodegenError(`the work was done, but closing an adapter failed: ${closeFailure instanceof Error ? closeFailure.message : String(closeFailure)}`, { cause: closeFailure });
  }
  return result;
}

/**
 * Builds the config's adapters and brings every store to the declared
 * schema, compared with the live store by introspection: additive changes
 * are made, destructive ones refused with their reasons (`E_DEFINITION`,
 * nothing changed) unless `allowDestructive`. Closes the adapters either way.
 *
 * @example
 * const report = await applyProjectSchema(await loadProject("polyxena.config.ts"));
 * console.log(report.stores.postgres?.applied);
 */
export async function applyProjectSchema(project: LoadedProject, options: SchemaApplyOptions = {}): Promise<ProjectSchemaReport> {
  return withProjectRuntime(project, async (runtime, used, entityCount) => ({
    entityCount,
    stores: await runtime.applySchema(options),
    skipped: [...used].filter((a) => typeof a.applySchema !== "function").map((a) => a.name),
    warnings: nameMismatches(project, used),
  }));
}

/**
 * Builds the config's adapters and reads, from every store, how its live
 * schema differs from the declared one, changing nothing.
 */
export async function planProjectSchema(project: LoadedProject): Promise<ProjectSchemaPlan> {
  return withProjectRuntime(project, async (runtime, used, entityCount) => ({
    entityCount,
    stores: await runtime.planSchema(),
    skipped: [...used].filter((a) => typeof a.planSchema !== "function").map((a) => a.name),
    warnings: nameMismatches(project, used),
  }));
}

/**
 * The lines `polyxena schema plan` prints: a summary, then per store each
 * change with its kind (and the reason for destructive and incompatible ones).
 */
export function formatSchemaPlan(plan: ProjectSchemaPlan): string[] {
  const results = Object.entries(plan.stores);
  const count = (kind: string) => results.reduce((n, [, r]) => n + r.changes.filter((c) => c.kind === kind).length, 0);
  const lines = [
    `polyxena: schema plan of ${plan.entityCount} entities on ${results.length} store(s): ${count("additive")} additive, ${count("destructive")} destructive, ${count("incompatible")} incompatible change(s); nothing was changed`,
  ];
  for (const [store, result] of results) {
    lines.push(`${store}: ${result.changes.length === 0 ? "up to date" : `${result.changes.length} change(s)`}, ${result.unchanged.length} in place`);
    for (const change of result.changes) {
      lines.push(`  ${change.kind.padEnd(12)} ${oneLine(change.statement)}`);
      if (change.reason) lines.push(`               reason: ${change.reason}`);
    }
  }
  for (const store of plan.skipped) lines.push(`${store}: its adapter cannot read its live schema`);
  for (const warning of plan.warnings) lines.push(`warning: ${warning}`);
  return lines;
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
