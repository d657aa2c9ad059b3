/**
 * Compares entities' declared index mappings with the live index behind each entity's
 * alias (read with GET alias and GET mapping) and brings the store to them:
 * - a missing index or alias is additive: the index (named after the schema hash) is
 *   created and the alias pointed at it;
 * - a declared field the live mapping lacks is additive: `PUT /{index}/_mapping` adds it
 *   to the index the alias points at;
 * - a changed field (type or parameters) and a live field the entity no longer declares
 *   are destructive: Elasticsearch cannot change or drop a mapped field in place. With
 *   `allowDestructive` the index is rebuilt: a new index with the declared mapping, the
 *   documents copied with `_reindex` (a document the new mapping refuses, such as one
 *   still holding a dropped field under the strict mapping, stops the rollout before the
 *   alias moves), then one atomic alias update. The old index is kept (reported as
 *   retained) for an operator to delete after checking the new one.
 *
 * Writes through the alias while a copy runs land in the old index and are not carried
 * over: roll out a reindexing change while writers are paused.
 */
import { PolyxenaError, type EntityModel, type SchemaApplyOptions, type SchemaApplyResult, type SchemaChange, type SchemaPlan } from "@polyxena/core";
import { elasticsearchIndexDefinition, type ElasticsearchIndexDefinition } from "@polyxena/core/stores/elasticsearch";
import { refusedSchemaChanges } from "@polyxena/core";
import type { ElasticsearchClientPort } from "./elasticsearch-client-port.js";
import { esBody } from "./elasticsearch-errors.js";

/** Options of {@link applyElasticsearchSchema}. */
export interface ElasticsearchSchemaOptions {
  /** Replicas of created indices (default 0, right for single-node clusters). */
  replicas?: number | undefined;
  /**
   * Prepended to every alias and concrete index name (e.g. `px_search_ab12_`), so several
   * services or test files can share one cluster without colliding. Lowercase, as index names are.
   */
  indexPrefix?: string | undefined;
}

type MappingNode = Record<string, unknown>;

/** One entity's declared index beside what the live store holds for it. */
interface EntityIndexPlan {
  model: EntityModel;
  def: ElasticsearchIndexDefinition;
  /** Indices the alias points at today. */
  holders: string[];
  /** Field changes against the single aliased index (empty when there is none to compare). */
  fieldChanges: SchemaChange[];
  /** Properties to add with PUT _mapping, by top-level field. */
  additions: Record<string, unknown>;
}

function declaredIndex(model: EntityModel, options: ElasticsearchSchemaOptions): ElasticsearchIndexDefinition {
  const plain = elasticsearchIndexDefinition(model, { replicas: options.replicas });
  const prefix = options.indexPrefix ?? "";
  return { ...plain, alias: prefix + plain.alias, index: prefix + plain.index };
}

/** A field's mapping without its sub-properties; an object field read back has no `type`. */
function fieldShape(node: MappingNode): string {
  const { properties, ...rest } = node;
  const shape: Record<string, unknown> = { ...rest, type: rest["type"] ?? (properties ? "object" : undefined) };
  return JSON.stringify(Object.fromEntries(Object.entries(shape).sort(([a], [b]) => a.localeCompare(b))));
}

/** Compares declared properties with live ones, recursing into objects; fills `changes` and `additions`. */
function compareProperties(
  index: string,
  declared: Record<string, MappingNode>,
  live: Record<string, MappingNode>,
  prefix: string,
  changes: SchemaChange[],
  additions: Record<string, unknown>,
): void {
  for (const [name, want] of Object.entries(declared)) {
    const path = prefix + name;
    const have = live[name];
    if (!have) {
      setPath(additions, path, want);
      changes.push({ kind: "additive", statement: `PUT /${index}/_mapping ${path}: ${JSON.stringify(want)}` });
      continue;
    }
    if (fieldShape(want) !== fieldShape(have)) {
      const wantType = String(want["type"] ?? "object");
      const haveType = String(have["type"] ?? (have["properties"] ? "object" : "?"));
      changes.push({
        kind: "destructive",
        statement: `reindex ${index}: ${path} ${JSON.stringify(have)} -> ${JSON.stringify(want)}`,
        reason:
          wantType !== haveType
            ? `field ${path} is mapped as ${haveType} in ${index} and declared as ${wantType}: Elasticsearch cannot change a field's type in place; with allowDestructive the documents are copied into a new index with the declared mapping (the rollout stops before the alias moves if a document does not fit)`
            : `field ${path} is mapped with other parameters in ${index}: Elasticsearch cannot change them in place; with allowDestructive the documents are copied into a new index with the declared mapping`,
      });
      continue;
    }
    const wantProps = (want["properties"] ?? {}) as Record<string, MappingNode>;
    const haveProps = (have["properties"] ?? {}) as Record<string, MappingNode>;
    if (want["properties"] || have["properties"]) compareProperties(index, wantProps, haveProps, `${path}.`, changes, additions);
  }
  for (const name of Object.keys(live)) {
    if (name in declared) continue;
    const path = prefix + name;
    changes.push({
      kind: "destructive",
      statement: `reindex ${index}: drop ${path}`,
      reason: `field ${path} is mapped in ${index} but no longer declared: Elasticsearch cannot drop a mapped field; it is kept unless allowDestructive, which copies the documents into a new index without it (a stored document still holding ${path} is refused by the strict mapping and the alias stays on ${index})`,
    });
  }
}

/** Sets `properties.a.properties.b` for the path `a.b` in a PUT _mapping body. */
function setPath(root: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let node = root;
  for (const part of parts.slice(0, -1)) {
    const next = (node[part] ??= { properties: {} }) as { properties: Record<string, unknown> };
    node = next.properties;
  }
  node[parts.at(-1)!] = value;
}

async function planEntityIndex(client: ElasticsearchClientPort, model: EntityModel, options: ElasticsearchSchemaOptions): Promise<EntityIndexPlan> {
  const def = declaredIndex(model, options);
  const holders = (await client.indices.existsAlias({ name: def.alias })) ? Object.keys(await client.indices.getAlias({ name: def.alias })) : [];
  const plan: EntityIndexPlan = { model, def, holders, fieldChanges: [], additions: {} };
  if (holders.length !== 1) return plan;
  const live = holders[0]!;
  const body = (await client.indices.getMapping({ index: live })) as Record<string, { mappings?: { properties?: Record<string, MappingNode> } }>;
  const liveProps = body[live]?.mappings?.properties ?? {};
  compareProperties(live, def.mappings.properties as unknown as Record<string, MappingNode>, liveProps, "", plan.fieldChanges, plan.additions);
  return plan;
}

/** The changes of one entity's plan, as `planSchema` reports them. */
function describe(plan: EntityIndexPlan, indexExists: boolean): SchemaPlan {
  const { def, holders } = plan;
  const createLine = `PUT /${def.index}`;
  const aliasLine = `POST /_aliases ${def.alias} -> ${def.index}`;
  if (holders.length === 0) {
    const changes: SchemaChange[] = [];
    if (!indexExists) changes.push({ kind: "additive", statement: createLine });
    changes.push({ kind: "additive", statement: aliasLine });
    return { changes, unchanged: indexExists ? [createLine] : [] };
  }
  if (holders.length === 1) {
    const live = holders[0]!;
    if (plan.fieldChanges.length === 0) return { changes: [], unchanged: [`PUT /${live}`, `POST /_aliases ${def.alias} -> ${live}`] };
    return { changes: plan.fieldChanges, unchanged: [] };
  }
  // Several holders: a rollout stopped before its alias update; apply finishes it.
  return {
    changes: [{ kind: "destructive", statement: `POST /_aliases ${def.alias}: ${holders.join(",")} -> ${def.index}`, reason: `the alias ${def.alias} points at ${holders.length} indices (an earlier rollout stopped before its alias update); with allowDestructive the documents are copied into ${def.index} and the alias moved to it alone` }],
    unchanged: [],
  };
}

/** The differences between the declared index mappings and the live indices; changes nothing. */
export async function planElasticsearchSchema(client: ElasticsearchClientPort, entities: readonly EntityModel[], options: ElasticsearchSchemaOptions = {}): Promise<SchemaPlan> {
  const result: SchemaPlan = { changes: [], unchanged: [] };
  for (const model of entities) {
    if (model.store.kind !== "elasticsearch") continue;
    const plan = await planEntityIndex(client, model, options);
    const part = describe(plan, await client.indices.exists({ index: plan.def.index }));
    result.changes.push(...part.changes);
    result.unchanged.push(...part.unchanged);
  }
  return result;
}

/**
 * Brings the live indices to the declared mappings: additive changes always; field changes
 * Elasticsearch cannot make in place only with `allowDestructive`, by reindexing into a new
 * index (otherwise `E_DEFINITION` with the reasons, nothing changed). Reports only what it changed.
 */
export async function applyElasticsearchSchema(
  client: ElasticsearchClientPort,
  entities: readonly EntityModel[],
  options: ElasticsearchSchemaOptions & SchemaApplyOptions = {},
  store = "elasticsearch",
): Promise<SchemaApplyResult> {
  const plans: EntityIndexPlan[] = [];
  for (const model of entities) if (model.store.kind === "elasticsearch") plans.push(await planEntityIndex(client, model, options));
  if (!options.allowDestructive) {
    const refused: SchemaChange[] = [];
    for (const plan of plans) {
      if (plan.holders.length > 1) refused.push(...describe(plan, true).changes);
      else refused.push(...plan.fieldChanges.filter((c) => c.kind !== "additive"));
    }
    if (refused.length > 0) throw refusedSchemaChanges(store, refused);
  }
  const result: SchemaApplyResult = { applied: [], unchanged: [] };
  for (const plan of plans) {
    const needsReindex = plan.holders.length > 1 || plan.fieldChanges.some((c) => c.kind !== "additive");
    if (plan.holders.length === 1 && !needsReindex) {
      const live = plan.holders[0]!;
      if (Object.keys(plan.additions).length === 0) {
        result.unchanged.push(`PUT /${live}`, `POST /_aliases ${plan.def.alias} -> ${live}`);
        continue;
      }
      await client.indices.putMapping({ index: live, properties: plan.additions });
      result.applied.push(...plan.fieldChanges.map((c) => c.statement));
      result.unchanged.push(`POST /_aliases ${plan.def.alias} -> ${live}`);
      continue;
    }
    await rebuildBehindAlias(client, plan, result);
  }
  return result;
}

/** Creates the declared index if missing, copies the aliased indices into it, then moves the alias in one update. */
async function rebuildBehindAlias(client: ElasticsearchClientPort, plan: EntityIndexPlan, result: SchemaApplyResult): Promise<void> {
  const { def, holders, model } = plan;
  const createLine = `PUT /${def.index}`;
  if (await client.indices.exists({ index: def.index })) {
    result.unchanged.push(createLine);
  } else {
    await client.indices.create({ index: def.index, settings: { ...def.settings }, mappings: { ...def.mappings } });
    result.applied.push(createLine);
  }
  const aliasLine = `POST /_aliases ${def.alias} -> ${def.index}`;
  if (holders.length === 1 && holders[0] === def.index) {
    result.unchanged.push(aliasLine);
    return;
  }
  const previous = holders.filter((h) => h !== def.index);
  // Also after a run that stopped before the alias swap: copying again overwrites the same ids.
  for (const old of previous) {
    await client.indices.refresh({ index: old });
    await copyDocuments(client, model.name, old, def.index);
    result.applied.push(`POST /_reindex ${old} -> ${def.index}`);
  }
  const actions: Array<Record<string, Record<string, unknown>>> = previous.map((h) => ({ remove: { index: h, alias: def.alias } }));
  if (!holders.includes(def.index)) actions.push({ add: { index: def.index, alias: def.alias } });
  await client.indices.updateAliases({ actions });
  result.applied.push(previous.length > 0 ? `POST /_aliases ${def.alias}: ${previous.join(",")} -> ${def.index}` : aliasLine);
  for (const old of previous) result.applied.push(`retained ${old} (no longer aliased; delete it once ${def.index} is checked)`);
}

/** Copies every document of `from` into `to`; a document the new mapping refuses fails the rollout before the alias moves. */
async function copyDocuments(client: ElasticsearchClientPort, entity: string, from: string, to: string): Promise<void> {
  let res: Awaited<ReturnType<ElasticsearchClientPort["reindex"]>>;
  try {
    res = await client.reindex({ source: { index: from }, dest: { index: to }, wait_for_completion: true, refresh: true });
  } catch (error) {
    // The server answers a reindex that refused documents with their status (400), the report in the body.
    const report = esBody(error);
    if (!Array.isArray(report?.failures)) throw error;
    res = report as typeof res;
  }
  const failures = res.failures ?? [];
  if (failures.length === 0) return;
  const first = failures[0]!;
  throw new PolyxenaError(
    "E_STORE",
    `reindex ${from} -> ${to} refused ${failures.length} document(s), first ${first.id ?? "?"}: ${first.cause?.type ?? "error"}: ${first.cause?.reason ?? ""}; the alias still points at ${from}`,
    { entity, statement: `POST /_reindex ${from} -> ${to}`, fix: "make the new schema accept the stored documents (or fix them), then apply the schema again" },
  );
}
