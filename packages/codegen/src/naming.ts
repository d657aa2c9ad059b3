/** Name helpers for generated identifiers and file names. */

/** `ViewingHistory` -> `viewing-history`. */
export function toKebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .toLowerCase();
}

/** `ViewingHistory` -> `viewingHistory`. */
export function toCamelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** `historyForProfile` -> `HistoryForProfile`. */
export function toPascalCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** A TypeScript string literal (JSON quoting is valid TS). */
export function tsString(value: string): string {
  return JSON.stringify(value);
}
