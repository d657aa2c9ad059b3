import { PolyxenaError, Repository, SearchableRepository, storeDialects, type EntityModel } from "@polyxena/core";
import { emitDatabaseFile, hasRowTypes } from "./emit-database-file.js";
import { emitEntityFile, queryParamsTypeName } from "./emit-entity-file.js";
import { emitIndexFile, type IndexEntry } from "./emit-index-file.js";
import { emitSchemaFiles, emitStatementsFile } from "./emit-schema-files.js";
import type { EntityNames, EntitySource, GenerateOptions } from "./generation-context.js";
import { toCamelCase, toKebabCase } from "./naming.js";

/** Generated files: path relative to the output folder -> contents, sorted by path. */
export type GeneratedFiles = ReadonlyMap<string, string>;

/** File names (without extension) the generator writes besides the entity files, the stores' schema files included. */
const FIXED_FILES = new Set(["index", "database", "statements", ...storeDialects().map((d) => d.physicalSchema.file.replace(/\.[^.]+$/, ""))]);
/** Identifiers the generated files import or declare themselves. */
const RESERVED_IDENTIFIERS = new Set([
  "z", "Page", "QueryOptions", "Repository", "SearchableRepository", "EntityDefinition", "RepositoriesControl",
  "RuntimeOptions", "bindRepositories", "entities", "Repositories", "createRepositories", "Database",
]);
/** Properties `createRepositories` adds next to the repositories. */
const CONTROL_PROPERTIES = new Set(["transaction", "close", "runtime"]);

function repositoryMembers(): Set<string> {
  const members = new Set<string>(["runtime", "constructor"]);
  for (const proto of [Repository.prototype, SearchableRepository.prototype, Object.prototype]) {
    for (const name of Object.getOwnPropertyNames(proto)) members.add(name);
  }
  return members;
}

function namesOf(model: EntityModel): EntityNames {
  return {
    type: model.name,
    input: `${model.name}Input`,
    key: `${model.name}Key`,
    repository: `${model.name}Repository`,
    definition: `${model.name}Definition`,
    file: toKebabCase(model.name),
    property: toCamelCase(model.name),
  };
}

function fail(entity: string, path: string, message: string, fix: string): PolyxenaError {
  return new PolyxenaError("E_DEFINITION", message, { entity, path, fix });
}

/** Checks what only generation can see: clashes between entities and with generated names. */
function validate(entries: readonly IndexEntry[]): void {
  const members = repositoryMembers();
  const identifiers = new Map<string, string>();
  const files = new Map<string, string>();
  const properties = new Map<string, string>();
  for (const { names, source } of entries) {
    const model = source.definition.model;
    const claim = (registry: Map<string, string>, value: string, what: string) => {
      const other = registry.get(value);
      if (other !== undefined && other !== model.name) {
        throw fail(model.name, "name", `${what} ${value} of ${model.name} is also generated for ${other}`, "rename one of the entities");
      }
      registry.set(value, model.name);
    };
    if (FIXED_FILES.has(names.file)) throw fail(model.name, "name", `entity ${model.name} would generate ${names.file}.ts, which the generator writes itself`, `rename the entity (for example "${model.name}Record")`);
    claim(files, names.file, "file");
    if (CONTROL_PROPERTIES.has(names.property)) throw fail(model.name, "name", `repository property ${names.property} is taken by createRepositories`, `rename the entity (for example "${model.name}Record")`);
    claim(properties, names.property, "repository property");
    const ids = [names.type, names.input, names.key, names.repository, names.definition, `${names.type}Row`, ...model.queries.map((q) => queryParamsTypeName(names, q))];
    for (const id of ids) {
      if (RESERVED_IDENTIFIERS.has(id)) throw fail(model.name, "name", `generated name ${id} clashes with a name the generated code uses`, `rename the entity (for example "${model.name}Record")`);
      claim(identifiers, id, "generated name");
    }
    for (const query of model.queries) {
      if (members.has(query.name)) {
        throw fail(model.name, `queries.${query.name}`, `query name ${query.name} is a member of the repository class`, `rename the query (for example "${query.name}By...")`);
      }
    }
  }
}

/**
 * Generates every output file from the entity sources: a pure function of
 * its input (sorted, no timestamps). Throws `E_DEFINITION` when two entities
 * share a name or a generated name would clash.
 */
export function generateFiles(sources: readonly EntitySource[], options: GenerateOptions = {}): GeneratedFiles {
  const byName = new Map<string, EntitySource>();
  for (const source of sources) {
    const name = source.definition.name;
    const other = byName.get(name);
    if (other && other.definition !== source.definition) {
      throw fail(name, "name", `two entities are named ${name} (exported by ${other.origin ?? other.importPath} as ${other.exportName} and by ${source.origin ?? source.importPath} as ${source.exportName})`, "give every entity a distinct name");
    }
    if (!other) byName.set(name, source);
  }
  const entries: IndexEntry[] = [...byName.values()]
    .sort((a, b) => (a.definition.name < b.definition.name ? -1 : a.definition.name > b.definition.name ? 1 : 0))
    .map((source) => ({ source, names: namesOf(source.definition.model) }));
  validate(entries);

  const models = entries.map((e) => e.source.definition.model);
  const files = new Map<string, string>();
  for (const entry of entries) files.set(`${entry.names.file}.ts`, emitEntityFile(entry.source, entry.names));
  const withDatabase = hasRowTypes(entries);
  files.set("index.ts", emitIndexFile(entries, withDatabase));
  if (withDatabase) files.set("database.ts", emitDatabaseFile(entries, options));
  for (const [path, text] of emitSchemaFiles(models, options)) files.set(path, text);
  files.set("statements.md", emitStatementsFile(models, options));
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
