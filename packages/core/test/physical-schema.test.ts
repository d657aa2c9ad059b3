import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity } from "../src/define-entity.js";
import { buildCassandraSchema, cassandraColumnType } from "../src/stores/cassandra/index.js";
import { buildDynamoDbTables, dynamoAttributeType } from "../src/stores/dynamodb/index.js";
import { buildElasticsearchIndices, elasticsearchFieldMapping } from "../src/stores/elasticsearch/index.js";
import { buildPostgresSchema, postgresColumnType } from "../src/stores/postgres/index.js";
import { describeField } from "../src/zod-introspection.js";
import { isPolyxenaError } from "../src/errors.js";
import { allModels, Title } from "./physical-fixtures.js";

describe("column type mappings", () => {
  const f = (schema: z.ZodType) => describeField("someField", schema);

  it("maps ints by their bounds", () => {
    expect(postgresColumnType(f(z.int32()))).toBe("integer");
    expect(postgresColumnType(f(z.number().int().min(0).max(10)))).toBe("integer");
    expect(postgresColumnType(f(z.number().int()))).toBe("bigint");
    expect(cassandraColumnType(f(z.int32()))).toBe("int");
    expect(cassandraColumnType(f(z.number().int().nonnegative()))).toBe("bigint");
  });

  it("maps every field type to postgres", () => {
    expect(
      [z.string(), z.string().max(12), z.uuid(), z.number(), z.bigint(), z.boolean(), z.date(), z.enum(["a"]), z.array(z.string()), z.record(z.string(), z.number()), z.object({ a: z.string() })].map(
        (s) => postgresColumnType(f(s)),
      ),
    ).toEqual(["text", "varchar(12)", "uuid", "double precision", "numeric(39,0)", "boolean", "timestamptz", "text", "jsonb", "jsonb", "jsonb"]);
  });

  it("maps collections of scalars to cassandra collections and the rest to JSON text", () => {
    expect(cassandraColumnType(f(z.array(z.uuid())))).toBe("list<uuid>");
    expect(cassandraColumnType(f(z.record(z.string(), z.date())))).toBe("map<text, timestamp>");
    expect(cassandraColumnType(f(z.array(z.array(z.string()))))).toBe("text");
    expect(cassandraColumnType(f(z.object({ a: z.string() })))).toBe("text");
    expect(cassandraColumnType(f(z.bigint()))).toBe("varint");
    expect(cassandraColumnType(f(z.enum(["x", "y"])))).toBe("text");
  });

  it("maps dynamodb attribute types", () => {
    expect([z.string(), z.date(), z.enum(["a"]), z.number(), z.bigint(), z.boolean(), z.array(z.string()), z.object({}), z.record(z.string(), z.string())].map((s) => dynamoAttributeType(f(s)))).toEqual([
      "S", "S", "S", "N", "N", "BOOL", "L", "M", "M",
    ]);
  });

  it("maps elasticsearch fields, text only for declared text fields", () => {
    expect(elasticsearchFieldMapping(f(z.string()), ["someField"])).toEqual({ type: "text", analyzer: "standard" });
    expect(elasticsearchFieldMapping(f(z.string()))).toEqual({ type: "keyword" });
    expect(elasticsearchFieldMapping(f(z.array(z.int32())))).toEqual({ type: "long" });
    expect(elasticsearchFieldMapping(f(z.bigint()))).toEqual({ type: "keyword" });
    expect(elasticsearchFieldMapping(f(z.record(z.string(), z.string())))).toEqual({ type: "flattened" });
  });
});

describe("buildCassandraSchema", () => {
  it("creates the keyspace, the base table and one table per denormalized query", () => {
    expect(buildCassandraSchema(allModels, { keyspace: "streaming" })).toEqual([
      `CREATE KEYSPACE IF NOT EXISTS "streaming" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
      `CREATE TABLE IF NOT EXISTS "streaming"."viewing_history" (
  "profile_id" uuid,
  "watched_at" timestamp,
  "title_id" text,
  "position_sec" int,
  "tags" list<text>,
  "extra" text,
  PRIMARY KEY (("profile_id"), "watched_at")
) WITH CLUSTERING ORDER BY ("watched_at" DESC)`,
      `CREATE TABLE IF NOT EXISTS "streaming"."viewing_history_by_title_id" (
  "profile_id" uuid,
  "watched_at" timestamp,
  "title_id" text,
  "position_sec" int,
  "tags" list<text>,
  "extra" text,
  PRIMARY KEY (("title_id"), "watched_at", "profile_id")
) WITH CLUSTERING ORDER BY ("watched_at" DESC, "profile_id" ASC)`,
    ]);
  });

  it("writes a custom replication and omits clustering order without clustering columns", () => {
    const Plain = defineEntity("Plain", { store: "cassandra", schema: z.object({ id: z.uuid(), n: z.number() }), key: { partition: ["id"] } });
    expect(buildCassandraSchema([Plain.model], { keyspace: "ks", replication: { class: "NetworkTopologyStrategy", dc1: 3 } })).toEqual([
      `CREATE KEYSPACE IF NOT EXISTS "ks" WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}`,
      `CREATE TABLE IF NOT EXISTS "ks"."plain" (\n  "id" uuid,\n  "n" double,\n  PRIMARY KEY (("id"))\n)`,
    ]);
  });
});

describe("buildPostgresSchema", () => {
  it("creates tables with constraints and query indexes", () => {
    expect(buildPostgresSchema(allModels, { schema: "billing" })).toEqual([
      `CREATE TABLE IF NOT EXISTS "billing"."invoice" (
  "invoice_id" uuid NOT NULL,
  "account_id" uuid NOT NULL,
  "status" text NOT NULL CHECK ("status" IN ('open', 'paid')),
  "amount_cents" numeric(39,0) NOT NULL,
  "memo" varchar(200),
  "issued_at" timestamptz NOT NULL,
  "lines" jsonb NOT NULL,
  "version" integer NOT NULL,
  CONSTRAINT "invoice_pkey" PRIMARY KEY ("invoice_id")
)`,
      `CREATE INDEX IF NOT EXISTS "invoice_invoices_of_account_idx" ON "billing"."invoice" ("account_id", "issued_at" DESC)`,
    ]);
  });

  it("defaults to the public schema and escapes enum values", () => {
    const Q = defineEntity("Quoted", { store: "postgres", schema: z.object({ id: z.string(), kind: z.enum(["it's"]) }), key: { primary: "id" } });
    expect(buildPostgresSchema([Q.model])[0]).toContain(`"public"."quoted"`);
    expect(buildPostgresSchema([Q.model])[0]).toContain(`CHECK ("kind" IN ('it''s'))`);
  });
});

describe("buildDynamoDbTables", () => {
  it("builds key schema, GSIs, billing mode and TTL", () => {
    expect(buildDynamoDbTables(allModels, { tablePrefix: "dev_" })).toEqual([
      {
        entity: "Session",
        createTable: {
          TableName: "dev_session",
          AttributeDefinitions: [
            { AttributeName: "profileId", AttributeType: "S" },
            { AttributeName: "startedAt", AttributeType: "S" },
            { AttributeName: "deviceId", AttributeType: "S" },
          ],
          KeySchema: [
            { AttributeName: "profileId", KeyType: "HASH" },
            { AttributeName: "startedAt", KeyType: "RANGE" },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: "sessionsOfDeviceIndex",
              KeySchema: [
                { AttributeName: "deviceId", KeyType: "HASH" },
                { AttributeName: "startedAt", KeyType: "RANGE" },
              ],
              Projection: { ProjectionType: "ALL" },
            },
          ],
          BillingMode: "PAY_PER_REQUEST",
        },
        timeToLive: { TableName: "dev_session", TimeToLiveSpecification: { AttributeName: "_ttl", Enabled: true } },
      },
    ]);
  });

  it("omits GSIs and TTL when the entity has none, and types numeric keys as N", () => {
    const Counter = defineEntity("Counter", { store: "dynamodb", schema: z.object({ n: z.number().int(), v: z.string() }), key: { partition: "n" } });
    const [table] = buildDynamoDbTables([Counter.model]);
    expect(table).toEqual({
      entity: "Counter",
      createTable: {
        TableName: "counter",
        AttributeDefinitions: [{ AttributeName: "n", AttributeType: "N" }],
        KeySchema: [{ AttributeName: "n", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      },
    });
  });
});

describe("buildElasticsearchIndices", () => {
  it("builds alias, hashed index name, settings and strict mappings", () => {
    expect(buildElasticsearchIndices(allModels)).toEqual([
      {
        entity: "Title",
        alias: "title",
        index: `title_${Title.model.schemaHash}`,
        settings: { number_of_shards: 1, number_of_replicas: 0 },
        mappings: {
          dynamic: "strict",
          properties: {
            titleId: { type: "keyword" },
            name: { type: "text", analyzer: "standard" },
            genres: { type: "keyword" },
            year: { type: "long" },
            rating: { type: "double" },
            credits: { type: "object", properties: { director: { type: "keyword" } } },
            labels: { type: "flattened" },
          },
        },
      },
    ]);
    expect(Title.model.schemaHash).toMatch(/^[0-9a-f]{8}$/);
  });

  it("gives a changed schema a new concrete index behind the same alias", () => {
    const A = defineEntity("Doc", { store: "elasticsearch", schema: z.object({ id: z.string() }), key: { id: "id" } });
    const B = defineEntity("Doc", { store: "elasticsearch", schema: z.object({ id: z.string(), n: z.number() }), key: { id: "id" } });
    const [a] = buildElasticsearchIndices([A.model]);
    const [b] = buildElasticsearchIndices([B.model]);
    expect(a!.alias).toBe(b!.alias);
    expect(a!.index).not.toBe(b!.index);
  });
});

describe("names the stores would reject", () => {
  const codeOf = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return isPolyxenaError(error) ? `${error.code} ${error.path}` : String(error);
    }
    return "no error";
  };

  it("rejects invalid keyspace names and replication without a class", () => {
    expect(codeOf(() => buildCassandraSchema(allModels, { keyspace: "my-keyspace" }))).toBe("E_DEFINITION cassandra.keyspace");
    expect(codeOf(() => buildCassandraSchema(allModels, { keyspace: "ks", replication: { replication_factor: 1 } }))).toBe("E_DEFINITION cassandra.replication");
  });

  it("rejects Postgres schema names that are not plain identifiers", () => {
    expect(codeOf(() => buildPostgresSchema(allModels, { schema: 'x"; DROP TABLE y; --' }))).toBe("E_DEFINITION postgres.schema");
  });

  it("rejects DynamoDB table names shorter than three characters unless a prefix lengthens them", () => {
    const Ab = defineEntity("Ab", { store: "dynamodb", schema: z.object({ id: z.string() }), key: { partition: "id" } });
    expect(codeOf(() => buildDynamoDbTables([Ab.model]))).toBe("E_DEFINITION table");
    expect(buildDynamoDbTables([Ab.model], { tablePrefix: "dev_" })[0]!.createTable.TableName).toBe("dev_ab");
    expect(codeOf(() => buildDynamoDbTables([Ab.model], { tablePrefix: "dev/" }))).toBe("E_DEFINITION table");
  });
});
