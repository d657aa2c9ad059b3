/**
 * Parses the lines of a `_bulk` request into operations. The whole request is checked
 * before anything runs, as Elasticsearch does: a malformed line fails it with a 400.
 */
import { isObject, validationFailed } from "./engine-api.js";
import { illegalArgument } from "./search-engine-error.js";

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

const ACTIONS = ["index", "create", "update", "delete"] as const;
const META_KEYS = ["_index", "_id", "if_seq_no", "if_primary_term", "routing", "require_alias", "retry_on_conflict", "_source", "pipeline", "dynamic_templates"];

/** Parses and validates the parsed NDJSON lines of a bulk request. */
export function parseBulkOperations(lines: readonly unknown[], defaultIndex: string | undefined): BulkOperation[] {
  const ops: BulkOperation[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
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
      if (!isObject(source)) throw illegalArgument(`Malformed request body at line [${i + 1}]: expected a JSON object`);
    }
    ops.push({ action, meta, source, line: i + 1 });
  }
  return ops;
}
