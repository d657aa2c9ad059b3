/**
 * Elasticsearch options: the `elasticsearch` section of `polyxena.config.ts`
 * (shards and replicas of created indices) and `db.system`.
 */
import type { StoreOptionRules } from "../store-dialect.js";

/** Elasticsearch options of the config. */
export interface ElasticsearchOptions {
  shards?: number | undefined;
  replicas?: number | undefined;
}

/** OpenTelemetry `db.system` of Elasticsearch. */
export const ELASTICSEARCH_DB_SYSTEM = "elasticsearch";

/** Rules of the `elasticsearch` config section. */
export const elasticsearchOptions: StoreOptionRules<ElasticsearchOptions> = {
  keys: { shards: true, replicas: true },
  withDefaults: (section) => ({ shards: section?.shards, replicas: section?.replicas }),
};
