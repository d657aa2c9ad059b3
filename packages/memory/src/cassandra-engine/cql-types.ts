import { invalid } from "./cql-error.js";

/** Names of the native (non-collection) CQL types the engine supports. */
export type NativeTypeName =
  | "ascii"
  | "bigint"
  | "blob"
  | "boolean"
  | "counter"
  | "date"
  | "decimal"
  | "double"
  | "float"
  | "inet"
  | "int"
  | "smallint"
  | "text"
  | "time"
  | "timestamp"
  | "timeuuid"
  | "tinyint"
  | "uuid"
  | "varint";

/** A CQL type. `varchar` is an alias of `text` and is normalised to it. */
export type CqlType =
  | { kind: "native"; name: NativeTypeName }
  | { kind: "list"; element: CqlType; frozen: boolean }
  | { kind: "set"; element: CqlType; frozen: boolean }
  | { kind: "map"; key: CqlType; value: CqlType; frozen: boolean };

/** Native protocol v4 type option ids (spec section 4.2.5.2). */
export const TYPE_OPTION_IDS: Record<NativeTypeName | "list" | "map" | "set", number> = {
  ascii: 0x0001,
  bigint: 0x0002,
  blob: 0x0003,
  boolean: 0x0004,
  counter: 0x0005,
  decimal: 0x0006,
  double: 0x0007,
  float: 0x0008,
  int: 0x0009,
  timestamp: 0x000b,
  uuid: 0x000c,
  text: 0x000d,
  varint: 0x000e,
  timeuuid: 0x000f,
  inet: 0x0010,
  date: 0x0011,
  time: 0x0012,
  smallint: 0x0013,
  tinyint: 0x0014,
  list: 0x0020,
  map: 0x0021,
  set: 0x0022,
};

const NATIVE_NAMES = new Set<string>([
  "ascii", "bigint", "blob", "boolean", "counter", "date", "decimal", "double", "float", "inet",
  "int", "smallint", "text", "time", "timestamp", "timeuuid", "tinyint", "uuid", "varint",
]);

/** Builds a native type. */
export function nativeType(name: NativeTypeName): CqlType {
  return { kind: "native", name };
}

/** Resolves a native type name (case-insensitive, `varchar` -> `text`), or undefined. */
export function nativeTypeByName(name: string): CqlType | undefined {
  const lower = name.toLowerCase();
  const normalised = lower === "varchar" ? "text" : lower;
  return NATIVE_NAMES.has(normalised) ? nativeType(normalised as NativeTypeName) : undefined;
}

/** True for list, set and map types. */
export function isCollection(type: CqlType): type is Exclude<CqlType, { kind: "native" }> {
  return type.kind !== "native";
}

/** Renders a type the way `system_schema.columns.type` shows it, e.g. `frozen<map<text, int>>`. */
export function typeToString(type: CqlType): string {
  switch (type.kind) {
    case "native":
      return type.name;
    case "list":
    case "set": {
      const inner = `${type.kind}<${typeToString(type.element)}>`;
      return type.frozen ? `frozen<${inner}>` : inner;
    }
    case "map": {
      const inner = `map<${typeToString(type.key)}, ${typeToString(type.value)}>`;
      return type.frozen ? `frozen<${inner}>` : inner;
    }
  }
}

/** Structural equality of two types, ignoring frozenness when `ignoreFrozen` is set. */
export function typesEqual(a: CqlType, b: CqlType, ignoreFrozen = false): boolean {
  if (a.kind === "native" || b.kind === "native") {
    return a.kind === "native" && b.kind === "native" && a.name === b.name;
  }
  if (a.kind !== b.kind) return false;
  if (!ignoreFrozen && a.frozen !== b.frozen) return false;
  if (a.kind === "map" && b.kind === "map") {
    return typesEqual(a.key, b.key, ignoreFrozen) && typesEqual(a.value, b.value, ignoreFrozen);
  }
  return typesEqual((a as { element: CqlType }).element, (b as { element: CqlType }).element, ignoreFrozen);
}

/** Marks a collection type (and its nested collections) frozen. */
export function freeze(type: CqlType): CqlType {
  switch (type.kind) {
    case "native":
      return type;
    case "list":
    case "set":
      return { kind: type.kind, element: freeze(type.element), frozen: true };
    case "map":
      return { kind: "map", key: freeze(type.key), value: freeze(type.value), frozen: true };
  }
}

/**
 * Validates a type used in a table definition the way Cassandra does: nested
 * collections must be frozen, and counters cannot live inside collections.
 */
export function validateColumnType(type: CqlType, column: string): void {
  const check = (t: CqlType, nested: boolean): void => {
    if (t.kind === "native") {
      if (nested && t.name === "counter") throw invalid("Counters are not allowed inside collections: " + typeToString(type));
      return;
    }
    if (nested && !t.frozen) throw invalid(`Non-frozen collections are not allowed inside collections: ${typeToString(type)}`);
    if (t.kind === "map") {
      check(t.key, true);
      check(t.value, true);
    } else {
      check(t.element, true);
    }
  };
  void column;
  check(type, false);
}
