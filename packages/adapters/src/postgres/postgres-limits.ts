/**
 * Postgres' request limits, checked before anything is sent so that a
 * caller's oversized key is `E_VALIDATION` and never reaches Postgres as
 * "index row size exceeds btree maximum" (which says nothing about its health).
 */
import { checkLimit, utf8Bytes, type EntityModel, type FieldModel, type StoreLimit } from "@polyxena/core";

/** Postgres' limits a single request can break. */
export const POSTGRES_LIMITS = {
  indexRowBytes: {
    name: "postgres.indexRowBytes",
    subject: "a Postgres btree index entry",
    // A btree entry must fit in a third of an 8 kB page: 2704 bytes with its headers. Postgres may
    // accept a longer value it manages to compress, but no caller can rely on compressibility.
    max: 2704,
    unit: "bytes",
    fix: "keep primary key and indexed values short (hash long natural keys, e.g. SHA-256 of the value, and keep the original in an unindexed field)",
  },
} as const satisfies Record<string, StoreLimit>;

/** Index tuple header (8 bytes) of a btree entry. */
const TUPLE_HEADER_BYTES = 8;
/** Length word of a variable-length value in an index entry. */
const VARLENA_HEADER_BYTES = 4;

interface IndexColumns {
  readonly name: string;
  readonly fields: readonly FieldModel[];
}

const INDEXES = new WeakMap<EntityModel, readonly IndexColumns[]>();

/** The primary key and every declared secondary index, with their fields. */
function indexesOf(model: EntityModel): readonly IndexColumns[] {
  let indexes = INDEXES.get(model);
  if (indexes) return indexes;
  const byName = new Map(model.fields.map((f) => [f.name, f]));
  const fieldsOf = (names: readonly string[]) => names.map((n) => byName.get(n)).filter((f): f is FieldModel => f !== undefined);
  const list: IndexColumns[] = [{ name: `${model.table}_pkey`, fields: fieldsOf(model.key.fields) }];
  for (const q of model.queries) {
    if (q.index.kind === "index") list.push({ name: q.index.name, fields: fieldsOf(q.index.columns.map((c) => c.field)) });
  }
  indexes = list;
  INDEXES.set(model, indexes);
  return indexes;
}

/** Bytes a value takes in an index entry (uncompressed). */
function valueBytes(field: FieldModel, value: unknown): number {
  if (value === undefined || value === null) return 0;
  switch (field.type) {
    case "string":
    case "enum":
      return VARLENA_HEADER_BYTES + utf8Bytes(String(value));
    case "uuid":
      return 16;
    case "boolean":
      return 1;
    case "int":
    case "number":
    case "date":
      return 8;
    case "bigint":
      return VARLENA_HEADER_BYTES + String(value).length;
    default:
      return VARLENA_HEADER_BYTES + utf8Bytes(JSON.stringify(value) ?? "");
  }
}

/**
 * Refuses values whose entry in the primary key or a declared index would be
 * over the btree limit. `values` holds domain values by field name (a key, an
 * item, query parameters or an update's changes); an index is checked on the
 * fields `values` has, so a key or query parameters are checked against the
 * indexes they are looked up in.
 */
export function assertIndexRowSizes(model: EntityModel, values: Readonly<Record<string, unknown>>, where: "key" | "item" | "params" | "changes"): void {
  for (const index of indexesOf(model)) {
    let size = TUPLE_HEADER_BYTES;
    let present = false;
    for (const field of index.fields) {
      if (!(field.name in values)) continue;
      present = true;
      size += valueBytes(field, values[field.name]);
    }
    if (present) checkLimit(POSTGRES_LIMITS.indexRowBytes, size, { entity: model.name, path: [where, index.name] });
  }
}
