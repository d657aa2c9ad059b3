/**
 * Compiles an Elasticsearch wildcard pattern (`title*`, `*.raw`, `logs-*`) to a RegExp
 * matching whole names; only `*` is special.
 */
export function wildcardPattern(pattern: string, suffix = ""): RegExp {
  const body = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}${suffix}$`);
}
