import {
  buildCassandraSchema,
  buildDynamoDbTables,
  buildElasticsearchIndices,
  buildPostgresSchema,
  DYNAMODB_OUTBOX_TABLE,
  listStatements,
  quoteIdent,
  type ConsistencyLevelModel,
  type EntityModel,
  type StoreKind,
} from "@polyxena/core";
import { JSON_NOTICE, JSON_NOTICE_KEY, MD_HEADER, SQL_HEADER } from "./file-header.js";
import type { GenerateOptions } from "./generation-context.js";

/** Keyspace used when the config names none. */
export const DEFAULT_KEYSPACE = "polyxena";

function statementsFile(statements: readonly string[]): string {
  return `${SQL_HEADER}\n${statements.map((s) => `${s};\n`).join("\n")}`;
}

function jsonFile(key: string, value: unknown): string {
  return `${JSON.stringify({ [JSON_NOTICE_KEY]: JSON_NOTICE, [key]: value }, null, 2)}\n`;
}

/**
 * The physical schema files of the stores in use: `schema.cql`,
 * `postgres.sql`, `dynamodb-tables.json`, `elasticsearch-mappings.json`.
 */
export function emitSchemaFiles(models: readonly EntityModel[], options: GenerateOptions): Map<string, string> {
  const files = new Map<string, string>();
  const used = (kind: StoreKind) => models.some((m) => m.store.kind === kind);
  if (used("cassandra")) {
    files.set("schema.cql", statementsFile(buildCassandraSchema(models, { keyspace: options.cassandra?.keyspace ?? DEFAULT_KEYSPACE, replication: options.cassandra?.replication })));
  }
  if (used("postgres")) files.set("postgres.sql", statementsFile(buildPostgresSchema(models, { schema: options.postgres?.schema })));
  if (used("dynamodb")) files.set("dynamodb-tables.json", jsonFile("tables", buildDynamoDbTables(models, { tablePrefix: options.dynamodb?.tablePrefix })));
  if (used("elasticsearch")) files.set("elasticsearch-mappings.json", jsonFile("indices", buildElasticsearchIndices(models, options.elasticsearch)));
  return files;
}

function describeLevel(level: ConsistencyLevelModel): string {
  return level.native ? `${level.native} (${level.level})` : level.level;
}

/** The change events and projections of an entity, as `statements.md` lists them. */
function describeEvents(model: EntityModel, schema: string | undefined, tablePrefix: string | undefined): string {
  const events = model.events!;
  let out = `\n### change events\n\nEvery put, update and delete is recorded as a change event on topic \`${events.topic}\` (carrying ${events.carry === "item" ? "key, version and the item" : "key and version"}) in the same store write`;
  if (model.store.kind === "postgres") {
    const t = (name: string) => `${quoteIdent(schema ?? "public")}.${quoteIdent(name)}`;
    out += `, in its transaction:\n\n\`\`\`sql\nINSERT INTO ${t("polyxena_outbox_version")} (entity, entity_key, version) VALUES ($1, $2, 1) ON CONFLICT (entity, entity_key) DO UPDATE SET version = version + 1 RETURNING version;\nINSERT INTO ${t("polyxena_outbox")} (partition, entity, entity_key, version, event) VALUES ($3, $1, $2, <version>, $4::jsonb)\n\`\`\`\n`;
  } else if (model.store.kind === "dynamodb") {
    const outbox = `${tablePrefix ?? ""}${DYNAMODB_OUTBOX_TABLE}`;
    out += `, in its TransactWriteItems (after a strong read of the key's version, then of the item; rebuilt when another write got in between):\n\n\`\`\`text\nTransactWriteItems [ <the put/update/delete>, Update { TableName: "${outbox}", Key: { pk: "v#<sha256(entity, key)>", sk: "v" }, UpdateExpression: "SET #v = :next, #s = :seq", ConditionExpression: "#v = :prev" }, Put { TableName: "${outbox}", Item: { pk: "p#<partition>", sk: "<sequence>#<change id>", event, recordedAt } } ]\n\`\`\`\n`;
  } else {
    out += ".\n";
  }
  for (const p of model.projections ?? []) {
    out += `\nProjection \`${p.name}\` -> ${p.target} (${p.targetStore.kind}${p.targetStore.name === "default" ? "" : `:${p.targetStore.name}`}): the target's \`${p.targetVersionField}\` holds the source version; applied by compare-and-set on it, rebuilt with \`polyxena projection rebuild ${p.name}\`.\n`;
  }
  return out;
}

/** `statements.md`: per entity, the native statement of every repository method. */
export function emitStatementsFile(models: readonly EntityModel[], options: GenerateOptions): string {
  const listingOptions = {
    keyspace: options.cassandra?.keyspace ?? DEFAULT_KEYSPACE,
    schema: options.postgres?.schema,
    tablePrefix: options.dynamodb?.tablePrefix,
  };
  const language: Record<StoreKind, string> = { cassandra: "sql", postgres: "sql", dynamodb: "text", elasticsearch: "text" };
  let out = `${MD_HEADER}\n# Native statements\n\nWhat each repository method sends to its store. \`?\` and \`$n\` are bound parameters; \`[...]\` is sent only when the call uses the matching option.\n`;
  for (const model of models) {
    out += `\n## ${model.name} (${model.store.kind}, \`${model.table}\`)\n\n`;
    out += `Reads: ${describeLevel(model.consistency.read)}; writes: ${describeLevel(model.consistency.write)}${model.ttlSeconds !== undefined ? `; row TTL ${model.ttlSeconds} s` : ""}${model.cache ? `; cached ${model.cache.ttlMs / 1000} s` : ""}.\n`;
    for (const entry of listStatements(model, listingOptions)) {
      out += `\n### ${entry.operation}\n\n\`\`\`${language[model.store.kind]}\n${entry.statement}\n\`\`\`\n`;
    }
    if (model.events) out += describeEvents(model, listingOptions.schema, listingOptions.tablePrefix);
  }
  return out;
}
