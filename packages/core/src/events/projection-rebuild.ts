/**
 * Fills or repairs a projection from its source while live events keep
 * flowing: every source item is mapped and written with the version its
 * source key had when the item was read, through the same compare-and-set
 * as the applier (rewriting an equal version, which repairs), so a rebuild
 * never overwrites a newer event.
 */
import type { ProjectionDefinition } from "../define-entity.js";
import { PolyxenaError } from "../errors.js";
import type { PolyxenaRuntime } from "../polyxena-runtime.js";

/** What a rebuild did. */
export interface ProjectionRebuildResult {
  projection: string;
  /** Source items read. */
  scanned: number;
  /** Target items written. */
  written: number;
  /** Items the target already held at that version or newer. */
  skipped: number;
  /** Items whose map or target write failed (recorded as dead letters of sink `rebuild`). */
  failed: number;
}

/** Options of {@link rebuildProjection}. */
export interface ProjectionRebuildOptions {
  /** Source items per page (default 200). */
  pageSize?: number | undefined;
  /** Called after every page. */
  onProgress?: ((progress: ProjectionRebuildResult) => void) | undefined;
}

/**
 * Rebuilds projection `name` (`titleSearch`, or `Title.titleSearch` when
 * several sources declare that name).
 *
 * @example
 * await rebuildProjection(repos.runtime, "titleSearch");
 */
export async function rebuildProjection(runtime: PolyxenaRuntime, name: string, options: ProjectionRebuildOptions = {}): Promise<ProjectionRebuildResult> {
  const projection = findProjection(runtime, name);
  const sourceDefinition = runtime.entityDefinitions().find((d) => d.name === projection.source)!;
  const outbox = runtime.adapterFor(sourceDefinition.model).outbox;
  if (!outbox) throw new PolyxenaError("E_DEFINITION", `the store of ${projection.source} has no outbox`, { entity: projection.source, path: "events" });
  const target = runtime.entity(projection.target);
  const result: ProjectionRebuildResult = { projection: `${projection.source}.${projection.model.name}`, scanned: 0, written: 0, skipped: 0, failed: 0 };
  const pageSize = options.pageSize ?? 200;
  let position: unknown;
  do {
    const page = await outbox.scan(sourceDefinition.model, position, pageSize);
    for (const { item, version } of page.items) {
      result.scanned++;
      try {
        const mapped = projection.map(item);
        if (await target.applyProjected(mapped, version, { orEqual: true })) result.written++;
        else result.skipped++;
      } catch (error) {
        result.failed++;
        await outbox.recordDeadLetter({
          event: { id: "rebuild", entity: projection.source, topic: "", key: {}, keyString: "", version, kind: "put", schemaHash: sourceDefinition.model.schemaHash, occurredAt: new Date().toISOString() },
          sink: "rebuild",
          code: (error as { code?: string }).code ?? (error instanceof Error ? error.name : "Error"),
          message: error instanceof Error ? error.message : String(error),
          at: Date.now(),
        });
      }
    }
    position = page.position;
    options.onProgress?.({ ...result });
  } while (position !== undefined);
  return result;
}

function findProjection(runtime: PolyxenaRuntime, name: string): ProjectionDefinition {
  const all = runtime.entityDefinitions().flatMap((d) => d.projections ?? []);
  const matches = all.filter((p) => p.model.name === name || `${p.source}.${p.model.name}` === name);
  if (matches.length === 1) return matches[0]!;
  throw new PolyxenaError("E_VALIDATION", matches.length === 0 ? `no projection named ${name}` : `projection name ${name} is ambiguous`, {
    path: "projection",
    fix: `use one of: ${all.map((p) => `${p.source}.${p.model.name}`).join(", ") || "(none declared)"}`,
  });
}
