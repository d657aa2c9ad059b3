import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, isPolyxenaError, planUniqueClaims, uniqueClaimTable, type EntitySchema, type EntitySpec } from "../src/index.js";
import { buildPostgresSchema } from "../src/stores/postgres/index.js";
import { cassandraClaimTableStatement } from "../src/stores/cassandra/index.js";
import { buildDynamoDbTables } from "../src/stores/dynamodb/index.js";

const account = z.object({
  accountId: z.uuid(),
  email: z.string(),
  tenant: z.string(),
  handle: z.string().optional(),
  tags: z.array(z.string()),
});

function definitionFailure(spec: Partial<EntitySpec<EntitySchema>>) {
  try {
    defineEntity("Account", { store: "postgres", schema: account, key: { primary: ["accountId"] }, ...spec } as EntitySpec<EntitySchema>);
  } catch (error) {
    if (isPolyxenaError(error, "E_DEFINITION")) return error;
    throw error;
  }
  throw new Error("expected E_DEFINITION");
}

describe("unique constraints in defineEntity", () => {
  it("normalizes a field, a field set and a named field set; unnamed ones get Postgres' <table>_<columns>_key", () => {
    const { model } = defineEntity("Account", {
      store: "postgres",
      schema: account,
      key: { primary: ["accountId"] },
      unique: ["email", ["tenant", "handle"], { name: "account_handle", fields: ["handle", "email"] }],
    });
    expect(model.unique).toEqual([
      { name: "account_email_key", fields: ["email"] },
      { name: "account_tenant_handle_key", fields: ["tenant", "handle"] },
      { name: "account_handle", fields: ["handle", "email"] },
    ]);
  });

  it("an entity without unique has none", () => {
    expect(defineEntity("Account", { store: "postgres", schema: account, key: { primary: ["accountId"] } }).model.unique).toEqual([]);
  });

  it.each([
    [{ unique: ["nope"] }, "unique[0].fields[0]", /not in the schema/],
    [{ unique: ["tags"] }, "unique[0].fields[0]", /type list/],
    [{ unique: [[]] }, "unique[0]", /at least one field/],
    [{ unique: [["email", "email"]] }, "unique[0]", /appears twice/],
    [{ unique: ["accountId"] }, "unique[0]", /contains the whole key/],
    [{ unique: ["email", ["email"]] }, "unique[1]", /repeats the fields/],
    [{ unique: [{ name: "Bad Name", fields: ["email"] }] }, "unique[0].name", /not a lower-case identifier/],
    [{ unique: [{ name: "account_pkey", fields: ["email"] }] }, "unique[0]", /two constraints are named account_pkey/],
    [{ unique: "email" }, "unique", /not a list/],
  ] as const)("refuses %j at %s", (spec, path, message) => {
    const error = definitionFailure(spec as unknown as Partial<EntitySpec<EntitySchema>>);
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
    expect(error.fix).toBeTruthy();
  });

  it("an Elasticsearch entity cannot declare unique", () => {
    const error = definitionFailure({ store: "elasticsearch", key: { id: "accountId" }, unique: ["email"] });
    expect(error.path).toBe("unique");
    expect(error.fix).toMatch(/document id/);
  });

  it("Postgres DDL carries one UNIQUE constraint per declaration", () => {
    const { model } = defineEntity("Account", { store: "postgres", schema: account, key: { primary: ["accountId"] }, unique: ["email", { name: "account_handle", fields: ["tenant", "handle"] }] });
    const [table] = buildPostgresSchema([model]);
    expect(table).toContain('CONSTRAINT "account_pkey" PRIMARY KEY ("account_id"),\n  CONSTRAINT "account_email_key" UNIQUE ("email"),\n  CONSTRAINT "account_handle" UNIQUE ("tenant", "handle")\n)');
  });

  it("DynamoDB gets a claims table and Cassandra a claim lookup table, only with unique constraints", () => {
    const dynamo = defineEntity("Account", { store: "dynamodb", schema: account, key: { partition: "accountId" }, unique: ["email"] }).model;
    const tables = buildDynamoDbTables([dynamo], { tablePrefix: "dev_" });
    expect(tables.map((t) => t.createTable.TableName)).toEqual(["dev_account", "dev_account_unique"]);
    expect(tables[1]!.createTable.KeySchema).toEqual([{ AttributeName: "claim", KeyType: "HASH" }]);
    const plain = defineEntity("Account", { store: "dynamodb", schema: account, key: { partition: "accountId" } }).model;
    expect(buildDynamoDbTables([plain])).toHaveLength(1);
    const cassandra = defineEntity("Account", { store: "cassandra", schema: account, key: { partition: ["accountId"] }, unique: ["email"] }).model;
    expect(cassandraClaimTableStatement(cassandra, "ks")).toContain('CREATE TABLE IF NOT EXISTS "ks"."account_unique"');
    const long = defineEntity("Account", { store: "cassandra", schema: account, key: { partition: ["accountId"] }, unique: ["email"], table: "a".repeat(48) }).model;
    expect(uniqueClaimTable(long).length).toBeLessThanOrEqual(48);
  });

  it("claim plans: unchanged values are kept, changed ones taken and released, absent fields claim nothing", () => {
    const { model } = defineEntity("Account", { store: "dynamodb", schema: account, key: { partition: "accountId" }, unique: ["email", ["tenant", "handle"]] });
    const before = { accountId: "A", email: "x@y", tenant: "t", tags: [] };
    const plan = planUniqueClaims(model, before, { ...before, email: "z@y", handle: "h" });
    expect(plan.take.map((c) => c.claim)).toEqual(['account_email_key#["z@y"]', 'account_tenant_handle_key#["t","h"]']);
    expect(plan.release.map((c) => c.claim)).toEqual(['account_email_key#["x@y"]']);
    expect(plan.keep).toEqual([]);
    expect(planUniqueClaims(model, before, before).keep.map((c) => c.claim)).toEqual(['account_email_key#["x@y"]']);
    expect(planUniqueClaims(model, before, undefined).release).toHaveLength(1);
  });
});

describe("unique constraints in the statement listing", () => {
  it("lists how each store enforces each constraint", async () => {
    const { listStatements } = await import("../src/index.js");
    const spec = { schema: account, unique: ["email"] as const };
    const pgEntries = listStatements(defineEntity("Account", { ...spec, store: "postgres", key: { primary: ["accountId"] } }).model, { postgres: { schema: "billing" } });
    expect(pgEntries.at(-1)).toEqual({ operation: "unique account_email_key", statement: expect.stringContaining('CONSTRAINT "account_email_key" UNIQUE ("email") in "billing"."account"') });
    const dynamo = listStatements(defineEntity("Account", { ...spec, store: "dynamodb", key: { partition: "accountId" } }).model, { dynamodb: { tablePrefix: "dev_" } });
    expect(dynamo.at(-1)?.statement).toContain('Put { TableName: "dev_account_unique", Item: { claim: "account_email_key#[email]"');
    const cql = listStatements(defineEntity("Account", { ...spec, store: "cassandra", key: { partition: ["accountId"] } }).model, { cassandra: { keyspace: "ks" } });
    expect(cql.at(-1)?.statement).toContain('INSERT INTO "ks"."account_unique" ("claim", "owner", "claimed_at")');
    expect(cql.at(-1)?.statement).toContain("IF NOT EXISTS");
  });
});
