import {
  CqlError,
  CqlErrorCode,
  UNSET,
  consistencyName,
  type BoundValue,
  type ConsistencyLevel,
  type CqlValue,
  type ResultColumn,
  deserializeValue,
} from "@polyxena/memory/cassandra-engine";
import { ByteReader, ProtocolDecodeError } from "./protocol-buffer.js";

/** Query parameter flags (spec section 4.1.4). */
const QueryFlag = {
  values: 0x01,
  skipMetadata: 0x02,
  pageSize: 0x04,
  withPagingState: 0x08,
  withSerialConsistency: 0x10,
  withDefaultTimestamp: 0x20,
  withNamesForValues: 0x40,
} as const;

/** A value as sent on the wire: bytes, null or unset, optionally named. */
export interface RawValue {
  name?: string;
  bytes: Buffer | null | "unset";
}

/** The decoded <query_parameters> of QUERY and EXECUTE. */
export interface QueryParameters {
  consistency: ConsistencyLevel;
  values: RawValue[];
  namedValues: boolean;
  skipMetadata: boolean;
  pageSize?: number;
  pagingState?: Buffer;
  serialConsistency?: ConsistencyLevel;
  defaultTimestamp?: bigint;
}

function consistency(code: number): ConsistencyLevel {
  const name = consistencyName(code);
  if (!name) throw new ProtocolDecodeError(`Unknown code ${code} for a consistency level`);
  return name;
}

/** Decodes <query_parameters>. */
export function readQueryParameters(r: ByteReader): QueryParameters {
  const params: QueryParameters = { consistency: consistency(r.short()), values: [], namedValues: false, skipMetadata: false };
  const flags = r.byte();
  if (flags & 0x80) throw new ProtocolDecodeError("The WITH_KEYSPACE query flag requires protocol v5");
  params.namedValues = (flags & QueryFlag.withNamesForValues) !== 0;
  params.skipMetadata = (flags & QueryFlag.skipMetadata) !== 0;
  if (flags & QueryFlag.values) {
    const n = r.short();
    for (let i = 0; i < n; i++) {
      const name = params.namedValues ? r.string() : undefined;
      params.values.push({ ...(name !== undefined ? { name } : {}), bytes: r.bytes() });
    }
  }
  if (flags & QueryFlag.pageSize) {
    const size = r.int();
    if (size <= 0) throw new CqlError(CqlErrorCode.protocolError, `Invalid page size ${size}: it must be strictly positive`);
    params.pageSize = size;
  }
  if (flags & QueryFlag.withPagingState) {
    const state = r.bytes();
    if (state !== null && state !== "unset") params.pagingState = state;
  }
  if (flags & QueryFlag.withSerialConsistency) params.serialConsistency = consistency(r.short());
  if (flags & QueryFlag.withDefaultTimestamp) {
    const ts = r.long();
    if (ts === -9223372036854775808n) {
      throw new CqlError(CqlErrorCode.protocolError, `Out of bound timestamp, must be in [-9223372036854775807, 9223372036854775807] (got ${ts})`);
    }
    params.defaultTimestamp = ts;
  }
  return params;
}

/**
 * Decodes the wire values against the bind marker types (Cassandra's size and encoding checks).
 * A wrong number of values is Invalid, worded as Cassandra 5.0 words it for a QUERY or an EXECUTE.
 */
export function bindRawValues(raw: RawValue[], named: boolean, markers: ResultColumn[], request: "query" | "execute" = "query"): BoundValue[] {
  let ordered = raw;
  if (named) {
    ordered = markers.map((m) => {
      const found = raw.find((v) => v.name === m.name) ?? raw.find((v) => v.name?.toLowerCase() === m.name.toLowerCase());
      if (!found) throw new CqlError(CqlErrorCode.invalid, `Invalid amount of bind variables: no value for ${m.name}`);
      return found;
    });
  }
  if (ordered.length !== markers.length) {
    throw new CqlError(
      CqlErrorCode.invalid,
      request === "execute" ? `there were ${markers.length} markers(?) in CQL but ${ordered.length} bound variables` : "Invalid amount of bind variables",
    );
  }
  return ordered.map((v, i): BoundValue => {
    if (v.bytes === "unset") return UNSET;
    if (v.bytes === null) return null;
    const value: CqlValue = deserializeValue(markers[i]!.type, v.bytes);
    return value;
  });
}
