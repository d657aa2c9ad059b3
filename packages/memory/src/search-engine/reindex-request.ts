/**
 * Parsing of a `POST /_reindex` body, strict like Elasticsearch: unknown fields are
 * refused, and features this engine does not implement (scripts, remote sources,
 * slices, ingest pipelines) are refused with a clear error instead of being ignored.
 */
import { isObject, validationFailed } from "./engine-api.js";
import { SearchEngineError, illegalArgument } from "./search-engine-error.js";

/** A validated reindex request. */
export interface ReindexSpec {
  /** Source index expression (indices, aliases, comma lists). */
  source: string;
  /** Documents per batch (`source.size`, default 1,000): a batch with failures ends the reindex. */
  batchSize: number;
  dest: string;
  opType: "index" | "create";
  /** `proceed` counts version conflicts instead of failing on them. */
  conflicts: "abort" | "proceed";
  maxDocs: number | undefined;
}

/** Query parameters of `POST /_reindex` the engine understands. */
export interface ReindexOptions {
  refresh?: boolean | "true" | "false" | "" | undefined;
  wait_for_completion?: boolean | undefined;
}

const UNSUPPORTED = new Set(["script", "remote", "slice", "pipeline", "routing", "version_type", "runtime_mappings", "sort", "_source", "query"]);

function unknownField(parser: string, key: string): SearchEngineError {
  return new SearchEngineError(400, "x_content_parse_exception", `[1:2] [${parser}] unknown field [${key}]`);
}

function checkKeys(parser: string, body: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (known.includes(key)) continue;
    if (UNSUPPORTED.has(key)) throw illegalArgument(`[${parser}.${key}] is not supported by this engine`);
    throw unknownField(parser, key);
  }
}

function positiveInt(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) throw illegalArgument(`[${name}] must be a positive integer, got [${String(value)}]`);
  return value;
}

function indexExpression(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string" && value !== "") return value;
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string" && v !== "")) return value.join(",");
  throw illegalArgument(`[${name}] must be an index name or a list of index names`);
}

/** Validates a reindex body; throws the error Elasticsearch would answer with. */
export function parseReindexBody(body: unknown): ReindexSpec {
  if (!isObject(body)) throw new SearchEngineError(400, "parsing_exception", "request body is required");
  checkKeys("reindex", body, ["source", "dest", "conflicts", "max_docs"]);
  const source = body.source ?? {};
  const dest = body.dest ?? {};
  if (!isObject(source)) throw unknownField("reindex", "source");
  if (!isObject(dest)) throw unknownField("reindex", "dest");
  checkKeys("source", source, ["index", "size"]);
  checkKeys("dest", dest, ["index", "op_type"]);
  const sourceIndex = indexExpression(source.index, "source.index");
  const destIndex = indexExpression(dest.index, "dest.index");
  const problems: string[] = [];
  if (sourceIndex === undefined) problems.push("use _all if you really want to copy from all existing indexes");
  if (destIndex === undefined) problems.push("index must be specified");
  if (problems.length > 0) throw validationFailed(...problems);
  if (destIndex!.includes(",") || destIndex!.includes("*")) throw illegalArgument(`[dest.index] must name one index, got [${destIndex!}]`);
  const opType = dest.op_type ?? "index";
  if (opType !== "index" && opType !== "create") throw illegalArgument(`opType must be 'create' or 'index', found: [${String(opType)}]`);
  const conflicts = body.conflicts ?? "abort";
  if (conflicts !== "abort" && conflicts !== "proceed") throw illegalArgument(`conflicts may only be "proceed" or "abort" but was [${String(conflicts)}]`);
  return {
    source: sourceIndex!,
    batchSize: source.size === undefined ? 1000 : positiveInt(source.size, "source.size"),
    dest: destIndex!,
    opType,
    conflicts,
    maxDocs: body.max_docs === undefined ? undefined : positiveInt(body.max_docs, "max_docs"),
  };
}
