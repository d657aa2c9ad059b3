// The PGlite port sends statements the way `pg` does (parameters as pg's own
// `prepareValue` writes them, named statements prepared once, texts without
// parameters as a simple Query) and keeps the DML it runs prepared: every case
// runs on the port and on a `pg` pool to the local Postgres, with the same
// expectations.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PostgresPort } from "@polyxena/adapters/postgres/in-process";
import { createPostgresAdapter } from "@polyxena/adapters/postgres";
import { createPostgresTestDatabase, type PostgresTestDatabase } from "@polyxena/testkit";
import { PglitePostgresPort } from "../src/pglite-postgres-port.js";

interface Backend {
  port: PostgresPort;
  /** The schema-qualified name of a table of this backend's own. */
  table(name: string): string;
}

let server: PostgresTestDatabase;
beforeAll(async () => (server = await createPostgresTestDatabase("pglite_port")));
afterAll(() => server?.drop());

const backends: Record<string, () => Backend> = {
  "PGlite port": () => {
    const schema = `px_port_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    return { port: new PglitePostgresPort(undefined, (db) => db.exec(`CREATE SCHEMA ${schema}`).then(() => undefined)), table: (name) => `${schema}.${name}` };
  },
  "pg pool on the server": () => {
    // The adapter's own factory makes the pool; the adapter is only a way to reach it.
    const port = createPostgresAdapter({ connectionString: server.connectionString, max: 2 }, { schema: server.schema }).port;
    return { port, table: (name) => `${server.schema}.${name}` };
  },
};

describe.each(Object.keys(backends))("statements through %s", (backendName) => {
  let backend: Backend;
  beforeAll(() => {
    backend = backends[backendName]!();
  });
  afterAll(async () => {
    if (backendName !== "PGlite port") await backend.port.end();
  });

  it("runs a text without parameters as a simple Query: several statements at once", async () => {
    const t = backend.table("simple");
    await backend.port.query(`CREATE TABLE ${t} (id int PRIMARY KEY); INSERT INTO ${t} VALUES (1), (2)`);
    const result = await backend.port.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`);
    expect(result.rows).toEqual([{ n: 2 }]);
  });

  it("sends parameters as pg writes them: a JavaScript array is a Postgres array, never JSON", async () => {
    const t = backend.table("params");
    await backend.port.query(`CREATE TABLE ${t} (id int PRIMARY KEY, tags text[], doc jsonb, at timestamptz)`);
    await backend.port.query(`INSERT INTO ${t} VALUES ($1, $2, $3, $4)`, [1, ["a", 'b"c', null], JSON.stringify({ k: [1, 2] }), new Date("2026-01-02T03:04:05.678Z")]);
    const row = await backend.port.query({ text: `SELECT tags, doc, at FROM ${t} WHERE id = $1`, values: [1], rowMode: "array" });
    expect(row.rows).toEqual([[["a", 'b"c', null], { k: [1, 2] }, new Date("2026-01-02T03:04:05.678Z")]]);
    await expect(backend.port.query(`INSERT INTO ${t} (id, doc) VALUES ($1, $2)`, [2, [1, 2]])).rejects.toMatchObject({ code: "22P02" });
    await expect(backend.port.query(`INSERT INTO ${t} (id, at) VALUES ($1, $2)`, [3, Date.UTC(2026, 0, 1)])).rejects.toMatchObject({ code: "22008" });
  });

  it("prepares a named statement once and refuses its name for another text", async () => {
    const t = backend.table("named");
    await backend.port.query(`CREATE TABLE ${t} (id int PRIMARY KEY, name text)`);
    const name = `px_named_${Math.random().toString(36).slice(2, 10)}`;
    const insert = `INSERT INTO ${t} VALUES ($1, $2) RETURNING id`;
    for (const id of [1, 2, 3]) {
      const session = await backend.port.connect();
      try {
        expect((await session.query({ name, text: insert, values: [id, `n${id}`], rowMode: "array" })).rows).toEqual([[id]]);
        // A session of its own sees the statement it prepared, under its name.
        const prepared = await session.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name = $1", [name]);
        expect(prepared.rows).toEqual([{ n: 1 }]);
        await expect(session.query({ name, text: `SELECT 1 FROM ${t} WHERE id = $1`, values: [id], rowMode: "array" })).rejects.toThrow(/Prepared statements must be unique/);
      } finally {
        session.release();
      }
    }
  });

  it("a statement run before a table changed shape returns the new shape, without a stale-plan error", async () => {
    const t = backend.table("reshaped");
    await backend.port.query(`CREATE TABLE ${t} (id int PRIMARY KEY, v int)`);
    await backend.port.query(`INSERT INTO ${t} VALUES ($1, $2)`, [1, 10]);
    const select = `SELECT * FROM ${t} WHERE id = $1`;
    for (let i = 0; i < 3; i++) expect((await backend.port.query(select, [1])).rows).toEqual([{ id: 1, v: 10 }]);
    await backend.port.query(`ALTER TABLE ${t} ALTER COLUMN v TYPE text, ADD COLUMN w int DEFAULT 7`);
    expect((await backend.port.query(select, [1])).rows).toEqual([{ id: 1, v: "10", w: 7 }]);
    await backend.port.query(`ALTER TABLE ${t} DROP COLUMN w`);
    expect((await backend.port.query({ text: select, values: [1], rowMode: "array" })).rows).toEqual([[1, "10"]]);
  });

  it("reports a bad statement with Postgres's error and keeps serving the next one", async () => {
    await expect(backend.port.query("SELEC 1", [])).rejects.toMatchObject({ code: "42601" });
    await expect(backend.port.query(`SELECT * FROM ${backend.table("missing")} WHERE id = $1`, [1])).rejects.toMatchObject({ code: "42P01" });
    expect((await backend.port.query({ text: "SELECT $1::int + 1", values: [41], rowMode: "array" })).rows).toEqual([[42]]);
  });
});
