/**
 * How each declared query reaches its items: the table or a GSI, its hash
 * and range attributes, its declared direction and the attributes a resume
 * position holds. Shared by the real and the in-memory adapter.
 */
import { PolyxenaError, type EntityModel, type QueryModel } from "@polyxena/core";
import { tableKeyAttributes } from "./dynamodb-codec.js";

/** The physical access path of one declared query. */
export interface QueryAccess {
  /** GSI name, absent for queries on the table's own key. */
  indexName?: string | undefined;
  /** Hash attribute the query matches by equality. */
  partition: string;
  /** Range attribute the query orders and ranges by, if any. */
  sort?: string | undefined;
  /** Declared direction is ascending. */
  ascending: boolean;
  /** Attributes of a resume position (index keys, then the table keys). */
  positionAttributes: readonly string[];
}

const ACCESS = new WeakMap<QueryModel, QueryAccess>();

/** The access path of a query (computed once per query model). */
export function queryAccess(model: EntityModel, query: QueryModel): QueryAccess {
  let access = ACCESS.get(query);
  if (access) return access;
  const tableKeys = tableKeyAttributes(model);
  const index = query.index;
  if (index.kind === "gsi") {
    const indexKeys = index.sort === undefined ? [index.partition] : [index.partition, index.sort];
    access = {
      indexName: index.name,
      partition: index.partition,
      sort: index.sort,
      ascending: (query.order[0]?.order ?? "asc") === "asc",
      positionAttributes: [...new Set([...indexKeys, ...tableKeys])],
    };
  } else if (index.kind === "primary") {
    const sortKey = model.key.clustering[0];
    access = {
      partition: model.key.partition[0]!,
      sort: sortKey?.field,
      ascending: (query.order[0]?.order ?? sortKey?.order ?? "asc") === "asc",
      positionAttributes: tableKeys,
    };
  } else {
    throw new PolyxenaError("E_UNSUPPORTED", `query ${query.name} uses a ${index.kind} structure, which DynamoDB does not have`, { entity: model.name, operation: `${model.name}.query.${query.name}` });
  }
  ACCESS.set(query, access);
  return access;
}

/** Every key attribute of the table and its GSIs (DynamoDB refuses empty strings in them). */
export function allKeyAttributes(model: EntityModel): readonly string[] {
  const attrs = new Set(tableKeyAttributes(model));
  for (const q of model.queries) {
    if (q.index.kind !== "gsi") continue;
    attrs.add(q.index.partition);
    if (q.index.sort !== undefined) attrs.add(q.index.sort);
  }
  return [...attrs];
}
