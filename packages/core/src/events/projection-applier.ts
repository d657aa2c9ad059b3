/**
 * The projection applier: the sink that keeps declared projections up to
 * date. For each event of a source with projections it maps the item and
 * writes the target through the target's repository runtime (so its cache is
 * invalidated like any write), idempotently and in source-version order:
 *
 * - the target's version field holds the source version the item was made
 *   from; a write is a compare-and-set that only moves that version forward,
 *   so a repeated or older event changes nothing;
 * - an event whose source key already has a newer version in the outbox is
 *   skipped: the newer event carries the newer state and will be (or was)
 *   applied. This is what keeps an older put arriving after a delete from
 *   bringing a deleted item back.
 *
 * A map that throws, or a mapped item the target refuses (validation, size),
 * is a dead letter: recorded with the error, counted in metrics, and the key
 * moves on. Store outages are retried by the relay.
 */
import type { EntityDefinition, ProjectionDefinition } from "../define-entity.js";
import type { PolyxenaRuntime } from "../polyxena-runtime.js";
import { PolyxenaError } from "../errors.js";
import { decodeChangeItem, type ChangeEvent } from "./change-event.js";
import { deliverPerKey, PermanentDeliveryError, type EventSink } from "./event-sink.js";

/** Options of {@link createProjectionApplier}. */
export interface ProjectionApplierOptions {
  /** The runtime that serves the sources and the targets (its adapters and cache). */
  runtime: PolyxenaRuntime;
  /** Sink name in metrics and dead letters (default `projections`). */
  name?: string | undefined;
  /** Keys applied in parallel (default 32). */
  concurrency?: number | undefined;
}

/** The projection applier sink. */
export interface ProjectionApplier extends EventSink {
  /** Applies one event (what `deliver` does per event); throws on failure. */
  apply(event: ChangeEvent): Promise<void>;
}

/**
 * Creates the projection applier for every projection the runtime's
 * entities declare. Throws `E_DEFINITION` when a target's store has no
 * adapter in the runtime.
 *
 * @example
 * const relay = createOutboxRelay({ outbox: stores.dynamodb.outbox!, sinks: [createProjectionApplier({ runtime: repos.runtime })] });
 */
export function createProjectionApplier(options: ProjectionApplierOptions): ProjectionApplier {
  const runtime = options.runtime;
  const sources = new Map<string, { definition: EntityDefinition; projections: readonly ProjectionDefinition[] }>();
  for (const definition of runtime.entityDefinitions()) {
    const projections = definition.projections ?? [];
    if (projections.length === 0) continue;
    for (const p of projections) {
      try {
        runtime.adapterFor(p.target.model);
      } catch (error) {
        throw new PolyxenaError("E_DEFINITION", `projection ${p.model.name} of ${definition.name} writes ${p.target.name}, whose store has no adapter in this runtime`, {
          entity: definition.name,
          path: `projections.${p.model.name}.to`,
          fix: `pass an adapter for ${p.target.model.store.kind}${p.target.model.store.name === "default" ? "" : `:${p.target.model.store.name}`} in stores`,
          cause: error,
        });
      }
    }
    sources.set(definition.name, { definition, projections });
  }

  const apply = async (event: ChangeEvent): Promise<void> => {
    const source = sources.get(event.entity);
    if (!source) return;
    const outbox = runtime.adapterFor(source.definition.model).outbox;
    const latest = await outbox?.latestVersion(event.entity, event.keyString);
    if (latest !== undefined && latest > event.version) return;
    if (!event.item) {
      throw new PermanentDeliveryError(`event ${event.id} of ${event.entity} carries no item, so no projection can be made from it`);
    }
    const item = decodeChangeItem(source.definition.model, event.item);
    for (const projection of source.projections) {
      let mapped: unknown;
      try {
        mapped = projection.map(item);
      } catch (error) {
        throw new PermanentDeliveryError(`projection ${projection.model.name} of ${event.entity}: map threw: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      if (typeof mapped !== "object" || mapped === null) {
        throw new PermanentDeliveryError(`projection ${projection.model.name} of ${event.entity}: map returned ${mapped === null ? "null" : typeof mapped}, not an item`);
      }
      const target = runtime.entity(projection.target);
      if (event.kind === "put") {
        await target.applyProjected(mapped, event.version, { changeId: event.id });
      } else {
        const key = Object.fromEntries(projection.target.model.key.fields.map((f) => [f, (mapped as Record<string, unknown>)[f]]));
        await target.deleteProjected(key, event.version, { changeId: event.id });
      }
    }
  };

  return {
    name: options.name ?? "projections",
    apply,
    deliver: (events) => deliverPerKey(events, apply, options.concurrency),
  };
}
