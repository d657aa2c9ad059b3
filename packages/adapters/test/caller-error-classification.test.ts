import { describe, expect, it } from "vitest";
import { classifyCassandraError } from "../src/cassandra/cassandra-errors.js";
import { classifyDynamoDbError } from "../src/dynamodb/dynamodb-errors.js";
import { classifyElasticsearchError, elasticsearchError } from "../src/elasticsearch/elasticsearch-errors.js";
import { classifyPostgresError, postgresError } from "../src/postgres/postgres-errors.js";

/**
 * Store errors that are the caller's fault classify as `invalid` (E_VALIDATION, never a store
 * failure), while missing schema objects and real failures keep their class.
 */

const pg = (code: string, message = "x") => Object.assign(new Error(message), { code });
const es = (status: number, type: string) => Object.assign(new Error("ResponseError"), { name: "ResponseError", meta: { statusCode: status, body: { error: { type, reason: "r" }, status } } });

describe("Postgres", () => {
  it.each([
    ["22001", "invalid"], // value too long
    ["22021", "invalid"], // bad encoding (NUL byte)
    ["22P02", "invalid"], // invalid text representation
    ["23502", "invalid"], // not null
    ["23514", "invalid"], // check constraint
    ["42804", "invalid"], // datatype mismatch
    ["54000", "invalid"], // index row size exceeds btree maximum
    ["23505", "already-exists"],
    ["42P01", "store"], // table missing: the schema, not the request
    ["42703", "store"],
    ["57P01", "unavailable"],
    ["XX000", "store"],
  ])("%s is %s", (code, kind) => {
    expect(classifyPostgresError(pg(code))).toBe(kind);
  });

  it("index row size exceeded is E_VALIDATION", () => {
    const error = postgresError(pg("54000", "index row size 3000 exceeds btree version 4 maximum 2704 for index \"t_pkey\""), "INSERT ...");
    expect(error.code).toBe("E_VALIDATION");
  });
});

describe("DynamoDB", () => {
  it.each([
    [{ name: "ValidationException", message: "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of 2048 bytes" }, "invalid"],
    [{ name: "SerializationException" }, "invalid"],
    [{ name: "TransactionCanceledException", CancellationReasons: [{ Code: "None" }, { Code: "ValidationError" }] }, "invalid"],
    [{ name: "ResourceNotFoundException" }, "store"],
    [{ name: "ThrottlingException" }, "unavailable"],
    [{ name: "ConditionalCheckFailedException" }, "condition"],
  ])("%o is %s", (error, kind) => {
    expect(classifyDynamoDbError(Object.assign(new Error(String(error.name)), error))).toBe(kind);
  });
});

describe("Cassandra", () => {
  it.each([
    [0x2200, "Key length of 70000 is longer than maximum of 65535", "invalid"],
    [0x2200, "Batch too large", "invalid"],
    [0x2200, "unconfigured table viewing_history", "store"],
    [0x2200, "Keyspace ks does not exist", "store"],
    [0x2000, "line 1:7 no viable alternative", "store"], // a syntax error is ours, not the caller's
    [0x1000, "Cannot achieve consistency level QUORUM", "unavailable"],
  ])("code %i %s is %s", (code, message, kind) => {
    expect(classifyCassandraError(Object.assign(new Error(message), { code }))).toBe(kind);
  });
});

describe("Elasticsearch", () => {
  it.each([
    [400, "mapper_parsing_exception", "invalid"],
    [400, "document_parsing_exception", "invalid"],
    [400, "illegal_argument_exception", "invalid"],
    [413, "content_too_long_exception", "invalid"],
    [404, "index_not_found_exception", "store"],
    [400, "index_not_found_exception", "store"],
    [409, "version_conflict_engine_exception", "condition"],
    [429, "es_rejected_execution_exception", "unavailable"],
    [500, "exception", "store"],
  ])("%i %s is %s", (status, type, kind) => {
    expect(classifyElasticsearchError(es(status, type))).toBe(kind);
  });

  it("a 400 mapper_parsing_exception is E_VALIDATION", () => {
    const error = elasticsearchError(es(400, "mapper_parsing_exception"), { entity: "T", operation: "T.put", store: "elasticsearch", statement: "PUT /t/_doc/{id}", idempotent: true });
    expect(error.code).toBe("E_VALIDATION");
  });
});
