import { beforeEach, describe, expect, it } from "vitest";
import { seededRandom } from "@polyxena/testkit";
import {
  CassandraEngine,
  CqlErrorCode,
  ManualClock,
  UNSET,
  isCqlError,
  parseCql,
  type BoundValue,
  type EngineResult,
} from "../src/cassandra-engine/index.js";

let clock: ManualClock;
let engine: CassandraEngine;

function run(query: string, values: BoundValue[] = [], options: Parameters<CassandraEngine["executeCql"]>[2] = {}): EngineResult {
  return engine.executeCql(query, values, options);
}

function rows(query: string, values: BoundValue[] = []): unknown[][] {
  const r = run(query, values);
  if (r.kind !== "rows") throw new Error(`expected rows, got ${r.kind}`);
  return r.rows;
}

function failure(fn: () => unknown): { code: number; message: string } {
  try {
    fn();
  } catch (err) {
    if (isCqlError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error("expected a CqlError");
}

beforeEach(() => {
  clock = new ManualClock(Date.UTC(2026, 0, 1));
  engine = new CassandraEngine({ clock });
  run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
});

describe("parser", () => {
  it("handles quoted identifiers, escaped strings, comments and bind markers", () => {
    const parsed = parseCql(`-- comment\nSELECT "Weird""Name", v FROM ks."T" /* inline */ WHERE k = 'it''s' AND c IN ? LIMIT ?;`);
    expect(parsed.markerCount).toBe(2);
    expect(parsed.statement).toMatchObject({
      type: "select",
      table: { keyspace: "ks", name: "T" },
      selectors: [{ kind: "column", column: 'Weird"Name' }, { kind: "column", column: "v" }],
      where: [{ kind: "compare", column: "k", value: { kind: "literal", literal: "STRING", text: "it's" } }, { kind: "in", column: "c" }],
    });
  });

  it("reports syntax errors with line and column", () => {
    expect(failure(() => parseCql("SELECT * FROM"))).toEqual({
      code: CqlErrorCode.syntaxError,
      message: "line 1:13 mismatched input '<EOF>' expecting IDENT (SELECT * FROM[]...)",
    });
    expect(failure(() => parseCql("INSERT INTO t (a) VALUES ('x)")).code).toBe(CqlErrorCode.syntaxError);
  });
});

describe("storage semantics", () => {
  beforeEach(() => {
    run("CREATE TABLE ks.kv (k int PRIMARY KEY, a text, b text)");
  });

  it("upserts: INSERT and UPDATE both create and overwrite", () => {
    run("UPDATE ks.kv SET a = 'x' WHERE k = 1");
    run("INSERT INTO ks.kv (k, b) VALUES (1, 'y')");
    expect(rows("SELECT a, b FROM ks.kv WHERE k = 1")).toEqual([["x", "y"]]);
  });

  it("keeps the newest cell per column (cell-level last-write-wins)", () => {
    run("INSERT INTO ks.kv (k, a, b) VALUES (1, 'a1', 'b1') USING TIMESTAMP 10");
    run("UPDATE ks.kv USING TIMESTAMP 5 SET a = 'old', b = 'old' WHERE k = 1");
    run("UPDATE ks.kv USING TIMESTAMP 20 SET b = 'b2' WHERE k = 1");
    expect(rows("SELECT a, b, writetime(a), writetime(b) FROM ks.kv WHERE k = 1")).toEqual([["a1", "b2", 10n, 20n]]);
  });

  it("breaks timestamp ties like Cassandra: a tombstone wins, then the greater value", () => {
    run("INSERT INTO ks.kv (k, a) VALUES (1, 'm') USING TIMESTAMP 7");
    run("INSERT INTO ks.kv (k, a) VALUES (1, 'z') USING TIMESTAMP 7");
    run("INSERT INTO ks.kv (k, a) VALUES (1, 'b') USING TIMESTAMP 7");
    expect(rows("SELECT a FROM ks.kv WHERE k = 1")).toEqual([["z"]]);
    run("DELETE a FROM ks.kv USING TIMESTAMP 7 WHERE k = 1");
    expect(rows("SELECT a FROM ks.kv WHERE k = 1")).toEqual([[null]]);
  });

  it("generates strictly increasing server timestamps even when the clock stands still", () => {
    run("INSERT INTO ks.kv (k, a) VALUES (1, 'first')");
    run("INSERT INTO ks.kv (k, a) VALUES (1, 'second')");
    expect(rows("SELECT a FROM ks.kv WHERE k = 1")).toEqual([["second"]]);
  });

  it("expires TTL cells and the INSERT row marker on the injected clock", () => {
    run("INSERT INTO ks.kv (k, a) VALUES (1, 'x') USING TTL 10");
    run("UPDATE ks.kv SET b = 'kept' WHERE k = 2");
    run("UPDATE ks.kv USING TTL 5 SET a = 'short' WHERE k = 2");
    clock.advanceSeconds(5);
    expect(rows("SELECT k, a, b FROM ks.kv WHERE k IN (1, 2)")).toEqual([[1, "x", null], [2, null, "kept"]]);
    clock.advanceSeconds(5);
    expect(rows("SELECT k FROM ks.kv WHERE k = 1")).toEqual([]);
  });

  it("treats null as a cell tombstone and UNSET as no change", () => {
    run("INSERT INTO ks.kv (k, a, b) VALUES (1, 'a', 'b')");
    run("INSERT INTO ks.kv (k, a, b) VALUES (?, ?, ?)", [1, null, UNSET]);
    expect(rows("SELECT a, b FROM ks.kv WHERE k = 1")).toEqual([[null, "b"]]);
  });

  it("rejects invalid TTLs", () => {
    expect(failure(() => run("INSERT INTO ks.kv (k) VALUES (1) USING TTL ?", [-1])).message).toBe("A TTL must be greater or equal to 0, but was -1");
    expect(failure(() => run("INSERT INTO ks.kv (k) VALUES (1) USING TTL 630720001")).message).toBe(
      "ttl is too large. requested (630720001) maximum (630720000)",
    );
  });
});

describe("clustering", () => {
  beforeEach(() => {
    run("CREATE TABLE ks.ts (p text, day date, seq int, v text, PRIMARY KEY ((p), day, seq)) WITH CLUSTERING ORDER BY (day DESC, seq ASC)");
    for (const day of ["2024-01-01", "2024-01-02"]) for (const seq of [1, 2, 3]) run(`INSERT INTO ks.ts (p, day, seq, v) VALUES ('a', '${day}', ${seq}, '${day}/${seq}')`);
  });

  it("orders by each clustering column's declared direction and reverses as a whole", () => {
    expect(rows("SELECT v FROM ks.ts WHERE p = 'a'").flat()).toEqual([
      "2024-01-02/1", "2024-01-02/2", "2024-01-02/3", "2024-01-01/1", "2024-01-01/2", "2024-01-01/3",
    ]);
    expect(rows("SELECT v FROM ks.ts WHERE p = 'a' ORDER BY day ASC, seq DESC").flat()[0]).toBe("2024-01-01/3");
  });

  it("slices within a prefix and deletes a prefix with a range tombstone", () => {
    expect(rows("SELECT v FROM ks.ts WHERE p = 'a' AND day = '2024-01-01' AND seq >= 2").flat()).toEqual(["2024-01-01/2", "2024-01-01/3"]);
    run("DELETE FROM ks.ts WHERE p = 'a' AND day = '2024-01-02'");
    expect(rows("SELECT count(*) FROM ks.ts WHERE p = 'a'")).toEqual([[3n]]);
    // A newer write inside the deleted range is visible again.
    run("INSERT INTO ks.ts (p, day, seq, v) VALUES ('a', '2024-01-02', 9, 'back')");
    expect(rows("SELECT v FROM ks.ts WHERE p = 'a' AND day = '2024-01-02'").flat()).toEqual(["back"]);
  });

  it("deletes a whole partition", () => {
    run("DELETE FROM ks.ts WHERE p = 'a'");
    expect(rows("SELECT * FROM ks.ts WHERE p = 'a'")).toEqual([]);
  });

  it("pages by position, so a concurrent insert before the cursor does not repeat rows", () => {
    const first = run("SELECT seq FROM ks.ts WHERE p = 'a' AND day = '2024-01-01'", [], { pageSize: 2 });
    expect(first.kind === "rows" && first.rows).toEqual([[1], [2]]);
    run("INSERT INTO ks.ts (p, day, seq, v) VALUES ('a', '2024-01-01', 0, 'early')");
    const pagingState = first.kind === "rows" ? first.pagingState : undefined;
    expect(pagingState).toBeDefined();
    const second = run("SELECT seq FROM ks.ts WHERE p = 'a' AND day = '2024-01-01'", [], { pageSize: 2, pagingState: pagingState! });
    expect(second.kind === "rows" && [second.rows, second.pagingState]).toEqual([[[3]], undefined]);
  });
});

describe("ORDER BY rules of Cassandra 4.0", () => {
  const cannotPage = "Cannot page queries with both ORDER BY and a IN restriction on the partition key; you must either remove the ORDER BY or the IN and sort client side, or disable paging for this query";

  beforeEach(() => {
    run("CREATE TABLE ks.o (p int, c1 int, c2 int, PRIMARY KEY (p, c1, c2))");
    for (const p of [1, 2]) for (const c1 of [1, 2]) for (const c2 of [1, 2]) run(`INSERT INTO ks.o (p, c1, c2) VALUES (${p}, ${c1}, ${c2})`);
  });

  it("refuses a paged read with ORDER BY and an IN on the partition key, whatever the LIMIT", () => {
    const paged = { pageSize: 100 };
    expect(failure(() => run("SELECT * FROM ks.o WHERE p IN ? ORDER BY c1 DESC", [[1]], paged))).toEqual({ code: CqlErrorCode.invalid, message: cannotPage });
    expect(failure(() => run("SELECT * FROM ks.o WHERE p IN (1, 1) ORDER BY c1 DESC", [], paged)).message).toBe(cannotPage);
    expect(failure(() => run("SELECT * FROM ks.o WHERE p IN (1, 2) ORDER BY c1 DESC LIMIT 10", [], paged)).message).toBe(cannotPage);
    expect(failure(() => run("SELECT count(*) FROM ks.o WHERE p IN (1, 2) ORDER BY c1 DESC", [], paged)).message).toBe(cannotPage);
    // Only a page covering the unlimited read (the largest int) leaves it unpaged.
    expect(run("SELECT * FROM ks.o WHERE p IN (1, 2) ORDER BY c1 DESC", [], { pageSize: 2 ** 31 - 1 }).kind).toBe("rows");
    expect(rows("SELECT p, c1, c2 FROM ks.o WHERE p IN (1) ORDER BY c1 DESC").slice(0, 2)).toEqual([[1, 2, 2], [1, 2, 1]]);
    const single = run("SELECT p, c1, c2 FROM ks.o WHERE p IN (?) ORDER BY c1 DESC", [2], paged);
    expect(single.kind === "rows" && single.rows[0]).toEqual([2, 2, 2]);
  });

  it("sorts rows of several partitions on the ORDER BY columns only, keeping read order on ties", () => {
    expect(rows("SELECT p, c1, c2 FROM ks.o WHERE p IN (2, 1) ORDER BY c1 DESC LIMIT 5")).toEqual([
      [1, 2, 2], [1, 2, 1], [2, 2, 2], [2, 2, 1], [1, 1, 2],
    ]);
    expect(rows("SELECT p, c2 FROM ks.o WHERE p IN (1, 2) AND c1 = 1 ORDER BY c2 DESC")).toEqual([[1, 2], [2, 2], [1, 1], [2, 1]]);
  });

  it("lets ORDER BY skip clustering columns restricted by an equality", () => {
    expect(rows("SELECT c2 FROM ks.o WHERE p = 1 AND c1 = 2 ORDER BY c2 DESC").flat()).toEqual([2, 1]);
    expect(rows("SELECT c2 FROM ks.o WHERE p = 1 AND c1 IN (2) ORDER BY c2 DESC").flat()).toEqual([2, 1]);
    const sequence = "Order by currently only supports the ordering of columns following their declared order in the PRIMARY KEY";
    expect(failure(() => run("SELECT c2 FROM ks.o WHERE p = 1 AND c1 IN (1, 2) ORDER BY c2 DESC")).message).toBe(sequence);
    expect(failure(() => run("SELECT c2 FROM ks.o WHERE p = 1 AND c1 >= 1 ORDER BY c2 DESC")).message).toBe(sequence);
    expect(failure(() => run("SELECT c2 FROM ks.o WHERE p = 1 AND c1 = 1 ORDER BY c2 DESC, c1 DESC")).message).toBe(sequence);
    expect(failure(() => run("SELECT c2 FROM ks.o WHERE p = 1 AND c1 = 1 ORDER BY c1 DESC, c2 ASC")).message).toBe("Unsupported order by relation");
  });
});

describe("select clause and WHERE errors", () => {
  beforeEach(() => {
    run("CREATE TABLE ks.kv (k int PRIMARY KEY, v text)");
  });

  it("reports unknown functions and IS NOT NULL as Invalid with Cassandra's messages", () => {
    expect(failure(() => run("SELECT nofn(v) FROM ks.kv"))).toEqual({ code: CqlErrorCode.invalid, message: "Unknown function 'nofn'" });
    expect(failure(() => run("SELECT ks.nofn(v, 1, 'a') FROM ks.kv")).message).toBe("Unknown function 'ks.nofn'");
    expect(failure(() => run("SELECT nofn(outer(nope)) FROM ks.kv")).message).toBe("Undefined column name nope");
    expect(failure(() => run("SELECT toTimestamp(v) FROM ks.kv")).code).toBe(CqlErrorCode.invalid);
    expect(failure(() => run("SELECT * FROM ks.kv WHERE v IS NOT NULL"))).toEqual({ code: CqlErrorCode.invalid, message: "Unsupported restriction: v IS NOT NULL" });
    expect(failure(() => run("UPDATE ks.kv SET v = 'a' WHERE k = 1 AND v IS NOT NULL")).message).toBe("Unsupported restriction: v IS NOT NULL");
    expect(failure(() => run("SELECT * FROM ks.kv WHERE v IS NULL")).code).toBe(CqlErrorCode.syntaxError);
  });
});

describe("collections", () => {
  it("stores sets sorted and unique, and supports append/remove/element updates", () => {
    run("CREATE TABLE ks.c (k int PRIMARY KEY, l list<int>, s set<text>, m map<text, int>)");
    run("INSERT INTO ks.c (k, l, s, m) VALUES (1, [1, 2], {'b', 'a', 'b'}, {'x': 1})");
    run("UPDATE ks.c SET l = l + [3], s = s - {'a'}, m['y'] = 2 WHERE k = 1");
    run("UPDATE ks.c SET l = [0] + l WHERE k = 1");
    const [[l, s, m]] = rows("SELECT l, s, m FROM ks.c WHERE k = 1") as [[unknown, unknown, Map<string, number>]];
    expect(l).toEqual([0, 1, 2, 3]);
    expect(s).toEqual(["b"]);
    expect([...m]).toEqual([["x", 1], ["y", 2]]);
    expect(failure(() => run("CREATE TABLE ks.bad (k list<int> PRIMARY KEY)")).message).toBe("Invalid non-frozen collection type for PRIMARY KEY component k");
  });
});

describe("lightweight transactions and batches", () => {
  beforeEach(() => {
    run("CREATE TABLE ks.acc (id text PRIMARY KEY, bal int, owner text)");
  });

  it("returns [applied] and the current values of the condition columns", () => {
    expect(rows("INSERT INTO ks.acc (id, bal, owner) VALUES ('a', 1, 'ann') IF NOT EXISTS")).toEqual([[true]]);
    const r = run("UPDATE ks.acc SET bal = 5 WHERE id = 'a' IF bal > 3 AND owner = 'ann'");
    expect(r.kind === "rows" && [r.columns.map((c) => c.name), r.rows]).toEqual([["[applied]", "bal", "owner"], [[false, 1, "ann"]]]);
    expect(rows("UPDATE ks.acc SET bal = 5 WHERE id = 'a' IF bal IN (0, 1)")).toEqual([[true]]);
    expect(rows("UPDATE ks.acc SET bal = 6 WHERE id = 'b' IF bal = null")).toEqual([[true]]);
  });

  it("applies a logged batch with one timestamp, or nothing when a statement fails", () => {
    const a = engine.prepare("INSERT INTO ks.acc (id, bal) VALUES (?, ?)");
    const b = engine.prepare("UPDATE ks.acc SET owner = ? WHERE id = ?");
    engine.batch([{ prepared: a, values: ["x", 1] }, { prepared: b, values: ["xavier", "x"] }], { type: "logged" });
    const [[wb, wo]] = rows("SELECT writetime(bal), writetime(owner) FROM ks.acc WHERE id = 'x'") as [[bigint, bigint]];
    expect(wb).toBe(wo);
    expect(failure(() => engine.batch([{ prepared: a, values: ["y", 1] }, { prepared: a, values: [null, 2] }], { type: "logged" })).message).toBe(
      "Invalid null value in condition for column id",
    );
    expect(rows("SELECT * FROM ks.acc WHERE id = 'y'")).toEqual([]);
  });

  it("parses BEGIN BATCH ... APPLY BATCH with a batch-level timestamp", () => {
    run("BEGIN BATCH USING TIMESTAMP 42 INSERT INTO ks.acc (id, bal) VALUES ('p', 1); UPDATE ks.acc SET owner = 'q' WHERE id = 'p'; APPLY BATCH");
    expect(rows("SELECT writetime(bal), writetime(owner) FROM ks.acc WHERE id = 'p'")).toEqual([[42n, 42n]]);
    expect(
      failure(() => run("BEGIN BATCH USING TIMESTAMP 1 INSERT INTO ks.acc (id) VALUES ('z') USING TIMESTAMP 2 APPLY BATCH")).message,
    ).toBe("Timestamp must be set either on BATCH or individual statements");
  });
});

describe("consistency", () => {
  it("checks levels against the replication of the keyspace on a one-node cluster", () => {
    run("CREATE KEYSPACE nts WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': 1, 'dc2': 2}");
    run("CREATE TABLE nts.t (k int PRIMARY KEY)");
    run("INSERT INTO nts.t (k) VALUES (1)", [], { consistency: "LOCAL_QUORUM" });
    const quorum = failure(() => run("SELECT * FROM nts.t WHERE k = 1", [], { consistency: "QUORUM" }));
    expect(quorum).toEqual({ code: CqlErrorCode.unavailable, message: "Cannot achieve consistency level QUORUM" });
    expect(failure(() => run("INSERT INTO nts.t (k) VALUES (1)", [], { consistency: "EACH_QUORUM" })).code).toBe(CqlErrorCode.unavailable);
    expect(failure(() => run("SELECT * FROM nts.t", [], { consistency: "ANY" })).message).toBe("ANY ConsistencyLevel is only supported for writes");
    // EACH_QUORUM is a valid read level (Cassandra 3.0+): a quorum in every data center, so dc2 is unavailable here.
    const eachQuorum = failure(() => run("SELECT * FROM nts.t WHERE k = 1", [], { consistency: "EACH_QUORUM" }));
    expect(eachQuorum).toEqual({ code: CqlErrorCode.unavailable, message: "Cannot achieve consistency level EACH_QUORUM" });
    run("CREATE KEYSPACE local WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': 1}");
    run("CREATE TABLE local.t (k int PRIMARY KEY)");
    run("INSERT INTO local.t (k) VALUES (1)");
    expect(rows("SELECT k FROM local.t WHERE k = 1", [])).toEqual([[1]]);
    const read = run("SELECT k FROM local.t WHERE k = 1", [], { consistency: "EACH_QUORUM" });
    expect(read.kind === "rows" && read.rows).toEqual([[1]]);
    expect(failure(() => run("INSERT INTO local.t (k) VALUES (2)", [], { consistency: "SERIAL" })).message).toBe("You must use conditional updates for serializable writes");
  });
});

describe("schema", () => {
  it("exposes the catalog through system_schema tables", () => {
    run("CREATE TABLE ks.meta (a int, b text, c timeuuid, PRIMARY KEY (a, b)) WITH CLUSTERING ORDER BY (b DESC) AND default_time_to_live = 5");
    expect(rows("SELECT column_name, kind, position, clustering_order, type FROM system_schema.columns WHERE keyspace_name = 'ks' AND table_name = 'meta'")).toEqual([
      ["a", "partition_key", 0, "none", "int"],
      ["b", "clustering", 0, "desc", "text"],
      ["c", "regular", -1, "none", "timeuuid"],
    ]);
    expect(rows("SELECT default_time_to_live FROM system_schema.tables WHERE keyspace_name = 'ks' AND table_name = 'meta'")).toEqual([[5]]);
    const before = engine.schemaVersion;
    run("DROP TABLE ks.meta");
    expect(engine.schemaVersion).not.toBe(before);
    expect(rows("SELECT * FROM system_schema.tables WHERE keyspace_name = 'ks' AND table_name = 'meta'")).toEqual([]);
  });

  it("validates clustering order and table options", () => {
    expect(failure(() => run("CREATE TABLE ks.x (a int, b int, PRIMARY KEY (a, b)) WITH CLUSTERING ORDER BY (a DESC)")).message).toBe(
      "Only clustering key columns can be defined in CLUSTERING ORDER directive",
    );
    expect(failure(() => run("CREATE TABLE ks.x (a int PRIMARY KEY) WITH nonsense = 1"))).toEqual({
      code: CqlErrorCode.syntaxError,
      message: "Unknown property 'nonsense'",
    });
    expect(failure(() => run("CREATE TABLE ks.x (a int, b int)")).message).toMatch(/^No PRIMARY KEY specifed/);
  });
});

describe("direct table operations", () => {
  it("inserts, reads and deletes rows without writing CQL, with the same validation", () => {
    run("CREATE TABLE ks.direct (p text, c int, v text, PRIMARY KEY (p, c))");
    engine.insertRow("ks", "direct", { p: "a", c: 2, v: "two" }, { ttl: 10 });
    engine.insertRow("ks", "direct", { p: "a", c: 1, v: "one" }, { timestamp: 5n });
    expect(engine.selectRows("ks", "direct", { p: "a" })).toEqual([
      { p: "a", c: 1, v: "one" },
      { p: "a", c: 2, v: "two" },
    ]);
    engine.deleteRows("ks", "direct", { p: "a", c: 1 }, { timestamp: 4n });
    expect(engine.selectRows("ks", "direct", { p: "a", c: 1 })).toHaveLength(1);
    engine.deleteRows("ks", "direct", { p: "a", c: 1 });
    clock.advanceSeconds(10);
    expect(engine.selectRows("ks", "direct", { p: "a" })).toEqual([]);
    expect(failure(() => engine.insertRow("ks", "direct", { p: "a", v: "x" })).message).toBe("Some clustering keys are missing: c");
    expect(failure(() => engine.insertRow("ks", "direct", { p: "a", c: "x" as never })).code).toBe(CqlErrorCode.invalid);
  });
});

describe("timestamps from client clocks", () => {
  it("keeps LWT timestamps above client default timestamps already applied, whatever the engine clock says", () => {
    run("CREATE TABLE ks.clk (k int PRIMARY KEY, v text)");
    const wallClockMicros = BigInt(Date.UTC(2030, 0, 1)) * 1000n;
    run("INSERT INTO ks.clk (k, v) VALUES (1, 'plain')", [], { defaultTimestamp: wallClockMicros });
    expect(rows("UPDATE ks.clk SET v = 'lwt' WHERE k = 1 IF v = 'plain'")).toEqual([[true]]);
    expect(rows("SELECT v, writetime(v) FROM ks.clk WHERE k = 1")).toEqual([["lwt", wallClockMicros + 1n]]);
  });
});

describe("robustness", () => {
  it("answers mangled statements with CqlErrors only, never another exception", () => {
    run("CREATE TABLE ks.fz (p text, c int, v list<int>, m map<text, int>, PRIMARY KEY (p, c))");
    const seeds = [
      "SELECT p, c, writetime(m) FROM ks.fz WHERE p = 'a' AND c IN (1, 2) ORDER BY c DESC LIMIT 3 ALLOW FILTERING",
      "INSERT INTO ks.fz (p, c, v, m) VALUES ('a', 1, [1, 2], {'x': 1}) IF NOT EXISTS USING TTL 5",
      "UPDATE ks.fz USING TIMESTAMP 3 SET v = v + [3], m['y'] = 2 WHERE p = 'a' AND c = 1 IF v = [1, 2]",
      "DELETE v FROM ks.fz WHERE p = 'a' AND c >= 1",
      "BEGIN UNLOGGED BATCH INSERT INTO ks.fz (p, c) VALUES ('b', 2); DELETE FROM ks.fz WHERE p = 'b'; APPLY BATCH",
      "CREATE TABLE IF NOT EXISTS ks.fz2 (a int, b frozen<set<text>>, PRIMARY KEY ((a), b)) WITH CLUSTERING ORDER BY (b DESC)",
    ];
    const pieces = ["(", ")", "'", '"', "?", ",", ";", "=", "<", ">=", "[", "]", "{", "}", ":", "-", "0x", "1e9", "null", "IF", "AND", "WHERE", "token", " ", "\u0000", "€"];
    const random = seededRandom(42);
    for (let i = 0; i < 3000; i++) {
      const base = seeds[i % seeds.length]!;
      let text = base;
      const edits = 1 + Math.floor(random() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(random() * (text.length + 1));
        const cut = Math.floor(random() * 6);
        const insert = random() < 0.5 ? pieces[Math.floor(random() * pieces.length)]! : "";
        text = text.slice(0, at) + insert + text.slice(at + cut);
      }
      try {
        const prepared = engine.prepare(text, "ks");
        engine.execute(prepared, prepared.markers.map(() => null));
      } catch (err) {
        if (!isCqlError(err)) throw new Error(`${String(err)} for: ${text}`);
      }
    }
  });
});

describe("ALTER TABLE", () => {
  it("adds and drops regular columns, changes options, and rejects key changes", () => {
    run("CREATE TABLE ks.alt (k int PRIMARY KEY, a text)");
    run("INSERT INTO ks.alt (k, a) VALUES (1, 'x')");
    const before = run("SELECT * FROM ks.alt WHERE k = 1");
    expect(before.kind === "rows" && before.columns.map((c) => c.name)).toEqual(["k", "a"]);
    expect(run("ALTER TABLE ks.alt ADD (b int, c list<text>)")).toEqual({ kind: "schemaChange", change: "UPDATED", target: "TABLE", keyspace: "ks", table: "alt" });
    run("UPDATE ks.alt SET b = 2 WHERE k = 1");
    const after = run("SELECT * FROM ks.alt WHERE k = 1");
    expect(after.kind === "rows" && [after.columns.map((c) => c.name), after.rows]).toEqual([["k", "a", "b", "c"], [[1, "x", 2, null]]]);
    run("ALTER TABLE ks.alt DROP a");
    expect(rows("SELECT * FROM ks.alt WHERE k = 1")).toEqual([[1, 2, null]]);
    run("ALTER TABLE ks.alt ADD a text");
    expect(rows("SELECT a FROM ks.alt WHERE k = 1")).toEqual([[null]]);
    run("ALTER TABLE ks.alt WITH default_time_to_live = 7");
    run("INSERT INTO ks.alt (k, b) VALUES (2, 1)");
    expect(rows("SELECT ttl(b) FROM ks.alt WHERE k = 2")).toEqual([[7]]);
    expect(failure(() => run("ALTER TABLE ks.alt ADD b int")).message).toBe("Column with name 'b' already exists");
    expect(failure(() => run("ALTER TABLE ks.alt DROP k")).message).toBe("Cannot drop PRIMARY KEY column k");
    expect(failure(() => run("ALTER TABLE ks.alt DROP nope")).message).toBe("Column nope was not found in table alt");
    expect(rows("SELECT column_name FROM system_schema.columns WHERE keyspace_name = 'ks' AND table_name = 'alt'").flat()).toEqual(["a", "b", "c", "k"]);
  });
});
