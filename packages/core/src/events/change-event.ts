/**
 * Change events: what a write of an entity that declares `events` records
 * in its store's outbox, in the same store write, and what the relay
 * delivers to sinks. Events are JSON (field values by the field-JSON codec),
 * so every store keeps and every sink receives exactly the same bytes.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../cursor-codec.js";
import type { EntityModel } from "../entity-model.js";
import { fromJsonValue, toJsonValue } from "../field-json.js";
import type { KeyValues, StoredItem } from "../store-adapter.js";

/** Outbox partitions per store: a key always lands in the same one, and one relay at a time owns a partition. */
export const OUTBOX_PARTITIONS = 16;

/** One change of one item, as delivered to sinks. */
export interface ChangeEvent {
  /** Unique id of the write that caused the change (also on the write's and the delivery's operation events). */
  id: string;
  entity: string;
  topic: string;
  /** Key field values as JSON. */
  key: Record<string, unknown>;
  /** Canonical JSON of `key`: the per-key ordering unit and the Kafka message key. */
  keyString: string;
  /**
   * Per-key source version, assigned by the outbox in the same store write:
   * 1, 2, 3, ... with no gaps for acknowledged writes. Later writes of a
   * key always carry higher versions.
   */
  version: number;
  /** `delete` events are tombstones: no item. */
  kind: "put" | "delete";
  /**
   * For entities that carry the item: the item after the write (puts), or the
   * item as it was before the delete (deletes), as JSON.
   */
  item?: Record<string, unknown> | undefined;
  schemaHash: string;
  /** When the write happened (ISO-8601). */
  occurredAt: string;
}

/**
 * What core hands an adapter on a write of an entity with events: the
 * adapter assigns the version and records the event atomically with the
 * write (see {@link recordChangeEvent}).
 */
export interface ChangeRecordRequest {
  readonly id: string;
  readonly model: EntityModel;
  readonly key: KeyValues;
  readonly keyString: string;
  readonly partition: number;
  readonly occurredAt: Date;
}

/** Canonical string of a key: the ordering unit of change events. */
export function changeKeyString(model: EntityModel, key: KeyValues): string {
  return canonicalJson(encodeFields(model, key, model.key.fields));
}

/** The outbox partition of a key (stable across processes and stores). */
export function outboxPartitionOf(entity: string, keyString: string, partitions = OUTBOX_PARTITIONS): number {
  const digest = createHash("sha1").update(entity).update("\u0000").update(keyString).digest();
  return digest.readUInt32BE(0) % partitions;
}

/**
 * Builds the event an adapter records for a write it performed: for a put
 * or update `item` is the item after the write, for a delete the item it
 * deleted (adapters record no event when a delete removed nothing).
 */
export function recordChangeEvent(change: ChangeRecordRequest, version: number, kind: "put" | "delete", item: StoredItem): ChangeEvent {
  const model = change.model;
  const event: ChangeEvent = {
    id: change.id,
    entity: model.name,
    topic: model.events?.topic ?? `polyxena.${model.table}`,
    key: encodeFields(model, change.key, model.key.fields),
    keyString: change.keyString,
    version,
    kind,
    schemaHash: model.schemaHash,
    occurredAt: change.occurredAt.toISOString(),
  };
  if (model.events?.carry !== "key") event.item = encodeChangeItem(model, item);
  return event;
}

/** An item in domain values -> its JSON form in events. */
export function encodeChangeItem(model: EntityModel, item: StoredItem): Record<string, unknown> {
  return encodeFields(model, item, model.fields.map((f) => f.name));
}

/** An event's JSON item -> domain values (dates, bigints, ...) by the source model. */
export function decodeChangeItem(model: EntityModel, json: Record<string, unknown>): StoredItem {
  const out: StoredItem = {};
  for (const field of model.fields) {
    if (!(field.name in json)) continue;
    const value = fromJsonValue(field, json[field.name]);
    if (value !== undefined) out[field.name] = value;
  }
  return out;
}

function encodeFields(model: EntityModel, values: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const value = values[name];
    if (value === undefined) continue;
    out[name] = toJsonValue(model.fields.find((f) => f.name === name), value);
  }
  return out;
}
