import { describeValue } from "./describe-value.js";
import { PolyxenaError } from "./errors.js";

/** A duration: milliseconds as a number, or a string such as `"500ms"`, `"30s"`, `"5m"`, `"12h"`, `"730d"`. */
export type Duration = number | `${number}${"ms" | "s" | "m" | "h" | "d"}`;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Converts a {@link Duration} to milliseconds; throws `E_DEFINITION` on anything else. */
export function toMilliseconds(value: Duration, where = "duration"): number {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === "string") {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value);
    if (match) return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  }
  throw new PolyxenaError("E_DEFINITION", `invalid duration ${describeValue(value)}`, {
    path: where,
    fix: 'use milliseconds or a string like "30s", "5m", "730d"',
  });
}
