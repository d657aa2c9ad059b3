/**
 * Applies the generated Postgres DDL idempotently: one transaction, an
 * advisory lock so that concurrent deployers take turns, and a
 * `polyxena_schema_migrations` table recording each applied statement's hash.
 */
import { createHash } from "node:crypto";
import { buildPostgresSchema, quoteIdent, type EntityModel, type SchemaApplyResult } from "@polyxena/core";
import type { Pool } from "pg";
import { postgresError } from "./postgres-errors.js";
import { holdClient } from "./postgres-transaction.js";

/** Name of the table recording applied statements. */
export const MIGRATIONS_TABLE = "polyxena_schema_migrations";

/** The advisory lock key of a schema: 63 bits of a hash, as a decimal string. */
function lockKey(schema: string): string {
  const hash = createHash("sha256").update(`polyxena-schema:${schema}`).digest();
  return (hash.readBigInt64BE(0) & 0x7fffffffffffffffn).toString();
}

/**
 * Creates the schema, tables and indexes of `models` in `schema` unless the
 * migrations table records them as applied.
 */
export async function applyPostgresSchema(pool: Pool, models: readonly EntityModel[], schema: string): Promise<SchemaApplyResult> {
  const statements = buildPostgresSchema(models, { schema });
  const migrations = `${quoteIdent(schema)}.${quoteIdent(MIGRATIONS_TABLE)}`;
  const result: SchemaApplyResult = { applied: [], unchanged: [] };
  let current = "BEGIN";
  const held = await holdClient(pool).catch((error: unknown) => {
    throw postgresError(error, current);
  });
  const client = held.client;
  try {
    const run = async (text: string, values: unknown[] = []) => {
      current = text;
      return client.query(text, values);
    };
    await run("BEGIN");
    await run("SELECT pg_advisory_xact_lock($1::int8)", [lockKey(schema)]);
    await run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await run(
      `CREATE TABLE IF NOT EXISTS ${migrations} (statement_hash text PRIMARY KEY, statement text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = await run(`SELECT statement_hash FROM ${migrations}`);
    const applied = new Set(done.rows.map((r: { statement_hash: string }) => r.statement_hash));
    for (const statement of statements) {
      const hash = createHash("sha256").update(statement).digest("hex");
      if (applied.has(hash)) {
        result.unchanged.push(statement);
        continue;
      }
      await run(statement);
      await run(`INSERT INTO ${migrations} (statement_hash, statement) VALUES ($1, $2)`, [hash, statement]);
      applied.add(hash);
      result.applied.push(statement);
    }
    await run("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw postgresError(error, current, false);
  } finally {
    held.release();
  }
}
