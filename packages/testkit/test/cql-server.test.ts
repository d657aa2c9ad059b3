import cassandra from "cassandra-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCassandraTestCluster, type CassandraTestCluster } from "../src/cassandra-test-cluster.js";
import { ManualClock } from "../src/cql-server/index.js";

const { types } = cassandra;

// Runs against the in-process CQL test server, or against a real Cassandra when
// POLYXENA_TEST_CASSANDRA=host:port is set, so that the assertions check the test server's fidelity.
// Tests named "(server-only: ...)" need the in-process server's internals and fail loudly on a real cluster.
let cluster: CassandraTestCluster;
let client: cassandra.Client;
/** This file's keyspace. */
let ks: string;

beforeAll(async () => {
  cluster = await createCassandraTestCluster("cql-server", { clock: new ManualClock(Date.UTC(2026, 0, 1)) });
  ks = cluster.keyspace;
  client = newClient();
  await client.connect();
  await client.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
});

afterAll(async () => {
  await client?.shutdown();
  await cluster?.close();
});

/** A driver client on the cluster under test. */
function newClient(options: Partial<cassandra.ClientOptions> = {}): cassandra.Client {
  return new cassandra.Client({ contactPoints: [cluster.contactPoint], localDataCenter: cluster.localDataCenter, ...options });
}

/**
 * Checks a `ttl()` result. The in-process server's manual clock makes it exact; a real cluster counts
 * whole seconds of its own clock, which may tick once between the write and the read.
 */
function expectRemainingTtl(actual: unknown, expected: number): void {
  if (cluster.external) expect(actual).toBeOneOf([expected - 1, expected]);
  else expect(actual).toBe(expected);
}

describe("connecting with the stock driver", () => {
  it("reads the topology of a single node from system.local", () => {
    const hosts = client.hosts.values();
    expect(hosts).toHaveLength(1);
    expect(hosts[0]!.datacenter).toBe(cluster.localDataCenter);
    expect(hosts[0]!.cassandraVersion).toMatch(/^5\.0\./);
    expect(client.getState().getConnectedHosts()).toHaveLength(1);
  });

  it("receives STARTUP and the driver's system.local query (server-only: recorded requests)", () => {
    const server = cluster.requireServer("recorded requests");
    const startup = server.requests.find((r) => r.opcode === "STARTUP");
    expect(startup).toBeDefined();
    expect(server.requests.some((r) => r.query === "SELECT * FROM system.local WHERE key='local'")).toBe(true);
  });

  it("exposes keyspace and table metadata from system_schema", async () => {
    await client.execute(`CREATE TABLE ${ks}.meta_t (a text, b int, c timeuuid, v map<text, int>, PRIMARY KEY ((a, b), c)) WITH CLUSTERING ORDER BY (c DESC)`);
    const keyspace = client.metadata.keyspaces[ks];
    expect(keyspace?.strategy).toBe("org.apache.cassandra.locator.SimpleStrategy");
    const table = await client.metadata.getTable(ks, "meta_t");
    expect(table!.partitionKeys.map((c) => c.name)).toEqual(["a", "b"]);
    expect(table!.clusteringKeys.map((c) => c.name)).toEqual(["c"]);
    expect(table!.clusteringOrder).toEqual(["DESC"]);
    expect(table!.columnsByName["v"]!.type.code).toBe(types.dataTypes.map);
  });
});

describe("round trips", () => {
  it("writes and reads every supported type through prepared statements", async () => {
    await client.execute(`CREATE TABLE ${ks}.all_types (
      id uuid PRIMARY KEY, t text, vc varchar, a ascii, i int, bi bigint, bo boolean, d double, f float, de decimal,
      tu timeuuid, ts timestamp, dt date, tm time, bl blob, vi varint, si smallint, ti tinyint, ip inet,
      l list<int>, s set<text>, m map<text, int>, fl frozen<list<text>>)`);
    const id = types.Uuid.random();
    const values = {
      id,
      t: "héllo ✓",
      vc: "varchar",
      a: "ascii",
      i: -2147483648,
      bi: types.Long.fromString("9007199254740993"),
      bo: true,
      d: 3.141592653589793,
      f: 1.5,
      de: types.BigDecimal.fromString("-1234.5678"),
      tu: types.TimeUuid.now(),
      ts: new Date(Date.UTC(2024, 1, 29, 12, 30, 15, 123)),
      dt: types.LocalDate.fromString("2024-02-29"),
      tm: types.LocalTime.fromString("23:59:59.123456789"),
      bl: Buffer.from([0, 1, 2, 255]),
      vi: types.Integer.fromString("-123456789012345678901234567890"),
      si: -32768,
      ti: 127,
      ip: types.InetAddress.fromString("10.1.2.3"),
      l: [3, 1, 2],
      s: ["b", "a", "c"],
      m: { x: 1, y: -2 },
      fl: ["p", "q"],
    };
    const columns = Object.keys(values);
    await client.execute(
      `INSERT INTO ${ks}.all_types (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
      Object.values(values),
      { prepare: true },
    );
    const rs = await client.execute(`SELECT * FROM ${ks}.all_types WHERE id = ?`, [id], { prepare: true });
    expect(rs.rowLength).toBe(1);
    const row = rs.first();
    expect(row["id"].toString()).toBe(id.toString());
    expect(row["t"]).toBe(values.t);
    expect(row["vc"]).toBe(values.vc);
    expect(row["a"]).toBe(values.a);
    expect(row["i"]).toBe(values.i);
    expect(row["bi"].toString()).toBe("9007199254740993");
    expect(row["bo"]).toBe(true);
    expect(row["d"]).toBe(values.d);
    expect(row["f"]).toBe(1.5);
    expect(row["de"].toString()).toBe("-1234.5678");
    expect(row["tu"].toString()).toBe(values.tu.toString());
    expect((row["ts"] as Date).toISOString()).toBe("2024-02-29T12:30:15.123Z");
    expect(row["dt"].toString()).toBe("2024-02-29");
    expect(row["tm"].toString()).toBe("23:59:59.123456789");
    expect(Buffer.compare(row["bl"], values.bl)).toBe(0);
    expect(row["vi"].toString()).toBe("-123456789012345678901234567890");
    expect(row["si"]).toBe(-32768);
    expect(row["ti"]).toBe(127);
    expect(row["ip"].toString()).toBe("10.1.2.3");
    expect(row["l"]).toEqual([3, 1, 2]);
    expect(row["s"]).toEqual(["a", "b", "c"]);
    expect(row["m"]).toEqual({ x: 1, y: -2 });
    expect(row["fl"]).toEqual(["p", "q"]);
    // The result metadata carries the CQL types.
    const byName = Object.fromEntries(rs.columns.map((c) => [c.name, c.type.code]));
    expect(byName["bi"]).toBe(types.dataTypes.bigint);
    expect(byName["tu"]).toBe(types.dataTypes.timeuuid);
    expect(byName["s"]).toBe(types.dataTypes.set);
  });

  it("answers unprepared queries with literals and typed hints", async () => {
    await client.execute(`CREATE TABLE ${ks}.literals (k text PRIMARY KEY, n int, u uuid, b blob, ts timestamp)`);
    await client.execute(
      `INSERT INTO ${ks}.literals (k, n, u, b, ts) VALUES ('it''s', 42, 123e4567-e89b-12d3-a456-426614174000, 0xcafe, '2024-01-02 03:04:05+0000')`,
    );
    const rs = await client.execute(`SELECT * FROM ${ks}.literals WHERE k = ?`, ["it's"]);
    const row = rs.first();
    expect(row["n"]).toBe(42);
    expect(row["u"].toString()).toBe("123e4567-e89b-12d3-a456-426614174000");
    expect(row["b"].toString("hex")).toBe("cafe");
    expect((row["ts"] as Date).toISOString()).toBe("2024-01-02T03:04:05.000Z");
    const hinted = await client.execute(`SELECT k FROM ${ks}.literals WHERE k = ?`, ["it's"], { hints: ["text"] });
    expect(hinted.rowLength).toBe(1);
  });

  it("keeps quoted identifiers case-sensitive and lower-cases unquoted ones", async () => {
    await client.execute(`CREATE TABLE ${ks}."MixedCase" ("Key" int PRIMARY KEY, Value text)`);
    await client.execute(`INSERT INTO ${ks}."MixedCase" ("Key", VALUE) VALUES (1, 'x')`);
    const rs = await client.execute(`SELECT "Key", value FROM ${ks}."MixedCase"`);
    expect(rs.columns.map((c) => c.name)).toEqual(["Key", "value"]);
    await expect(client.execute(`SELECT * FROM ${ks}.mixedcase`)).rejects.toMatchObject({ code: 0x2200, message: "table mixedcase does not exist" });
    // Cassandra 4.1 goes on to name the table ("... in table ks.MixedCase").
    await expect(client.execute(`SELECT key FROM ${ks}."MixedCase"`)).rejects.toMatchObject({ code: 0x2200, message: expect.stringMatching(/^Undefined column name key\b/) });
  });

  it("switches keyspace with USE on the connection", async () => {
    const other = newClient({ keyspace: ks });
    try {
      await other.connect();
      await other.execute("CREATE TABLE IF NOT EXISTS in_ks (k int PRIMARY KEY)");
      await other.execute("INSERT INTO in_ks (k) VALUES (?)", [7], { prepare: true });
      const rs = await client.execute(`SELECT k FROM ${ks}.in_ks`);
      expect(rs.rows.map((r) => r["k"])).toEqual([7]);
    } finally {
      await other.shutdown();
    }
  });
});

describe("named values, unlogged batches and schema events", () => {
  it("binds named values by marker name, prepared and not", async () => {
    await client.execute(`CREATE TABLE ${ks}.named (k int PRIMARY KEY, v text)`);
    await client.execute(`INSERT INTO ${ks}.named (k, v) VALUES (:k, :v)`, { k: 1, v: "one" }, { prepare: true });
    await client.execute(`INSERT INTO ${ks}.named (k, v) VALUES (:k, :v)`, { k: 2, v: "two" }, { hints: { k: "int" } } as unknown as cassandra.QueryOptions);
    const rs = await client.execute(`SELECT v FROM ${ks}.named WHERE k IN (:a, :b)`, { a: 1, b: 2 }, { prepare: true });
    expect(rs.rows.map((r) => r["v"])).toEqual(["one", "two"]);
  });

  it("applies unlogged batches", async () => {
    await client.execute(`CREATE TABLE ${ks}.ubatch (k int PRIMARY KEY)`);
    await client.batch(
      [
        { query: `INSERT INTO ${ks}.ubatch (k) VALUES (?)`, params: [1] },
        { query: `INSERT INTO ${ks}.ubatch (k) VALUES (?)`, params: [2] },
      ],
      { prepare: true, logged: false },
    );
    expect((await client.execute(`SELECT k FROM ${ks}.ubatch`)).rowLength).toBe(2);
  });

  it("receives an unlogged batch as unlogged (server-only: recorded requests)", async () => {
    const server = cluster.requireServer("recorded requests");
    await client.execute(`CREATE TABLE ${ks}.ubatch_recorded (k int PRIMARY KEY)`);
    await client.batch([{ query: `INSERT INTO ${ks}.ubatch_recorded (k) VALUES (?)`, params: [1] }], { prepare: true, logged: false });
    expect(server.requests.filter((r) => r.opcode === "BATCH").at(-1)!.batchType).toBe("unlogged");
  });

  it("pushes SCHEMA_CHANGE events to registered connections, so other clients see new keyspaces", async () => {
    const watcher = newClient({ refreshSchemaDelay: 10 });
    // Dropped with this file's keyspace by cluster.close().
    const events = `${ks}_evt`;
    try {
      await watcher.connect();
      expect(watcher.metadata.keyspaces[events]).toBeUndefined();
      await client.execute(`CREATE KEYSPACE ${events} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
      await expect.poll(() => watcher.metadata.keyspaces[events]?.name, { timeout: 10_000 }).toBe(events);
    } finally {
      await watcher.shutdown();
    }
  });
});

describe("clustering and ranges", () => {
  beforeAll(async () => {
    await client.execute(`CREATE TABLE ${ks}.events (user text, at int, kind text, PRIMARY KEY (user, at)) WITH CLUSTERING ORDER BY (at DESC)`);
    await client.execute(`CREATE TABLE ${ks}.events_asc (user text, at int, kind text, PRIMARY KEY (user, at))`);
    const q1 = `INSERT INTO ${ks}.events (user, at, kind) VALUES (?, ?, ?)`;
    const q2 = `INSERT INTO ${ks}.events_asc (user, at, kind) VALUES (?, ?, ?)`;
    for (const at of [5, 1, 4, 2, 3]) {
      await client.execute(q1, ["u1", at, `k${at}`], { prepare: true });
      await client.execute(q2, ["u1", at, `k${at}`], { prepare: true });
    }
  });

  const ats = (rs: cassandra.types.ResultSet) => rs.rows.map((r) => r["at"] as number);

  it("returns rows in the declared clustering order", async () => {
    expect(ats(await client.execute(`SELECT at FROM ${ks}.events WHERE user = ?`, ["u1"], { prepare: true }))).toEqual([5, 4, 3, 2, 1]);
    expect(ats(await client.execute(`SELECT at FROM ${ks}.events_asc WHERE user = ?`, ["u1"], { prepare: true }))).toEqual([1, 2, 3, 4, 5]);
  });

  it("reverses the order with ORDER BY", async () => {
    expect(ats(await client.execute(`SELECT at FROM ${ks}.events WHERE user = ? ORDER BY at ASC`, ["u1"], { prepare: true }))).toEqual([1, 2, 3, 4, 5]);
    expect(ats(await client.execute(`SELECT at FROM ${ks}.events_asc WHERE user = ? ORDER BY at DESC`, ["u1"], { prepare: true }))).toEqual([5, 4, 3, 2, 1]);
  });

  it("serves range queries on clustering columns in either order", async () => {
    const q = `SELECT at FROM ${ks}.events WHERE user = ? AND at > ? AND at <= ?`;
    expect(ats(await client.execute(q, ["u1", 1, 4], { prepare: true }))).toEqual([4, 3, 2]);
    expect(ats(await client.execute(`${q} ORDER BY at ASC`, ["u1", 1, 4], { prepare: true }))).toEqual([2, 3, 4]);
    expect(ats(await client.execute(`SELECT at FROM ${ks}.events_asc WHERE user = ? AND at >= ? LIMIT 2`, ["u1", 2], { prepare: true }))).toEqual([2, 3]);
    expect(ats(await client.execute(`SELECT at FROM ${ks}.events WHERE user = ? AND at IN (1, 5, 3)`, ["u1"], { prepare: true }))).toEqual([5, 3, 1]);
  });

  it("deletes a clustering range with a range tombstone", async () => {
    await client.execute(`CREATE TABLE ${ks}.ranged (p int, c int, v int, PRIMARY KEY (p, c))`);
    for (let c = 0; c < 6; c++) await client.execute(`INSERT INTO ${ks}.ranged (p, c, v) VALUES (1, ?, ?)`, [c, c], { prepare: true });
    await client.execute(`DELETE FROM ${ks}.ranged WHERE p = 1 AND c >= ? AND c < ?`, [2, 4], { prepare: true });
    const rs = await client.execute(`SELECT c FROM ${ks}.ranged WHERE p = 1`);
    expect(rs.rows.map((r) => r["c"])).toEqual([0, 1, 4, 5]);
  });
});

describe("token order", () => {
  beforeAll(async () => {
    await client.execute(`CREATE TABLE ${ks}.tokens (k text PRIMARY KEY, n int)`);
    for (let i = 0; i < 20; i++) await client.execute(`INSERT INTO ${ks}.tokens (k, n) VALUES (?, ?)`, [`key-${i}`, i], { prepare: true });
  });

  it("computes Murmur3 tokens exactly like the driver and scans partitions in token order", async () => {
    const rs = await client.execute(`SELECT token(k), k FROM ${ks}.tokens`);
    expect(rs.columns.map((c) => c.name)).toEqual(["system.token(k)", "k"]);
    const tokens = rs.rows.map((r) => BigInt(r["system.token(k)"].toString()));
    for (const row of rs.rows) {
      const expected = client.metadata.newToken(Buffer.from(row["k"] as string, "utf8")).getValue().toString();
      expect(row["system.token(k)"].toString()).toBe(expected);
    }
    expect(tokens).toEqual([...tokens].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(rs.rowLength).toBe(20);
  });

  it("restricts a scan by token range, as token-range paging does", async () => {
    const all = (await client.execute(`SELECT token(k) AS t, n FROM ${ks}.tokens`)).rows;
    const middle = all[9]!["t"];
    const rest = await client.execute(`SELECT n FROM ${ks}.tokens WHERE token(k) > ?`, [middle], { prepare: true });
    expect(rest.rows.map((r) => r["n"])).toEqual(all.slice(10).map((r) => r["n"]));
    const head = await client.execute(`SELECT n FROM ${ks}.tokens WHERE token(k) <= ? AND token(k) > ?`, [middle, all[6]!["t"]], { prepare: true });
    expect(head.rows.map((r) => r["n"])).toEqual(all.slice(7, 10).map((r) => r["n"]));
  });
});

describe("paging", () => {
  beforeAll(async () => {
    await client.execute(`CREATE TABLE ${ks}.paged (p int, c int, PRIMARY KEY (p, c))`);
    for (let c = 0; c < 25; c++) await client.execute(`INSERT INTO ${ks}.paged (p, c) VALUES (?, ?)`, [1, c], { prepare: true });
  });

  it("pages with fetchSize and pageState", async () => {
    const seen: number[] = [];
    let pageState: string | undefined;
    let pages = 0;
    do {
      const rs = await client.execute(`SELECT c FROM ${ks}.paged WHERE p = ?`, [1], { prepare: true, fetchSize: 10, ...(pageState ? { pageState } : {}) });
      pages++;
      seen.push(...rs.rows.map((r) => r["c"] as number));
      pageState = rs.pageState ?? undefined;
      expect(rs.rowLength).toBeLessThanOrEqual(10);
    } while (pageState);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it("receives the page size and, after the first page, the paging state (server-only: recorded requests)", async () => {
    const server = cluster.requireServer("recorded requests");
    const query = `SELECT c FROM ${ks}.paged WHERE p = ?`;
    let rs = await client.execute(query, [1], { prepare: true, fetchSize: 20 });
    rs = await client.execute(query, [1], { prepare: true, fetchSize: 20, pageState: rs.pageState });
    expect(rs.rowLength).toBe(5);
    const executes = server.requests.filter((r) => r.opcode === "EXECUTE" && r.query === query);
    expect(executes.slice(-2).map((r) => [r.pageSize, r.hasPagingState])).toEqual([[20, false], [20, true]]);
  });

  it("iterates every page with the driver's async iterator and honours LIMIT across pages", async () => {
    const rs = await client.execute(`SELECT c FROM ${ks}.paged WHERE p = 1 LIMIT 17`, [], { fetchSize: 5 });
    const all: number[] = [];
    for await (const row of rs) all.push(row["c"] as number);
    expect(all).toEqual(Array.from({ length: 17 }, (_, i) => i));
  });

  it("pages a full-table scan", async () => {
    await client.execute(`CREATE TABLE ${ks}.scan (k int PRIMARY KEY)`);
    for (let k = 0; k < 12; k++) await client.execute(`INSERT INTO ${ks}.scan (k) VALUES (?)`, [k], { prepare: true });
    const rs = await client.execute(`SELECT k FROM ${ks}.scan`, [], { fetchSize: 5 });
    const all: number[] = [];
    for await (const row of rs) all.push(row["k"] as number);
    expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });
});

describe("time: TTL and write timestamps", () => {
  // Short TTLs: on a real cluster advanceClock waits in real time.
  it("expires cells written with USING TTL when the clock passes the TTL", async () => {
    await client.execute(`CREATE TABLE ${ks}.sessions (id text PRIMARY KEY, tok text)`);
    await client.execute(`INSERT INTO ${ks}.sessions (id, tok) VALUES (?, ?) USING TTL ?`, ["s1", "abc", 4], { prepare: true });
    let rs = await client.execute(`SELECT tok, ttl(tok) FROM ${ks}.sessions WHERE id = ?`, ["s1"], { prepare: true });
    expect(rs.first()["tok"]).toBe("abc");
    expectRemainingTtl(rs.first()["ttl(tok)"], 4);
    await cluster.advanceClock(2_000);
    rs = await client.execute(`SELECT ttl(tok) FROM ${ks}.sessions WHERE id = ?`, ["s1"], { prepare: true });
    expectRemainingTtl(rs.first()["ttl(tok)"], 2);
    await cluster.advanceClock(2_000);
    rs = await client.execute(`SELECT * FROM ${ks}.sessions WHERE id = ?`, ["s1"], { prepare: true });
    expect(rs.rowLength).toBe(0);
  });

  it("applies the table's default_time_to_live", async () => {
    await client.execute(`CREATE TABLE ${ks}.cache_t (k int PRIMARY KEY, v text) WITH default_time_to_live = 2`);
    await client.execute(`INSERT INTO ${ks}.cache_t (k, v) VALUES (1, 'x')`);
    expectRemainingTtl((await client.execute(`SELECT ttl(v) FROM ${ks}.cache_t WHERE k = 1`)).first()["ttl(v)"], 2);
    await cluster.advanceClock(2_000);
    expect((await client.execute(`SELECT * FROM ${ks}.cache_t WHERE k = 1`)).rowLength).toBe(0);
  });

  it("resolves concurrent writes by write timestamp (last write wins), not arrival order", async () => {
    await client.execute(`CREATE TABLE ${ks}.lww (k int PRIMARY KEY, v text)`);
    const q = `INSERT INTO ${ks}.lww (k, v) VALUES (?, ?) USING TIMESTAMP ?`;
    await client.execute(q, [1, "newer", types.Long.fromNumber(2000)], { prepare: true });
    await client.execute(q, [1, "older", types.Long.fromNumber(1000)], { prepare: true });
    await client.execute(`DELETE FROM ${ks}.lww USING TIMESTAMP 1500 WHERE k = 1`);
    const rs = await client.execute(`SELECT v, writetime(v) FROM ${ks}.lww WHERE k = 1`);
    expect(rs.first()["v"]).toBe("newer");
    expect(rs.first()["writetime(v)"].toString()).toBe("2000");
    await client.execute(`DELETE FROM ${ks}.lww USING TIMESTAMP 2001 WHERE k = 1`);
    expect((await client.execute(`SELECT v FROM ${ks}.lww WHERE k = 1`)).rowLength).toBe(0);
  });

  it("uses the driver's client-side timestamp when no USING TIMESTAMP is given", async () => {
    await client.execute(`CREATE TABLE ${ks}.client_ts (k int PRIMARY KEY, v text)`);
    // The driver stamps each request with its own current time in microseconds.
    const before = BigInt(Date.now()) * 1000n;
    await client.execute(`INSERT INTO ${ks}.client_ts (k, v) VALUES (1, 'a')`);
    const after = BigInt(Date.now() + 1) * 1000n;
    const generated = BigInt((await client.execute(`SELECT writetime(v) FROM ${ks}.client_ts WHERE k = 1`)).first()["writetime(v)"].toString());
    expect(generated >= before && generated < after).toBe(true);
    // A timestamp given with the request is the write time.
    await client.execute(`INSERT INTO ${ks}.client_ts (k, v) VALUES (2, 'b')`, [], { timestamp: types.Long.fromString("1700000000000123") });
    const given = await client.execute(`SELECT writetime(v) FROM ${ks}.client_ts WHERE k = 2`);
    expect(given.first()["writetime(v)"].toString()).toBe("1700000000000123");
  });
});

describe("lightweight transactions and batches", () => {
  beforeAll(async () => {
    await client.execute(`CREATE TABLE ${ks}.accounts (id text PRIMARY KEY, owner text, balance int)`);
  });

  it("IF NOT EXISTS applies once and then returns [applied] = false with the current row", async () => {
    const q = `INSERT INTO ${ks}.accounts (id, owner, balance) VALUES (?, ?, ?) IF NOT EXISTS`;
    const first = await client.execute(q, ["a1", "ann", 10], { prepare: true });
    expect(first.wasApplied()).toBe(true);
    expect(first.first()["[applied]"]).toBe(true);
    const second = await client.execute(q, ["a1", "bob", 99], { prepare: true });
    expect(second.wasApplied()).toBe(false);
    expect(second.first()).toMatchObject({ "[applied]": false, id: "a1", owner: "ann", balance: 10 });
  });

  it("IF col = ? compares, and IF EXISTS requires the row", async () => {
    const q = `UPDATE ${ks}.accounts SET balance = ? WHERE id = ? IF balance = ? AND owner = ?`;
    const stale = await client.execute(q, [20, "a1", 5, "ann"], { prepare: true });
    expect(stale.wasApplied()).toBe(false);
    expect(stale.first()["balance"]).toBe(10);
    expect(stale.first()["owner"]).toBe("ann");
    const ok = await client.execute(q, [20, "a1", 10, "ann"], { prepare: true, serialConsistency: types.consistencies.localSerial });
    expect(ok.wasApplied()).toBe(true);
    expect((await client.execute(`SELECT balance FROM ${ks}.accounts WHERE id = 'a1'`)).first()["balance"]).toBe(20);
    const missing = await client.execute(`UPDATE ${ks}.accounts SET balance = 1 WHERE id = 'nope' IF EXISTS`);
    expect(missing.wasApplied()).toBe(false);
    expect(missing.columns.map((c) => c.name)).toEqual(["[applied]"]);
    const deleted = await client.execute(`DELETE FROM ${ks}.accounts WHERE id = 'a1' IF EXISTS`);
    expect(deleted.wasApplied()).toBe(true);
  });

  it("rejects USING TIMESTAMP on conditional updates", async () => {
    await expect(
      client.execute(`INSERT INTO ${ks}.accounts (id, owner) VALUES ('x', 'y') IF NOT EXISTS USING TIMESTAMP 5`),
    ).rejects.toMatchObject({ code: 0x2200, message: "Cannot provide custom timestamp for conditional updates" });
  });

  it("applies a logged batch across tables atomically", async () => {
    await client.execute(`CREATE TABLE ${ks}.by_id (id int PRIMARY KEY, name text)`);
    await client.execute(`CREATE TABLE ${ks}.by_name (name text, id int, PRIMARY KEY (name, id))`);
    await client.batch(
      [
        { query: `INSERT INTO ${ks}.by_id (id, name) VALUES (?, ?)`, params: [1, "ada"] },
        { query: `INSERT INTO ${ks}.by_name (name, id) VALUES (?, ?)`, params: ["ada", 1] },
      ],
      { prepare: true, logged: true, timestamp: types.Long.fromString("1700000000000456") },
    );
    const w1 = (await client.execute(`SELECT writetime(name) FROM ${ks}.by_id WHERE id = 1`)).first()["writetime(name)"].toString();
    expect((await client.execute(`SELECT id FROM ${ks}.by_name WHERE name = 'ada'`)).first()["id"]).toBe(1);
    // The statements take the batch's timestamp.
    expect(w1).toBe("1700000000000456");

    // One bad statement: nothing is applied.
    await expect(
      client.batch(
        [
          `INSERT INTO ${ks}.by_id (id, name) VALUES (2, 'bob')`,
          `INSERT INTO ${ks}.by_name (name) VALUES ('bob')`,
        ],
        { logged: true },
      ),
    ).rejects.toMatchObject({ code: 0x2200, message: "Some clustering keys are missing: id" });
    expect((await client.execute(`SELECT * FROM ${ks}.by_id WHERE id = 2`)).rowLength).toBe(0);
  });

  it("evaluates conditional batches on one partition", async () => {
    await client.execute(`CREATE TABLE ${ks}.ledger (acct text, seq int, amount int, PRIMARY KEY (acct, seq))`);
    const ok = await client.batch(
      [
        { query: `INSERT INTO ${ks}.ledger (acct, seq, amount) VALUES (?, ?, ?) IF NOT EXISTS`, params: ["x", 1, 5] },
        { query: `INSERT INTO ${ks}.ledger (acct, seq, amount) VALUES (?, ?, ?)`, params: ["x", 2, 7] },
      ],
      { prepare: true },
    );
    expect(ok.wasApplied()).toBe(true);
    const again = await client.batch(
      [{ query: `INSERT INTO ${ks}.ledger (acct, seq, amount) VALUES (?, ?, ?) IF NOT EXISTS`, params: ["x", 1, 9] }],
      { prepare: true },
    );
    expect(again.wasApplied()).toBe(false);
    await expect(
      client.batch(
        [
          { query: `INSERT INTO ${ks}.ledger (acct, seq, amount) VALUES (?, ?, ?) IF NOT EXISTS`, params: ["x", 3, 1] },
          { query: `INSERT INTO ${ks}.ledger (acct, seq, amount) VALUES (?, ?, ?)`, params: ["y", 1, 1] },
        ],
        { prepare: true },
      ),
    ).rejects.toMatchObject({ code: 0x2200, message: "Batch with conditions cannot span multiple partitions" });
  });
});

describe("request recording", () => {
  it("records a logged batch with its type, statements and timestamp (server-only: recorded requests)", async () => {
    const server = cluster.requireServer("recorded requests");
    await client.execute(`CREATE TABLE ${ks}.recorded_batch (id int PRIMARY KEY, name text)`);
    await client.batch(
      [
        { query: `INSERT INTO ${ks}.recorded_batch (id, name) VALUES (?, ?)`, params: [1, "ada"] },
        { query: `INSERT INTO ${ks}.recorded_batch (id, name) VALUES (?, ?)`, params: [2, "bob"] },
      ],
      { prepare: true, logged: true },
    );
    const batch = server.requests.filter((r) => r.opcode === "BATCH").at(-1)!;
    expect(batch.batchType).toBe("logged");
    expect(batch.batchQueries).toHaveLength(2);
    const written = (await client.execute(`SELECT writetime(name) FROM ${ks}.recorded_batch WHERE id = 1`)).first()["writetime(name)"].toString();
    expect(written).toBe(batch.defaultTimestamp!.toString());
  });

  it("records the consistency and serial consistency a client sent (server-only: recorded requests)", async () => {
    const server = cluster.requireServer("recorded requests");
    await client.execute(`CREATE TABLE ${ks}.cl (k int PRIMARY KEY, v int)`);
    server.clearRequests();
    await client.execute(`INSERT INTO ${ks}.cl (k, v) VALUES (?, ?)`, [1, 1], { prepare: true, consistency: types.consistencies.localQuorum });
    await client.execute(`UPDATE ${ks}.cl SET v = 2 WHERE k = 1 IF v = 1`, [], {
      consistency: types.consistencies.quorum,
      serialConsistency: types.consistencies.localSerial,
    });
    const execute = server.requests.find((r) => r.opcode === "EXECUTE")!;
    expect(execute).toMatchObject({ query: `INSERT INTO ${ks}.cl (k, v) VALUES (?, ?)`, consistency: "LOCAL_QUORUM", valueCount: 2 });
    const lwt = server.requests.find((r) => r.opcode === "QUERY" && r.query?.startsWith("UPDATE"))!;
    expect(lwt).toMatchObject({ consistency: "QUORUM", serialConsistency: "LOCAL_SERIAL" });
  });
});

describe("prepared statement cache", () => {
  it("re-prepares transparently after the server forgets a statement (server-only: clears prepared statements)", async () => {
    const server = cluster.requireServer("clearing prepared statements");
    await client.execute(`CREATE TABLE ${ks}.reprep (k int PRIMARY KEY, v text)`);
    const q = `INSERT INTO ${ks}.reprep (k, v) VALUES (?, ?)`;
    await client.execute(q, [1, "a"], { prepare: true });
    server.clearPreparedStatements();
    server.clearRequests();
    await client.execute(q, [2, "b"], { prepare: true });
    expect(server.requests.filter((r) => r.query === q || r.error?.code === 0x2500).map((r) => [r.opcode, r.error?.code])).toEqual([
      ["EXECUTE", 0x2500],
      ["PREPARE", undefined],
      ["EXECUTE", undefined],
    ]);
    expect((await client.execute(`SELECT v FROM ${ks}.reprep WHERE k = 2`)).first()["v"]).toBe("b");
  });
});

describe("schema changes and prepared statements", () => {
  it("forgets a table's prepared statements on ALTER, so the driver re-prepares and sees new columns", async () => {
    await client.execute(`CREATE TABLE ${ks}.altered (k int PRIMARY KEY, a text)`);
    await client.execute(`INSERT INTO ${ks}.altered (k, a) VALUES (1, 'x')`);
    const q = `SELECT * FROM ${ks}.altered WHERE k = ?`;
    expect((await client.execute(q, [1], { prepare: true })).columns.map((c) => c.name)).toEqual(["k", "a"]);
    await client.execute(`ALTER TABLE ${ks}.altered ADD b int`);
    const rs = await client.execute(q, [1], { prepare: true });
    expect(rs.columns.map((c) => c.name)).toEqual(["k", "a", "b"]);
  });

  it("answers Unprepared for a statement on an altered table, and the driver re-prepares (server-only: recorded requests)", async () => {
    const server = cluster.requireServer("recorded requests");
    await client.execute(`CREATE TABLE ${ks}.altered_recorded (k int PRIMARY KEY, a text)`);
    const q = `SELECT * FROM ${ks}.altered_recorded WHERE k = ?`;
    await client.execute(q, [1], { prepare: true });
    await client.execute(`ALTER TABLE ${ks}.altered_recorded ADD b int`);
    server.clearRequests();
    await client.execute(q, [1], { prepare: true });
    // Only this statement's frames: the driver's own metadata refresh may interleave.
    expect(server.requests.filter((r) => r.query === q || r.error?.code === 0x2500).map((r) => [r.opcode, r.error?.code])).toEqual([
      ["EXECUTE", 0x2500],
      ["PREPARE", undefined],
      ["EXECUTE", undefined],
    ]);
  });
});

describe("concurrency by stream id", () => {
  it("answers a later request while an earlier one on the same connection is held (server-only: holds a request in flight)", async () => {
    const server = cluster.requireServer("holding a request in flight");
    await client.execute(`CREATE TABLE ${ks}.conc (k int PRIMARY KEY)`);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    server.setRequestHook((r) => (r.query === `SELECT * FROM ${ks}.conc WHERE k = 1` ? gate : undefined));
    try {
      const order: string[] = [];
      const slow = client.execute(`SELECT * FROM ${ks}.conc WHERE k = 1`).then(() => order.push("slow"));
      await expect.poll(() => server.requests.some((r) => r.query === `SELECT * FROM ${ks}.conc WHERE k = 1`)).toBe(true);
      await client.execute(`SELECT * FROM ${ks}.conc WHERE k = 2`).then(() => order.push("fast"));
      release();
      await slow;
      expect(order).toEqual(["fast", "slow"]);
    } finally {
      server.setRequestHook(null);
    }
  });
});
