import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { storeDialects, type EntityDefinition } from "@polyxena/core";
import { CodegenError } from "./codegen-error.js";
import { checkConfigKeys, type PolyxenaConfig } from "./define-config.js";
import { findFiles, hasGlob } from "./find-files.js";
import { importUserModule } from "./import-user-module.js";
import type { EntitySource } from "./generation-context.js";

/** A config and the entities it names. */
export interface LoadedProject {
  config: PolyxenaConfig;
  configPath: string;
  /** Absolute output folder. */
  outDir: string;
  sources: EntitySource[];
}

/** True for an exported entity definition (duck-typed, so copies of core still count). */
export function isEntityDefinition(value: unknown): value is EntityDefinition {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<EntityDefinition>;
  return (
    typeof v.name === "string" &&
    typeof v.schema === "object" && v.schema !== null && "_zod" in v.schema &&
    typeof v.model === "object" && v.model !== null && typeof v.model.store === "object" && Array.isArray(v.model.fields)
  );
}

function validateConfig(value: unknown, configPath: string): PolyxenaConfig {
  const bad = (message: string) => new CodegenError(`${configPath}: ${message}`);
  if (typeof value !== "object" || value === null) throw bad("the default export must be defineConfig({ entities, out })");
  // A plain object default export (no defineConfig) gets the same check.
  checkConfigKeys(value);
  const config = value as Partial<PolyxenaConfig>;
  if (!Array.isArray(config.entities) || config.entities.length === 0 || !config.entities.every((e) => typeof e === "string" && e.length > 0)) {
    throw bad('"entities" must be a non-empty list of module paths or patterns');
  }
  if (typeof config.out !== "string" || config.out.trim() === "") throw bad('"out" must name the output folder');
  for (const dialect of storeDialects()) {
    const section = (config as Record<string, unknown>)[dialect.kind];
    const problem = section === undefined ? undefined : dialect.options.check?.(section);
    if (problem) throw bad(problem);
  }
  if (config.stores !== undefined && typeof config.stores !== "function") {
    throw bad('"stores" must be a function returning the adapters, e.g. stores: () => ({ postgres: createPostgresAdapter(...) })');
  }
  return config as PolyxenaConfig;
}

/** Module specifier of `file` as imported from `fromDir`, with the `.js` extension TypeScript expects. */
export function importSpecifier(fromDir: string, file: string): string {
  let path = relative(fromDir, file).split(sep).join("/");
  path = path.replace(/\.ts$/, ".js").replace(/\.mts$/, ".mjs").replace(/\.tsx$/, ".js");
  return path.startsWith(".") ? path : `./${path}`;
}

function displayPath(fromDir: string, file: string): string {
  const path = relative(fromDir, file).split(sep).join("/");
  return path.startsWith(".") ? path : `./${path}`;
}

function isPathSpecifier(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../") || isAbsolute(specifier) || specifier === "." || specifier === "..";
}

/**
 * Imports the config and every entity module it names, and collects the
 * exported entity definitions. Module order is sorted; within a module,
 * exports are taken in name order. Errors thrown while importing (such as
 * `E_DEFINITION` from `defineEntity`) propagate unchanged.
 */
export async function loadProject(configPath: string): Promise<LoadedProject> {
  const absoluteConfig = resolve(configPath);
  if (!existsSync(absoluteConfig)) throw new CodegenError(`config file ${configPath} not found; create it with defineConfig({ entities, out }) or pass --config`);
  const configDir = dirname(absoluteConfig);
  const configModule = (await importUserModule(pathToFileURL(absoluteConfig).href)) as { default?: unknown };
  const config = validateConfig(configModule.default, configPath);
  const outDir = resolve(configDir, config.out);

  const modules: { url: string; importPath: string; origin: string }[] = [];
  const seen = new Set<string>();
  for (const specifier of config.entities) {
    if (isPathSpecifier(specifier)) {
      const base = isAbsolute(specifier) ? "/" : configDir;
      // Generated output and the config itself are never entity modules, even when a glob covers them.
      const files = (hasGlob(specifier) ? findFiles(base, specifier) : [resolve(configDir, specifier)]).filter(
        (file) => file !== absoluteConfig && !file.startsWith(outDir + sep),
      );
      if (files.length === 0) throw new CodegenError(`${configPath}: entity pattern ${JSON.stringify(specifier)} matched no files`);
      for (const file of files) {
        if (seen.has(file)) continue;
        seen.add(file);
        modules.push({ url: pathToFileURL(file).href, importPath: importSpecifier(outDir, file), origin: displayPath(configDir, file) });
      }
    } else if (!seen.has(specifier)) {
      seen.add(specifier);
      let url: string;
      try {
        url = pathToFileURL(createRequire(absoluteConfig).resolve(specifier)).href;
      } catch {
        url = specifier;
      }
      modules.push({ url, importPath: specifier, origin: specifier });
    }
  }

  const sources: EntitySource[] = [];
  for (const module of modules) {
    const namespace = await importUserModule(module.url);
    const names = Object.keys(namespace).sort();
    for (const exportName of names) {
      const value = namespace[exportName];
      if (exportName !== "default" && isEntityDefinition(value)) sources.push({ definition: value, importPath: module.importPath, exportName, origin: module.origin });
    }
  }
  if (sources.length === 0) throw new CodegenError(`${configPath}: the entity modules export no entity definitions (defineEntity results)`);
  return { config, configPath: absoluteConfig, outDir, sources };
}
