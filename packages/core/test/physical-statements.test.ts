import { describe, expect, it } from "vitest";
import { listStatements } from "../src/index.js";
import { cassandraInsertStatement, cassandraSelectStatement } from "../src/stores/cassandra/index.js";
import { postgresQueryStatement } from "../src/stores/postgres/index.js";
import { Invoice, Session, Title, ViewingHistory } from "./physical-fixtures.js";

const options = { cassandra: { keyspace: "streaming" }, postgres: { schema: "billing" }, dynamodb: { tablePrefix: "dev_" } };
const statementOf = (entries: ReturnType<typeof listStatements>, operation: string) => entries.find((e) => e.operation === operation)?.statement;
const VH_COLUMNS = `"profile_id", "watched_at", "title_id", "position_sec", "tags", "extra"`;

describe("listStatements", () => {
  it("lists every repository method in order, queries after the base operations", () => {
    expect(listStatements(ViewingHistory.model, options).map((e) => e.operation)).toEqual(["get", "getMany", "put", "delete", "update", "historyForProfile", "viewersOfTitle"]);
    expect(listStatements(Title.model).map((e) => e.operation)).toEqual(["get", "getMany", "put", "update", "delete", "titlesByYear", "search"]);
  });

  it("describes Cassandra statements, routing a denormalized query to its own table", () => {
    const entries = listStatements(ViewingHistory.model, options);
    expect(statementOf(entries, "get")).toBe(`SELECT ${VH_COLUMNS} FROM "streaming"."viewing_history" WHERE "profile_id" = ? AND "watched_at" = ?`);
    expect(statementOf(entries, "historyForProfile")).toBe(
      `SELECT ${VH_COLUMNS} FROM "streaming"."viewing_history" WHERE "profile_id" = ? [AND "watched_at" {>|>=} ?] [AND "watched_at" {<|<=} ?] ORDER BY "watched_at" DESC  -- paged with the driver's paging state`,
    );
    expect(statementOf(entries, "viewersOfTitle")).toContain(`FROM "streaming"."viewing_history_by_title_id" WHERE "title_id" = ?`);
    expect(statementOf(entries, "put")).toBe(
      [
        "BEGIN LOGGED BATCH",
        `  INSERT INTO "streaming"."viewing_history" (${VH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) USING TTL ?;`,
        `  INSERT INTO "streaming"."viewing_history_by_title_id" (${VH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) USING TTL ?;`,
        "APPLY BATCH  -- plus a DELETE from each query table whose key changed",
      ].join("\n"),
    );
    expect(statementOf(entries, "delete")).toContain(`DELETE FROM "streaming"."viewing_history_by_title_id" WHERE "title_id" = ? AND "watched_at" = ? AND "profile_id" = ?;`);
  });

  it("exposes executable Cassandra pieces without a keyspace", () => {
    expect(cassandraSelectStatement(ViewingHistory.model, "viewing_history", ["profileId"])).toBe(`SELECT ${VH_COLUMNS} FROM "viewing_history" WHERE "profile_id" = ?`);
    expect(cassandraInsertStatement(ViewingHistory.model, "viewing_history")).toBe(`INSERT INTO "viewing_history" (${VH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) USING TTL ?`);
  });

  it("describes Postgres statements with numbered parameters and keyset paging", () => {
    const entries = listStatements(Invoice.model, options);
    const columns = `"invoice_id", "account_id", "status", "amount_cents", "memo", "issued_at", "lines", "version"`;
    expect(statementOf(entries, "get")).toBe(`SELECT ${columns} FROM "billing"."invoice" WHERE "invoice_id" = $1`);
    expect(statementOf(entries, "getMany")).toBe(`SELECT ${columns} FROM "billing"."invoice" WHERE "invoice_id" = ANY($1)`);
    expect(statementOf(entries, "delete")).toBe(`DELETE FROM "billing"."invoice" WHERE "invoice_id" = $1 [AND "version" = $2]`);
    const query = Invoice.model.queries[0]!;
    expect(postgresQueryStatement(Invoice.model, query, "billing")).toBe(
      `SELECT ${columns} FROM "billing"."invoice" WHERE "account_id" = $1 [AND "issued_at" {>|>=} $2] [AND "issued_at" {<|<=} $3] [AND ("issued_at", "invoice_id") {>|<} ($4, $5)] ORDER BY "issued_at" DESC, "invoice_id" DESC LIMIT $6`,
    );
    expect(statementOf(entries, "invoicesOfAccount")).toBe(postgresQueryStatement(Invoice.model, query, "billing"));
  });

  it("describes DynamoDB requests, reading a GSI eventually", () => {
    const entries = listStatements(Session.model, options);
    expect(statementOf(entries, "get")).toBe(`GetItem { TableName: "dev_session", Key: { profileId: ?, startedAt: ? }, ConsistentRead: false }`);
    expect(statementOf(entries, "put")).toContain("_ttl: ?");
    expect(statementOf(entries, "sessionsOfDevice")).toBe(
      `Query { TableName: "dev_session", IndexName: "sessionsOfDeviceIndex", KeyConditionExpression: "#deviceId = :deviceId [AND #startedAt {>|>=|<|<=|BETWEEN} :r]", ScanIndexForward: false, Limit: ?, ConsistentRead: false [, ExclusiveStartKey: ?] }`,
    );
  });

  it("describes Elasticsearch requests through the alias", () => {
    const entries = listStatements(Title.model);
    expect(statementOf(entries, "get")).toBe("GET /title/_doc/{titleId}");
    expect(statementOf(entries, "titlesByYear")).toBe(
      `POST /title/_search { "query": { "bool": { "filter": [{ "term": { "year": ? } }, [{ "range": { "rating": { ... } } }]] } }, "sort": [{ "rating": "desc" }, { "titleId": "desc" }], "size": ? [, "search_after": ?] }`,
    );
    expect(statementOf(entries, "search")).toContain(`"multi_match": { "query": ?, "fields": ["name"] }`);
  });
});
