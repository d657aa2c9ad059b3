/**
 * Parses the lines of a `_bulk` request into operations. The whole request is checked
 * before anything runs, as Elasticsearch does: a malformed line fails it with a 400.
 */
import { isObject, validationFailed } from "./engine-api.js";
import { SearchEngineError, illegalArgument } from "./search-engine-error.js";

type Json = Record<string, unknown>;

/** One operation of a bulk request. */
export interface BulkOperation {
  action: "index" | "create" | "update" | "delete";
  /** The action line's metadata (`_index`, `_id`, `if_seq_no`, ...). */
  meta: Json;
  /** The document (index, create) or update body; absent for delete. */
  source: unknown;
  /** 1-based line number of the operation's last line. */
  line: number;
}

const MALFORMED = Symbol.for("polyxena.search-engine.malformed-bulk-line");

/**
 * A bulk line that is not JSON. Elasticsearch reads a document line only when its item
 * runs, so a malformed document fails that item alone; a malformed action line fails the
 * whole request.
 */
export interface MalformedBulkLine {
  readonly [MALFORMED]: true;
  /** 1-based line number in the request. */
  readonly line: number;
  /** The JSON parser's message. */
  readonly reason: string;
  /** True when the line ends inside a value (Jackson's `json_e_o_f_exception`). */
  readonly endOfInput: boolean;
}

/** Marks a bulk line that did not parse as JSON, for {@link parseBulkOperations}. */
export function malformedBulkLine(line: number, reason: string, endOfInput: boolean): MalformedBulkLine {
  return { [MALFORMED]: true, line, reason, endOfInput };
}

/** True for a line marked by {@link malformedBulkLine}. */
export function isMalformedBulkLine(value: unknown): value is MalformedBulkLine {
  return typeof value === "object" && value !== null && (value as { [MALFORMED]?: unknown })[MALFORMED] === true;
}

/** The item error of an operation whose document line is not JSON. */
export function malformedDocument(line: MalformedBulkLine): SearchEngineError {
  return new SearchEngineError(400, "document_parsing_exception", `[${line.line}:1] failed to parse`, {
    causedBy: { type: line.endOfInput ? "json_e_o_f_exception" : "json_parse_exception", reason: line.reason },
  });
}

const ACTIONS = ["index", "create", "update", "delete"] as const;
const META_KEYS = ["_index", "_id", "if_seq_no", "if_primary_term", "version", "version_type", "routing", "require_alias", "retry_on_conflict", "_source", "pipeline", "dynamic_templates"];

/** Parses and validates the parsed NDJSON lines of a bulk request. */
export function parseBulkOperations(lines: readonly unknown[], defaultIndex: string | undefined): BulkOperation[] {
  const ops: BulkOperation[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (isMalformedBulkLine(line)) {
      throw new SearchEngineError(400, "x_content_parse_exception", `[${line.line}:1] Malformed content, line [${line.line}]: ${line.reason}`);
    }
    if (!isObject(line)) {
      throw illegalArgument(`Malformed action/metadata line [${i + 1}], expected START_OBJECT or END_OBJECT but found [${Array.isArray(line) ? "START_ARRAY" : "VALUE_STRING"}]`);
    }
    const keys = Object.keys(line);
    if (keys.length !== 1) {
      throw illegalArgument(`Malformed action/metadata line [${i + 1}], expected a simple value for field [${keys[1] ?? ""}] but found [START_OBJECT]`);
    }
    const action = keys[0] as BulkOperation["action"];
    if (!ACTIONS.includes(action)) {
      throw illegalArgument(`Malformed action/metadata line [${i + 1}], expected field [create], [delete], [index] or [update] but found [${action}]`);
    }
    const meta = line[action];
    if (!isObject(meta)) throw illegalArgument(`Malformed action/metadata line [${i + 1}], expected START_OBJECT but found [${typeof meta}]`);
    for (const key of Object.keys(meta)) {
      if (!META_KEYS.includes(key)) {
        throw illegalArgument(`Action/metadata line [${i + 1}] contains an unknown parameter [${key}]`);
      }
    }
    if (meta._index === undefined && defaultIndex === undefined) throw validationFailed("index is missing");
    if ((action === "update" || action === "delete") && meta._id === undefined) throw validationFailed("id is missing");
    let source: unknown;
    if (action !== "delete") {
      i++;
      if (i >= lines.length) throw illegalArgument(`The bulk request must be terminated by a newline [\\n]`);
      source = lines[i];
      if (!isObject(source) && !isMalformedBulkLine(source)) throw illegalArgument(`Malformed request body at line [${i + 1}]: expected a JSON object`);
    }
    ops.push({ action, meta, source, line: i + 1 });
  }
  return ops;
}
