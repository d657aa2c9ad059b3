import type { EntityDefinition, StoreOptionsByKind } from "@polyxena/core";

/** One entity to generate and where its definition is imported from. */
export interface EntitySource {
  definition: EntityDefinition;
  /** Module specifier used by generated files: relative with `.js`, or a package name. */
  importPath: string;
  /** The name the module exports the definition under. */
  exportName: string;
  /** Where the module is, for messages (e.g. `./entities/profile.ts`); defaults to `importPath`. */
  origin?: string | undefined;
}

/** Store settings of a generation run (the config without entities and out): one section per store kind. */
export type GenerateOptions = StoreOptionsByKind;

/** The names generated code uses for one entity. */
export interface EntityNames {
  /** Item type, e.g. `ViewingHistory`. */
  type: string;
  input: string;
  key: string;
  repository: string;
  /** Local alias of the imported definition, e.g. `ViewingHistoryDefinition`. */
  definition: string;
  /** File name without extension, e.g. `viewing-history`. */
  file: string;
  /** Property of the repositories object, e.g. `viewingHistory`. */
  property: string;
}
