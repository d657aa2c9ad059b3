/**
 * The in-memory Postgres adapter: the real Postgres adapter over PGlite
 * (Postgres compiled to WebAssembly, in process), so constraints, types,
 * isolation levels, errors, schema plan/apply and the outbox are
 * Postgres's own.
 */
import type { PGlite } from "@electric-sql/pglite";
import { quoteIdent, type EntityModel, type StoreTransaction, type TransactionOptions } from "@polyxena/core";
import { postgresIndexStatements, postgresOutboxStatements, postgresTableStatement } from "@polyxena/core/stores/postgres";
import { PostgresAdapter, transactionClient } from "@polyxena/adapters/postgres/in-process";
import { PglitePostgresPort, runAsSessionHolder } from "./pglite-postgres-port.js";

/** Options of {@link createMemoryPostgresAdapter}. */
export interface MemoryPostgresAdapterOptions {
  /** Instance id in errors and metrics (default `postgres`). */
  name?: string | undefined;
  /**
   * Database schema of the adapter's tables. Default: a fresh schema per
   * adapter, so two adapters never see each other's rows; adapters given the
   * same schema share its tables, as on a server.
   */
  schema?: string | undefined;
  /** The PGlite instance to run on. Default: one instance shared by the process's memory adapters. */
  pglite?: PGlite | undefined;
}

let adapters = 0;

/**
 * The in-memory Postgres adapter. An entity's table and indexes are created
 * on its first use, so tests need no schema step; `applySchema` and
 * `planSchema` work as on a server. The outbox tables exist from the start.
 *
 * PGlite has one session: a statement sent outside a transaction from
 * inside that transaction's work fails with `E_UNSUPPORTED` (on a server it
 * would run on a second connection).
 */
export class MemoryPostgresAdapter extends PostgresAdapter {
  private readonly created = new WeakSet<EntityModel>();

  constructor(options: MemoryPostgresAdapterOptions = {}) {
    const schema = options.schema ?? `px_memory_${process.pid}_${++adapters}`;
    // One exchange with Postgres for the whole schema: each statement sent on its own costs a round of its own.
    const setup = async (db: PGlite) => {
      await db.exec([`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`, ...postgresOutboxStatements(schema)].join(";\n"));
    };
    super(new PglitePostgresPort(options.pglite, setup), true, { name: options.name, schema });
  }

  override transaction<T>(work: (tx: StoreTransaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return runAsSessionHolder(() => super.transaction(work, options));
  }

  /** Creates the entity's table and indexes on first use (in the transaction, when there is one). */
  protected override prepare(model: EntityModel, transaction: StoreTransaction | undefined): Promise<void> | undefined {
    return this.created.has(model) ? undefined : this.createTables(model, transaction);
  }

  private async createTables(model: EntityModel, transaction: StoreTransaction | undefined): Promise<void> {
    // The table and its indexes as one simple query (several statements, one exchange), as `pg` sends a text without parameters.
    const statements = [postgresTableStatement(model, this.schema), ...postgresIndexStatements(model, this.schema)].join(";\n");
    if (transaction) {
      // Created inside the transaction, they roll back with it: the model counts as created only once outside.
      await transactionClient(transaction).query(statements);
      return;
    }
    await this.port.query(statements);
    this.created.add(model);
  }

  /** Empties every table of the adapter's schema. */
  async clear(): Promise<void> {
    const tables = await this.port.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = $1", [this.schema]);
    if (tables.rows.length === 0) return;
    await this.port.query(`TRUNCATE ${tables.rows.map((t) => `${quoteIdent(this.schema)}.${quoteIdent(t.tablename)}`).join(", ")}`);
  }
}

/**
 * Creates an in-memory Postgres adapter for tests. PGlite starts on the first
 * statement (once per process).
 *
 * @example
 * const repos = createRepositories({ stores: { postgres: createMemoryPostgresAdapter() } });
 */
export function createMemoryPostgresAdapter(options: MemoryPostgresAdapterOptions = {}): MemoryPostgresAdapter {
  return new MemoryPostgresAdapter(options);
}
