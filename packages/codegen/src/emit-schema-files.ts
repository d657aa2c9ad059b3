import { storeDialect, storeDialects, storeSettings, type ConsistencyLevelModel, type EntityModel } from "@polyxena/core";
import { JSON_NOTICE, JSON_NOTICE_KEY, MD_HEADER, SQL_HEADER } from "./file-header.js";
import type { GenerateOptions } from "./generation-context.js";

function statementsFile(statements: readonly string[]): string {
  return `${SQL_HEADER}\n${statements.map((s) => `${s};\n`).join("\n")}`;
}

function jsonFile(key: string, value: unknown): string {
  return `${JSON.stringify({ [JSON_NOTICE_KEY]: JSON_NOTICE, [key]: value }, null, 2)}\n`;
}

/**
 * The physical schema file of every store in use, as each store's dialect
 * names and builds it (`schema.cql`, `postgres.sql`, `dynamodb-tables.json`,
 * `elasticsearch-mappings.json`, ...).
 */
export function emitSchemaFiles(models: readonly EntityModel[], options: GenerateOptions): Map<string, string> {
  const files = new Map<string, string>();
  for (const dialect of storeDialects()) {
    const own = models.filter((m) => m.store.kind === dialect.kind);
    if (own.length === 0) continue;
    const schema = dialect.physicalSchema;
    const settings = storeSettings(dialect, options);
    files.set(schema.file, schema.format === "statements" ? statementsFile(schema.build(own, settings)) : jsonFile(schema.key, schema.build(own, settings)));
  }
  return files;
}

function describeLevel(level: ConsistencyLevelModel): string {
  return level.native ? `${level.native} (${level.level})` : level.level;
}

/** The change events and projections of an entity, as `statements.md` lists them. */
function describeEvents(model: EntityModel, options: GenerateOptions): string {
  const events = model.events!;
  const dialect = storeDialect(model.store.kind);
  const recording = dialect.changeEventRecording?.(storeSettings(dialect, options));
  let out = `\n### change events\n\nEvery put, update and delete is recorded as a change event on topic \`${events.topic}\` (carrying ${events.carry === "item" ? "key, version and the item" : "key and version"}) in the same store write`;
  out += recording ? `, ${recording.where}:\n\n\`\`\`${dialect.statementLanguage}\n${recording.statements}\n\`\`\`\n` : ".\n";
  if (recording?.relay) out += `\nThe outbox relay claims, reads and deletes the recorded events with:\n\n\`\`\`${dialect.statementLanguage}\n${recording.relay}\n\`\`\`\n`;
  for (const p of model.projections ?? []) {
    out += `\nProjection \`${p.name}\` -> ${p.target} (${p.targetStore.kind}${p.targetStore.name === "default" ? "" : `:${p.targetStore.name}`}): the target's \`${p.targetVersionField}\` holds the source version; applied by compare-and-set on it, rebuilt with \`polyxena projection rebuild ${p.name}\`.\n`;
  }
  return out;
}

/** `statements.md`: per entity, the native statement of every repository method. */
export function emitStatementsFile(models: readonly EntityModel[], options: GenerateOptions): string {
  let out = `${MD_HEADER}\n# Native statements\n\nWhat each repository method sends to its store. \`?\` and \`$n\` are bound parameters; \`[...]\` is sent only when the call uses the matching option.\n`;
  for (const model of models) {
    out += `\n## ${model.name} (${model.store.kind}, \`${model.table}\`)\n\n`;
    out += `Reads: ${describeLevel(model.consistency.read)}; writes: ${describeLevel(model.consistency.write)}${model.ttlSeconds !== undefined ? `; row TTL ${model.ttlSeconds} s` : ""}${model.cache ? `; cached ${model.cache.ttlMs / 1000} s` : ""}.\n`;
    const dialect = storeDialect(model.store.kind);
    for (const entry of dialect.listStatements(model, storeSettings(dialect, options))) {
      out += `\n### ${entry.operation}\n\n\`\`\`${dialect.statementLanguage}\n${entry.statement}\n\`\`\`\n`;
    }
    if (model.events) out += describeEvents(model, options);
  }
  return out;
}
