import { TS_HEADER } from "./file-header.js";
import type { EntityNames, EntitySource } from "./generation-context.js";

/** One entity as the index file sees it. */
export interface IndexEntry {
  source: EntitySource;
  names: EntityNames;
}

/** The TypeScript source of `index.ts`: re-exports, `entities`, `Repositories` and `createRepositories`. */
export function emitIndexFile(entries: readonly IndexEntry[], withDatabase: boolean): string {
  let out = TS_HEADER;
  out += `import { bindRepositories, type EntityDefinition, type RepositoriesControl, type RuntimeOptions } from "@polyxena/core";\n`;
  for (const { names } of entries) {
    out += `import { ${names.definition}, ${names.repository} } from "./${names.file}.js";\n`;
  }
  out += "\n";
  for (const { names } of entries) out += `export * from "./${names.file}.js";\n`;
  if (withDatabase) out += `export type * from "./database.js";\n`;
  if (entries.length > 0) out += "\n";
  out += "/** Every entity definition of this project, in name order. */\n";
  out += `export const entities: readonly EntityDefinition[] = [${entries.map((e) => e.names.definition).join(", ")}];\n\n`;
  out += "/** One repository per entity. */\n";
  out += "export interface Repositories {\n";
  for (const { source, names } of entries) {
    out += `  /** ${source.definition.model.name} (${source.definition.model.store.kind}). */\n`;
    out += `  readonly ${names.property}: ${names.repository};\n`;
  }
  out += "}\n\n";
  out += [
    "/**",
    " * Creates the repositories of every entity over the given stores, cache and policy.",
    " *",
    " * @example",
    " * const repos = createRepositories({ stores: { postgres, cassandra }, cache });",
    " * await repos.close();",
    " */",
    "export function createRepositories(options: RuntimeOptions): Repositories & RepositoriesControl<Repositories> {",
    "  return bindRepositories<Repositories>(options, entities, (scope) => ({",
    ...entries.map(({ names }) => `    ${names.property}: new ${names.repository}(scope.entity(${names.definition})),`),
    "  }));",
    "}",
    "",
  ].join("\n");
  return out;
}
