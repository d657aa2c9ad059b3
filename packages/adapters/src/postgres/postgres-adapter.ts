/**
 * The Postgres store adapter over a {@link PostgresPort} (a `pg` pool, or
 * PGlite in the memory twin), with a Kysely instance on the same port for
 * ad-hoc typed queries.
 */
import {
  PolyxenaError,
  type DeleteRequest,
  type EntityModel,
  type ErrorClass,
  type GetManyRequest,
  type GetRequest,
  type OperationDescriptor,
  type PutRequest,
  type QueryRequest,
  type SchemaApplyOptions,
  type SchemaApplyResult,
  type SchemaPlan,
  type StoreAdapter,
  type StoredItem,
  type StorePage,
  type StoreRequestBase,
  type StoreTransaction,
  type TransactionOptions,
  type UpdateRequest,
  type WriteCondition,
} from "@polyxena/core";
import { Kysely, PostgresDialect, type PostgresPool } from "kysely";
import { POSTGRES_CAPABILITIES } from "./postgres-capabilities.js";
import { decodePosition } from "../sql/sql-ordering.js";
import { classifyPostgresError, isStalePreparedStatement, postgresError } from "./postgres-errors.js";
import { assertIndexRowSizes } from "./postgres-limits.js";
import { applyPostgresSchema, planPostgresSchema } from "./postgres-schema-apply.js";
import { EntityStatements, type CompiledQuery, type PgStatement } from "./postgres-statements.js";
import { isolationLevel } from "./postgres-isolation.js";
import { holdClient, PostgresTransactionHandle, transactionClient } from "./postgres-transaction.js";
import { runSqlTransaction } from "../sql/sql-transaction.js";
import { assertNotAborted, conditionFailure, inRequestOrder, keysetPage, updateParameters } from "../sql/sql-requests.js";
import { SqlStatementCache } from "../sql/sql-statement-cache.js";
import { PostgresOutbox } from "./postgres-outbox.js";
import { PreparedQuery } from "./postgres-prepared-query.js";
import type { PostgresArrayResult, PostgresPort, PostgresQueryable, PostgresSession } from "./postgres-port.js";

/** Options of the Postgres adapter besides the connection. */
export interface PostgresAdapterOptions {
  /** Database schema holding the tables (default `public`). */
  schema?: string | undefined;
  /** Instance id in errors and metrics (default `postgres`). */
  name?: string | undefined;
}

/**
 * A {@link StoreAdapter} for Postgres. Every operation runs as a named
 * prepared statement compiled once per process per operation.
 */
export class PostgresAdapter implements StoreAdapter {
  readonly kind = "postgres" as const;
  readonly capabilities = POSTGRES_CAPABILITIES;
  readonly name: string;
  readonly schema: string;
  private readonly compiled: SqlStatementCache<PgStatement, EntityStatements>;
  private kyselyInstance: Kysely<unknown> | undefined;
  /**
   * Suffix of statement names, bumped when Postgres refuses a prepared
   * statement whose tables changed shape under it (see {@link isStalePreparedStatement}).
   */
  private statementGeneration = 0;
  /** Change events of entities with events, recorded in the same transaction as their writes. */
  readonly outbox: PostgresOutbox;
  private closed = false;

  /**
   * @param port the driver: a `pg` pool, or any other {@link PostgresPort}
   * @param ownsPort whether `close()` ends the port (only ports the adapter's factory created)
   * @param plainQueries send statements as plain query objects instead of {@link PreparedQuery} (for a `pg` pool in pipeline mode, which refuses Submittables)
   */
  constructor(
    readonly port: PostgresPort,
    private readonly ownsPort: boolean,
    options: PostgresAdapterOptions = {},
    private readonly plainQueries = false,
  ) {
    this.name = options.name ?? "postgres";
    this.schema = options.schema ?? "public";
    this.compiled = new SqlStatementCache(this.name, (model) => new EntityStatements(model, this.schema));
    this.outbox = new PostgresOutbox(this);
    if (!/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/.test(this.schema)) {
      throw new PolyxenaError("E_DEFINITION", `invalid Postgres schema name ${JSON.stringify(this.schema)}`, {
        store: this.name,
        path: "schema",
        fix: "use a plain identifier such as public or billing",
      });
    }
  }

  async get(request: GetRequest): Promise<StoredItem | undefined> {
    assertIndexRowSizes(request.op.entity, request.key, "key");
    const s = this.statements(request.op);
    const result = await this.execute(request, s.get, s.keyValues(request.key));
    const row = result.rows[0];
    return row === undefined ? undefined : s.decodeRow(row);
  }

  async getMany(request: GetManyRequest): Promise<(StoredItem | undefined)[]> {
    if (request.keys.length === 0) return [];
    for (const key of request.keys) assertIndexRowSizes(request.op.entity, key, "key");
    const s = this.statements(request.op);
    const result = await this.execute(request, s.getMany, s.getManyValues(request.keys));
    return inRequestOrder(request.keys, result.rows.map((row) => s.decodeRow(row)), (key) => s.keyString(key));
  }

  async put(request: PutRequest): Promise<void> {
    assertIndexRowSizes(request.op.entity, request.item, "item");
    const s = this.statements(request.op);
    const values = s.itemValues(request.item);
    const condition = request.condition;
    if (condition?.kind === "version") values.push(condition.expected);
    let statement = s.put(condition);
    const change = request.change;
    if (change) {
      // The write and its change event in one statement: atomic with or without a transaction, one round trip.
      statement = this.outbox.recording(s.putReturning(condition), values.length);
      values.push(...this.outbox.recordValues(change, "put", request.item));
    }
    const result = await this.execute(request, statement, values);
    if (condition && result.rowCount === 0) throw await this.conditionFailed(request, s, request.item, condition, statement);
  }

  async update(request: UpdateRequest): Promise<StoredItem | undefined> {
    if (request.change) {
      if (!request.transaction) return this.transaction((tx) => this.update({ ...request, transaction: tx }));
      const updated = await this.updateRow(request);
      await this.outbox.record(transactionClient(request.transaction), request.change, "put", updated);
      return updated;
    }
    return this.updateRow(request);
  }

  private async updateRow(request: UpdateRequest): Promise<StoredItem> {
    assertIndexRowSizes(request.op.entity, request.key, "key");
    assertIndexRowSizes(request.op.entity, request.changes, "changes");
    const s = this.statements(request.op);
    const condition = request.condition;
    const { changed, values } = updateParameters(request, s, this.name);
    const statement = s.update(changed, condition.kind === "version", request.incrementVersion);
    const result = await this.execute(request, statement, values);
    const row = result.rows[0];
    if (row === undefined) throw await this.conditionFailed(request, s, request.key, condition, statement);
    return s.decodeRow(row);
  }

  async delete(request: DeleteRequest): Promise<void> {
    assertIndexRowSizes(request.op.entity, request.key, "key");
    const s = this.statements(request.op);
    const condition = request.condition;
    const change = request.change;
    if (change && !request.transaction) return this.transaction((tx) => this.delete({ ...request, transaction: tx }));
    const statement = condition?.kind === "version" ? (change ? s.deleteVersionReturning : s.deleteVersion) : change ? s.deleteReturning : s.delete;
    const values = s.keyValues(request.key);
    if (condition?.kind === "version") values.push(condition.expected);
    const result = await this.execute(request, statement, values);
    if (condition && result.rowCount === 0) throw await this.conditionFailed(request, s, request.key, condition, statement);
    const deleted = result.rows[0];
    if (change && deleted !== undefined) await this.outbox.record(transactionClient(request.transaction!), change, "delete", s.decodeRow(deleted));
  }

  async query(request: QueryRequest): Promise<StorePage> {
    assertIndexRowSizes(request.op.entity, request.params, "params");
    const compiled = this.compiledQuery(request.op);
    const s = this.statements(request.op);
    const position = request.position === undefined ? undefined : decodePosition(compiled.ordering, request.position);
    const variant = compiled.variant(request.reverse, request.range, position, request.limit);
    const values = compiled.values(variant, request.params, request.range, position, request.limit);
    const result = await this.execute(request, variant.statement, values);
    return keysetPage(result.rows, request.limit, (row) => s.decodeRow(row), compiled.ordering);
  }

  /** The compiled statements of an entity (shared with the outbox's scans). */
  statementsOf(model: EntityModel): EntityStatements {
    return this.compiled.entity(model);
  }

  async transaction<T>(work: (tx: StoreTransaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const level = isolationLevel(options.isolation, this.name);
    const begin = level ? `BEGIN ISOLATION LEVEL ${level.toUpperCase()}` : "BEGIN";
    return runSqlTransaction<PostgresSession, T>(
      {
        store: this.name,
        server: "Postgres",
        idleTimeout: "idle_in_transaction_session_timeout closes idle transactions",
        begin,
        hold: () => holdClient(this.port),
        start: (client) => client.query(begin),
        commit: (client) => client.query("COMMIT"),
        rollback: (client) => client.query("ROLLBACK"),
        handle: (client) => new PostgresTransactionHandle(this.name, client),
        classify: classifyPostgresError,
        mapError: postgresError,
      },
      work,
    );
  }

  /** Brings the database to the declared schema (see `postgres-schema-apply.ts`): additive changes; destructive ones only with `allowDestructive`. */
  async applySchema(entities: readonly EntityModel[], options: SchemaApplyOptions = {}): Promise<SchemaApplyResult> {
    try {
      return await applyPostgresSchema(this.port, entities, this.schema, options, this.name);
    } catch (error) {
      throw postgresError(error, "applySchema").withContext({ store: this.name, operation: "applySchema" });
    }
  }

  /** The differences between the declared schema and the database, read from its catalog; changes nothing. */
  async planSchema(entities: readonly EntityModel[]): Promise<SchemaPlan> {
    try {
      return await planPostgresSchema(this.port, entities, this.schema);
    } catch (error) {
      throw postgresError(error, "planSchema").withContext({ store: this.name, operation: "planSchema" });
    }
  }

  classifyError(error: unknown): ErrorClass {
    return classifyPostgresError(error);
  }

  /**
   * A Kysely instance on the adapter's port and schema, for queries beyond
   * the declared patterns. Pass the generated `Database` type:
   *
   * @example
   * const rows = await adapter.kysely<Database>().selectFrom("invoice").selectAll().execute();
   */
  kysely<DB = any>(): Kysely<DB> {
    if (!this.kyselyInstance) {
      // The port's sessions run Kysely's text queries; Kysely's cursor overload (streaming) is the one call they lack.
      const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: this.port as unknown as PostgresPool }) });
      this.kyselyInstance = this.schema === "public" ? db : db.withSchema(this.schema);
    }
    return this.kyselyInstance as unknown as Kysely<DB>;
  }

  /** Ends the port when the adapter created it; a pool passed in is left open for its owner. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsPort) await this.port.end();
  }

  /**
   * Runs before every statement of an entity; `undefined` when there is nothing to wait for.
   * The memory twin creates the entity's tables here on first use, so tests need no schema step.
   */
  protected prepare(_model: EntityModel, _transaction: StoreTransaction | undefined): Promise<void> | undefined {
    return undefined;
  }

  // ---- internals ----------------------------------------------------------

  private statements(op: OperationDescriptor): EntityStatements {
    return this.compiled.entity(op.entity);
  }

  private compiledQuery(op: OperationDescriptor): CompiledQuery {
    return this.compiled.query(op);
  }

  private async execute(request: StoreRequestBase, statement: PgStatement, values: unknown[], preparedAgain = false): Promise<PostgresArrayResult> {
    assertNotAborted(request, statement.text);
    const generation = this.statementGeneration;
    try {
      const preparing = this.prepare(request.op.entity, request.transaction);
      if (preparing) await preparing;
      const target: PostgresQueryable = request.transaction ? transactionClient(request.transaction) : this.port;
      const name = generation === 0 ? statement.name : `${statement.name}_${generation}`;
      return await target.query(this.plainQueries ? { name, text: statement.text, values, rowMode: "array" } : new PreparedQuery(name, statement.text, values));
    } catch (error) {
      if (isStalePreparedStatement(error)) {
        // The connections keep the stale statements under the old names: new names prepare afresh everywhere.
        if (generation === this.statementGeneration) this.statementGeneration++;
        // The statement did not run. Inside a transaction it aborted the transaction, whose next attempt runs.
        if (!request.transaction && !preparedAgain) return this.execute(request, statement, values, true);
      }
      throw postgresError(error, statement.text, request.op.idempotent, request.op.entity);
    }
  }

  /** `E_CONDITION_FAILED` for a conditional write that changed no row, with the current row when it exists. */
  private conditionFailed(request: StoreRequestBase, s: EntityStatements, key: Record<string, unknown>, condition: WriteCondition, statement: PgStatement): Promise<PolyxenaError> {
    return conditionFailure(s.model, condition, statement.text, async () => {
      const row = (await this.execute(request, s.get, s.keyValues(key))).rows[0];
      return row === undefined ? undefined : s.decodeRow(row);
    }, { constraint: `${s.model.table}_pkey`, alreadyExists: `duplicate key value violates unique constraint "${s.model.table}_pkey"` });
  }
}
