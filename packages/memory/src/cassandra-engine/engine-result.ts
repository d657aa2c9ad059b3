import type { CqlType } from "./cql-types.js";
import type { CqlValue } from "./cql-values.js";

/** A column of a result set or a bind marker: where it comes from, its name and type. */
export interface ResultColumn {
  keyspace: string;
  table: string;
  name: string;
  type: CqlType;
}

/** What executing a statement returns; mirrors the protocol's RESULT kinds. */
export type EngineResult =
  | { kind: "void" }
  | { kind: "rows"; columns: ResultColumn[]; rows: CqlValue[][]; pagingState?: Uint8Array }
  | { kind: "setKeyspace"; keyspace: string }
  | {
      kind: "schemaChange";
      change: "CREATED" | "UPDATED" | "DROPPED";
      target: "KEYSPACE" | "TABLE";
      keyspace: string;
      table?: string;
    };
