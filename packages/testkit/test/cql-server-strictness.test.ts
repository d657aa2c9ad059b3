import cassandra from "cassandra-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCassandraTestCluster, type CassandraTestCluster } from "../src/cassandra-test-cluster.js";
import { CqlError, CqlErrorCode, startCqlTestServer } from "../src/cql-server/index.js";

const { types, errors } = cassandra;
const codes = types.responseErrorCodes;

// Error codes and messages as Cassandra 4 reports them. Runs against the in-process CQL test server, or
// against a real Cassandra when POLYXENA_TEST_CASSANDRA=host:port is set, to check the test server's fidelity.
// Tests named "(server-only: ...)" need the in-process server's internals and fail loudly on a real cluster.
let cluster: CassandraTestCluster;
let client: cassandra.Client;
/** This file's keyspace. */
let ks: string;

beforeAll(async () => {
  cluster = await createCassandraTestCluster("cql-server-strictness");
  ks = cluster.keyspace;
  client = new cassandra.Client({ contactPoints: [cluster.contactPoint], localDataCenter: cluster.localDataCenter });
  await client.connect();
  await client.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await client.execute(`CREATE TABLE ${ks}.t (p1 text, p2 int, c1 int, c2 int, v text, n int, PRIMARY KEY ((p1, p2), c1, c2))`);
  await client.execute(`CREATE TABLE ${ks}.single (id int PRIMARY KEY, v text)`);
});

afterAll(async () => {
  await client?.shutdown();
  await cluster?.close();
});

/** Cassandra 4.1 goes on to name the table after the column ("... in table ks.t"); 4.0 stops at the column. */
const undefinedColumn = (name: string) => expect.stringMatching(new RegExp(`^Undefined column name ${name}( in table \\S+)?$`));

/** Runs a statement and returns the driver's ResponseError (failing the test when it succeeds). */
async function responseError(query: string, params: unknown[] = [], options: cassandra.QueryOptions = {}): Promise<cassandra.errors.ResponseError> {
  try {
    await client.execute(query, params, options);
  } catch (err) {
    expect(err).toBeInstanceOf(errors.ResponseError);
    return err as cassandra.errors.ResponseError;
  }
  throw new Error(`expected ${query} to fail`);
}

describe("filtering and restrictions", () => {
  it("refuses filtering on a non-key column without ALLOW FILTERING, and allows it with", async () => {
    const err = await responseError(`SELECT * FROM ${ks}.t WHERE v = 'x'`);
    expect(err.code).toBe(codes.invalid);
    expect(err.message).toMatch(/^Cannot execute this query as it might involve data filtering/);
    await client.execute(`INSERT INTO ${ks}.t (p1, p2, c1, c2, v) VALUES ('a', 1, 1, 1, 'x')`);
    const rs = await client.execute(`SELECT c1 FROM ${ks}.t WHERE v = 'x' ALLOW FILTERING`);
    expect(rs.rows.map((r) => r["c1"])).toEqual([1]);
  });

  it("requires the whole partition key (or ALLOW FILTERING)", async () => {
    const partial = await responseError(`SELECT * FROM ${ks}.t WHERE p1 = 'a'`);
    expect(partial.code).toBe(codes.invalid);
    expect(partial.message).toMatch(/ALLOW FILTERING$/);
    const clusteringOnly = await responseError(`SELECT * FROM ${ks}.t WHERE c1 = 1`);
    expect(clusteringOnly.code).toBe(codes.invalid);
    expect(clusteringOnly.message).toMatch(/ALLOW FILTERING$/);
  });

  it("filters on a range of the partition key only with ALLOW FILTERING (Cassandra 5.0)", async () => {
    const err = await responseError(`SELECT * FROM ${ks}.single WHERE id > 5`);
    expect(err.code).toBe(codes.invalid);
    expect(err.message).toMatch(/^Cannot execute this query as it might involve data filtering.*use ALLOW FILTERING$/);
    for (const id of [3, 6, 9]) await client.execute(`INSERT INTO ${ks}.single (id, v) VALUES (?, 'r')`, [id], { prepare: true });
    const rs = await client.execute(`SELECT id FROM ${ks}.single WHERE id > 5 AND id <= 9 ALLOW FILTERING`);
    expect(rs.rows.map((r) => r["id"] as number).sort()).toEqual([6, 9]);
  });

  it("rejects clustering restrictions that skip a column", async () => {
    const err = await responseError(`SELECT * FROM ${ks}.t WHERE p1 = 'a' AND p2 = 1 AND c2 = 1`);
    expect(err.code).toBe(codes.invalid);
    expect(err.message).toBe('PRIMARY KEY column "c2" cannot be restricted as preceding column "c1" is not restricted');
    const afterSlice = await responseError(`SELECT * FROM ${ks}.t WHERE p1 = 'a' AND p2 = 1 AND c1 > 0 AND c2 = 1`);
    expect(afterSlice.message).toBe('Clustering column "c2" cannot be restricted (preceding column "c1" is restricted by a non-EQ relation)');
  });

  it("allows ORDER BY only on clustering columns, in order, with a restricted partition", async () => {
    const nonClustering = await responseError(`SELECT * FROM ${ks}.t WHERE p1 = 'a' AND p2 = 1 ORDER BY v`);
    expect(nonClustering.code).toBe(codes.invalid);
    expect(nonClustering.message).toBe("Order by is currently only supported on the clustered columns of the PRIMARY KEY, got v");
    const outOfOrder = await responseError(`SELECT * FROM ${ks}.t WHERE p1 = 'a' AND p2 = 1 ORDER BY c2`);
    expect(outOfOrder.message).toBe("Order by currently only supports the ordering of columns following their declared order in the PRIMARY KEY");
    const mixed = await responseError(`SELECT * FROM ${ks}.t WHERE p1 = 'a' AND p2 = 1 ORDER BY c1 ASC, c2 DESC`);
    expect(mixed.message).toBe("Unsupported order by relation");
    const unrestricted = await responseError(`SELECT * FROM ${ks}.t ORDER BY c1`);
    expect(unrestricted.message).toBe("ORDER BY is only supported when the partition key is restricted by an EQ or an IN.");
  });

  it("rejects !=, and filters with IN on a regular column only with ALLOW FILTERING (Cassandra 5.0)", async () => {
    expect((await responseError(`SELECT * FROM ${ks}.single WHERE id != 1`)).message).toBe('Unsupported "!=" relation: id != 1');
    expect((await responseError(`SELECT * FROM ${ks}.single WHERE v IN ('in-a')`)).message).toMatch(/use ALLOW FILTERING$/);
    for (const [id, v] of [[21, "in-a"], [22, "in-b"], [23, "in-c"]] as const) {
      await client.execute(`INSERT INTO ${ks}.single (id, v) VALUES (?, ?)`, [id, v], { prepare: true });
    }
    const rs = await client.execute(`SELECT id FROM ${ks}.single WHERE v IN ('in-a', 'in-c') ALLOW FILTERING`);
    expect(rs.rows.map((r) => r["id"] as number).sort()).toEqual([21, 23]);
  });

  it("requires a strictly positive LIMIT", async () => {
    expect((await responseError(`SELECT * FROM ${ks}.single LIMIT 0`)).message).toBe("LIMIT must be strictly positive");
  });
});

describe("ORDER BY with IN on the partition key, and paging", () => {
  const cannotPage = /^Cannot page queries with both ORDER BY and a IN restriction on the partition key; you must either remove the ORDER BY or the IN and sort client side, or disable paging for this query$/;
  const unpaged = { fetchSize: 0 };
  const keys = (rs: cassandra.types.ResultSet) => rs.rows.map((r) => [r["p"], r["c1"], r["c2"]]);

  beforeAll(async () => {
    await client.execute(`CREATE TABLE ${ks}.o (p int, c1 int, c2 int, v text, PRIMARY KEY (p, c1, c2))`);
    for (const p of [1, 2]) for (const c1 of [1, 2]) for (const c2 of [1, 2, 3]) {
      await client.execute(`INSERT INTO ${ks}.o (p, c1, c2, v) VALUES (?, ?, ?, ?)`, [p, c1, c2, `${p}/${c1}/${c2}`], { prepare: true });
    }
  });

  it("rejects a paged IN ? with ORDER BY, even when the bound list has one element", async () => {
    const err = await responseError(`SELECT * FROM ${ks}.o WHERE p IN ? ORDER BY c1 DESC`, [[1]], { prepare: true });
    expect(err.code).toBe(codes.invalid);
    expect(err.message).toMatch(cannotPage);
  });

  it("rejects a paged IN list of more than one literal with ORDER BY, duplicates included", async () => {
    const err = await responseError(`SELECT * FROM ${ks}.o WHERE p IN (1, 1) ORDER BY c1 DESC`);
    expect([err.code, err.message]).toEqual([codes.invalid, expect.stringMatching(cannotPage)]);
  });

  it("rejects it with a LIMIT below the page size too: Cassandra drops the LIMIT from a read it sorts afterwards", async () => {
    const err = await responseError(`SELECT * FROM ${ks}.o WHERE p IN (1, 2) ORDER BY c1 DESC LIMIT 10`);
    expect([err.code, err.message]).toEqual([codes.invalid, expect.stringMatching(cannotPage)]);
    const count = await responseError(`SELECT COUNT(*) FROM ${ks}.o WHERE p IN (1, 2) ORDER BY c1 DESC`);
    expect(count.message).toMatch(cannotPage);
  });

  it("accepts a one-element IN list, which Cassandra reads as an equality, with paging on", async () => {
    const literal = await client.execute(`SELECT p, c1, c2 FROM ${ks}.o WHERE p IN (1) ORDER BY c1 DESC`);
    const expected = [[1, 2, 3], [1, 2, 2], [1, 2, 1], [1, 1, 3], [1, 1, 2], [1, 1, 1]];
    expect(keys(literal)).toEqual(expected);
    const marker = await client.execute(`SELECT p, c1, c2 FROM ${ks}.o WHERE p IN (?) ORDER BY c1 DESC`, [1], { prepare: true });
    expect(keys(marker)).toEqual(expected);
  });

  it("sorts several partitions on the ORDER BY columns alone when paging is off, then applies the LIMIT", async () => {
    // Were paging on, the query would be refused (see above): its rows show the driver sent no page size.
    const rs = await client.execute(`SELECT p, c1, c2 FROM ${ks}.o WHERE p IN (2, 1) ORDER BY c1 DESC LIMIT 5`, [], unpaged);
    // Rows equal on c1 keep their read order: partition 1 before partition 2, each read in reverse.
    expect(keys(rs)).toEqual([[1, 2, 3], [1, 2, 2], [1, 2, 1], [2, 2, 3], [2, 2, 2]]);
    const bound = await client.execute(`SELECT p, c1, c2 FROM ${ks}.o WHERE p IN ? AND c1 = 1 ORDER BY c2 DESC`, [[1, 2]], { prepare: true, ...unpaged });
    expect(keys(bound)).toEqual([[1, 1, 3], [2, 1, 3], [1, 1, 2], [2, 1, 2], [1, 1, 1], [2, 1, 1]]);
  });
});

describe("ORDER BY skipping clustering columns restricted by equality", () => {
  const c2s = (rs: cassandra.types.ResultSet) => rs.rows.map((r) => r["c2"]);

  it("orders by a later clustering column when the earlier ones are restricted by = or a one-element IN", async () => {
    expect(c2s(await client.execute(`SELECT c2 FROM ${ks}.o WHERE p = 1 AND c1 = 1 ORDER BY c2 DESC`))).toEqual([3, 2, 1]);
    expect(c2s(await client.execute(`SELECT c2 FROM ${ks}.o WHERE p = 1 AND c1 = 2 ORDER BY c2 ASC`))).toEqual([1, 2, 3]);
    expect(c2s(await client.execute(`SELECT c2 FROM ${ks}.o WHERE p = 1 AND c1 IN (2) ORDER BY c2 DESC`))).toEqual([3, 2, 1]);
    expect(c2s(await client.execute(`SELECT c2 FROM ${ks}.o WHERE p = ? AND c1 = ? ORDER BY c2 DESC`, [2, 1], { prepare: true }))).toEqual([3, 2, 1]);
  });

  it("still rejects skipping a column restricted by IN, a slice, or not at all", async () => {
    const message = "Order by currently only supports the ordering of columns following their declared order in the PRIMARY KEY";
    const inList = await responseError(`SELECT c2 FROM ${ks}.o WHERE p = 1 AND c1 IN (1, 2) ORDER BY c2 DESC`);
    expect([inList.code, inList.message]).toEqual([codes.invalid, message]);
    expect((await responseError(`SELECT c2 FROM ${ks}.o WHERE p = 1 AND c1 IN ? ORDER BY c2 DESC`, [[1]], { prepare: true })).message).toBe(message);
    expect((await responseError(`SELECT c2 FROM ${ks}.o WHERE p = 1 AND c1 > 0 ORDER BY c2 DESC`)).message).toBe(message);
    expect((await responseError(`SELECT c2 FROM ${ks}.o WHERE p = 1 ORDER BY c2 DESC`)).message).toBe(message);
  });

  it("requires one direction for all ORDER BY columns, an equality-restricted one included", async () => {
    const err = await responseError(`SELECT c2 FROM ${ks}.o WHERE p = 1 AND c1 = 1 ORDER BY c1 ASC, c2 DESC`);
    expect([err.code, err.message]).toEqual([codes.invalid, "Unsupported order by relation"]);
  });
});

describe("token restrictions", () => {
  it("requires token() over the whole partition key, in order, and not mixed with key relations", async () => {
    const partial = await responseError(`SELECT * FROM ${ks}.t WHERE token(p1) > 0`);
    expect([partial.code, partial.message]).toEqual([codes.invalid, "The token() function must be applied to all partition key components or none of them"]);
    const order = await responseError(`SELECT * FROM ${ks}.t WHERE token(p2, p1) > 0`);
    expect(order.message).toBe("The token function arguments must be in the partition key order: p1, p2");
    // Cassandra 5.0 takes a token relation beside a key relation: the row must meet both.
    await client.execute(`INSERT INTO ${ks}.single (id, v) VALUES (31, 'tok')`);
    const token = (await client.execute(`SELECT token(id) FROM ${ks}.single WHERE id = 31`)).rows[0]!["system.token(id)"] as cassandra.types.Long;
    const mixed = (op: string) => client.execute(`SELECT id FROM ${ks}.single WHERE token(id) ${op} ${token.toString()} AND id = 31`);
    expect((await mixed(">=")).rows.map((r) => r["id"])).toEqual([31]);
    expect((await mixed(">")).rows).toEqual([]);
    const update = await responseError(`UPDATE ${ks}.single SET v = 'x' WHERE token(id) > 0`);
    expect(update.message).toBe("The token function cannot be used in WHERE clauses for UPDATE statements");
  });
});

describe("unknown names", () => {
  it("reports unknown columns, tables and keyspaces as Invalid", async () => {
    const column = await responseError(`SELECT nope FROM ${ks}.single`);
    expect([column.code, column.message]).toEqual([codes.invalid, undefinedColumn("nope")]);
    const table = await responseError(`SELECT * FROM ${ks}.nope`);
    expect([table.code, table.message]).toEqual([codes.invalid, "table nope does not exist"]);
    const keyspace = await responseError("SELECT * FROM nope.t");
    expect([keyspace.code, keyspace.message]).toEqual([codes.invalid, "keyspace nope does not exist"]);
    const noKeyspace = await responseError("SELECT * FROM single");
    expect(noKeyspace.message).toBe("No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename");
  });

  it("reports an unknown function in the select clause as Invalid, after checking its arguments", async () => {
    const fn = await responseError(`SELECT nofn(v) FROM ${ks}.single`);
    expect([fn.code, fn.message]).toEqual([codes.invalid, "Unknown function 'nofn'"]);
    const prepared = await responseError(`SELECT id, NoFn(v) AS x FROM ${ks}.single WHERE id = ?`, [1], { prepare: true });
    expect([prepared.code, prepared.message]).toEqual([codes.invalid, "Unknown function 'nofn'"]);
    const column = await responseError(`SELECT nofn(nope) FROM ${ks}.single`);
    expect([column.code, column.message]).toEqual([codes.invalid, undefinedColumn("nope")]);
  });

  it("rejects IS NOT NULL outside a materialized view as Invalid", async () => {
    const err = await responseError(`SELECT * FROM ${ks}.single WHERE v IS NOT NULL`);
    expect([err.code, err.message]).toEqual([codes.invalid, "Unsupported restriction: v IS NOT NULL"]);
    const filtering = await responseError(`SELECT * FROM ${ks}.single WHERE id = 1 AND v IS NOT NULL ALLOW FILTERING`);
    expect([filtering.code, filtering.message]).toEqual([codes.invalid, "Unsupported restriction: v IS NOT NULL"]);
  });

  it("fails preparing a statement on an unknown column", async () => {
    const err = await responseError(`INSERT INTO ${ks}.single (id, nope) VALUES (?, ?)`, [1, "x"], { prepare: true });
    expect([err.code, err.message]).toEqual([codes.invalid, undefinedColumn("nope")]);
  });
});

describe("values", () => {
  it("rejects a bound value of the wrong size (the driver sends a JS number as a double without hints)", async () => {
    const err = await responseError(`INSERT INTO ${ks}.single (id, v) VALUES (?, ?)`, [1, "x"]);
    expect([err.code, err.message]).toEqual([codes.invalid, "Expected 4 or 0 byte int (8)"]);
  });

  it("rejects literals of the wrong type", async () => {
    const err = await responseError(`INSERT INTO ${ks}.single (id, v) VALUES ('one', 'x')`);
    expect([err.code, err.message]).toEqual([codes.invalid, 'Invalid STRING constant (one) for "id" of type int']);
    const int = await responseError(`INSERT INTO ${ks}.single (id, v) VALUES (1, 2)`);
    expect(int.message).toBe('Invalid INTEGER constant (2) for "v" of type text');
  });

  it("rejects null and missing primary key parts", async () => {
    const missing = await responseError(`INSERT INTO ${ks}.t (p1, c1, c2) VALUES ('a', 1, 1)`);
    expect(missing.message).toBe("Some partition key parts are missing: p2");
    const missingClustering = await responseError(`UPDATE ${ks}.t SET v = 'x' WHERE p1 = 'a' AND p2 = 1 AND c1 = 1`);
    expect(missingClustering.message).toBe("Some clustering keys are missing: c2");
    const nullKey = await responseError(`INSERT INTO ${ks}.single (id, v) VALUES (?, ?)`, [null, "x"], { prepare: true });
    expect([nullKey.code, nullKey.message]).toEqual([codes.invalid, "Invalid null value in condition for column id"]);
  });

  it("rejects a wrong number of bound values", async () => {
    const err = await responseError(`SELECT * FROM ${ks}.single WHERE id = ?`, [1, 2], { hints: ["int", "int"] });
    expect([err.code, err.message]).toEqual([codes.invalid, "Invalid amount of bind variables"]);
    const prepared = await responseError(`SELECT * FROM ${ks}.single WHERE id = ? AND v = ? ALLOW FILTERING`, [1], { prepare: true });
    expect([prepared.code, prepared.message]).toEqual([codes.invalid, "there were 2 markers(?) in CQL but 1 bound variables"]);
  });

  it("rejects SET on a primary key column and non-key columns in UPDATE's WHERE", async () => {
    expect((await responseError(`UPDATE ${ks}.single SET id = 2 WHERE id = 1`)).message).toBe("PRIMARY KEY part id found in SET part");
    expect((await responseError(`UPDATE ${ks}.single SET v = 'a' WHERE id = 1 AND v = 'b'`)).message).toBe(
      "Non PRIMARY KEY columns found in where clause: v ",
    );
  });
});

describe("syntax and schema errors", () => {
  it("returns Syntax_error for malformed CQL and reserved words used as identifiers", async () => {
    const err = await responseError(`SELEKT * FROM ${ks}.single`);
    expect(err.code).toBe(codes.syntaxError);
    expect(err.message).toMatch(/^line 1:0 no viable alternative at input 'SELEKT'/);
    const reserved = await responseError(`CREATE TABLE ${ks}.bad (id int PRIMARY KEY, token text)`);
    expect(reserved.code).toBe(codes.syntaxError);
  });

  it("returns Already_exists with the keyspace and table", async () => {
    const keyspace = await responseError(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    expect(keyspace.code).toBe(codes.alreadyExists);
    expect(keyspace).toMatchObject({ keyspace: ks });
    const table = await responseError(`CREATE TABLE ${ks}.single (id int PRIMARY KEY)`);
    expect(table.code).toBe(codes.alreadyExists);
    expect(table).toMatchObject({ keyspace: ks, table: "single" });
    await client.execute(`CREATE TABLE IF NOT EXISTS ${ks}.single (id int PRIMARY KEY)`);
  });

  it("returns Config_error for an unknown replication strategy, Invalid for dropping an unknown keyspace, and defaults the replication factor to 1", async () => {
    const badClass = await responseError(`CREATE KEYSPACE ${ks}_k2 WITH replication = {'class': 'NoSuchStrategy'}`);
    expect([badClass.code, badClass.message]).toEqual([codes.configError, "Unable to find replication strategy class 'org.apache.cassandra.locator.NoSuchStrategy'"]);
    const drop = await responseError("DROP KEYSPACE nope");
    expect([drop.code, drop.message]).toEqual([codes.invalid, "Keyspace 'nope' doesn't exist"]);
    await client.execute("DROP KEYSPACE IF EXISTS nope");
    // Cassandra 5.0 fills in default_keyspace_rf (1) for a SimpleStrategy without a replication_factor.
    await client.execute(`CREATE KEYSPACE ${ks}_k2 WITH replication = {'class': 'SimpleStrategy'}`);
    const rs = await client.execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?", [`${ks}_k2`]);
    expect(rs.rows[0]!["replication"]).toEqual({ class: "org.apache.cassandra.locator.SimpleStrategy", replication_factor: "1" });
  });

  it("refuses schema changes in system keyspaces", async () => {
    for (const ddl of ["DROP TABLE system.peers", "CREATE TABLE system.x (k int PRIMARY KEY)", "DROP KEYSPACE system"]) {
      const err = await responseError(ddl);
      expect([err.code, err.message]).toEqual([codes.unauthorized, "system keyspace is not user-modifiable."]);
    }
  });

  it("rejects system.peers_v2 like Cassandra 3, so drivers fall back to system.peers (server-only: Cassandra 4 has system.peers_v2)", async () => {
    cluster.requireServer("a system keyspace without peers_v2");
    const err = await responseError("SELECT * FROM system.peers_v2");
    expect([err.code, err.message]).toEqual([codes.invalid, "table peers_v2 does not exist"]);
  });
});

describe("consistency", () => {
  it("raises Unavailable when a level needs more replicas than the single node", async () => {
    // Dropped with this file's keyspace by cluster.close().
    const rf3 = `${ks}_rf3`;
    await client.execute(`CREATE KEYSPACE ${rf3} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}`);
    await client.execute(`CREATE TABLE ${rf3}.t (k int PRIMARY KEY)`);
    const retry = new cassandra.policies.retry.FallthroughRetryPolicy();
    const err = await responseError(`INSERT INTO ${rf3}.t (k) VALUES (1)`, [], { consistency: types.consistencies.quorum, retry });
    expect(err.code).toBe(codes.unavailableException);
    expect(err).toMatchObject({ consistencies: types.consistencies.quorum, required: 2, alive: 1 });
    await client.execute(`INSERT INTO ${rf3}.t (k) VALUES (1)`, [], { consistency: types.consistencies.one });
  });

  // ANY for reads stays Invalid; the engine tests cover it, as the driver sends ONE for a read asked at ANY.
  it("accepts EACH_QUORUM for reads, as Cassandra does since 3.0", async () => {
    await client.execute(`INSERT INTO ${ks}.single (id, v) VALUES (7, 'seven')`);
    const rs = await client.execute(`SELECT v FROM ${ks}.single WHERE id = 7`, [], { consistency: types.consistencies.eachQuorum });
    expect(rs.rows.map((r) => r["v"])).toEqual(["seven"]);
  });

  it("receives that read at EACH_QUORUM (server-only: recorded requests)", async () => {
    const server = cluster.requireServer("recorded requests");
    await client.execute(`SELECT v FROM ${ks}.single WHERE id = 7`, [], { consistency: types.consistencies.eachQuorum });
    expect(server.requests.at(-1)).toMatchObject({ query: `SELECT v FROM ${ks}.single WHERE id = 7`, consistency: "EACH_QUORUM" });
  });

  it("rejects SERIAL for plain writes", async () => {
    const serial = await responseError(`INSERT INTO ${ks}.single (id) VALUES (1)`, [], { consistency: types.consistencies.serial });
    expect(serial.message).toBe("You must use conditional updates for serializable writes");
  });
});

describe("server shutdown", () => {
  it("fails an in-flight query with a driver error when the server closes (server-only: stops the server mid-request)", async () => {
    cluster.requireServer("stopping the server while a request is in flight");
    const local = await startCqlTestServer();
    const c = new cassandra.Client({
      contactPoints: [local.contactPoint],
      localDataCenter: local.localDataCenter,
      policies: { reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(60_000) },
    });
    try {
      await c.connect();
      local.setRequestHook((r) => (r.query === "SELECT * FROM system.local" ? new Promise<void>(() => {}) : undefined));
      const pending = c.execute("SELECT * FROM system.local");
      await expect.poll(() => local.requests.some((r) => r.query === "SELECT * FROM system.local")).toBe(true);
      await local.close();
      await expect(pending).rejects.toBeInstanceOf(Error);
    } finally {
      await c.shutdown();
    }
  });
});

describe("fault injection", () => {
  it("answers with an injected Read_timeout or Write_timeout carrying its details (server-only: injected errors)", async () => {
    const server = cluster.requireServer("request hook injecting errors");
    server.setRequestHook((r) => {
      if (r.query === `SELECT * FROM ${ks}.single WHERE id = 99`) {
        throw new CqlError(CqlErrorCode.readTimeout, "Operation timed out - received only 0 responses.", {
          readTimeout: { consistency: 0x0006, received: 0, blockFor: 1, dataPresent: false },
        });
      }
      if (r.query === `INSERT INTO ${ks}.single (id) VALUES (99)`) {
        throw new CqlError(CqlErrorCode.writeTimeout, "Operation timed out - received only 0 responses.", {
          writeTimeout: { consistency: 0x0006, received: 0, blockFor: 1, writeType: "SIMPLE" },
        });
      }
    });
    try {
      const retry = new cassandra.policies.retry.FallthroughRetryPolicy();
      const read = await responseError(`SELECT * FROM ${ks}.single WHERE id = 99`, [], { retry, consistency: types.consistencies.localQuorum });
      expect(read).toMatchObject({ code: codes.readTimeout, received: 0, blockFor: 1, isDataPresent: 0 });
      const write = await responseError(`INSERT INTO ${ks}.single (id) VALUES (99)`, [], { retry });
      expect(write).toMatchObject({ code: codes.writeTimeout, received: 0, blockFor: 1, writeType: "SIMPLE" });
      // Only the matching requests fail.
      await client.execute(`INSERT INTO ${ks}.single (id) VALUES (98)`);
      expect((await client.execute(`SELECT id FROM ${ks}.single WHERE id = 98`)).rowLength).toBe(1);
    } finally {
      server.setRequestHook(null);
    }
  });
});

describe("size limits (Cassandra 5.0 defaults)", () => {
  beforeAll(async () => {
    await client.execute(`CREATE TABLE ${ks}.sized (k text PRIMARY KEY, v text)`);
    insert = `INSERT INTO ${ks}.sized (k, v) VALUES (?, ?)`;
  });
  let insert: string;
  const stored = async (k: string) => (await client.execute(`SELECT v FROM ${ks}.sized WHERE k = ?`, [k], { prepare: true })).rows.length;

  it("refuses a batch over batch_size_fail_threshold (50 KiB) across partitions, logged or not, and writes none of it", async () => {
    const big = "x".repeat(26 * 1024);
    for (const logged of [true, false]) {
      const err = await client.batch([{ query: insert, params: ["b1", big] }, { query: insert, params: ["b2", big] }], { prepare: true, logged }).then(
        () => undefined,
        (e: unknown) => e as cassandra.errors.ResponseError,
      );
      expect([err?.code, err?.message]).toEqual([codes.invalid, "Batch too large"]);
    }
    expect([await stored("b1"), await stored("b2")]).toEqual([0, 0]);
    const fits = "x".repeat(24 * 1024);
    await client.batch([{ query: insert, params: ["b1", fits] }, { query: insert, params: ["b2", fits] }], { prepare: true });
    expect([await stored("b1"), await stored("b2")]).toEqual([1, 1]);
  });

  it("lets a batch on one partition exceed the threshold", async () => {
    const big = "x".repeat(40 * 1024);
    await client.batch([{ query: insert, params: ["one", big] }, { query: `UPDATE ${ks}.sized SET v = ? WHERE k = ?`, params: [big, "one"] }], { prepare: true });
    expect(await stored("one")).toBe(1);
  });

  it("refuses an empty partition key on writes and reads", async () => {
    expect((await responseError(insert, ["", "v"], { prepare: true })).message).toBe("Key may not be empty");
    expect((await responseError(`SELECT v FROM ${ks}.sized WHERE k = ''`)).message).toBe("Key may not be empty");
  });

  it("refuses a partition key over 65,535 bytes, counting a composite key's component framing", async () => {
    await client.execute(insert, ["k".repeat(65_535), "v"], { prepare: true });
    expect(await stored("k".repeat(65_535))).toBe(1);
    const err = await responseError(insert, ["k".repeat(65_536), "v"], { prepare: true });
    expect([err.code, err.message]).toEqual([codes.invalid, "Key length of 65536 is longer than maximum of 65535"]);
    const composite = await responseError(`INSERT INTO ${ks}.t (p1, p2, c1, c2) VALUES (?, 1, 1, 1)`, ["p".repeat(65_530)], { prepare: true });
    expect(composite.message).toBe("Key length of 65540 is longer than maximum of 65535");
  });
});
