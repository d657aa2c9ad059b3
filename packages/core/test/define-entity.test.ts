import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, isPolyxenaError, type EntitySpec, type EntitySchema } from "../src/index.js";

const viewing = z.object({
  profileId: z.uuid(),
  watchedAt: z.date(),
  titleId: z.string(),
  positionSec: z.number().int().nonnegative(),
  note: z.string().optional(),
  meta: z.object({ device: z.string() }),
  version: z.number().int(),
});

function definitionFailure(name: string, spec: EntitySpec<EntitySchema>) {
  try {
    defineEntity(name, spec);
  } catch (error) {
    if (!isPolyxenaError(error, "E_DEFINITION")) throw error;
    return error;
  }
  throw new Error("expected E_DEFINITION");
}

describe("defineEntity", () => {
  it("normalizes a Cassandra entity: key, primary query, denormalized query table, TTL, consistency", () => {
    const { model } = defineEntity("ViewingHistory", {
      store: "cassandra",
      schema: viewing,
      key: { partition: ["profileId"], clustering: [{ field: "watchedAt", order: "desc" }] },
      queries: {
        historyForProfile: { by: ["profileId"], order: { watchedAt: "desc" } },
        viewersOfTitle: { by: ["titleId"], order: { watchedAt: "desc" } },
      },
      consistency: { read: "LOCAL_ONE", write: "LOCAL_QUORUM" },
      ttl: "730d",
    });
    expect(model.table).toBe("viewing_history");
    expect(model.key).toEqual({ partition: ["profileId"], clustering: [{ field: "watchedAt", order: "desc" }], fields: ["profileId", "watchedAt"] });
    expect(model.queries[0]!.index).toEqual({ kind: "primary" });
    expect(model.queries[1]!.index).toEqual({
      kind: "table",
      name: "viewing_history_by_title_id",
      partition: ["titleId"],
      clustering: [
        { field: "watchedAt", order: "desc" },
        { field: "profileId", order: "asc" },
      ],
    });
    expect(model.ttlSeconds).toBe(730 * 86400);
    expect(model.consistency).toEqual({ read: { level: "eventual", native: "LOCAL_ONE" }, write: { level: "strong", native: "LOCAL_QUORUM" } });
    expect(model.fields.find((f) => f.name === "positionSec")).toMatchObject({ type: "int", min: 0, column: "position_sec" });
    expect(model.fields.find((f) => f.name === "note")).toMatchObject({ type: "string", optional: true });
    expect(JSON.parse(JSON.stringify(model))).toEqual(model);
  });

  it("serves a reversed clustering order from the primary table", () => {
    const { model } = defineEntity("ViewingHistory", {
      store: "cassandra",
      schema: viewing,
      key: { partition: ["profileId"], clustering: [{ field: "watchedAt", order: "desc" }] },
      queries: { oldestFirst: { by: ["profileId"], order: { watchedAt: "asc" } } },
    });
    expect(model.queries[0]!.index.kind).toBe("primary");
  });

  it("derives DynamoDB GSIs, Postgres indexes and Elasticsearch filters from queries", () => {
    const dynamo = defineEntity("Profile", {
      store: "dynamodb",
      schema: z.object({ profileId: z.uuid(), accountId: z.uuid(), name: z.string(), createdAt: z.date() }),
      key: { partition: "profileId" },
      queries: { profilesOfAccount: { by: ["accountId"], order: { createdAt: "asc" } } },
    }).model;
    expect(dynamo.queries[0]!.index).toEqual({ kind: "gsi", name: "profilesOfAccountIndex", partition: "accountId", sort: "createdAt" });
    const pg = defineEntity("Invoice", {
      store: "postgres",
      schema: z.object({ invoiceId: z.uuid(), accountId: z.uuid(), issuedAt: z.date() }),
      key: { primary: ["invoiceId"] },
      queries: { invoicesOfAccount: { by: ["accountId"], order: { issuedAt: "desc" } } },
    }).model;
    expect(pg.queries[0]!.index).toEqual({
      kind: "index",
      name: "invoice_invoices_of_account_idx",
      columns: [
        { field: "accountId", order: "asc" },
        { field: "issuedAt", order: "desc" },
      ],
    });
    expect(pg.consistency.read.level).toBe("strong");
    const es = defineEntity("TitleSearch", {
      store: "elasticsearch",
      schema: z.object({ titleId: z.string(), name: z.string(), genre: z.string() }),
      key: { id: "titleId" },
      search: { text: ["name"] },
      queries: { byGenre: { by: ["genre"] } },
    }).model;
    expect(es.textFields).toEqual(["name"]);
    expect(es.queries[0]!.index).toEqual({ kind: "search" });
  });

  it.each([
    ["key field not in schema", { store: "cassandra", schema: viewing, key: { partition: ["nope"] } }, "key.partition[0]", /not in the schema/],
    ["optional key field", { store: "cassandra", schema: viewing, key: { partition: ["note"] } }, "key.partition[0]", /optional/],
    ["unkeyable type", { store: "cassandra", schema: viewing, key: { partition: ["meta"] } }, "key.partition[0]", /cannot key on/],
    ["boolean key on DynamoDB", { store: "dynamodb", schema: z.object({ a: z.boolean() }), key: { partition: "a" } }, "key.partition[0]", /dynamodb cannot key on/],
    ["clustering on Postgres", { store: "postgres", schema: viewing, key: { primary: ["profileId"], clustering: ["watchedAt"] } }, "key.clustering", /no clustering/],
    ["sort on Elasticsearch", { store: "elasticsearch", schema: viewing, key: { id: "profileId", sort: "watchedAt" } }, "key.clustering", /no clustering/],
    ["two DynamoDB sort keys", { store: "dynamodb", schema: viewing, key: { partition: "profileId", clustering: ["watchedAt", "titleId"] } }, "key.sort", /one sort key/],
    ["Cassandra query without equality fields", { store: "cassandra", schema: viewing, key: { partition: ["profileId"] }, queries: { everything: { by: [] } } }, "queries.everything.by", /scans every partition/],
    ["DynamoDB query on two fields", { store: "dynamodb", schema: viewing, key: { partition: "profileId" }, queries: { both: { by: ["titleId", "positionSec"] } } }, "queries.both.by", /exactly one equality field/],
    ["strong read on a GSI", { store: "dynamodb", schema: viewing, key: { partition: "profileId" }, consistency: "strong", queries: { byTitle: { by: ["titleId"] } } }, "queries.byTitle.consistency", /cannot be read strongly/],
    ["reserved query name", { store: "postgres", schema: viewing, key: { primary: ["profileId"] }, queries: { delete: { by: ["titleId"] } } }, "queries.delete", /reserved/],
    ["duplicate key field", { store: "cassandra", schema: viewing, key: { partition: ["profileId"], clustering: ["profileId"] } }, "key", /twice/],
    ["duplicate access pattern", { store: "postgres", schema: viewing, key: { primary: ["profileId"] }, table: "vh", queries: { a: { by: ["titleId"] }, b: { by: ["titleId"] } } }, "queries.b", /duplicates/],
    ["TTL on Postgres", { store: "postgres", schema: viewing, key: { primary: ["profileId"] }, ttl: "1d" }, "ttl", /no row TTL/],
    ["unknown consistency", { store: "dynamodb", schema: viewing, key: { partition: "profileId" }, consistency: "LOCAL_QUORUM" }, "consistency", /not a level dynamodb understands/],
    ["version of wrong type", { store: "postgres", schema: viewing, key: { primary: ["profileId"] }, version: "titleId" }, "version", /has type string/],
    ["text field on a non-search store", { store: "postgres", schema: viewing, key: { primary: ["profileId"] }, search: { text: ["titleId"] } }, "search", /only meaningful on elasticsearch/],
    ["filtering a full-text field", { store: "elasticsearch", schema: viewing, key: { id: "profileId" }, search: { text: ["titleId"] }, queries: { byTitle: { by: ["titleId"] } } }, "queries.byTitle", /full-text/],
    ["cache on a query without entity cache", { store: "postgres", schema: viewing, key: { primary: ["profileId"] }, queries: { byTitle: { by: ["titleId"], cache: true } } }, "queries.byTitle.cache", /no cache policy/],
    ["unknown store", { store: "mongodb", schema: viewing, key: { partition: ["profileId"] } }, "store", /unknown store/],
    ["schema that is not an object", { store: "postgres", schema: z.string(), key: { primary: ["x"] } }, "schema", /not a zod object/],
    ["reserved field name", { store: "postgres", schema: z.object({ id: z.string(), ttl: z.number() }), key: { primary: ["id"] } }, "schema.ttl", /reserved/],
    ["field name with underscore prefix", { store: "postgres", schema: z.object({ id: z.string(), _private: z.number() }), key: { primary: ["id"] } }, "schema._private", /plain identifier/],
  ] as const)("fails with E_DEFINITION naming entity, path and fix: %s", (_label, spec, path, message) => {
    const error = definitionFailure("Broken", spec as unknown as EntitySpec<EntitySchema>);
    expect(error.entity).toBe("Broken");
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
    expect(error.fix).toBeTruthy();
    expect(error.message).toContain("Fix:");
  });

  it("refuses reserved and malformed entity names", () => {
    const spec = { store: "postgres", schema: viewing, key: { primary: ["profileId"] } } as unknown as EntitySpec<EntitySchema>;
    expect(definitionFailure("Promise", spec).path).toBe("name");
    expect(definitionFailure("lowercase", spec).path).toBe("name");
  });

  it("gives the same schema hash for the same shape and a different one when the shape changes", () => {
    const spec = (schema: EntitySchema) => ({ store: "postgres", schema, key: { primary: ["a"] } }) as unknown as EntitySpec<EntitySchema>;
    const a = defineEntity("A", spec(z.object({ a: z.string(), b: z.number() }))).model.schemaHash;
    const b = defineEntity("A", spec(z.object({ a: z.string(), b: z.number() }))).model.schemaHash;
    const c = defineEntity("A", spec(z.object({ a: z.string(), b: z.string() }))).model.schemaHash;
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
});

describe("unknown keys in a declaration", () => {
  const base = {
    store: "cassandra",
    schema: viewing,
    key: { partition: ["profileId"], clustering: [{ field: "watchedAt", order: "desc" }] },
    queries: { historyForProfile: { by: ["profileId"], order: { watchedAt: "desc" } } },
    consistency: { read: "eventual", write: "strong" },
    cache: { ttl: "1m", l1: { ttl: "1s", max: 10 } },
  } as unknown as EntitySpec<EntitySchema>;
  const withOverride = (over: Record<string, unknown>) => ({ ...base, ...over }) as unknown as EntitySpec<EntitySchema>;

  it.each([
    ["a typo at the top level", { querys: { byTitle: { by: ["titleId"] } } }, "querys", '"queries"'],
    ["an option that does not exist", { indexes: [["titleId"]] }, "indexes", undefined],
    ["a typo in the key", { key: { partition: ["profileId"], clustring: [] } }, "key.clustring", '"clustering"'],
    ["a typo in a clustering entry", { key: { partition: ["profileId"], clustering: [{ field: "watchedAt", ordr: "desc" }] } }, "key.clustering[0].ordr", '"order"'],
    ["a typo in a query", { queries: { historyForProfile: { by: ["profileId"], ordr: { watchedAt: "desc" } } } }, "queries.historyForProfile.ordr", '"order"'],
    ["a typo in a query's order entry", { queries: { byTitle: { by: ["titleId"], order: [{ field: "watchedAt", direction: "desc" }] } } }, "queries.byTitle.order[0].direction", undefined],
    ["a typo in consistency", { consistency: { reads: "eventual" } }, "consistency.reads", '"read"'],
    ["a typo in the cache policy", { cache: { ttl: "1m", staleIfEror: true } }, "cache.staleIfEror", '"staleIfError"'],
    ["a typo in the L1 policy", { cache: { ttl: "1m", l1: { ttl: "1s", maxx: 10 } } }, "cache.l1.maxx", '"max"'],
    ["a typo in a named store", { store: { kind: "cassandra", nmae: "viewing" } }, "store.nmae", '"name"'],
    ["a typo in a named unique constraint", { unique: [{ name: "by_title", feilds: ["titleId"] }] }, "unique[0].feilds", '"fields"'],
    ["a typo in the events declaration", { events: { topik: "views" } }, "events.topik", '"topic"'],
  ])("refuses %s with E_DEFINITION naming the path, with a suggestion when one is close", (_what, over, path, suggestion) => {
    const error = definitionFailure("ViewingHistory", withOverride(over));
    expect(error.path).toBe(path);
    expect(error.summary).toContain(`unknown option "${path.split(".").pop()!.replace(/^.*\]\./, "")}"`);
    if (suggestion) expect(error.fix).toContain(`did you mean ${suggestion}?`);
    else expect(error.fix).not.toContain("did you mean");
    expect(error.fix).toContain("known options here:");
  });

  it("accepts the full declaration with every documented option", () => {
    const model = defineEntity("ViewingHistory", withOverride({ ttl: "30d", version: "version", table: "viewing", unknownFields: "strip" })).model;
    expect(model.unknownFields).toBe("strip");
  });

  it("refuses an unknownFields value other than reject or strip", () => {
    expect(definitionFailure("ViewingHistory", withOverride({ unknownFields: "keep" })).path).toBe("unknownFields");
  });
});
