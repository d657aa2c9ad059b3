/**
 * Elasticsearch index definitions: the entity's table name is an alias over
 * a concrete index named after the schema hash, so a mapping change creates
 * a new index behind the same alias.
 */
import type { EntityModel } from "../entity-model.js";
import { elasticsearchProperties, type ElasticsearchFieldMapping } from "./column-types.js";

/** Index settings written at creation. */
export interface ElasticsearchIndexSettings {
  number_of_shards: number;
  number_of_replicas: number;
}

/** Everything needed to create one entity's index and alias. */
export interface ElasticsearchIndexDefinition {
  entity: string;
  /** The alias every request goes through (`model.table`). */
  alias: string;
  /** The concrete index (`<table>_<schemaHash>`). */
  index: string;
  settings: ElasticsearchIndexSettings;
  mappings: { dynamic: "strict"; properties: Record<string, ElasticsearchFieldMapping> };
}

/** Options of {@link buildElasticsearchIndices}. */
export interface ElasticsearchIndicesOptions {
  /** Primary shards per index (default 1). */
  shards?: number | undefined;
  /** Replicas per shard (default 0, which suits single-node clusters). */
  replicas?: number | undefined;
}

/** The concrete index name of an entity. */
export function elasticsearchIndexName(model: EntityModel): string {
  return `${model.table}_${model.schemaHash}`;
}

/** The index definition of one Elasticsearch entity. */
export function elasticsearchIndexDefinition(model: EntityModel, options: ElasticsearchIndicesOptions = {}): ElasticsearchIndexDefinition {
  return {
    entity: model.name,
    alias: model.table,
    index: elasticsearchIndexName(model),
    settings: { number_of_shards: options.shards ?? 1, number_of_replicas: options.replicas ?? 0 },
    mappings: { dynamic: "strict", properties: elasticsearchProperties(model.fields, model.textFields) },
  };
}

/**
 * The index definitions of these Elasticsearch entities (others are ignored).
 *
 * @example
 * for (const d of buildElasticsearchIndices(models)) {
 *   await es.indices.create({ index: d.index, settings: d.settings, mappings: d.mappings, aliases: { [d.alias]: {} } });
 * }
 */
export function buildElasticsearchIndices(models: readonly EntityModel[], options: ElasticsearchIndicesOptions = {}): ElasticsearchIndexDefinition[] {
  return models.filter((m) => m.store.kind === "elasticsearch").map((m) => elasticsearchIndexDefinition(m, options));
}
