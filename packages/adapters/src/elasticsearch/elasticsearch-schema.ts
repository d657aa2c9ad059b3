/**
 * Applies entities' index definitions idempotently: each entity gets a concrete index
 * named after its schema hash and the entity's alias points at it. A schema change
 * creates the new index, copies the documents of the index the alias points at with
 * `_reindex`, then moves the alias in one atomic alias update. The old index is kept
 * (reported as retained) for an operator to delete after checking the new one.
 *
 * Writes through the alias while the copy runs land in the old index and are not carried
 * over: roll out a mapping change while writers are paused.
 */
import { PolyxenaError, elasticsearchIndexDefinition, type EntityModel, type SchemaApplyResult } from "@polyxena/core";
import type { ElasticsearchClientPort } from "./elasticsearch-client-port.js";

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

/** Creates missing indices and points aliases at them; returns what changed and what was in place. */
export async function applyElasticsearchSchema(
  client: ElasticsearchClientPort,
  entities: readonly EntityModel[],
  options: ElasticsearchSchemaOptions = {},
): Promise<SchemaApplyResult> {
  const result: SchemaApplyResult = { applied: [], unchanged: [] };
  for (const model of entities) {
    if (model.store.kind !== "elasticsearch") continue;
    const plain = elasticsearchIndexDefinition(model, { replicas: options.replicas });
    const prefix = options.indexPrefix ?? "";
    const def = { ...plain, alias: prefix + plain.alias, index: prefix + plain.index };
    const createLine = `PUT /${def.index}`;
    if (await client.indices.exists({ index: def.index })) {
      result.unchanged.push(createLine);
    } else {
      await client.indices.create({
        index: def.index,
        settings: { ...def.settings },
        mappings: { ...def.mappings },
      });
      result.applied.push(createLine);
    }
    const holders = (await client.indices.existsAlias({ name: def.alias })) ? Object.keys(await client.indices.getAlias({ name: def.alias })) : [];
    const aliasLine = `POST /_aliases ${def.alias} -> ${def.index}`;
    if (holders.length === 1 && holders[0] === def.index) {
      result.unchanged.push(aliasLine);
      continue;
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
  return result;
}

/** Copies every document of `from` into `to`; a document the new mapping refuses fails the rollout before the alias moves. */
async function copyDocuments(client: ElasticsearchClientPort, entity: string, from: string, to: string): Promise<void> {
  const res = await client.reindex({ source: { index: from }, dest: { index: to }, wait_for_completion: true, refresh: true });
  const failures = res.failures ?? [];
  if (failures.length === 0) return;
  const first = failures[0]!;
  throw new PolyxenaError(
    "E_STORE",
    `reindex ${from} -> ${to} refused ${failures.length} document(s), first ${first.id ?? "?"}: ${first.cause?.type ?? "error"}: ${first.cause?.reason ?? ""}; the alias still points at ${from}`,
    { entity, statement: `POST /_reindex ${from} -> ${to}`, fix: "make the new schema accept the stored documents (or fix them), then apply the schema again" },
  );
}
