/**
 * A fresh Postgres schema per test file, on the server named by
 * `POLYXENA_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`).
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Pool } from "pg";

/** The server tests use unless `POLYXENA_TEST_POSTGRES_URL` names another. */
export const DEFAULT_TEST_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test";

/** The command that starts the local Postgres server. */
export const START_POSTGRES_COMMAND = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start";

/** A schema of its own on the test server, dropped by `drop()`. */
export interface PostgresTestDatabase {
  readonly connectionString: string;
  /** The fresh schema's name, e.g. `px_test_invoices_3f9a1c`. */
  readonly schema: string;
  /** A pool for setup and assertions (ended by `drop()`). */
  readonly pool: Pool;
  /** Drops the schema with everything in it and ends the pool. */
  drop(): Promise<void>;
}

/** The connection string tests use. */
export function testPostgresUrl(): string {
  return process.env.POLYXENA_TEST_POSTGRES_URL ?? DEFAULT_TEST_POSTGRES_URL;
}

/**
 * Creates a fresh schema named after `label`. Fails with instructions when
 * the server cannot be reached.
 *
 * @example
 * const db = await createPostgresTestDatabase("postgres-adapter");
 * const adapter = createPostgresAdapter({ connectionString: db.connectionString }, { schema: db.schema });
 * afterAll(() => db.drop());
 */
export async function createPostgresTestDatabase(label: string): Promise<PostgresTestDatabase> {
  const connectionString = testPostgresUrl();
  const pool = new pg.Pool({ connectionString, max: 4, connectionTimeoutMillis: 5000 });
  pool.on("error", () => undefined);
  const safe = label.toLowerCase().replace(/[^a-z0-9]+/g, "_").slice(0, 30);
  const schema = `px_test_${safe}_${randomBytes(4).toString("hex")}`;
  try {
    await pool.query(`CREATE SCHEMA "${schema}"`);
  } catch (error) {
    await pool.end().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Postgres is not reachable at ${redact(connectionString)} (${reason}). ` +
        `Start the local server with: ${START_POSTGRES_COMMAND} ` +
        "(or point POLYXENA_TEST_POSTGRES_URL at a running server; see docker-compose.yml).",
      { cause: error },
    );
  }
  let dropped = false;
  return {
    connectionString,
    schema,
    pool,
    async drop() {
      if (dropped) return;
      dropped = true;
      try {
        await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await pool.end();
      }
    },
  };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}
