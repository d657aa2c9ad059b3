/**
 * Applies entities' index definitions idempotently: each entity gets a concrete index
 * named after its schema hash and the entity's alias points at it. A schema change
 * creates the new index and moves the alias in one atomic alias update.
 */
import { elasticsearchIndexDefinition, type EntityModel, type SchemaApplyResult } from "@polyxena/core";
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
    const actions: Array<Record<string, Record<string, unknown>>> = holders
      .filter((h) => h !== def.index)
      .map((h) => ({ remove: { index: h, alias: def.alias } }));
    if (!holders.includes(def.index)) actions.push({ add: { index: def.index, alias: def.alias } });
    await client.indices.updateAliases({ actions });
    result.applied.push(aliasLine);
  }
  return result;
}
