import { distance } from "fastest-levenshtein";

/**
 * The keys a declaration object may hold, one `true` per key. Typed against
 * the option interface it guards (`satisfies DeclarationKeys<EntitySpec>`),
 * so a key added to or removed from the interface without this list does
 * not compile: the interface stays the one description of the options.
 */
export type DeclarationKeys<T> = { readonly [K in keyof Required<T>]: true };

/**
 * The closest of `candidates` to a misspelt `word` by edit distance, when it
 * is close enough to be what was meant (at most a third of the longer name,
 * and at least one edit allowed); undefined otherwise.
 */
export function closestName(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const candidate of candidates) {
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  return bestDistance <= Math.max(2, Math.floor(Math.max(word.length, best.length) / 3)) ? best : undefined;
}

/** What an unknown declaration key is reported with: the path, the message and the fix. */
export interface UnknownKeyReport {
  path: string;
  message: string;
  fix: string;
}

/**
 * Returns a report for the first own key of `value` that `known` does not
 * list, with a "did you mean" suggestion; undefined when every key is known
 * or `value` is not a plain object. `path` names the object (`""` for the
 * declaration itself, `cache`, `queries.byOwner`, ...).
 */
export function findUnknownKey(value: unknown, known: Readonly<Record<string, true>>, path: string): UnknownKeyReport | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(known, key)) continue;
    const names = Object.keys(known);
    const suggestion = closestName(key, names);
    const where = path ? `${path}.${key}` : key;
    return {
      path: where,
      message: `unknown option ${JSON.stringify(key)}${path ? ` in ${path}` : ""}`,
      fix: `${suggestion ? `did you mean ${JSON.stringify(suggestion)}? ` : ""}known options here: ${names.join(", ")}`,
    };
  }
  return undefined;
}
