/**
 * `polyxena projection rebuild NAME`: fills or repairs one declared
 * projection from its source through the config's stores, while live events
 * keep flowing (version ordering keeps the rebuild from overwriting a newer
 * event).
 */
import { PolyxenaRuntime, rebuildProjection, type ProjectionRebuildResult } from "@polyxena/core";
import { buildStores, closeAdapters } from "./apply-project-schema.js";
import type { LoadedProject } from "./load-project.js";

/**
 * Rebuilds projection `name` (`titleSearch` or `Title.titleSearch`) with the
 * config's adapters, reporting progress after every page; closes the adapters.
 */
export async function rebuildProjectProjection(project: LoadedProject, name: string, progress: (line: string) => void): Promise<ProjectionRebuildResult> {
  const stores = await buildStores(project);
  try {
    const definitions = [...new Map(project.sources.map((s) => [s.definition.name, s.definition])).values()];
    const runtime = new PolyxenaRuntime({ stores }, definitions);
    return await rebuildProjection(runtime, name, { onProgress: (p) => progress(formatRebuild(p)) });
  } finally {
    await closeAdapters(Object.values(stores));
  }
}

/** One line describing a rebuild's progress or result. */
export function formatRebuild(result: ProjectionRebuildResult): string {
  return `${result.projection}: ${result.scanned} scanned, ${result.written} written, ${result.skipped} already current, ${result.failed} failed`;
}
