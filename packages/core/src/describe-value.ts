/**
 * A short, always-printable description of a caller's value for an error
 * message. `JSON.stringify` throws on a bigint or a cycle and returns
 * `undefined` for a symbol or a function: a message built from hostile input
 * must never turn a validation error into a TypeError.
 */
export function describeValue(value: unknown, maxLength = 80): string {
  let text: string;
  try {
    text =
      typeof value === "bigint"
        ? `${value}n`
        : typeof value === "symbol" || typeof value === "function" || value === undefined
          ? String(value)
          : (JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)) ?? String(value));
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
}
