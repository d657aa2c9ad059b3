import type { FieldModel } from "@polyxena/core";
import { TS_HEADER } from "./file-header.js";
import type { IndexEntry } from "./emit-index-file.js";
import { tsString } from "./naming.js";

function columnType(typeName: string, field: FieldModel): string {
  const domain = `${typeName}[${tsString(field.name)}]`;
  // A missing optional value is stored as NULL, so rows see null rather than undefined.
  return field.optional ? `Exclude<${domain}, undefined> | null` : domain;
}

/**
 * The TypeScript source of `database.ts`: the Kysely `Database` interface of
 * the Postgres entities (table -> row with snake_case columns). Column types
 * are the entities' domain types, so no Kysely import is needed.
 */
export function emitDatabaseFile(entries: readonly IndexEntry[], schema: string): string {
  const postgres = entries.filter((e) => e.source.definition.model.store.kind === "postgres");
  let out = TS_HEADER;
  for (const { names } of postgres) out += `import type { ${names.type} } from "./${names.file}.js";\n`;
  out += "\n";
  for (const { names, source } of postgres) {
    const model = source.definition.model;
    out += `/** Row of the Postgres table \`${schema}.${model.table}\` (${model.name}). */\n`;
    out += `export interface ${names.type}Row {\n`;
    for (const field of model.fields) out += `  ${field.column}: ${columnType(names.type, field)};\n`;
    out += "}\n\n";
  }
  out += [
    "/**",
    " * The Kysely database type of the Postgres entities, for queries beyond the declared patterns.",
    " *",
    " * @example",
    " * const db = new Kysely<Database>({ dialect });",
    " */",
    "export interface Database {",
    ...[...postgres]
      .sort((a, b) => (a.source.definition.model.table < b.source.definition.model.table ? -1 : 1))
      .map(({ names, source }) => {
        const table = source.definition.model.table;
        return `  ${schema === "public" ? table : tsString(`${schema}.${table}`)}: ${names.type}Row;`;
      }),
    "}",
    "",
  ].join("\n");
  return out;
}
