import {
  CqlErrorCode,
  TYPE_OPTION_IDS,
  serializeValue,
  type CqlError,
  type CqlType,
  type EngineResult,
  type PreparedCql,
  type ResultColumn,
} from "@polyxena/memory/cassandra-engine";
import { ByteWriter } from "./protocol-buffer.js";

const ResultKind = { void: 0x0001, rows: 0x0002, setKeyspace: 0x0003, prepared: 0x0004, schemaChange: 0x0005 } as const;
const RowsFlag = { globalTablesSpec: 0x0001, hasMorePages: 0x0002, noMetadata: 0x0004 } as const;

/** Writes a type [option] (spec section 4.2.5.2). */
export function writeTypeOption(w: ByteWriter, type: CqlType): void {
  switch (type.kind) {
    case "native":
      w.short(TYPE_OPTION_IDS[type.name]);
      return;
    case "list":
    case "set":
      w.short(TYPE_OPTION_IDS[type.kind]);
      writeTypeOption(w, type.element);
      return;
    case "map":
      w.short(TYPE_OPTION_IDS.map);
      writeTypeOption(w, type.key);
      writeTypeOption(w, type.value);
      return;
  }
}

function sharedTable(columns: ResultColumn[]): { keyspace: string; table: string } | undefined {
  const first = columns[0];
  if (!first) return undefined;
  return columns.every((c) => c.keyspace === first.keyspace && c.table === first.table) ? { keyspace: first.keyspace, table: first.table } : undefined;
}

function writeColumnSpecs(w: ByteWriter, columns: ResultColumn[], global: { keyspace: string; table: string } | undefined): void {
  for (const c of columns) {
    if (!global) w.string(c.keyspace).string(c.table);
    w.string(c.name);
    writeTypeOption(w, c.type);
  }
}

/** Rows metadata: flags, column count, optional paging state, then column specs (unless skipped). */
function writeRowsMetadata(w: ByteWriter, columns: ResultColumn[], pagingState: Uint8Array | undefined, skipMetadata: boolean): void {
  const global = sharedTable(columns);
  let flags = 0;
  if (pagingState) flags |= RowsFlag.hasMorePages;
  if (skipMetadata) flags |= RowsFlag.noMetadata;
  else if (global) flags |= RowsFlag.globalTablesSpec;
  w.int(flags).int(columns.length);
  if (pagingState) w.bytes(pagingState);
  if (skipMetadata) return;
  if (global) w.string(global.keyspace).string(global.table);
  writeColumnSpecs(w, columns, global);
}

/** Encodes an engine result as a RESULT body. */
export function encodeResult(result: EngineResult, skipMetadata = false): Buffer {
  const w = new ByteWriter();
  switch (result.kind) {
    case "void":
      w.int(ResultKind.void);
      break;
    case "setKeyspace":
      w.int(ResultKind.setKeyspace).string(result.keyspace);
      break;
    case "schemaChange":
      w.int(ResultKind.schemaChange).string(result.change).string(result.target).string(result.keyspace);
      if (result.target === "TABLE") w.string(result.table ?? "");
      break;
    case "rows": {
      w.int(ResultKind.rows);
      writeRowsMetadata(w, result.columns, result.pagingState, skipMetadata);
      w.int(result.rows.length);
      for (const row of result.rows) {
        row.forEach((value, i) => w.bytes(value === null ? null : serializeValue(result.columns[i]!.type, value)));
      }
      break;
    }
  }
  return w.toBuffer();
}

/** Encodes the RESULT body of a PREPARE: id, bind marker metadata (with partition key indexes), result metadata. */
export function encodePrepared(id: Uint8Array, prepared: PreparedCql): Buffer {
  const w = new ByteWriter();
  w.int(ResultKind.prepared).shortBytes(id);
  const global = sharedTable(prepared.markers);
  w.int(global ? RowsFlag.globalTablesSpec : 0).int(prepared.markers.length).int(prepared.partitionKeyIndexes.length);
  for (const i of prepared.partitionKeyIndexes) w.short(i);
  if (global) w.string(global.keyspace).string(global.table);
  writeColumnSpecs(w, prepared.markers, global);
  if (prepared.resultColumns) writeRowsMetadata(w, prepared.resultColumns, undefined, false);
  else w.int(RowsFlag.noMetadata).int(0);
  return w.toBuffer();
}

/** Encodes an ERROR body, with the extra fields of Unavailable, Read/Write_timeout, Already_exists and Unprepared. */
export function encodeError(error: Pick<CqlError, "code" | "message" | "details">): Buffer {
  const w = new ByteWriter();
  w.int(error.code).string(error.message);
  const d = error.details;
  if (error.code === CqlErrorCode.unavailable) {
    const u = d.unavailable ?? { consistency: 0, required: 1, alive: 0 };
    w.short(u.consistency).int(u.required).int(u.alive);
  } else if (error.code === CqlErrorCode.alreadyExists) {
    w.string(d.alreadyExists?.keyspace ?? "").string(d.alreadyExists?.table ?? "");
  } else if (error.code === CqlErrorCode.readTimeout) {
    const t = d.readTimeout ?? { consistency: 0x0001, received: 0, blockFor: 1, dataPresent: false };
    w.short(t.consistency).int(t.received).int(t.blockFor).byte(t.dataPresent ? 1 : 0);
  } else if (error.code === CqlErrorCode.writeTimeout) {
    const t = d.writeTimeout ?? { consistency: 0x0001, received: 0, blockFor: 1, writeType: "SIMPLE" };
    w.short(t.consistency).int(t.received).int(t.blockFor).string(t.writeType);
  } else if (error.code === CqlErrorCode.unprepared) {
    w.shortBytes(d.unpreparedId ?? new Uint8Array());
  }
  return w.toBuffer();
}
