/**
 * A fresh MySQL database per test file, on the server named by
 * `POLYXENA_TEST_MYSQL_URL` (default `mysql://root@127.0.0.1:3306/test`,
 * the local MariaDB).
 */
import { randomBytes } from "node:crypto";
import { createPool, type Pool } from "mysql2/promise";

/** The server tests use unless `POLYXENA_TEST_MYSQL_URL` names another. */
export const DEFAULT_TEST_MYSQL_URL = "mysql://root@127.0.0.1:3306/test";

/** The command that starts the local MariaDB server. */
export const START_MARIADB_COMMAND = "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd";

/** A database of its own on the test server, dropped by `drop()`. */
export interface MysqlTestDatabase {
  /** A URI naming the fresh database. */
  readonly uri: string;
  /** The fresh database's name, e.g. `px_test_invoices_3f9a1c`. */
  readonly database: string;
  /** A pool on the fresh database for setup and assertions (ended by `drop()`). */
  readonly pool: Pool;
  /** Drops the database with everything in it and ends the pool. */
  drop(): Promise<void>;
}

/** The connection URI tests use. */
export function testMysqlUrl(): string {
  return process.env.POLYXENA_TEST_MYSQL_URL ?? DEFAULT_TEST_MYSQL_URL;
}

/**
 * Creates a fresh database named after `label`. Fails with instructions
 * when the server cannot be reached.
 *
 * @example
 * const db = await createMysqlTestDatabase("mysql-adapter");
 * const adapter = createMysqlAdapter({ uri: db.uri });
 * afterAll(() => db.drop());
 */
export async function createMysqlTestDatabase(label: string): Promise<MysqlTestDatabase> {
  const base = new URL(testMysqlUrl());
  const safe = label.toLowerCase().replace(/[^a-z0-9]+/g, "_").slice(0, 30);
  const database = `px_test_${safe}_${randomBytes(4).toString("hex")}`;
  const admin = createPool({ uri: base.toString(), connectionLimit: 1, connectTimeout: 5000 });
  try {
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `MySQL is not reachable at ${redact(base.toString())} (${reason}). Start the local MariaDB server with: ${START_MARIADB_COMMAND} ` +
        "(or point POLYXENA_TEST_MYSQL_URL at a running MySQL 8 or MariaDB 10.6+ server; see docker-compose.yml).",
      { cause: error },
    );
  } finally {
    await admin.end().catch(() => undefined);
  }
  const url = new URL(base.toString());
  url.pathname = `/${database}`;
  const uri = url.toString();
  const pool = createPool({ uri, connectionLimit: 4, dateStrings: true, timezone: "Z" });
  let dropped = false;
  return {
    uri,
    database,
    pool,
    async drop() {
      if (dropped) return;
      dropped = true;
      try {
        await pool.query(`DROP DATABASE IF EXISTS \`${database}\``);
      } finally {
        await pool.end();
      }
    },
  };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}
