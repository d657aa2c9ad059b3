/**
 * Elasticsearch index definitions: the entity's table name is an alias over
 * a concrete index named after the schema hash, so a mapping change creates
 * a new index behind the same alias.
 */
import type { EntityModel, FieldModel } from "../../entity-model.js";

/** An Elasticsearch field mapping as written in `properties`. */
export interface ElasticsearchFieldMapping {
  type: string;
  analyzer?: string;
  properties?: Record<string, ElasticsearchFieldMapping>;
}

/**
 * The Elasticsearch mapping of a field. `textFields` names the top-level
 * fields analyzed as full text (`text`, standard analyzer); other strings are
 * `keyword`. A list maps as its element; an object as `object` with its
 * properties; a map as `flattened`.
 */
export function elasticsearchFieldMapping(field: FieldModel, textFields: readonly string[] = []): ElasticsearchFieldMapping {
  switch (field.type) {
    case "string":
      return textFields.includes(field.name) ? { type: "text", analyzer: "standard" } : { type: "keyword" };
    case "uuid":
    case "enum":
    case "bigint":
      return { type: "keyword" };
    case "int":
      return { type: "long" };
    case "number":
      return { type: "double" };
    case "boolean":
      return { type: "boolean" };
    case "date":
      return { type: "date" };
    case "list":
      return field.element ? elasticsearchFieldMapping(field.element) : { type: "keyword" };
    case "object":
      return { type: "object", properties: elasticsearchProperties(field.fields ?? []) };
    case "map":
      return { type: "flattened" };
  }
}

/** The `properties` object of a list of fields, keyed by field name in declaration order. */
export function elasticsearchProperties(fields: readonly FieldModel[], textFields: readonly string[] = []): Record<string, ElasticsearchFieldMapping> {
  const properties: Record<string, ElasticsearchFieldMapping> = {};
  for (const field of fields) properties[field.name] = elasticsearchFieldMapping(field, textFields);
  return properties;
}

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
