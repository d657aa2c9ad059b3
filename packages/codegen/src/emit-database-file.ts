import { storeDialect, storeDialects, storeSettings, type FieldModel, type StoreOptionsByKind } from "@polyxena/core";
import { TS_HEADER } from "./file-header.js";
import type { IndexEntry } from "./emit-index-file.js";
import { tsString } from "./naming.js";

function columnType(typeName: string, field: FieldModel): string {
  const domain = `${typeName}[${tsString(field.name)}]`;
  // A missing optional value is stored as NULL, so rows see null rather than undefined.
  return field.optional ? `Exclude<${domain}, undefined> | null` : domain;
}

/** True when some entity lives in a store whose dialect has Kysely row types. */
export function hasRowTypes(entries: readonly IndexEntry[]): boolean {
  return entries.some((e) => storeDialect(e.source.definition.model.store.kind).rowTypes !== undefined);
}

/**
 * The TypeScript source of `database.ts`: per store with row types (Postgres:
 * `Database`), the Kysely database interface of its entities (table -> row
 * with snake_case columns). Column types are the entities' domain types, so
 * no Kysely import is needed.
 */
export function emitDatabaseFile(entries: readonly IndexEntry[], options: StoreOptionsByKind): string {
  const stores = storeDialects().flatMap((dialect) => {
    const rowTypes = dialect.rowTypes;
    const own = entries.filter((e) => e.source.definition.model.store.kind === dialect.kind);
    if (!rowTypes || own.length === 0) return [];
    return [{ rowTypes, own, settings: storeSettings(dialect, options) }];
  });
  let out = TS_HEADER;
  for (const { own } of stores) for (const { names } of own) out += `import type { ${names.type} } from "./${names.file}.js";\n`;
  out += "\n";
  for (const { rowTypes, own, settings } of stores) {
    for (const { names, source } of own) {
      const model = source.definition.model;
      out += `/** Row of the ${rowTypes.label} table \`${rowTypes.tableLabel(model, settings)}\` (${model.name}). */\n`;
      out += `export interface ${names.type}Row {\n`;
      for (const field of model.fields) out += `  ${field.column}: ${columnType(names.type, field)};\n`;
      out += "}\n\n";
    }
  }
  out += stores
    .map(({ rowTypes, own, settings }) =>
      [
        "/**",
        ` * The Kysely database type of the ${rowTypes.label} entities, for queries beyond the declared patterns.`,
        " *",
        " * @example",
        ` * const db = new Kysely<${rowTypes.databaseInterface}>({ dialect });`,
        " */",
        `export interface ${rowTypes.databaseInterface} {`,
        ...[...own]
          .sort((a, b) => (a.source.definition.model.table < b.source.definition.model.table ? -1 : 1))
          .map(({ names, source }) => {
            const key = rowTypes.tableKey(source.definition.model, settings);
            return `  ${key === source.definition.model.table ? key : tsString(key)}: ${names.type}Row;`;
          }),
        "}",
        "",
      ].join("\n"),
    )
    .join("\n");
  return out;
}
