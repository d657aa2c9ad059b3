import { isPolyxenaError, type StoreMap } from "@polyxena/core";
import { CodegenError } from "./codegen-error.js";

/** Network error codes that mean "nothing answered at this address". */
const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "connection timed out",
  ECONNRESET: "connection reset",
};
const ADDRESS_IN_MESSAGE = new RegExp(`\\b(${Object.keys(UNREACHABLE).join("|")})\\b\\s+(\\S+:\\d+)`);

interface Unreachable {
  code: string;
  address: string;
}

/** The first network failure in an error's causes (`cause`, `errors`, the driver's `innerErrors`). */
function findUnreachable(error: unknown, seen = new Set<unknown>()): Unreachable | undefined {
  if (typeof error !== "object" || error === null || seen.has(error)) return undefined;
  seen.add(error);
  const e = error as { code?: unknown; address?: unknown; port?: unknown; hostname?: unknown; message?: unknown };
  if (typeof e.code === "string" && e.code in UNREACHABLE) {
    const host = typeof e.address === "string" ? e.address : typeof e.hostname === "string" ? e.hostname : undefined;
    if (host !== undefined) return { code: e.code, address: typeof e.port === "number" ? `${host}:${e.port}` : host };
  }
  if (typeof e.message === "string") {
    const match = ADDRESS_IN_MESSAGE.exec(e.message);
    if (match) return { code: match[1]!, address: match[2]! };
  }
  const nested = error as { cause?: unknown; errors?: unknown; innerErrors?: unknown };
  const children = [nested.cause, ...(Array.isArray(nested.errors) ? nested.errors : []), ...Object.values((nested.innerErrors as object | undefined) ?? {})];
  for (const child of children) {
    const found = findUnreachable(child, seen);
    if (found) return found;
  }
  return undefined;
}

/** Environment variables whose value holds this address (`127.0.0.1:8000` in `http://127.0.0.1:8000`). */
function variablesHolding(address: string): string[] {
  return Object.entries(process.env)
    .filter(([, value]) => value !== undefined && value.includes(address))
    .map(([name]) => name)
    .sort();
}

/**
 * When `error` says a store could not be reached, a CodegenError naming the
 * store, the address, the `stores` entry of the config that creates its
 * adapter and any environment variable that holds the address; otherwise
 * undefined.
 */
export function unreachableStoreError(error: unknown, stores: StoreMap, configPath: string): CodegenError | undefined {
  const found = findUnreachable(error);
  if (found === undefined) return undefined;
  const storeName = isPolyxenaError(error) ? error.store : undefined;
  const key = Object.entries(stores).find(([, adapter]) => adapter.name === storeName)?.[0] ?? storeName;
  const entry = key === undefined ? "stores" : `stores[${JSON.stringify(key)}]`;
  const variables = variablesHolding(found.address);
  const source =
    variables.length > 0
      ? `the address comes from the environment variable ${variables.join(" / ")}, read by ${entry} in ${configPath}`
      : `the address is set by ${entry} in ${configPath} (no environment variable holds it)`;
  const fix =
    variables.length > 0
      ? `start the store at ${found.address}, or set ${variables[0]} to the address of a running one`
      : `start the store at ${found.address}, or give ${entry} the address of a running one`;
  return new CodegenError(
    `${isPolyxenaError(error) ? `${error.code}: ` : ""}store ${storeName ?? key ?? "?"} cannot be reached at ${found.address} (${UNREACHABLE[found.code]}, ${found.code});\n  ${source}.\n  Fix: ${fix}.`,
    { cause: error },
  );
}
