/**
 * @polyxena/codegen: the `polyxena generate` and `polyxena schema apply`
 * commands and their pieces — loading a config, generating files in memory,
 * writing and checking them, applying the physical schema.
 */
export { checkConfigKeys, defineConfig } from "./define-config.js";
export type { PolyxenaConfig } from "./define-config.js";
export { CodegenError } from "./codegen-error.js";
export { generateFiles } from "./generate-files.js";
export type { GeneratedFiles } from "./generate-files.js";
export type { EntitySource, GenerateOptions } from "./generation-context.js";
export { loadProject, isEntityDefinition } from "./load-project.js";
export type { LoadedProject } from "./load-project.js";
export { writeGeneratedFiles, checkGeneratedFiles } from "./write-generated-files.js";
export type { WriteResult } from "./write-generated-files.js";
export { MARKER_FILE } from "./file-header.js";
export { applyProjectSchema, formatSchemaPlan, formatSchemaReport, planProjectSchema } from "./apply-project-schema.js";
export type { ProjectSchemaPlan, ProjectSchemaReport } from "./apply-project-schema.js";
export { initProject } from "./init-project.js";
export type { InitResult } from "./init-project.js";
export { main } from "./cli.js";
export type { CliIo } from "./cli.js";
