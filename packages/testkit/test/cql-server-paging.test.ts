import cassandra from "cassandra-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCassandraTestCluster, type CassandraTestCluster } from "../src/cassandra-test-cluster.js";

// Where a paged read ends: which page carries a paging state, and what the page after it holds.
// Runs against the in-process CQL test server, or against a real Cassandra when
// POLYXENA_TEST_CASSANDRA=host:port is set; every expected transcript below is what Cassandra 5.0.9 answered.
let cluster: CassandraTestCluster;
let client: cassandra.Client;
/** This file's keyspace. */
let ks: string;

beforeAll(async () => {
  cluster = await createCassandraTestCluster("cql-server-paging");
  ks = cluster.keyspace;
  client = new cassandra.Client({ contactPoints: [cluster.contactPoint], localDataCenter: cluster.localDataCenter });
  await client.connect();
  await client.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  // t: partition 1 holds six rows (c 0..5), partitions 2 and 3 two rows each (c 0..1); v = c % 2.
  await client.execute(`CREATE TABLE ${ks}.t (p int, c int, v int, PRIMARY KEY (p, c))`);
  // single: one row per partition (no clustering columns), k 0..5; v = k % 2.
  await client.execute(`CREATE TABLE ${ks}.single (k int PRIMARY KEY, v int)`);
  // composite: partition key (a, b), no clustering columns.
  await client.execute(`CREATE TABLE ${ks}.composite (a int, b int, PRIMARY KEY ((a, b)))`);
  const insert = (cql: string, params: number[]) => client.execute(cql, params, { prepare: true });
  for (let c = 0; c < 6; c++) await insert(`INSERT INTO ${ks}.t (p, c, v) VALUES (1, ?, ?)`, [c, c % 2]);
  for (const p of [2, 3]) for (let c = 0; c < 2; c++) await insert(`INSERT INTO ${ks}.t (p, c, v) VALUES (?, ?, ?)`, [p, c, c % 2]);
  for (let k = 0; k < 6; k++) await insert(`INSERT INTO ${ks}.single (k, v) VALUES (?, ?)`, [k, k % 2]);
  for (const a of [1, 2]) for (const b of [1, 2]) await insert(`INSERT INTO ${ks}.composite (a, b) VALUES (?, ?)`, [a, b]);
});

afterAll(async () => {
  await client?.shutdown();
  await cluster?.close();
});

/**
 * Every page of `cql` at `fetchSize`, following paging states, as one line: each page's rows
 * (columns joined by ":") in brackets, "+" after a page that carried a paging state.
 */
async function transcript(cql: string, fetchSize: number): Promise<string> {
  const pages: string[] = [];
  let pageState: string | undefined;
  do {
    const rs = await client.execute(cql.replaceAll("ks.", `${ks}.`), [], { fetchSize, ...(pageState ? { pageState } : {}) });
    const rows = rs.rows.map((row) => row.values().map(String).join(":"));
    pages.push(`[${rows.join(",")}]${rs.pageState ? "+" : ""}`);
    pageState = rs.pageState ?? undefined;
  } while (pageState && pages.length < 12);
  return pages.join(" ");
}

/** [statement, fetch size, pages as Cassandra 5.0.9 returned them]. */
type PagingCase = [string, number, string];

function checkCases(cases: PagingCase[]): void {
  it.each(cases)("%s, %i rows a page", async (cql, fetchSize, expected) => {
    expect(await transcript(cql, fetchSize)).toBe(expected);
  });
}

describe("paging: a page that is exactly full carries a paging state, and the next page is empty without one", () => {
  describe("one partition", () => {
    checkCases([
      ["SELECT c FROM ks.t WHERE p = 1", 3, "[0,1,2]+ [3,4,5]+ []"],
      ["SELECT c FROM ks.t WHERE p = 1", 6, "[0,1,2,3,4,5]+ []"],
      ["SELECT c FROM ks.t WHERE p = 1", 1, "[0]+ [1]+ [2]+ [3]+ [4]+ [5]+ []"],
      ["SELECT c FROM ks.t WHERE p = 1", 4, "[0,1,2,3]+ [4,5]"],
      ["SELECT c FROM ks.t WHERE p = 1", 7, "[0,1,2,3,4,5]"],
      ["SELECT c FROM ks.t WHERE p = 42", 3, "[]"],
      ["SELECT c FROM ks.t WHERE p = 1 AND c >= 2", 2, "[2,3]+ [4,5]+ []"],
      ["SELECT c FROM ks.t WHERE p = 1 AND c >= 2", 3, "[2,3,4]+ [5]"],
      ["SELECT c FROM ks.t WHERE p = 1 AND c = 2", 1, "[2]+ []"],
      ["SELECT c FROM ks.t WHERE p = 1 AND c IN (1, 2)", 1, "[1]+ [2]+ []"],
      ["SELECT c FROM ks.t WHERE p = 1 AND c IN (1, 2, 77)", 2, "[1,2]+ []"],
      ["SELECT c FROM ks.t WHERE p = 1 AND c IN (1, 2)", 3, "[1,2]"],
      ["SELECT c FROM ks.t WHERE p IN (1)", 3, "[0,1,2]+ [3,4,5]+ []"],
    ]);
  });

  describe("LIMIT smaller than, equal to and larger than the page", () => {
    checkCases([
      // LIMIT at most the page size: Cassandra does not page the read at all.
      ["SELECT c FROM ks.t WHERE p = 1 LIMIT 3", 3, "[0,1,2]"],
      ["SELECT c FROM ks.t WHERE p = 1 LIMIT 3", 4, "[0,1,2]"],
      ["SELECT c FROM ks.t WHERE p = 1 LIMIT 6", 6, "[0,1,2,3,4,5]"],
      // LIMIT reached on a page: no paging state, whatever rows follow.
      ["SELECT c FROM ks.t WHERE p = 1 LIMIT 3", 2, "[0,1]+ [2]"],
      ["SELECT c FROM ks.t WHERE p = 1 LIMIT 6", 3, "[0,1,2]+ [3,4,5]"],
      ["SELECT c FROM ks.t WHERE p = 1 LIMIT 6", 2, "[0,1]+ [2,3]+ [4,5]"],
      ["SELECT c FROM ks.t WHERE p = 1 LIMIT 5", 3, "[0,1,2]+ [3,4]"],
      // Rows run out before the LIMIT on a full page: a paging state, then an empty page.
      ["SELECT c FROM ks.t WHERE p = 1 LIMIT 7", 3, "[0,1,2]+ [3,4,5]+ []"],
      ["SELECT c FROM ks.t WHERE p = 1 LIMIT 9", 3, "[0,1,2]+ [3,4,5]+ []"],
      ["SELECT c FROM ks.t WHERE p = 1 LIMIT 7", 2, "[0,1]+ [2,3]+ [4,5]+ []"],
    ]);
  });

  describe("clustering order reversed", () => {
    checkCases([
      ["SELECT c FROM ks.t WHERE p = 1 ORDER BY c DESC", 3, "[5,4,3]+ [2,1,0]+ []"],
      ["SELECT c FROM ks.t WHERE p = 1 ORDER BY c DESC", 4, "[5,4,3,2]+ [1,0]"],
      ["SELECT c FROM ks.t WHERE p = 1 AND c >= 2 ORDER BY c DESC", 2, "[5,4]+ [3,2]+ []"],
      ["SELECT c FROM ks.t WHERE p = 1 ORDER BY c DESC LIMIT 4", 2, "[5,4]+ [3,2]"],
    ]);
  });

  describe("ALLOW FILTERING: the page counts the rows that pass the filter", () => {
    checkCases([
      // The last matching row (c 4) is followed by one that does not match (c 5).
      ["SELECT c FROM ks.t WHERE p = 1 AND v = 0 ALLOW FILTERING", 3, "[0,2,4]+ []"],
      ["SELECT c FROM ks.t WHERE p = 1 AND v = 0 ALLOW FILTERING", 2, "[0,2]+ [4]"],
      ["SELECT c FROM ks.t WHERE p = 1 AND v = 0 ALLOW FILTERING", 1, "[0]+ [2]+ [4]+ []"],
      ["SELECT c FROM ks.t WHERE p = 1 AND v = 1 ALLOW FILTERING", 3, "[1,3,5]+ []"],
      ["SELECT c FROM ks.t WHERE p = 1 AND v = 0 LIMIT 3 ALLOW FILTERING", 2, "[0,2]+ [4]"],
      ["SELECT p, c FROM ks.t WHERE v = 0 ALLOW FILTERING", 5, "[1:0,1:2,1:4,2:0,3:0]+ []"],
      ["SELECT p, c FROM ks.t WHERE v = 0 ALLOW FILTERING", 2, "[1:0,1:2]+ [1:4,2:0]+ [3:0]"],
      ["SELECT p, c FROM ks.t WHERE c = 1 ALLOW FILTERING", 3, "[1:1,2:1,3:1]+ []"],
      ["SELECT k FROM ks.single WHERE v = 0 ALLOW FILTERING", 3, "[0,2,4]+ []"],
    ]);
  });

  describe("range reads over every partition, in token order", () => {
    checkCases([
      ["SELECT p, c FROM ks.t", 5, "[1:0,1:1,1:2,1:3,1:4]+ [1:5,2:0,2:1,3:0,3:1]+ []"],
      ["SELECT p, c FROM ks.t", 3, "[1:0,1:1,1:2]+ [1:3,1:4,1:5]+ [2:0,2:1,3:0]+ [3:1]"],
      ["SELECT p, c FROM ks.t", 11, "[1:0,1:1,1:2,1:3,1:4,1:5,2:0,2:1,3:0,3:1]"],
      ["SELECT p, c FROM ks.t LIMIT 10", 5, "[1:0,1:1,1:2,1:3,1:4]+ [1:5,2:0,2:1,3:0,3:1]"],
      // One row per partition does not end a range read early: it still ends with an empty page.
      ["SELECT k FROM ks.single", 3, "[5,1,0]+ [2,4,3]+ []"],
      ["SELECT k FROM ks.single", 6, "[5,1,0,2,4,3]+ []"],
      ["SELECT k FROM ks.single", 7, "[5,1,0,2,4,3]"],
      ["SELECT a, b FROM ks.composite", 2, "[2:2,2:1]+ [1:2,1:1]+ []"],
      ["SELECT k FROM ks.single WHERE token(k) > -9223372036854775808", 3, "[5,1,0]+ [2,4,3]+ []"],
      ["SELECT k FROM ks.single WHERE token(k) > -9223372036854775808 LIMIT 6", 2, "[5,1]+ [0,2]+ [4,3]"],
    ]);
  });

  describe("IN on the partition key: partitions are read one after another, in key order", () => {
    checkCases([
      ["SELECT p, c FROM ks.t WHERE p IN (2, 3)", 2, "[2:0,2:1]+ [3:0,3:1]+ []"],
      ["SELECT p, c FROM ks.t WHERE p IN (2, 3)", 3, "[2:0,2:1,3:0]+ [3:1]"],
      ["SELECT p, c FROM ks.t WHERE p IN (2, 3)", 4, "[2:0,2:1,3:0,3:1]+ []"],
      ["SELECT p, c FROM ks.t WHERE p IN (99, 3, 2)", 4, "[2:0,2:1,3:0,3:1]+ []"],
      ["SELECT p, c FROM ks.t WHERE p IN (1, 2, 3)", 7, "[1:0,1:1,1:2,1:3,1:4,1:5,2:0]+ [2:1,3:0,3:1]"],
      ["SELECT p, c FROM ks.t WHERE p IN (2, 3) LIMIT 4", 3, "[2:0,2:1,3:0]+ [3:1]"],
      ["SELECT p, c FROM ks.t WHERE p IN (2, 3) LIMIT 3", 2, "[2:0,2:1]+ [3:0]"],
      ["SELECT p, c FROM ks.t WHERE p IN (2, 3) AND v = 0 ALLOW FILTERING", 2, "[2:0,3:0]+ []"],
      ["SELECT p, c FROM ks.t WHERE p IN (2, 3) AND c = 1", 1, "[2:1]+ [3:1]+ []"],
    ]);
  });

  describe("IN on the partition key of a table without clustering columns: the last key's row ends the read", () => {
    checkCases([
      ["SELECT k FROM ks.single WHERE k = 1", 1, "[1]"],
      ["SELECT k FROM ks.single WHERE k IN (1)", 1, "[1]"],
      ["SELECT k FROM ks.single WHERE k IN (1, 2, 3)", 1, "[1]+ [2]+ [3]"],
      ["SELECT k FROM ks.single WHERE k IN (1, 2, 3)", 2, "[1,2]+ [3]"],
      ["SELECT k FROM ks.single WHERE k IN (1, 2, 3)", 3, "[1,2,3]"],
      // A key later in the list keeps the read going, whether or not its partition exists.
      ["SELECT k FROM ks.single WHERE k IN (1, 99)", 1, "[1]+ []"],
      ["SELECT k FROM ks.single WHERE k IN (99, 1)", 1, "[1]+ []"],
      ["SELECT k FROM ks.single WHERE k IN (1, 2) AND v = 1 ALLOW FILTERING", 1, "[1]+ []"],
      ["SELECT k FROM ks.single WHERE k IN (1, 3) AND v = 1 ALLOW FILTERING", 1, "[1]+ [3]"],
      ["SELECT k FROM ks.single WHERE k IN (1, 2, 3) LIMIT 4", 1, "[1]+ [2]+ [3]"],
      ["SELECT a, b FROM ks.composite WHERE a IN (1, 2) AND b IN (1, 2)", 2, "[1:1,1:2]+ [2:1,2:2]"],
      ["SELECT a, b FROM ks.composite WHERE a IN (1, 2) AND b IN (1, 2, 3)", 2, "[1:1,1:2]+ [2:1,2:2]+ []"],
    ]);
  });

  describe("COUNT(*) is one row, never paged for the client", () => {
    checkCases([
      ["SELECT count(*) FROM ks.t", 2, "[10]"],
      ["SELECT count(*) FROM ks.t WHERE p = 1", 6, "[6]"],
    ]);
  });
});
